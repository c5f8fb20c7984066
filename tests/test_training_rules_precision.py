"""False-alarm classes of the training and evaluation rules found on real code
(docs/precision.md), each next to the bug it must still find."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source


def _codes(source: str, code: str) -> list[str]:
    return [d.code for d in lint_source(textwrap.dedent(source).encode(), "m.py", {code})]


# NNL502: a tokenizer or processor loaded with from_pretrained is not a model.
TOKENIZER = """\
    import torch
    from transformers import AutoTokenizer, AutoModelForCausalLM

    tokenizer = AutoTokenizer.from_pretrained("gpt2")
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    model.train()

    def evaluate(texts):
        model.eval()
        with torch.no_grad():
            batch = tokenizer(texts, return_tensors="pt")
            return model(**batch).logits
    """


def test_tokenizer_from_pretrained_is_not_a_model():
    assert _codes(TOKENIZER, "NNL502") == []
    # The model itself is still checked once the eval() is gone.
    assert _codes(TOKENIZER.replace("        model.eval()\n", ""), "NNL502") == ["NNL502"]


# NNL502: from_pretrained returns a model in evaluation mode.
PRETRAINED_IN_TEST = """\
    import torch
    from transformers import AutoModelForSequenceClassification

    def test_outputs_match():
        model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")
        with torch.no_grad():
            out = model(torch.ones(1, 8, dtype=torch.long)).logits
        assert out.shape[-1] == 2
    """


def test_from_pretrained_model_is_already_in_eval_mode():
    assert _codes(PRETRAINED_IN_TEST, "NNL502") == []
    # ...until something switches it to training mode.
    trained = PRETRAINED_IN_TEST.replace('uncased")\n', 'uncased")\n        model.train()\n')
    assert _codes(trained, "NNL502") == []  # train() before the call: deliberate (MC dropout)


PRETRAINED_TRAINED_ELSEWHERE = """\
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")

    def train_epoch(loader, opt):
        model.train()
        for batch in loader:
            loss = model(**batch).loss
            loss.backward()
            opt.step()
            opt.zero_grad()

    def evaluate(loader):
        with torch.no_grad():
            return [model(**batch).logits for batch in loader]
    """


def test_from_pretrained_model_switched_to_train_elsewhere_is_still_reported():
    assert _codes(PRETRAINED_TRAINED_ELSEWHERE, "NNL502") == ["NNL502"]


# NNL502: `.eval()` chained on the construction.
CHAINED_EVAL = """\
    import torch
    import torchvision

    def test_script_matches_eager():
        model = torchvision.models.resnet18(num_classes=3).eval()
        with torch.no_grad():
            out = model(torch.rand(1, 3, 32, 32))
        assert torch.allclose(out, torch.jit.script(model)(torch.rand(1, 3, 32, 32)))
    """


def test_eval_chained_on_the_construction_counts():
    loaded = CHAINED_EVAL.replace(".eval()\n", '.eval()\n        model.load_state_dict(torch.load("w.pt"))\n')
    assert _codes(loaded, "NNL502") == []
    assert _codes(loaded.replace(".eval()", ""), "NNL502") == ["NNL502"]


# NNL502: eval() set in the helper that built or prepared the model.
HELPER_SETS_EVAL = """\
    import torch
    import torchvision

    model = torchvision.models.vgg16_bn(num_classes=10)

    def prepare():
        model.load_state_dict(torch.load("best.pt"))
        model.eval()

    def predict(x):
        prepare()
        with torch.no_grad():
            return model(x).argmax(1)
    """


def test_eval_in_a_helper_called_first_counts():
    assert _codes(HELPER_SETS_EVAL, "NNL502") == []
    assert _codes(HELPER_SETS_EVAL.replace("        model.eval()\n", ""), "NNL502") == ["NNL502"]


# NNL502: the last helper called decides (evaluate() leaves eval mode, train_epoch() undoes it).
NOTEBOOK_FLOW = """\
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 2))

    def train_epoch(loader, opt):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

    def evaluate(loader):
        model.eval()
        with torch.no_grad():
            return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

    def predict_one(x):
        return model(x).argmax(1)

    train_epoch(train_loader, opt)
    evaluate(valid_loader)
    print(predict_one(sample))
    """


def test_the_last_helper_called_before_the_model_decides_its_mode():
    assert _codes(NOTEBOOK_FLOW, "NNL502") == []
    reordered = NOTEBOOK_FLOW.replace("    train_epoch(train_loader, opt)\n    evaluate(valid_loader)\n",
                                      "    evaluate(valid_loader)\n    train_epoch(train_loader, opt)\n")
    assert reordered != NOTEBOOK_FLOW
    assert _codes(reordered, "NNL502") == ["NNL502"]


# NNL502: a unit test that builds a fresh model (its class out of view, or from a helper of the
# file) checks shapes, not accuracy; `.eval()` chained on any call counts.
UNIT_TESTS = """\
    import torch
    from torch import nn
    from mylib import Decoder, wrap_model

    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.1))

    def make_model_and_inputs():
        net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        return net, torch.rand(2, 4)

    def test_decoder_shapes():
        model = Decoder(dim=4)
        with torch.no_grad():
            assert model(torch.rand(1, 4)).shape == (1, 4)

    def test_helper_model():
        model, inputs = make_model_and_inputs()
        with torch.no_grad():
            assert model(inputs).shape == (2, 4)

    def test_wrapped_model():
        model = wrap_model(torch.load("m.pt")).eval()
        with torch.no_grad():
            assert model(torch.rand(1, 4)).shape == (1, 4)
    """


def test_fresh_models_of_unit_tests_and_chained_eval_are_not_reported():
    assert _codes(UNIT_TESTS, "NNL502") == []
    loaded = UNIT_TESTS.replace("model = wrap_model(torch.load(\"m.pt\")).eval()",
                                "model = wrap_model(torch.load(\"m.pt\"))")
    assert _codes(loaded, "NNL502") == ["NNL502"]


HELPER_RETURNS_FRESH = """\
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))

        def forward(self, x):
            return self.body(x)

    def basic_config():
        return Net(), torch.rand(2, 4)

    def test_attributions():
        model, inputs = basic_config()
        logits = model(inputs)
        assert (logits > 0).any()

    def test_one_training_step():
        model = Net()
        model.load_state_dict(torch.load("ckpt.pt"))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        model(torch.rand(2, 4)).sum().backward()
        opt.step()
    """


def test_helper_returning_a_fresh_model_and_a_test_that_trains_are_not_reported():
    assert _codes(HELPER_RETURNS_FRESH, "NNL502") == []
    loaded = HELPER_RETURNS_FRESH.replace("        return Net(), torch.rand(2, 4)",
                                          "        net = Net()\n        net.load_state_dict(torch.load('w.pt'))\n"
                                          "        return net, torch.rand(2, 4)")
    assert _codes(loaded, "NNL502") == ["NNL502"]


# NNL604: objects whose forward is API, plain-dict strategy objects, pure delegation.
FORWARD_LOOKALIKES = """\
    import torch
    from torch import nn
    from skorch import NeuralNetClassifier

    class Variant:
        @staticmethod
        def forward(module, x, result):
            return result + x

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.base = nn.Linear(4, 4)
            self.variants = {}

        def forward(self, x):
            result = self.base(x)
            for name in self.variants:
                result = self.variants[name].forward(self, x, result)
            return result

    class Wrapper(nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *args, **kwargs):
            return self.model.forward(*args, **kwargs)

    class QuantLayer(nn.Module):
        def __init__(self, variant):
            super().__init__()
            self.base = nn.Linear(4, 4)
            self.variant = variant

        def forward(self, x):
            return self.variant.forward(self, x, self.base(x))

    def test_forward_returns_tensor(net_fit, X):
        y = net_fit.forward(X)
        assert y.shape[0] == len(X)
    """


def test_forward_of_non_modules_and_pure_delegation_is_not_reported():
    assert _codes(FORWARD_LOOKALIKES, "NNL604") == []
    # A layer built here skips no hook when nothing registers one; once a hook is registered
    # in the file, the direct call skips it.
    linear = FORWARD_LOOKALIKES + "\n    layer = nn.Linear(3, 3)\n    out = layer.forward(torch.rand(1, 3))\n"
    assert _codes(linear, "NNL604") == []
    hooked = linear + "    layer.register_forward_hook(lambda m, i, o: print(o.shape))\n"
    assert _codes(hooked, "NNL604") == ["NNL604"]
    no_skorch = FORWARD_LOOKALIKES.replace("    from skorch import NeuralNetClassifier\n", "")
    assert _codes(no_skorch, "NNL604") == ["NNL604"]  # `net_fit.forward(X)` on an unknown object
    nested_import = no_skorch.replace("def test_forward_returns_tensor(net_fit, X):\n",
                                      "def test_forward_returns_tensor(net_fit, X):\n        from skorch import NeuralNet\n")
    assert _codes(nested_import, "NNL604") == []


# NNL502: a wrapper of a model in eval mode (peft, torch.compile, accelerate) keeps the mode.
WRAPPED_PRETRAINED = """\
    import torch
    from peft import get_peft_model, LoraConfig
    from transformers import AutoModelForCausalLM

    def test_lora_output_is_reproducible():
        base = AutoModelForCausalLM.from_pretrained("tiny-opt")
        model = get_peft_model(base, LoraConfig()).to("cpu")
        with torch.no_grad():
            first = model(input_ids=torch.ones(1, 4, dtype=torch.long)).logits
        assert first.shape[0] == 1
    """


def test_a_wrapper_of_an_eval_mode_model_keeps_eval_mode():
    # `model` is a model elsewhere in the file (built from a class), as in a test module.
    source = WRAPPED_PRETRAINED + "\n    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.1))\n"
    assert _codes(source, "NNL502") == []
    unwrapped = source.replace("model = get_peft_model(base, LoraConfig())", "model = make_lora(base_path)")
    assert _codes(unwrapped, "NNL502") == ["NNL502"]


# NNL503: a helper shared by training and validation, whose backward is guarded and never runs
# under no_grad, is no optimization step in eval mode.
SHARED_STEP_HELPER = """\
    import torch
    import torch.nn.functional as F

    def forward_backward(model, batch):
        logits = model(batch[0])
        loss = F.cross_entropy(logits, batch[1])
        if loss.requires_grad:
            loss.backward()
        return loss

    def run(model, opt, train_batches, val_batches):
        for step, batch in enumerate(train_batches):
            opt.zero_grad()
            forward_backward(model, batch)
            opt.step()
            if step % 100 == 0:
                with torch.no_grad():
                    model.eval()
                    forward_backward(model, next(val_batches))
                    model.train()

    net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.2))
    run(net, torch.optim.SGD(net.parameters(), lr=0.1), train_batches, val_batches)
    """


def test_guarded_backward_under_no_grad_is_not_a_step_in_eval_mode():
    assert _codes(SHARED_STEP_HELPER, "NNL503") == []
    assert _codes(SHARED_STEP_HELPER.replace("                    model.train()\n", ""), "NNL503") == ["NNL503"]


# NNL605: a plain-number divisor of the loss is no graph.
ACCUMULATE_EVERY = """\
    import torch
    from collections import defaultdict

    def train(model, loader, accelerator, opt, num_batches=100, accumulate_every=4):
        for i in range(num_batches):
            total_loss = 0.0
            totals = defaultdict(float)
            for _ in range(accumulate_every):
                loss, parts = model(next(loader))
                for name, value in parts.items():
                    totals[name] += value.item() / accumulate_every
                loss = loss / accumulate_every
                accelerator.backward(loss)
                total_loss += loss.item()
            opt.step()
            opt.zero_grad()
    """


def test_a_plain_number_divisor_of_the_loss_is_not_accumulated_graph():
    assert _codes(ACCUMULATE_EVERY, "NNL605") == []
    graph = ACCUMULATE_EVERY.replace("total_loss += loss.item()", "total_loss += loss")
    assert _codes(graph, "NNL605") == ["NNL605"]


# NNL603: the step happens out of the function's sight, or nothing is meant to step.
STEP_ELSEWHERE = """\
    import torch

    opt = torch.optim.LBFGS(model.parameters())

    def closure():
        opt.zero_grad()
        for x, y in batches:
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
        return loss

    opt.step(closure)

    def forward_backward(batches):
        for x, y in batches:
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()

    def run(trainer, loader):
        for batches in loader:
            forward_backward(batches)
            trainer.optimize(opt)

    def test_backward_smoke(fabric):
        for _ in range(3):
            loss = fabric.model(torch.randn(2, 32)).sum()
            loss.backward()
    """


def test_backward_whose_step_happens_elsewhere_is_not_reported():
    assert _codes(STEP_ELSEWHERE, "NNL603") == []
    forgotten = STEP_ELSEWHERE.replace("            trainer.optimize(opt)\n", "            opt.zero_grad()\n")
    assert forgotten != STEP_ELSEWHERE
    assert _codes(forgotten, "NNL603") == ["NNL603"]


# NNL604: a module the file builds itself, with no hook installed anywhere in the file, runs
# nothing but `forward` when called: a direct `.forward()` on it skips nothing.
OWN_HEAD = """\
    import torch
    import torch.nn as nn

    class SSL(nn.Module):
        def __init__(self, backbone):
            super().__init__()
            self.backbone = backbone
            self.head = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 128))

        def training_step(self, x):
            return self.head.forward(self.backbone.forward(x)).pow(2).mean()
    """


def test_forward_of_a_module_built_here_without_hooks_is_not_reported():
    # The head is built here: silent. The backbone is handed in: it may carry its owner's hooks.
    assert _codes(OWN_HEAD, "NNL604") == ["NNL604"]
    assert _codes(OWN_HEAD.replace("self.backbone.forward(x)", "self.backbone(x)"), "NNL604") == []
    # A hook-based wrapper anywhere in the file: the built-here head may carry it.
    wrapped = OWN_HEAD.replace("nn.Linear(512, 128))", "nn.utils.spectral_norm(nn.Linear(512, 128)))")
    assert _codes(wrapped.replace("self.backbone.forward(x)", "self.backbone(x)"), "NNL604") == ["NNL604"]
    # Re-bound to something handed in: no longer known to be built here.
    rebound = OWN_HEAD.replace("self.backbone = backbone\n", "self.backbone = backbone\n            self.head = backbone.head\n")
    assert _codes(rebound.replace("self.backbone.forward(x)", "self.backbone(x)"), "NNL604") == ["NNL604"]
    # A submodule of a module built here, and a deep copy of one (an EMA teacher), are built here.
    teacher = OWN_HEAD.replace("self.backbone.forward(x)", "self.teacher.head[0].forward(x)").replace(
        "self.backbone = backbone\n", "self.backbone = backbone\n            self.teacher = copy.deepcopy(self.head)\n")
    assert _codes(teacher.replace("self.teacher.head[0]", "self.teacher"), "NNL604") == []
    handed = teacher.replace("copy.deepcopy(self.head)", "copy.deepcopy(backbone)").replace("self.teacher.head[0]", "self.teacher")
    assert _codes(handed, "NNL604") == ["NNL604"]


def test_forward_calls_in_test_files_are_not_reported():
    source = textwrap.dedent("""\
        import torch

        def test_forward_shapes(model):
            assert model.forward(torch.ones(2, 4)).shape == (2, 3)
        """).encode()
    assert [d.code for d in lint_source(source, "tests/test_model.py", {"NNL604"})] == []
    # The same code outside a test file: `model` is handed in and may carry hooks.
    assert [d.code for d in lint_source(source, "model.py", {"NNL604"})] == ["NNL604"]


# NNL610: a function that builds modules onto the frozen model adds trainable parameters.
LORA = """\
    import torch
    import torch.nn as nn

    def add_adapters(model, rank):
        for name, child in model.named_children():
            if isinstance(child, nn.Linear):
                setattr(model, name, Adapter(child, rank))

    def log_size(model):
        print(sum(p.numel() for p in model.parameters()))

    def finetune(model):
        model.requires_grad_(False)
        HELPER(model, 8)
        return torch.optim.AdamW(model.parameters(), lr=1e-4)
    """


def test_a_helper_building_modules_on_the_frozen_model_counts_as_a_replacement():
    assert _codes(LORA.replace("HELPER", "add_adapters"), "NNL610") == []
    # A helper of the file that only reads the model adds nothing: still every parameter frozen.
    assert _codes(LORA.replace("HELPER(model, 8)", "log_size(model)"), "NNL610") == ["NNL610"]
    # An imported helper (outside torch) is not seen: it may add parameters.
    imported = LORA.replace("HELPER", "inject_lora").replace("import torch\n", "import torch\n    from mylib import inject_lora\n", 1)
    assert _codes(imported, "NNL610") == []


# NNL603: a number bound to a loss name is no loss computed: a scheduler's curve drawn by
# stepping a dummy optimizer has no backward to miss.
SCHEDULER_CURVE = """\
    import torch

    def curve(dummy_optimizer, dummy_scheduler):
        rates = []
        for _ in range(12):
            rates.append(dummy_optimizer.param_groups[0]["lr"])
            dummy_optimizer.step()
            dummy_loss = LOSS
            dummy_scheduler.step(dummy_loss)
        return rates
    """


def test_a_placeholder_number_is_not_a_loss_whose_backward_is_missing():
    assert _codes(SCHEDULER_CURVE.replace("LOSS", "0.1"), "NNL603") == []
    # A loss computed from a model, with no backward, is still reported.
    computed = SCHEDULER_CURVE.replace("LOSS", "model(x).pow(2).mean()")
    assert _codes(computed, "NNL603") == ["NNL603"]


# NNL602: a unit test's few-step loop only has to move the weights.
NO_ZERO_GRAD = """\
    import torch

    def test_weights_change():
        model = torch.nn.Linear(2, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(5):
            model(torch.ones(1, 2)).sum().backward()
            optimizer.step()
    """


def test_missing_zero_grad_in_a_test_file_is_not_reported():
    source = textwrap.dedent(NO_ZERO_GRAD).encode()
    assert [d.code for d in lint_source(source, "tests/test_saving.py", {"NNL602"})] == []
    assert [d.code for d in lint_source(source, "train.py", {"NNL602"})] == ["NNL602"]
