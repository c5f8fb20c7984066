# nnlint-expect: NNL611
# source: https://duoke360.com/post/34698
# The post's symptom (parallel workers apply the same random transform) with a dataset that keeps
# its own numpy Generator: each of the four workers draws the same noise.
class NoisyImages(Dataset):
    def __init__(self, images):
        self.images = images
        self.rng = np.random.default_rng(0)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        noise = self.rng.normal(0.0, 0.05, size=self.images[i].shape)
        return torch.from_numpy(self.images[i] + noise).float()

loader = DataLoader(NoisyImages(images), batch_size=32, shuffle=True, num_workers=4)
