# nnlint-expect: NNL302
# source: https://runebook.dev/zh/docs/pytorch/generated/torch.nn.modulelist/torch.nn.ModuleList
    class MyBadModel(nn.Module):
        def __init__(self, input_size, hidden_size, num_layers):
            super(MyBadModel, self).__init__()
            self.layers = [nn.Linear(input_size, hidden_size)]
            for _ in range(num_layers - 1):
                self.layers.append(nn.Linear(hidden_size, hidden_size))

        def forward(self, x):
            for layer in self.layers:
                x = torch.relu(layer(x))
            return x
