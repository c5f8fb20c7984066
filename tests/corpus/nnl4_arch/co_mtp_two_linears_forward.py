# nnlint-expect: NNL401
# source: https://github.com/nutonomy/nuscenes-devkit/issues/728
# The multi-trajectory prediction head applies fc_hidden and then fc_out to the backbone
# features concatenated with the agent state; there is no nonlinearity between them.
import torch
import torch.nn as nn

ASV_DIM = 3


class MTP(nn.Module):
    def __init__(self, backbone, num_modes, seconds=6, frequency_in_hz=2, n_hidden_layers=4096, input_shape=(3, 500, 500)):
        super().__init__()
        self.backbone = backbone
        self.num_modes = num_modes
        backbone_feature_dim = 2048
        predictions_per_mode = int(seconds * frequency_in_hz) * 2
        self.fc1 = nn.Linear(backbone_feature_dim + ASV_DIM, n_hidden_layers)
        self.fc2 = nn.Linear(n_hidden_layers, int(num_modes * predictions_per_mode + num_modes))

    def forward(self, image_tensor, agent_state_vector):
        backbone_features = self.backbone(image_tensor)
        features = torch.cat([backbone_features, agent_state_vector], dim=1)
        predictions = self.fc2(self.fc1(features))
        mode_probabilities = predictions[:, -self.num_modes:].clone()
        if not self.training:
            mode_probabilities = torch.softmax(mode_probabilities, dim=-1)
        return torch.cat((predictions[:, :-self.num_modes], mode_probabilities), 1)
