"""Independent writer for posec's `train` weight-source test (run with Debian's /usr/bin/python3).

Saves, with torch.save, a state dict with torchvision's resnet18 key names but every width divided by
DIV (a `resnet18 width=64/DIV` in posec's standard library), seeded random values and positive BatchNorm
variances; and each tensor's float32 values in torch's own layout (tensors.bin + index.json) for the test
to compare against.

usage: resnet18_narrow_ref.py OUTDIR DIV SEED     (writes state.pt, tensors.bin, index.json)
"""
import json
import sys

import torch
import torchvision


def narrow(shape, div):
    if len(shape) == 4:  # conv OIHW: the image's 3 input channels stay
        o, i, kh, kw = shape
        return [o // div, i if i == 3 else i // div, kh, kw]
    if len(shape) == 2:  # fc: keep the classes, narrow the features
        return [shape[0], shape[1] // div]
    if len(shape) == 1:
        return [shape[0] // div]
    return list(shape)


def main():
    outdir, div, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.manual_seed(seed)
    state = {}
    for key, value in torchvision.models.resnet18().state_dict().items():
        shape = narrow(list(value.shape), div)
        if key.endswith("num_batches_tracked"):
            state[key] = torch.tensor(0, dtype=torch.long)
        elif key.endswith("running_var"):
            state[key] = torch.rand(shape) + 0.5
        else:
            state[key] = torch.randn(shape) * 0.1
    torch.save(state, f"{outdir}/state.pt")
    index, offset = {}, 0
    with open(f"{outdir}/tensors.bin", "wb") as f:
        for key, t in state.items():
            if t.dtype != torch.float32:
                continue
            data = t.contiguous().numpy().astype("<f4").tobytes()
            f.write(data)
            index[key] = {"offset": offset, "shape": list(t.shape)}
            offset += len(data)
    with open(f"{outdir}/index.json", "w") as f:
        json.dump(index, f)


if __name__ == "__main__":
    main()
