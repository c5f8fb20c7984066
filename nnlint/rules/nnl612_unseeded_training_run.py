from nnlint.rules.base import Rule


class UnseededTrainingRun(Rule):
    """
    ## What it does
    Finds a training script that never seeds its random number generators: it builds an
    optimizer outside any class (at module level, or in a function of a file with an
    `if __name__ == "__main__":` guard), or calls `trainer.fit(...)` on a Lightning `Trainer`,
    and no call in the file is `torch.manual_seed`, `random.seed`, `np.random.seed`,
    `seed_everything`, `set_seed` or any function named like a seeding helper (`init_seeds`,
    `fix_seed`, one imported from another file), gets a `seed=` argument, and no variable is
    named `seed` — and the file has a result a second run should repeat: it keeps or evaluates
    the model (`torch.save`, `save_image`, `save_pretrained`, `model.eval()`, `trainer.test`,
    `evaluate(...)`, a `def evaluate` / `validation_step`), or computes a metric (`acc`,
    `num_correct`, `f1_score`, `roc_auc_score`, an OGB `Evaluator`; catalogue `RESULT_CALLS`,
    `METRIC_WORDS`). A minimal API example that trains a few epochs and prints its loss, or a
    toy stepped to show a scheduler, has nothing to reproduce and is not reported.

    Off by default: many scripts leave runs unseeded on purpose, and seeding may happen in a
    launcher nnlint does not see.

    ## Why is this bad?
    Weight initialization, data shuffling, dropout masks and augmentations all draw random
    numbers. Unseeded, two runs of the same code differ, so a change that "fixed" the model
    cannot be told from a lucky draw, and a run that diverged cannot be repeated to debug it.
    The seed's advice to change one thing at a time and compare assumes runs that can be
    compared.

    ## Example
    ```python
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in loader:
        ...
    ```

    ## Use instead
    ```python
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ```
    (or `lightning.seed_everything(0, workers=True)`, `transformers.set_seed(0)`).

    ## Dynamic mode
    Not checked: `check --dynamic` does not confirm or refute this finding.

    ## When to ignore it
    When the run is seeded elsewhere (a launcher, a config system calling the seed for you),
    or when run-to-run variation is wanted (ensembles, seeds swept from the outside), and in
    speed benchmarks and profiling notebooks, whose results are timings. One
    finding per file, at the optimizer or the `fit` call. Not reported: test files and test
    functions, functions of a file without a main guard (a library's training helper, whose
    caller seeds), and the transformers `Trainer`, which seeds itself from
    `TrainingArguments.seed`.

    ## Precision
    Opt-in. Before a run had to have a result, 25 of 25 findings read were real on the
    precision corpus, 6 of 12 on the first held-out set and 4 of 25 on the second
    (docs/precision.md): the false alarms were minimal API examples of a self-supervised
    library that train and print a loss, toys in tutorials, speed benchmarks and profiling
    notebooks. The result condition removes the API examples and toys and keeps every real
    finding of the three sets; benchmarks that also compute an accuracy stay reported.
    """

    code = "NNL612"
    reads = ("seeding",)
    name = "unseeded-training-run"
    summary = "A training script builds an optimizer or starts a Trainer without seeding any random generator."
    fix_hint = "Seed torch, random and numpy (or call seed_everything / set_seed) before building the model."
    default_enabled = False
    invalid = (
        """\
import torch
import torch.nn as nn

model = nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)  # <--
for _ in range(10):
    optimizer.zero_grad()
    model(torch.randn(8, 4)).sum().backward()
    optimizer.step()
torch.save(model.state_dict(), "model.pt")
""",
        """\
import lightning.pytorch as pl
from models import LitNet

def main():
    trainer = pl.Trainer(max_epochs=5)
    model = LitNet()
    trainer.fit(model)  # <--
    trainer.test(model)

if __name__ == "__main__":
    main()
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn
from myproject.utils import init_seeds

def main(seed):
    init_seeds(seed)
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
""",
        """\
import torch
import pytorch_lightning as pl

class Lit(pl.LightningModule):
    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)  # a model, not a run
""",
        """\
import torch
from transformers import Trainer, set_seed

set_seed(42)
trainer = Trainer(model=torch.nn.Linear(2, 2))
trainer.train()
""",
        """\
import torch
import torchvision

# A minimal API example: trains and prints its loss, keeps and evaluates nothing.
model = torchvision.models.resnet18()
optimizer = torch.optim.SGD(model.parameters(), lr=0.06)
for epoch in range(10):
    loss = model(torch.randn(8, 3, 32, 32)).logsumexp(1).mean()
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
""",
    )

    def check(self, facts, report) -> None:
        if facts.unseeded_run is None:
            return
        report(
            facts.unseeded_run,
            "This file starts training here but never seeds torch, random or numpy (no manual_seed, "
            "seed_everything or set_seed): two runs of the same code initialise, shuffle and augment differently, "
            "so results cannot be repeated or compared. Seed them before building the model.",
        )
