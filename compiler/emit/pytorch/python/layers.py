# layers.py: the fixed part of every generated model.py: small modules for the IR ops PyTorch has no
# module for (so that every IR node is one attribute), initialisers that draw from an explicit
# torch.Generator, and the conversion from posec's channels-last parameter layouts
# (core/params/params.ts) to PyTorch's.
"""Modules, initialisers and weight conversion shared by every model.py that posec generates."""
from collections import namedtuple
import math

import torch
from torch import nn
import torch.nn.functional as F

PoseOutput = namedtuple("PoseOutput", ["stages", "pafs", "heatmaps"])
PoseOutput.__doc__ = """Every stage's (pafs, heatmaps), stage 1 first, and the last stage's pair."""


class Add(nn.Module):
    """Elementwise sum of equally shaped inputs."""

    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Mul(nn.Module):
    """Elementwise product; an N x C x 1 x 1 input scales a whole map (squeeze-excitation)."""

    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Concat(nn.Module):
    """Concatenation along channels, in input order."""

    def forward(self, *xs):
        return torch.cat(xs, dim=1)


def pool_out(size, kernel, stride, before, after, ceil):
    """Output length of a pooled axis; with ceil (Caffe) the last window starts inside the input."""
    span = size + before + after - kernel
    out = (-(-span // stride) if ceil else span // stride) + 1
    if ceil and (out - 1) * stride >= size + before:
        out -= 1
    return out


class Pool2d(nn.Module):
    """Max or average pooling with explicit pads (top, left, bottom, right) where nn.MaxPool2d and
    nn.AvgPool2d cannot express them (their pads are symmetric and at most half the kernel): F.pad
    (-inf for max pooling) and an unpadded pool, cropped to posec's output size."""

    def __init__(self, kind, kernel, stride, pad, ceil, count_include_pad=True):
        super().__init__()
        self.kind = kind
        self.kernel = kernel
        self.stride = stride
        self.pad = pad
        self.ceil = ceil
        self.count_include_pad = count_include_pad

    def forward(self, x):
        top, left, bottom, right = self.pad
        oh = pool_out(x.shape[2], self.kernel[0], self.stride[0], top, bottom, self.ceil)
        ow = pool_out(x.shape[3], self.kernel[1], self.stride[1], left, right, self.ceil)
        pads = (left, right, top, bottom)
        if self.kind == "max":
            padded = F.pad(x, pads, value=-math.inf)
            y = F.max_pool2d(padded, self.kernel, self.stride, ceil_mode=True)
        else:
            y = F.avg_pool2d(F.pad(x, pads), self.kernel, self.stride, ceil_mode=True)
            if not self.count_include_pad:
                ones = F.pad(torch.ones_like(x[:1, :1]), pads)
                y = y / F.avg_pool2d(ones, self.kernel, self.stride, ceil_mode=True)
        return y[:, :, :oh, :ow]


def fans(weight):
    """(fan_in, fan_out) as PyTorch and posec count them: fan_in per group, fan_out all filters."""
    receptive = weight[0][0].numel() if weight.dim() > 2 else 1
    return weight.shape[1] * receptive, weight.shape[0] * receptive


@torch.no_grad()
def init_normal(weight, generator, std, mean=0.0):
    weight.normal_(mean, std, generator=generator)


@torch.no_grad()
def init_kaiming(weight, generator, mode, distribution):
    """He et al. with the ReLU gain, as nn.init.kaiming_*_(nonlinearity="relu")."""
    fan_in, fan_out = fans(weight)
    std = math.sqrt(2.0 / (fan_in if mode == "fan_in" else fan_out))
    if distribution == "normal":
        weight.normal_(0.0, std, generator=generator)
    else:
        weight.uniform_(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator=generator)


@torch.no_grad()
def init_xavier(weight, generator, distribution):
    fan_in, fan_out = fans(weight)
    std = math.sqrt(2.0 / (fan_in + fan_out))
    if distribution == "normal":
        weight.normal_(0.0, std, generator=generator)
    else:
        weight.uniform_(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator=generator)


@torch.no_grad()
def init_constant(weight, value):
    weight.fill_(value)


def copy_posec_weights(model, weights, attributes, roles):
    """Copies weights given in posec's canonical names and channels-last layouts into the model:
    conv kernels [kh, kw, in, out] -> [out, in, kh, kw]; dense kernels [in, units] -> [units, in]
    (posec flattens a dense layer's input in H, W, C order; forward does the same); BN gamma, beta,
    moving_mean and moving_variance -> weight, bias, running_mean, running_var; PReLU alpha ->
    weight.
    attributes maps posec's layer names to the model's module paths (spec.LAYER_PATHS: model.py
    nests modules as the spec nests blocks), roles posec's parameter roles to PyTorch's
    (model.TORCH_ROLE).
    Every parameter and running statistic of the model must be given, with the right shape."""
    state = model.state_dict()
    given = set()
    for name, value in weights.items():
        layer, role = name.rsplit("/", 1)
        key = f"{attributes.get(layer, layer)}.{roles.get(role, role)}"
        if key not in state:
            raise KeyError(f"{name}: the model has no parameter {key}")
        t = torch.as_tensor(value, dtype=torch.float32)
        if role == "kernel":
            t = t.permute(3, 2, 0, 1) if t.dim() == 4 else t.t()
        t = t.reshape(state[key].shape) if role == "alpha" else t
        if tuple(t.shape) != tuple(state[key].shape):
            want = list(state[key].shape)
            raise ValueError(f"{name}: shape {list(t.shape)} (converted) does not fit {key} {want}")
        state[key] = t.contiguous()
        given.add(key)
    missing = [k for k in state if k not in given and not k.endswith("num_batches_tracked")]
    if missing:
        raise KeyError(f"no value for {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    model.load_state_dict(state)


def read_tfjs_weights(model_json):
    """{name: numpy array} from a tfjs model.json + weight files (e.g. a posec train checkpoint)."""
    import json
    import os

    import numpy as np

    with open(model_json) as f:
        doc = json.load(f)
    folder = os.path.dirname(os.path.abspath(model_json))
    out = {}
    for group in doc["weightsManifest"]:
        data = b""
        for path in group["paths"]:
            with open(os.path.join(folder, path), "rb") as f:
                data += f.read()
        offset = 0
        for w in group["weights"]:
            if w.get("dtype", "float32") != "float32":
                raise ValueError(f"{model_json}: {w['name']} is {w['dtype']}, expected float32")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            arr = np.frombuffer(data, dtype="<f4", count=count, offset=offset).copy()
            arr = arr.reshape(w["shape"])
            offset += 4 * count
            name = w["name"].replace("/depthwise_kernel", "/kernel")
            if w["name"].endswith("/depthwise_kernel"):
                arr = arr.reshape(arr.shape[0], arr.shape[1], 1, arr.shape[2])
            out[name] = arr.reshape(-1) if name.endswith("/alpha") else arr
    return out
