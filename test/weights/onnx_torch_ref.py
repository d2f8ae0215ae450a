"""A foreign ONNX model for posec's ONNX weight source: a small PyTorch network whose attribute names are
a spec's layer labels, with seeded weights and random BatchNorm statistics, exported by torch.onnx.export
(eval mode), plus PyTorch's own output on a seeded input as the reference.

    onnx_torch_ref.py OUT_DIR VARIANT SEED
      VARIANT  relu-between: conv1 -> ReLU -> bn1 (torch keeps the BatchNormalization node)
               fused:        conv1 -> bn1 -> ReLU (torch folds bn1 into conv1's kernel on export)
Writes OUT_DIR/model.onnx, input.bin (NCHW float32) and output.bin (float32).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, fused):
        super().__init__()
        self.fused = fused
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.act = nn.PReLU(8)
        self.fc = nn.Linear(8 * 8 * 8, 5)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x))) if self.fused else self.bn1(F.relu(self.conv1(x)))
        x = F.max_pool2d(self.act(self.dw(x)), 2, 2)
        return self.fc(torch.flatten(x, 1))


def main():
    out, variant, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.manual_seed(seed)
    net = Net(variant == "fused")
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn_like(p) * 0.3)
        net.bn1.running_mean.copy_(torch.randn(8) * 0.2)
        net.bn1.running_var.copy_(torch.rand(8) + 0.5)
        net.act.weight.copy_(torch.rand(8) * 0.5)
    net.eval()
    x = torch.rand(1, 3, 16, 16) - 0.5
    with torch.no_grad():
        y = net(x)
    os.makedirs(out, exist_ok=True)
    torch.onnx.export(net, x, os.path.join(out, "model.onnx"), input_names=["image"], output_names=["logits"], opset_version=13)
    x.numpy().astype("float32").tofile(os.path.join(out, "input.bin"))
    y.numpy().astype("float32").tofile(os.path.join(out, "output.bin"))


if __name__ == "__main__":
    main()
