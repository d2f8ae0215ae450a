"""Independent reference for posec's torchvision import (run with Debian's /usr/bin/python3).

Builds a torchvision classifier with seeded weights and random BatchNorm statistics, saves its state
dict with torch.save, and its eval-mode output (float32) on a seeded input.
`se_resnet50` is torchvision's resnet50 with a squeeze-excitation module `se_module` (fc1, fc2: 1x1
convolutions with bias) in every bottleneck, after bn3 and before the residual add, as the common
torchvision-style SE-ResNet ports write it.

usage: torchvision_ref.py ARCH OUTDIR SIZE SEED     (writes state.pt, input.bin, output.bin)
"""
import sys

import numpy as np
import torch
import torchvision


class SE(torch.nn.Module):
    def __init__(self, channels, ratio):
        super().__init__()
        self.fc1 = torch.nn.Conv2d(channels, channels // ratio, 1)
        self.fc2 = torch.nn.Conv2d(channels // ratio, channels, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))


def se_bottleneck_forward(self, x):
    identity = x
    out = self.relu(self.bn1(self.conv1(x)))
    out = self.relu(self.bn2(self.conv2(out)))
    out = self.se_module(self.bn3(self.conv3(out)))
    if self.downsample is not None:
        identity = self.downsample(x)
    return self.relu(out + identity)


def build(arch):
    if arch == "se_resnet50":
        model = torchvision.models.resnet50()
        for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
            for block in layer:
                block.se_module = SE(block.conv3.out_channels, 16)
                block.forward = se_bottleneck_forward.__get__(block)
        return model
    return getattr(torchvision.models, arch)()


def main():
    arch, outdir, size, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(seed)
    model = build(arch)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
            elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) and m.bias is not None:
                m.bias.normal_(0, 0.05)
    model.eval()
    x = np.random.default_rng(seed).normal(0, 1, (1, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy().astype("<f4")
    torch.save(model.state_dict(), f"{outdir}/state.pt")
    x.astype("<f4").tofile(f"{outdir}/input.bin")
    y.tofile(f"{outdir}/output.bin")
    print(" ".join(str(d) for d in y.shape))


if __name__ == "__main__":
    main()
