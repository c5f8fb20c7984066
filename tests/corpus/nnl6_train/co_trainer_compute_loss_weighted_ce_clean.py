# nnlint-expect: clean
# source: https://github.com/huggingface/transformers/issues/10580
# A Trainer subclass overriding compute_loss with a class-weighted CrossEntropyLoss on the
# model's raw logits, the pattern the maintainers recommend for imbalanced labels.
import torch
from torch.nn import CrossEntropyLoss
from transformers import AutoModelForSequenceClassification, Trainer

normed_weights = torch.tensor([0.2, 0.8])


class WeightedLossTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        logits = outputs.logits
        loss_fct = CrossEntropyLoss(weight=normed_weights.to(logits.device))
        loss = loss_fct(logits.view(-1, self.model.config.num_labels), labels.view(-1))
        return (loss, outputs) if return_outputs else loss


model = AutoModelForSequenceClassification.from_pretrained("bert-base-cased", num_labels=2)
