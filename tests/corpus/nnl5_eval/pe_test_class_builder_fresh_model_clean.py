# nnlint-expect: clean
# source: https://github.com/huggingface/trl/pull/5349
# The PR's tests check that a masked forward matches the unmasked one at completion positions.
# A test-class builder (`self._build_model_and_inputs()`) makes a fresh, randomly initialised
# model with dropout each time; the comparison runs both paths on the same module, so its mode
# is beside the point and nothing is being evaluated.
import torch
import torch.nn as nn


class TinyLM(nn.Module):
    def __init__(self, hidden: int, vocab: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.drop = nn.Dropout(0.1)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)

    def forward(self, input_ids, completion_mask=None):
        logits = self.lm_head(self.drop(self.embed(input_ids)))
        logps = torch.log_softmax(logits, dim=-1)
        if completion_mask is not None:
            logps = logps * completion_mask.unsqueeze(-1)
        return logps


class TestMaskedLogProbs:
    B, S, H, V = 4, 16, 32, 128

    def _build_model_and_inputs(self):
        torch.manual_seed(0)
        model = TinyLM(self.H, self.V)
        input_ids = torch.randint(0, self.V, (self.B, self.S))
        completion_mask = torch.zeros(self.B, self.S)
        completion_mask[:, self.S // 2:] = 1.0
        return model, input_ids, completion_mask

    def test_masked_matches_unmasked_on_completions(self):
        model, input_ids, completion_mask = self._build_model_and_inputs()
        torch.manual_seed(1)
        with torch.no_grad():
            full = model(input_ids)
        torch.manual_seed(1)
        with torch.no_grad():
            masked = model(input_ids, completion_mask=completion_mask)
        keep = completion_mask.bool()
        torch.testing.assert_close(masked[keep], full[keep])
