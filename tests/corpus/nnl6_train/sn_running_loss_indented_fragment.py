# nnlint-expect: NNL605
# source: https://discuss.pytorch.org/t/cuda-out-of-memory-after-more-than-8000-iterators/27253
        for head, label in loader:
            head = torch.from_numpy(head).float().to(self.device)
            self.optimizer.zero_grad()
            loss = self.criterion(self.model(head), label)
            loss.backward()
            self.optimizer.step()
            running_loss += loss
