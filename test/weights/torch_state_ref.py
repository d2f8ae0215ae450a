"""Runs posec's generated PyTorch model on a state dict written by `posec export --format pytorch`
(run with Debian's /usr/bin/python3): load_state_dict(strict=True), eval mode, a seeded input in [0, 1).

usage: torch_state_ref.py PYTORCH_BUILD_DIR STATE_PT OUTDIR SIZE SEED
writes OUTDIR/input.bin, pafs.bin, heatmaps.bin (float32, the last stage's maps)
"""
import sys

import torch


def main():
    build, state, outdir, size, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    sys.path.insert(0, build)
    import model as generated

    net = generated.Model()
    net.load_state_dict(torch.load(state), strict=True)
    net.eval()
    torch.manual_seed(seed)
    x = torch.rand(1, 3, size, size)
    with torch.no_grad():
        out = net(x)
    x.numpy().astype("<f4").tofile(f"{outdir}/input.bin")
    out.pafs.numpy().astype("<f4").tofile(f"{outdir}/pafs.bin")
    out.heatmaps.numpy().astype("<f4").tofile(f"{outdir}/heatmaps.bin")


if __name__ == "__main__":
    main()
