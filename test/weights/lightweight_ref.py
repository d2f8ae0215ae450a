"""An independent PyTorch re-implementation of Lightweight OpenPose (Osokin 2018,
lightweight-human-pose-estimation.pytorch, models/with_mobilenet.py: PoseEstimationWithMobileNet with one
refinement stage), written from the paper's and the repository's description of the architecture: the
module structure, and so the state-dict keys, are theirs. Seeded weights and random BatchNorm statistics;
saved as their training script saves a checkpoint ({"state_dict", "optimizer", "iter", "current_epoch"}).

    lightweight_ref.py OUT_DIR HEIGHT WIDTH SEED [legacy] [reversed]
Writes OUT_DIR/checkpoint_iter_370000.pth, keys.json ([key, shape] in state-dict order), input.bin (NCHW,
float32, already normalised), heatmaps.bin and pafs.bin (the refinement stage's outputs, NCHW float32),
and shapes.json. `legacy`: torch.save's pre-1.6 format (not a zip archive), as their released file is;
`reversed`: the state dict's keys saved in reverse order (a load by position would then fail).
"""
import json
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn


def conv(cin, cout, kernel=3, pad=1, bn=True, dilation=1, stride=1, relu=True, bias=True):
    """Conv2d, then optional BatchNorm2d and ReLU, in one Sequential (indices 0, 1, 2)."""
    layers = [nn.Conv2d(cin, cout, kernel, stride, pad, dilation, bias=bias)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def conv_dw(cin, cout, pad=1, stride=1, dilation=1):
    """MobileNet-v1 unit: depthwise 3x3 (0), BN (1), ReLU (2), pointwise 1x1 (3), BN (4), ReLU (5)."""
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, pad, dilation=dilation, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(),
        nn.Conv2d(cin, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
    )


def conv_dw_no_bn(cin, cout):
    """The adapter's unit: depthwise 3x3 (0), ELU (1), pointwise 1x1 (2), ELU (3); no biases."""
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False), nn.ELU(),
        nn.Conv2d(cin, cout, 1, 1, 0, bias=False), nn.ELU(),
    )


class Cpm(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.align = conv(cin, cout, kernel=1, pad=0, bn=False)
        self.trunk = nn.Sequential(*[conv_dw_no_bn(cout, cout) for _ in range(3)])
        self.conv = conv(cout, cout, bn=False)

    def forward(self, x):
        x = self.align(x)
        return self.conv(x + self.trunk(x))


def head(cin, mid, cout):
    return nn.Sequential(conv(cin, mid, kernel=1, pad=0, bn=False), conv(mid, cout, kernel=1, pad=0, bn=False, relu=False))


class InitialStage(nn.Module):
    def __init__(self, ch, heatmaps, pafs):
        super().__init__()
        self.trunk = nn.Sequential(*[conv(ch, ch, bn=False) for _ in range(3)])
        self.heatmaps = head(ch, 512, heatmaps)
        self.pafs = head(ch, 512, pafs)

    def forward(self, x):
        t = self.trunk(x)
        return [self.heatmaps(t), self.pafs(t)]


class RefinementStageBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.initial = conv(cin, cout, kernel=1, pad=0, bn=False)
        self.trunk = nn.Sequential(conv(cout, cout), conv(cout, cout, dilation=2, pad=2))

    def forward(self, x):
        first = self.initial(x)
        return first + self.trunk(first)


class RefinementStage(nn.Module):
    def __init__(self, cin, ch, heatmaps, pafs):
        super().__init__()
        self.trunk = nn.Sequential(RefinementStageBlock(cin, ch), *[RefinementStageBlock(ch, ch) for _ in range(4)])
        self.heatmaps = head(ch, ch, heatmaps)
        self.pafs = head(ch, ch, pafs)

    def forward(self, x):
        t = self.trunk(x)
        return [self.heatmaps(t), self.pafs(t)]


class PoseEstimationWithMobileNet(nn.Module):
    def __init__(self, refinement_stages=1, ch=128, heatmaps=19, pafs=38):
        super().__init__()
        self.model = nn.Sequential(
            conv(3, 32, stride=2, bias=False),
            conv_dw(32, 64), conv_dw(64, 128, stride=2), conv_dw(128, 128), conv_dw(128, 256, stride=2),
            conv_dw(256, 256), conv_dw(256, 512), conv_dw(512, 512, dilation=2, pad=2),
            conv_dw(512, 512), conv_dw(512, 512), conv_dw(512, 512), conv_dw(512, 512),
        )
        self.cpm = Cpm(512, ch)
        self.initial_stage = InitialStage(ch, heatmaps, pafs)
        self.refinement_stages = nn.ModuleList([RefinementStage(ch + heatmaps + pafs, ch, heatmaps, pafs) for _ in range(refinement_stages)])

    def forward(self, x):
        features = self.cpm(self.model(x))
        out = self.initial_stage(features)
        for stage in self.refinement_stages:
            out.extend(stage(torch.cat([features, out[-2], out[-1]], dim=1)))
        return out


def main():
    out, height, width, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    legacy = "legacy" in sys.argv[5:]
    torch.manual_seed(seed)
    net = PoseEstimationWithMobileNet()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn_like(m.weight) * (1.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn_like(m.bias) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.1 * torch.randn_like(m.bias))
                m.running_mean.copy_(0.1 * torch.randn_like(m.running_mean))
                m.running_var.copy_(0.5 + torch.rand_like(m.running_var))
                m.num_batches_tracked.fill_(370000)
    net.eval()
    os.makedirs(out, exist_ok=True)
    state = net.state_dict()
    if "reversed" in sys.argv[5:]:
        state = OrderedDict(reversed(list(state.items())))
    with open(os.path.join(out, "keys.json"), "w") as f:
        json.dump([[k, list(v.shape)] for k, v in state.items()], f)
    optimizer = torch.optim.Adam(net.parameters(), lr=4e-5)
    checkpoint = {"state_dict": state, "optimizer": optimizer.state_dict(), "iter": 370000, "current_epoch": 5}
    torch.save(checkpoint, os.path.join(out, "checkpoint_iter_370000.pth"), _use_new_zipfile_serialization=not legacy)
    x = torch.rand(1, 3, height, width) - 0.5
    with torch.no_grad():
        heatmaps, pafs = net(x)[-2:]
    x.numpy().astype("float32").tofile(os.path.join(out, "input.bin"))
    heatmaps.numpy().astype("float32").tofile(os.path.join(out, "heatmaps.bin"))
    pafs.numpy().astype("float32").tofile(os.path.join(out, "pafs.bin"))
    with open(os.path.join(out, "shapes.json"), "w") as f:
        json.dump({"heatmaps": list(heatmaps.shape), "pafs": list(pafs.shape)}, f)


if __name__ == "__main__":
    main()
