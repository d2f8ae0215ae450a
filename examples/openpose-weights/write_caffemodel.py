"""Write a Caffe .caffemodel with seeded random weights for a posec spec (quick mode's stand-in for CMU's file).

The layer names and blob shapes come from posec's IR of the spec (`posec build SPEC --target ir`), so the
file has exactly the layers `posec import --strict` asks for, under the names CMU's caffemodels use:
  convolution  layer <conv name>    blobs: weights [out, in/groups, kh, kw] (OIHW), bias [out]
  PReLU        layer prelu<...>     blob:  one slope per channel [channels]; CMU names the PReLU after
                                    its convolution with `conv` read `prelu` (conv4_2 -> prelu4_2)
A .caffemodel is a binary protobuf NetParameter; the few fields used are written by hand below, so
this needs only numpy (no Caffe, no protobuf library):
  NetParameter  { string name = 1; repeated LayerParameter layer = 100; }
  LayerParameter{ string name = 1; string type = 2; repeated BlobProto blobs = 7; }
  BlobProto     { BlobShape shape = 7; repeated float data = 5 [packed]; }
  BlobShape     { repeated int64 dim = 1 [packed]; }

usage: /usr/bin/python3 write_caffemodel.py MODEL.ir.json OUT.caffemodel [--seed N]
"""
import argparse
import json

import numpy as np


# --- protobuf wire format: every field is a key (field number << 3 | wire type) and a value ---

def varint(n):
    """Base-128 integer, least significant group first, high bit = more bytes follow."""
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field_bytes(number, payload):
    """A length-delimited field (wire type 2): strings, sub-messages and packed arrays."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def blob(shape, values):
    dims = b"".join(varint(d) for d in shape)
    return field_bytes(7, field_bytes(1, dims)) + field_bytes(5, values.astype("<f4").tobytes())


def layer(name, kind, blobs):
    body = field_bytes(1, name.encode()) + field_bytes(2, kind.encode())
    return field_bytes(100, body + b"".join(field_bytes(7, b) for b in blobs))


# --- which layers, with which shapes: read from posec's IR ---

def caffe_layers(ir, rng):
    channels = {t["name"]: t["channels"] for t in ir["tensors"]}
    for node in ir["nodes"]:
        op, attrs = node["op"], node["attrs"]
        if op == "conv":
            cin = channels[node["inputs"][0]] // attrs["groups"]
            shape = [attrs["filters"], cin, *attrs["kernel"]]
            # He-normal, so that activations keep their scale through the stages
            weights = rng.normal(0.0, np.sqrt(2.0 / (cin * shape[2] * shape[3])), shape)
            blobs = [blob(shape, weights)]
            if attrs["bias"]:
                blobs.append(blob([attrs["filters"]], rng.normal(0.0, 0.05, attrs["filters"])))
            yield layer(node["name"], "Convolution", blobs)
        elif op == "prelu":
            conv = node["name"][: -len("_prelu")]
            n = channels[node["inputs"][0]]
            yield layer(conv.replace("conv", "prelu", 1), "PReLU", [blob([n], rng.uniform(0.0, 0.5, n))])
        elif op in ("relu", "maxpool", "concat"):
            pass  # no weights
        else:
            raise SystemExit(f"{node['name']}: this small writer does not handle {op} layers")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ir")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.ir) as f:
        ir = json.load(f)
    rng = np.random.default_rng(args.seed)
    layers = list(caffe_layers(ir, rng))
    with open(args.out, "wb") as f:
        f.write(field_bytes(1, ir["model"]["name"].encode()) + b"".join(layers))
    print(f"wrote {args.out}: {len(layers)} layers with weights, seed {args.seed}")


if __name__ == "__main__":
    main()
