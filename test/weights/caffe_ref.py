"""Independent reference for posec's caffemodel import (run with Debian's /usr/bin/python3).

  write:  reads a Caffe deploy prototxt with its own small text-format parser, gives every layer that
          has parameters seeded random blobs of Caffe's shapes, and encodes a binary NetParameter with
          its own protobuf wire encoder (no posec code, no protobuf library). Blob encodings alternate on
          purpose: BlobShape dims or the legacy num/channels/height/width, packed or unpacked floats.
  opencv: runs the prototxt and the caffemodel with OpenCV's DNN module (cv2.dnn.readNetFromCaffe) on a
          float32 NCHW input and writes the requested outputs as raw float32.

usage: caffe_ref.py write PROTOTXT OUT.caffemodel SEED [--v1]
       caffe_ref.py opencv PROTOTXT MODEL INPUT.bin N C H W OUTDIR NAME...
"""
import re
import struct
import sys

import numpy as np


# --- prototxt (protobuf text format) ---

def tokens(text):
    text = re.sub(r"#[^\n]*", "", text)
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[{}:]|[^\s{}:"]+', text):
        yield m.group(0)


def parse_message(toks):
    """A message as a dict of field -> list of values (sub-messages are dicts)."""
    out = {}
    for tok in toks:
        if tok == "}":
            return out
        name = tok
        nxt = next(toks)
        if nxt == ":":
            value = next(toks)
            if value == "{":
                value = parse_message(toks)
            elif value.startswith('"'):
                value = value[1:-1]
        elif nxt == "{":
            value = parse_message(toks)
        else:
            raise ValueError(f"unexpected token {nxt!r} after {name!r}")
        out.setdefault(name, []).append(value)
    return out


def parse_prototxt(path):
    with open(path) as f:
        return parse_message(tokens(f.read()))


def first(msg, key, default=None):
    return msg.get(key, [default])[0]


# --- blob shapes from the network ---

def conv_size(size, k, pad, stride, ceil=False):
    span = size + 2 * pad - k
    return (-(-span // stride) if ceil else span // stride) + 1


def layer_blobs(net):
    """[(layer dict, [blob shapes])] for every layer, tracking each blob's (channels, height, width)."""
    blobs = {}
    dims = [int(d) for d in net.get("input_dim", [])]
    for name in net.get("input", []):
        blobs[name] = tuple(dims[1:4])
    result = []
    for layer in net.get("layer", []):
        kind = first(layer, "type")
        bottoms = layer.get("bottom", [])
        tops = layer.get("top", [])
        cin, h, w = blobs[bottoms[0]] if bottoms else (0, 0, 0)
        shapes = []
        out = (cin, h, w)
        if kind == "Convolution":
            p = first(layer, "convolution_param")
            cout = int(first(p, "num_output"))
            k = int(first(p, "kernel_size"))
            pad = int(first(p, "pad", 0))
            stride = int(first(p, "stride", 1))
            group = int(first(p, "group", 1))
            shapes = [[cout, cin // group, k, k]]
            if first(p, "bias_term", "true") != "false":
                shapes.append([cout])
            out = (cout, conv_size(h, k, pad, stride), conv_size(w, k, pad, stride))
        elif kind == "Pooling":
            p = first(layer, "pooling_param")
            k = int(first(p, "kernel_size"))
            stride = int(first(p, "stride", 1))
            pad = int(first(p, "pad", 0))
            out = (cin, conv_size(h, k, pad, stride, ceil=True), conv_size(w, k, pad, stride, ceil=True))
        elif kind == "InnerProduct":
            p = first(layer, "inner_product_param")
            units = int(first(p, "num_output"))
            shapes = [[units, cin * h * w]] + ([[units]] if first(p, "bias_term", "true") != "false" else [])
            out = (units, 1, 1)
        elif kind == "PReLU":
            p = first(layer, "prelu_param", {})
            shapes = [[1] if first(p, "channel_shared", "false") == "true" else [cin]]
        elif kind == "BatchNorm":
            shapes = [[cin], [cin], [1]]
        elif kind == "Scale":
            p = first(layer, "scale_param", {})
            shapes = [[cin]] + ([[cin]] if first(p, "bias_term", "false") == "true" else [])
        elif kind == "Concat":
            out = (sum(blobs[b][0] for b in bottoms), h, w)
        elif kind in ("ReLU", "Eltwise", "Sigmoid", "TanH", "Split", "Dropout"):
            pass
        else:
            raise ValueError(f"layer type {kind} is not handled by this writer")
        for t in tops:
            blobs[t] = out
        result.append((layer, shapes))
    return result


def seeded_values(shape, index, kind, rng):
    n = int(np.prod(shape))
    if len(shape) == 4:  # He-normal, so that activations keep their scale through the stages
        fan_in = shape[1] * shape[2] * shape[3]
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), n).astype(np.float32)
    if len(shape) == 2:
        return rng.normal(0.0, np.sqrt(2.0 / shape[1]), n).astype(np.float32)
    if index == 2 and shape == [1]:  # a BatchNorm scale factor
        return np.array([rng.uniform(0.5, 2.0)], dtype=np.float32)
    if index == 1 and kind == "BatchNorm":  # variances are positive
        return rng.uniform(0.5, 2.0, n).astype(np.float32)
    return rng.normal(0.0, 0.05 if kind != "PReLU" else 0.3, n).astype(np.float32)


# --- protobuf wire encoding ---

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def length_delimited(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def string_field(field, s):
    return length_delimited(field, s.encode("utf8"))


def blob_proto(shape, values, style):
    """style: 'shape' (BlobShape, packed floats), 'legacy' (num/channels/height/width), 'unpacked' floats."""
    out = bytearray()
    if style == "legacy":
        legacy = [1] * (4 - len(shape)) + list(shape)
        for field, d in zip((1, 2, 3, 4), legacy):
            out += key(field, 0) + varint(d)
    else:
        out += length_delimited(7, length_delimited(1, b"".join(varint(d) for d in shape)))
    if style == "unpacked":
        for v in values:
            out += key(5, 5) + struct.pack("<f", float(v))
    else:
        out += length_delimited(5, values.astype("<f4").tobytes())
    return bytes(out)


V1_TYPES = {"Convolution": 4, "ReLU": 18, "Pooling": 17, "Concat": 3, "InnerProduct": 14}


def write(prototxt, out_path, seed, v1=False):
    net = parse_prototxt(prototxt)
    rng = np.random.default_rng(seed)
    body = bytearray(string_field(1, first(net, "name", "net")))
    for i, (layer, shapes) in enumerate(layer_blobs(net)):
        kind = first(layer, "type")
        blobs = []
        for j, shape in enumerate(shapes):
            values = seeded_values(shape, j, kind, rng)
            small = int(np.prod(shape)) <= 512
            style = "unpacked" if small and i % 3 == 0 else ("legacy" if i % 2 else "shape")
            blobs.append(blob_proto(shape, values, style))
        if v1:
            msg = bytearray()
            for b in layer.get("bottom", []):
                msg += string_field(2, b)
            for t in layer.get("top", []):
                msg += string_field(3, t)
            msg += string_field(4, first(layer, "name")) + key(5, 0) + varint(V1_TYPES[kind])
            for b in blobs:
                msg += length_delimited(6, b)
            body += length_delimited(2, bytes(msg))
        else:
            msg = bytearray(string_field(1, first(layer, "name")) + string_field(2, kind))
            for b in layer.get("bottom", []):
                msg += string_field(3, b)
            for t in layer.get("top", []):
                msg += string_field(4, t)
            for b in blobs:
                msg += length_delimited(7, b)
            body += length_delimited(100, bytes(msg))
    with open(out_path, "wb") as f:
        f.write(body)


def run_opencv(prototxt, model, input_path, shape, outdir, names):
    import cv2

    x = np.fromfile(input_path, dtype="<f4").reshape(shape)
    net = cv2.dnn.readNetFromCaffe(prototxt, model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    net.setInput(x)
    outs = net.forward(names)
    for name, y in zip(names, outs):
        np.ascontiguousarray(y, dtype="<f4").tofile(f"{outdir}/{name}.bin")
        print(name, " ".join(str(d) for d in y.shape))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        write(sys.argv[2], sys.argv[3], int(sys.argv[4]), v1="--v1" in sys.argv[5:])
    elif cmd == "opencv":
        proto, model, inp = sys.argv[2:5]
        shape = [int(v) for v in sys.argv[5:9]]
        run_opencv(proto, model, inp, shape, sys.argv[9], sys.argv[10:])
    else:
        sys.exit(f"unknown command {cmd}")
