"""A context manager that sets a model's mode for a `with` block counts as the switch (and as
no_grad when it turns gradients off): a library's from the catalogue (MONAI's `eval_mode`),
a project's own learnt from its body (nnlint.analysis.paths.mode_contexts)."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source


def _codes(source: str, *codes: str) -> list[str]:
    return sorted(d.code for d in lint_source(textwrap.dedent(source).encode(), "m.py", set(codes)))


LIBRARY = """\
    import torch
    import torchvision
    from monai.networks.utils import eval_mode

    model = torchvision.models.resnet18(num_classes=10)

    def validate(loader):
        total = 0.0
        with {context}:
            for x, y in loader:
                total += (model(x).argmax(1) == y).sum().item()
        return total
    """

OWN = """\
    import contextlib

    import torch
    import torchvision

    model = torchvision.models.resnet18(num_classes=10)

    @contextlib.contextmanager
    def evaluating(net):
        was_training = net.training
        {entry}
        try:
            yield net
        finally:
            if was_training:
                net.train()

    def validate(loader):
        total = 0.0
        with torch.no_grad(), evaluating(model):
            for x, y in loader:
                total += (model(x).argmax(1) == y).sum().item()
        return total
    """

TRAINING_LOOP = """\
    import torch
    import torchvision
    from monai.networks import eval_mode

    model = torchvision.models.resnet18(num_classes=10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
        for x, y in train_loader:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with eval_mode(model):
            print(sum(model(x).sum().item() for x, y in val_loader))
    """


def test_monai_eval_mode_sets_eval_and_no_grad() -> None:
    assert _codes(LIBRARY.format(context="eval_mode(model)"), "NNL502", "NNL506") == []
    # The bug it must still find: the same loop under a context that changes nothing.
    assert _codes(LIBRARY.format(context="open('log.txt')"), "NNL502", "NNL506") == ["NNL502", "NNL506"]


def test_a_projects_own_context_manager_that_calls_eval_counts() -> None:
    assert _codes(OWN.format(entry="net.eval()"), "NNL502") == []
    assert _codes(OWN.format(entry="net.train(False)"), "NNL502") == []
    # A manager that switches nothing before its yield leaves the model in training mode.
    assert _codes(OWN.format(entry="print(was_training)"), "NNL502") == ["NNL502"]


def test_the_mode_is_put_back_after_the_block() -> None:
    assert _codes(TRAINING_LOOP, "NNL503") == []
