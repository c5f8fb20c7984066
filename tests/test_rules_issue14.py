"""The issue-14 rules on realistic code beyond their own examples: Lightning, accelerate,
DeepSpeed, AMP, helpers and the look-alikes found on the precision corpus."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source


def _lines(code: str, source: str, path: str = "train.py") -> list[int]:
    text = textwrap.dedent(source)
    return [d.start.line for d in lint_source(text.encode("utf-8"), path, {code}) if d.code == code]


# ------------------------------------------------------------------ NNL506

def test_nnl506_inference_script_main_block_is_reported() -> None:
    assert _lines("NNL506", """\
        import torch
        import torchvision

        model = torchvision.models.resnet18(num_classes=10)

        if __name__ == "__main__":
            model.load_state_dict(torch.load("best.pt"))
            model.eval()
            for images, _ in loader:
                print(model(images).argmax(1))
        """, "predict.py") == [10]


def test_nnl506_caller_under_no_grad_and_set_grad_enabled_false_are_silent() -> None:
    assert _lines("NNL506", """\
        import torch

        def evaluate(model, loader):
            model.eval()
            return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

        def validate(model, loader):
            model.eval()
            total = 0
            for x, y in loader:
                total += (model(x).argmax(1) == y).sum().item()
            return total

        def test_model(model, loader):
            model.eval()
            with torch.set_grad_enabled(False):
                for x, y in loader:
                    print(model(x))

        def fit(model, loader, optimizer, epochs):
            for epoch in range(epochs):
                with torch.no_grad():
                    print(validate(model, loader))
        """) == []


def test_nnl506_pytest_tests_in_a_test_file_are_not_evaluation_code() -> None:
    source = """\
        import torch

        def test_forward_runs(model, batches):
            model.eval()
            for x in batches:
                assert model(x).shape[-1] == 10
        """
    assert _lines("NNL506", source, "tests/test_model.py") == []
    assert _lines("NNL506", source.replace("test_forward_runs", "evaluate"), "tests/test_model.py") == [6]


# ------------------------------------------------------------------ NNL608

def test_nnl608_lightning_manual_optimization_missing_one_zero_grad() -> None:
    assert _lines("NNL608", """\
        import torch
        import lightning as L

        class GAN(L.LightningModule):
            def __init__(self, g, d):
                super().__init__()
                self.automatic_optimization = False
                self.g, self.d = g, d

            def training_step(self, batch, batch_idx):
                opt_g, opt_d = self.optimizers()
                for _ in range(1):
                    opt_d.zero_grad()
                    self.manual_backward(self.d(self.g(batch).detach()).mean() - self.d(batch).mean())
                    opt_d.step()
                    self.manual_backward(-self.d(self.g(batch)).mean())
                    opt_g.step()
        """) == [17]


def test_nnl608_amp_scaler_steps_count_for_their_optimizer() -> None:
    source = """\
        import torch

        def train(G, D, loader, scaler):
            opt_g = torch.optim.Adam(G.parameters())
            opt_d = torch.optim.Adam(D.parameters())
            for real in loader:
                opt_d.zero_grad()
                scaler.scale(D(real).mean() - D(G(real).detach()).mean()).backward()
                scaler.step(opt_d)
                CLEAR
                scaler.scale(-D(G(real)).mean()).backward()
                scaler.step(opt_g)
                scaler.update()
        """
    assert _lines("NNL608", source.replace("CLEAR", "pass")) == [12]
    assert _lines("NNL608", source.replace("CLEAR", "G.zero_grad()")) == []


def test_nnl608_unknown_clearing_keeps_it_silent() -> None:
    assert _lines("NNL608", """\
        import torch

        def train(actor, critic, loader, actor_opt, critic_opt):
            for batch in loader:
                for p in critic.parameters():
                    p.grad = None
                critic(batch).mean().backward()
                critic_opt.step()
                actor_opt.zero_grad()
                (-critic(actor(batch))).mean().backward()
                actor_opt.step()
        """) == []


# ------------------------------------------------------------------ NNL609

def test_nnl609_deepspeed_engine_and_lightning_accumulate_are_silent() -> None:
    assert _lines("NNL609", """\
        import torch
        import deepspeed

        def train(model, loader, args):
            engine, optimizer, _, _ = deepspeed.initialize(model=model, model_parameters=model.parameters())
            for step, batch in enumerate(loader):
                loss = engine(batch)
                engine.backward(loss)
                if (step + 1) % args.accum == 0:
                    optimizer.step()
                    optimizer.zero_grad()
        """) == []
    assert _lines("NNL609", """\
        import lightning as L

        trainer = L.Trainer(accumulate_grad_batches=8)
        trainer.fit(model)
        """) == []


def test_nnl609_division_in_place_or_in_the_backward_expression_counts() -> None:
    source = """\
        import torch

        def train(model, loader, optimizer, k):
            for i, (x, y) in enumerate(loader):
                loss = torch.nn.functional.mse_loss(model(x), y)
                SCALE
                if (i + 1) % k == 0:
                    optimizer.step()
                    optimizer.zero_grad()
        """
    assert _lines("NNL609", source.replace("SCALE", "loss.backward()")) == [6]
    assert _lines("NNL609", source.replace("SCALE", "loss /= k\n            loss.backward()")) == []
    assert _lines("NNL609", source.replace("SCALE", "(loss / k).backward()")) == []


def test_nnl609_zero_grad_every_iteration_is_not_accumulation() -> None:
    assert _lines("NNL609", """\
        import torch

        def train(model, loader, optimizer, k):
            for i, (x, y) in enumerate(loader):
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(model(x), y).backward()
                if i % k == 0:
                    optimizer.step()
        """) == []


# ------------------------------------------------------------------ NNL610

def test_nnl610_freeze_then_unfreeze_a_part_through_a_method_call_is_silent() -> None:
    # accelerate's cv_example: everything frozen, then the classifier's parameters unfrozen.
    assert _lines("NNL610", """\
        import timm
        import torch

        model = timm.create_model("resnet50d", pretrained=True, num_classes=37)
        for param in model.parameters():
            param.requires_grad = False
        for param in model.get_classifier().parameters():
            param.requires_grad = True
        optimizer = torch.optim.Adam(params=model.parameters(), lr=3e-4)
        """) == []


def test_nnl610_rewrapped_model_and_partial_freeze_are_silent() -> None:
    assert _lines("NNL610", """\
        import torch

        def build(backbone, head):
            backbone.requires_grad_(False)
            backbone = torch.nn.Sequential(backbone, head)
            return torch.optim.SGD(backbone.parameters(), lr=0.1)

        def build_partial(model):
            for name, p in model.named_parameters():
                if "bn" not in name:
                    p.requires_grad = False
            return torch.optim.SGD(model.parameters(), lr=0.1)
        """) == []


def test_nnl610_add_param_group_after_unfreezing_is_silent() -> None:
    assert _lines("NNL610", """\
        import torch

        def finetune(model, epochs):
            model.backbone.requires_grad_(False)
            optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()))
            for epoch in range(epochs):
                if epoch == 3:
                    model.backbone.requires_grad_(True)
                    optimizer.add_param_group({"params": model.backbone.parameters(), "lr": 1e-5})
        """) == []


# ------------------------------------------------------------------ NNL613

def test_nnl613_fsdp_without_sampler_and_fabric_loaders() -> None:
    fsdp = """\
        import torch
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        from torch.utils.data import DataLoader

        def main(model, train_set, val_set):
            model = FSDP(model)
            train_loader = DataLoader(train_set, batch_size=8, shuffle=True)
            val_loader = DataLoader(val_set, batch_size=8)
            SETUP
        """
    assert _lines("NNL613", fsdp.replace("SETUP", "pass")) == [7]
    assert _lines("NNL613", fsdp.replace("SETUP", "train_loader = fabric.setup_dataloaders(train_loader)")) == []


def test_nnl613_self_sharding_dataset_and_no_epoch_loop_are_silent() -> None:
    assert _lines("NNL613", """\
        import torch
        from torch.nn.parallel import DistributedDataParallel as DDP
        from torch.utils.data import DataLoader

        def main(model, urls):
            model = DDP(model)
            loader = DataLoader(wds.WebDataset(urls).shuffle(1000), batch_size=32)
        """) == []
    assert _lines("NNL613", """\
        from torch.utils.data import DataLoader, DistributedSampler

        class DataModule:
            def train_dataloader(self):
                return DataLoader(self.train_set, sampler=DistributedSampler(self.train_set))
        """) == []


# ------------------------------------------------------------------ NNL502 (the converse of NNL506)

def test_nnl502_torch_nn_layer_used_as_the_model_with_dropout() -> None:
    source = """\
        import torch
        import torch.nn as nn

        rnn = LAYER

        def train(loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                nn.functional.mse_loss(rnn(x)[0], y).backward()
                optimizer.step()

        @torch.no_grad()
        def predict(x):
            return rnn(x)[0]
        """
    assert _lines("NNL502", source.replace("LAYER", "nn.GRU(16, 32, num_layers=2, dropout=0.2)")) == [14]
    assert _lines("NNL502", source.replace("LAYER", "nn.GRU(16, 32, num_layers=2)")) == []
    assert _lines("NNL502", source.replace("LAYER", "nn.TransformerEncoderLayer(16, 2)")) == [14]


def test_nnl610_model_never_given_to_an_optimizer_and_its_look_alikes() -> None:
    source = """\
        import copy
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x)

        student = Net()
        other = Net()
        optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
        SETUP
        for x in loader:
            loss = (student(x) - other(x)).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """
    assert _lines("NNL610", source.replace("SETUP", "pass")) == [18]
    for setup in ("other.eval()", "other.requires_grad_(False)", "other.load_state_dict(torch.load('o.pt'))",
                  "print(other)", "extra = torch.optim.SGD(other.parameters(), lr=0.1)"):
        assert _lines("NNL610", source.replace("SETUP", setup)) == [], setup
    assert _lines("NNL610", source.replace("SETUP", "pass").replace("other", "ema_model")) == []
