# nnlint-expect: clean
# source: https://www.codegenes.net/blog/pytorch-spectrogram
# A notebook-style script that draws the log power spectrogram of a recording: top-level code
# with no backward(), whose log only goes to imshow. Nothing is trained, so a log of 0 would
# cost a black pixel, not a NaN gradient.
import torch
import torchaudio
import matplotlib.pyplot as plt

waveform, sample_rate = torchaudio.load("speech.wav")
window = torch.hann_window(1024)
frames = torch.stft(waveform[0], n_fft=1024, hop_length=256, window=window, return_complex=True)
power = frames.real ** 2 + frames.imag ** 2

plt.figure(figsize=(10, 4))
plt.imshow(torch.log(power), origin="lower", aspect="auto", cmap="magma")
plt.colorbar()
plt.title(f"log power, {sample_rate} Hz")
plt.show()
