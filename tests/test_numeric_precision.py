"""The false-alarm classes of the numeric rules (NNL201-NNL204) read on the second held-out set
(tests/precision/holdout2-labels), each next to the real mistake of the same shape that must
still be found; and the facts behind them (NumericSite.may_take_gradients, counts of
selections by value, Gaussian samples)."""

from __future__ import annotations

import textwrap

import libcst as cst

from nnlint.analysis import analyze
from nnlint.lint import check_source


def lines(source: str, code: str, path: str = "model.py", test_code=None) -> list[int]:
    result = check_source(textwrap.dedent(source).encode(), path, {code}, test_code=test_code)
    return sorted(d.start.line for d in result.diagnostics if d.code == code)


def sites(source: str, kind: str):
    facts = analyze(cst.parse_module(textwrap.dedent(source)), "m.py")
    return [site for site in facts.numeric_sites if site.kind == kind]


# ------------------------------------------------ values no backward pass reaches (NNL201/NNL202)


def test_top_level_code_that_backpropagates_nothing_takes_no_gradients():
    # A tutorial's log power spectrogram, drawn with imshow: script code with no backward().
    source = """\
        import torch
        import matplotlib.pyplot as plt

        spectrogram = torch.stft(signal, 400, return_complex=True).abs() ** 2
        plt.imshow(torch.log(spectrogram))
        """
    [site] = sites(source, "log")
    assert not site.may_take_gradients
    assert lines(source, "NNL201") == []


def test_top_level_training_code_still_takes_gradients():
    source = """\
        import torch

        for x, y in loader:
            p = torch.sigmoid(model(x))
            loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
            loss.backward()
        """
    assert all(site.may_take_gradients for site in sites(source, "log"))
    assert lines(source, "NNL201") == [5, 5]


def test_a_functions_log_may_take_gradients_whatever_its_name():
    source = """\
        import torch

        def policy_log_probs(logits):
            return torch.log(torch.softmax(logits, -1))
        """
    [site] = sites(source, "log")
    assert site.may_take_gradients
    assert lines(source, "NNL202") == [4]


def test_numpy_logs_take_no_gradients():
    # A book's plotting helper: numpy log-odds of chosen probabilities.
    source = """\
        import numpy as np
        import torch

        def odds(prob):
            return prob / (1 - prob)

        def log_odds(prob):
            return np.log(odds(prob))

        def bce(prob, y):
            return -(y * torch.log(prob)).mean()
        """
    numpy_site, torch_site = sites(source, "log")
    assert not numpy_site.autograd and not numpy_site.may_take_gradients
    assert torch_site.autograd and torch_site.may_take_gradients
    assert lines(source, "NNL201") == [11]


def test_a_tests_reference_implementation_is_not_checked():
    # A unit test's own log(softmax) compared with the library's function.
    source = """\
        import torch

        def test_entropy_matches_reference():
            logits = torch.randn(4, 10)
            p = torch.softmax(logits, -1)
            expected = -(p * p.log()).sum(-1)
            torch.testing.assert_close(entropy_from_logits(logits), expected)
        """
    assert lines(source, "NNL202", path="tests/test_utils.py", test_code=True) == []
    assert lines(source, "NNL201", path="tests/test_utils.py", test_code=True) == []
    assert lines(source, "NNL202", path="entropy.py", test_code=False) == [6]


# ---------------------------------------------------------- counts of selections (NNL203)


MASKED_MEANS = """\
    import torch
    from torch import nn

    class TokenLoss(nn.Module):
        def forward(self, logps, attention_mask, target, lengths):
            per_sequence = (logps * attention_mask).sum(-1) / attention_mask.sum(-1)
            steps = torch.arange(logps.size(1), device=logps.device)
            frames = steps[None, :] < lengths[:, None]
            per_frame = (logps * frames).sum() / frames.sum()
            keep = target != -100
            kept = (logps * keep).sum() / keep.sum()
            hits = (logps.argmax(-1) == target).float().sum()
            positives = logps.sum() / (target > 0).sum()
            return per_sequence.mean() + per_frame + kept + positives + logps.sum() / hits
    """


def test_a_padding_or_length_mask_is_not_an_empty_selection():
    found = lines(MASKED_MEANS, "NNL203")
    assert 6 not in found  # a mask handed in: every real sequence keeps a token
    assert 9 not in found  # a length mask built from arange < lengths


def test_a_selection_by_value_is_still_an_empty_selection():
    # All labels ignore_index, no positive in the batch, no correct prediction: 0 / 0.
    assert lines(MASKED_MEANS, "NNL203") == [11, 13, 14]


# -------------------------------------------------------- Gaussian samples (NNL203)


def test_the_norm_of_gaussian_samples_is_not_zero():
    # Random projection directions of a sliced-distribution regulariser.
    source = """\
        import torch
        from torch import nn

        class SlicedLoss(nn.Module):
            def forward(self, z, w):
                slices = torch.randn(z.size(-1), 16, device=z.device)
                slices = slices / slices.norm(p=2, dim=0)
                noise = torch.randn_like(z)
                noise = noise / torch.linalg.norm(noise, dim=-1, keepdim=True)
                directions = w / w.norm(dim=0)
                return (z @ slices).var() + (z + noise).mean() + directions.sum()
        """
    assert lines(source, "NNL203") == [10]


def test_a_log_of_softmax_at_inference_is_still_reported():
    # A log-likelihood of gathered softmax probabilities under no_grad: -inf all the same.
    source = """\
        import torch
        import torch.nn.functional as F

        @torch.no_grad()
        def get_likelihood(model, tokens):
            probs = F.softmax(model(tokens), dim=-1)
            probs = torch.gather(probs, 2, tokens.unsqueeze(2)).squeeze(2)
            return torch.log(probs).sum(-1)
        """
    [site] = sites(source, "log")
    assert site.no_grad and not site.may_take_gradients and not site.demonstration
    assert lines(source, "NNL202") == [8]
    assert lines(source, "NNL201") == [8]


def test_a_reward_computed_without_gradients_is_still_checked():
    # GAIL's reward from the discriminator's sigmoid, under no_grad: an inf reward enters the
    # policy loss through the advantages.
    source = """\
        import torch

        def predict_reward(discrim, state, action):
            with torch.no_grad():
                s = torch.sigmoid(discrim(torch.cat([state, action], dim=1)))
                reward = s.log() - (1 - s).log()
            return reward
        """
    assert lines(source, "NNL201") == [6, 6]
