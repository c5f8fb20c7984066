# nnlint-expect: NNL609
# source: https://github.com/agokrani/distillKitPlus/issues/5
# Distillation trainer: the back-propagated loss is summed over the accumulation steps
# without being divided by their number, so the reported loss (and the gradient) grows
# linearly with gradient_accumulation_steps.
import torch
import torch.nn.functional as F


class DistillTrainer:
    def __init__(self, student, teacher, optimizer, gradient_accumulation_steps, temperature=2.0):
        self.student = student
        self.teacher = teacher
        self.optimizer = optimizer
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.temperature = temperature

    def distill_loss(self, batch):
        self.teacher.eval()
        with torch.no_grad():
            teacher_logits = self.teacher(batch["input_ids"])
        student_logits = self.student(batch["input_ids"])
        t = self.temperature
        return F.kl_div(F.log_softmax(student_logits / t, -1), F.softmax(teacher_logits / t, -1),
                        reduction="batchmean")

    def train_epoch(self, loader):
        self.student.train()
        for step, batch in enumerate(loader):
            loss = self.distill_loss(batch)
            loss.backward()
            if (step + 1) % self.gradient_accumulation_steps == 0:
                self.optimizer.step()
                self.optimizer.zero_grad()
