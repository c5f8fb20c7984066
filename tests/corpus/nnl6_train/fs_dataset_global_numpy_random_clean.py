# nnlint-expect: clean
# source: https://app.semanticdiff.com/gh/strisunshinewentingwang/pytorch/commit/aec83ff45ebd2cb3d4890cc97bffb1f367386392
# The dataset of the commit message: it draws from numpy's global generator, which DataLoader
# reseeds in every worker since that change, so four workers draw different numbers.
class RandomDataset(Dataset):
    def __getitem__(self, ind):
        item = [ind, np.random.randint(1, 10000)]
        return item

    def __len__(self):
        return 20

ds = RandomDataset()
dl = DataLoader(ds, 2, shuffle=False, num_workers=4)
