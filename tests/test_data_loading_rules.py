"""NNL611 beyond its examples: which DataLoaders copy a dataset's generator into workers."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source

DATASET = """\
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, Dataset

    class Base(Dataset):
        pass

    class Jitter(Base):
        def __init__(self, n):
            self.n = n
            self.rng = np.random.RandomState(0)

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return self.rng.normal()
    """


def _lines(tail: str) -> list[int]:
    source = textwrap.dedent(DATASET) + textwrap.dedent(tail)
    found = lint_source(source.encode(), "m.py", {"NNL611"}, None)
    return [d.start.line for d in found if d.code == "NNL611"]


def test_a_subclass_of_a_local_dataset_through_a_variable_is_reported():
    assert _lines("ds = Jitter(10)\nloader = DataLoader(ds, 8, True, None, None, 2)\n") == [19]


def test_no_workers_a_worker_init_fn_or_hidden_arguments_are_silent():
    assert _lines("""\
        a = DataLoader(Jitter(10), batch_size=8)
        b = DataLoader(Jitter(10), batch_size=8, num_workers=0)
        c = DataLoader(Jitter(10), batch_size=8, num_workers=4, worker_init_fn=lambda i: None)
        d = DataLoader(Jitter(10), **{"num_workers": 4})
        e = DataLoader(torch.utils.data.TensorDataset(torch.zeros(3)), num_workers=4)
        """) == []


def test_the_message_names_the_generator_and_the_workers():
    source = textwrap.dedent(DATASET) + "loader = DataLoader(Jitter(10), num_workers=args.workers)\n"
    (diagnostic,) = lint_source(source.encode(), "m.py", {"NNL611"}, None)
    assert "self.rng (numpy.random.RandomState" in diagnostic.message
    assert "num_workers=args.workers" in diagnostic.message
