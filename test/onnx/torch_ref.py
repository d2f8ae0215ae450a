"""An independent reference for exported models: a small PyTorch interpreter of posec's IR JSON, reading
the weights from a tfjs-format checkpoint (model.json + weights.bin) in posec's channels-last layouts.
Run by Debian's /usr/bin/python3 (torch 1.13). It shares no code with the ONNX emitter: layouts are
converted here on their own (conv kernels permuted HWIO -> OIHW; dense layers flatten the activation in
H, W, C order instead of permuting the kernel's rows), pooling is written from posec's definition
(core/shapes.ts, Caffe's divisor), resampling is PyTorch's F.interpolate; nothing comes from ONNX.

A job is one JSON object on stdin:
  {"ir": path, "checkpoint": dir, "outputs": [[name, tensor], ...], "dtype": "float64" | "float32",
   "runs": [{"input": path of float32 NCHW data, "shape": [N, C, H, W], "out": path}, ...],
   "bench": null | {"runs": R, "threads": [1, 2]}}
For each run it writes the outputs' float32 values, concatenated in order, to `out`, and it prints
{"shapes": [{name: [N, C, H, W]} per run], "times_ms": {threads: median}} (times only when benchmarking,
measured on the first run's input).
"""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_checkpoint(folder):
    with open(os.path.join(folder, "model.json")) as f:
        manifest = json.load(f)["weightsManifest"]
    weights = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            weights[w["name"]] = np.frombuffer(blob, dtype="<f4", count=n, offset=offset).reshape(w["shape"])
            offset += 4 * n
    return weights


def pool_out(size, k, s, before, after, ceil):
    """posec's (Caffe's, PyTorch's) output size: with ceil, the last window must start inside the input."""
    span = size + before + after - k
    out = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + before:
        out -= 1
    return out


def pad_to_windows(x, a, value):
    """Pads (or crops) so that plain strided windows with no padding give exactly posec's output size;
    returns the padded tensor and, per axis, the extent of the explicit (spec) padding region."""
    (kh, kw), (sh, sw), (t, l, b, r) = a["kernel"], a["stride"], a["pad"]
    h, w = x.shape[2], x.shape[3]
    oh, ow = pool_out(h, kh, sh, t, b, a["ceil"]), pool_out(w, kw, sw, l, r, a["ceil"])
    need_h, need_w = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    return F.pad(x, (l, need_w - w - l, t, need_h - h - t), value=value), (h, w)


def maxpool(x, a):
    xp, _ = pad_to_windows(x, a, -math.inf)
    return F.max_pool2d(xp, a["kernel"], a["stride"])


def avgpool(x, a):
    """Sum over the window divided by the cells counted: the input cells, plus the spec's padding when
    countIncludePad (Caffe); never the cells a ceil-mode window hangs over beyond the padding."""
    (t, l, b, r) = a["pad"]
    xp, (h, w) = pad_to_windows(x, a, 0.0)
    sums = F.avg_pool2d(xp, a["kernel"], a["stride"], divisor_override=1)
    mask = torch.zeros((1, 1) + xp.shape[2:], dtype=x.dtype)
    if a["countIncludePad"]:
        mask[:, :, : t + h + b, : l + w + r] = 1
    else:
        mask[:, :, t : t + h, l : l + w] = 1
    counts = F.avg_pool2d(mask, a["kernel"], a["stride"], divisor_override=1)
    return sums / counts


def upsample(x, a):
    """posec's upsample as its tfjs runtime computes it: nearest = floor(destination / factor) (tfjs
    UpSampling2D), bilinear with half-pixel centres; PyTorch's own F.interpolate computes both."""
    fh, fw = a["factor"]
    if a["mode"] == "nearest":
        return F.interpolate(x, scale_factor=(fh, fw), mode="nearest")
    return F.interpolate(x, scale_factor=(fh, fw), mode="bilinear", align_corners=False)


def make_runner(ir, weights, dtype):
    P = {k: torch.from_numpy(v.astype(np.float64 if dtype == torch.float64 else np.float32)) for k, v in weights.items()}
    conv_w = {k: v.permute(3, 2, 0, 1).contiguous() for k, v in P.items() if v.dim() == 4}

    def run(x):
        env = {ir["input"]["tensor"]: x}
        for n in ir["nodes"]:
            a, name, op = n["attrs"], n["name"], n["op"]
            ins = [env[t] for t in n["inputs"]]
            x0 = ins[0]
            if op == "conv":
                t, l, b, r = a["pad"]
                y = F.conv2d(F.pad(x0, (l, r, t, b)), conv_w[name + "/kernel"], P.get(name + "/bias"), a["stride"], 0, a["dilation"], a["groups"])
            elif op == "dense":
                flat = x0.permute(0, 2, 3, 1).reshape(x0.shape[0], -1)
                y = flat @ P[name + "/kernel"]
                if a["bias"]:
                    y = y + P[name + "/bias"]
                y = y.reshape(y.shape[0], -1, 1, 1)
            elif op == "bn":
                v = lambda role: P[f"{name}/{role}"].view(1, -1, 1, 1)
                y = (x0 - v("moving_mean")) / torch.sqrt(v("moving_variance") + a["eps"]) * v("gamma") + v("beta")
            elif op == "relu":
                y = torch.relu(x0)
            elif op == "sigmoid":
                y = torch.sigmoid(x0)
            elif op == "silu":
                y = F.silu(x0)  # PyTorch's own x * sigmoid(x)
            elif op == "tanh":
                y = torch.tanh(x0)
            elif op == "leakyrelu":
                y = torch.where(x0 < 0, x0 * a["alpha"], x0)
            elif op == "prelu":
                y = torch.where(x0 < 0, x0 * P[name + "/alpha"].view(1, -1, 1, 1), x0)
            elif op == "maxpool":
                y = maxpool(x0, a)
            elif op == "avgpool":
                y = avgpool(x0, a)
            elif op == "gap":
                y = x0.mean(dim=(2, 3), keepdim=True)
            elif op == "upsample":
                y = upsample(x0, a)
            elif op == "add":
                y = sum(ins[1:], ins[0])
            elif op == "mul":
                y = ins[0]
                for other in ins[1:]:
                    y = y * other
            elif op == "concat":
                y = torch.cat(ins, dim=1)
            else:
                raise SystemExit(f"torch_ref: unknown op {op}")
            env[name] = y
        return env

    return run


def main():
    job = json.load(sys.stdin)
    with open(job["ir"]) as f:
        ir = json.load(f)
    dtype = torch.float64 if job.get("dtype", "float64") == "float64" else torch.float32
    run = make_runner(ir, read_checkpoint(job["checkpoint"]), dtype)
    load = lambda r: torch.from_numpy(np.fromfile(r["input"], dtype="<f4").reshape(r["shape"]).astype(np.float64)).to(dtype)
    result = {"shapes": []}
    with torch.no_grad():
        if job.get("bench"):
            x = load(job["runs"][0])
            times = {}
            for threads in job["bench"]["threads"]:
                torch.set_num_threads(threads)
                run(x)  # warm-up
                samples = []
                for _ in range(job["bench"]["runs"]):
                    start = time.perf_counter()
                    run(x)
                    samples.append((time.perf_counter() - start) * 1000)
                times[str(threads)] = statistics.median(samples)
            result["times_ms"] = times
        for r in job["runs"]:
            env = run(load(r))
            shapes, chunks = {}, []
            for name, tensor in job["outputs"]:
                y = env[tensor]
                shapes[name] = list(y.shape)
                chunks.append(y.to(torch.float32).contiguous().numpy().astype("<f4").tobytes())
            with open(r["out"], "wb") as f:
                f.write(b"".join(chunks))
            result["shapes"].append(shapes)
    print(json.dumps(result))


main()
