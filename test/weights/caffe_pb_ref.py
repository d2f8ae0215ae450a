"""Independent reference for posec's streaming caffemodel reader (run with Debian's /usr/bin/python3).

Encodes a caffemodel with Google's protobuf library (python3-protobuf), from a descriptor of the caffe.proto
messages built here (NetParameter, LayerParameter, BlobProto, BlobShape with caffe.proto's field numbers), so
that the bytes are laid out as protobuf's own serializer lays them out (fields in number order: a blob's
packed floats before its shape, as Caffe writes them). Also writes, with numpy, what posec must hold for each
tensor in its own layout (conv HWIO, dense [in in H, W, C order, out]): no posec code is involved.

usage: caffe_pb_ref.py OUT_DIR SEED
  OUT_DIR/model.caffemodel, OUT_DIR/model_t.caffemodel (the same network with the InnerProduct's weights
  stored (in, out), inner_product_param { transpose: true }), OUT_DIR/expected.json ({tensor: [shape,
  file]}) and one raw float32 file per tensor.
"""
import json
import os
import sys

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def add_field(msg, name, number, kind, label=F.LABEL_OPTIONAL, type_name=None, packed=False):
    f = msg.field.add(name=name, number=number, type=kind, label=label)
    if type_name:
        f.type_name = type_name
    if packed:
        f.options.packed = True


def caffe_classes():
    fdp = descriptor_pb2.FileDescriptorProto(name="caffe_subset.proto", package="caffe", syntax="proto2")
    shape = fdp.message_type.add(name="BlobShape")
    add_field(shape, "dim", 1, F.TYPE_INT64, F.LABEL_REPEATED, packed=True)
    blob = fdp.message_type.add(name="BlobProto")
    for i, n in enumerate(["num", "channels", "height", "width"]):
        add_field(blob, n, i + 1, F.TYPE_INT32)
    add_field(blob, "data", 5, F.TYPE_FLOAT, F.LABEL_REPEATED, packed=True)
    add_field(blob, "diff", 6, F.TYPE_FLOAT, F.LABEL_REPEATED, packed=True)
    add_field(blob, "shape", 7, F.TYPE_MESSAGE, type_name=".caffe.BlobShape")
    ip = fdp.message_type.add(name="InnerProductParameter")
    add_field(ip, "num_output", 1, F.TYPE_UINT32)
    add_field(ip, "transpose", 6, F.TYPE_BOOL)
    layer = fdp.message_type.add(name="LayerParameter")
    add_field(layer, "name", 1, F.TYPE_STRING)
    add_field(layer, "type", 2, F.TYPE_STRING)
    add_field(layer, "bottom", 3, F.TYPE_STRING, F.LABEL_REPEATED)
    add_field(layer, "top", 4, F.TYPE_STRING, F.LABEL_REPEATED)
    add_field(layer, "blobs", 7, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".caffe.BlobProto")
    add_field(layer, "inner_product_param", 117, F.TYPE_MESSAGE, type_name=".caffe.InnerProductParameter")
    net = fdp.message_type.add(name="NetParameter")
    add_field(net, "name", 1, F.TYPE_STRING)
    add_field(net, "layer", 100, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".caffe.LayerParameter")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    get = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory(pool).GetPrototype
    return get(pool.FindMessageTypeByName("caffe.NetParameter"))


def main():
    out, seed = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(seed)
    NetParameter = caffe_classes()
    nets = [NetParameter(name="stream"), NetParameter(name="stream")]
    expected = {}

    def save(name, array):
        path = os.path.join(out, name.replace("/", "_") + ".bin")
        np.ascontiguousarray(array, dtype="<f4").tofile(path)
        expected[name] = [list(array.shape), path]

    def layer(name, kind, blobs, transposed_blobs=None):
        for i, net in enumerate(nets):
            l = net.layer.add(name=name, type=kind)
            if i == 1 and transposed_blobs is not None:
                l.inner_product_param.transpose = True
            for b in blobs if i == 0 or transposed_blobs is None else transposed_blobs:
                blob = l.blobs.add()
                blob.shape.dim.extend(b.shape)
                blob.data.extend(b.ravel().tolist())

    # conv1: 3x3, 3 -> 5, bias; OIHW in the file, HWIO in posec
    w1 = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    b1 = rng.standard_normal(5).astype(np.float32)
    layer("conv1", "Convolution", [w1, b1])
    save("conv1/kernel", w1.transpose(2, 3, 1, 0))
    save("conv1/bias", b1)
    # conv2: 1x1, 5 -> 7: a 1x1 kernel's rows are one value per input channel
    w2 = rng.standard_normal((7, 5, 1, 1)).astype(np.float32)
    b2 = rng.standard_normal(7).astype(np.float32)
    layer("conv2", "Convolution", [w2, b2])
    save("conv2/kernel", w2.transpose(2, 3, 1, 0))
    save("conv2/bias", b2)
    # fc: InnerProduct on a 2x2x7 map: (out, in) with `in` flattened C, H, W; posec: [H*W*C in H, W, C order, out]
    w3 = rng.standard_normal((6, 7 * 2 * 2)).astype(np.float32)
    b3 = rng.standard_normal(6).astype(np.float32)
    layer("fc", "InnerProduct", [w3, b3], [np.ascontiguousarray(w3.T), b3])
    save("fc/kernel", w3.reshape(6, 7, 2, 2).transpose(2, 3, 1, 0).reshape(2 * 2 * 7, 6))
    save("fc/bias", b3)
    for net, name in zip(nets, ["model.caffemodel", "model_t.caffemodel"]):
        with open(os.path.join(out, name), "wb") as f:
            f.write(net.SerializeToString())
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


main()
