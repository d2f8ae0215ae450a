"""The official ONNX checks of an exported model, run by Debian's /usr/bin/python3 (onnx 1.12).

usage: onnx_check.py MODEL.onnx '[[H, W], ...]'
prints one JSON object:
  checker: "ok" or the checker's message (onnx.checker.check_model(model, full_check=True))
  shapes:  {"HxW": {value name: [dims...] (null for an unknown dim)}} from onnx.shape_inference with the
           input fixed to [1, C, H, W] (strict mode, type checks, data propagation)
Shape inference runs on a weightless copy (initializers replaced by typed graph inputs of the same
shapes), so that a 200 MB model is not re-serialised for every size.
"""
import json
import sys

import onnx
from onnx import helper, shape_inference


def dims_of(value_info):
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]


def weightless(model):
    g = model.graph
    params = [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in g.initializer]
    outputs = [helper.make_tensor_value_info(o.name, o.type.tensor_type.elem_type, None) for o in g.output]
    graph = helper.make_graph(list(g.node), g.name, [g.input[0]] + params, outputs)
    light = helper.make_model(graph, opset_imports=list(model.opset_import))
    light.ir_version = model.ir_version
    return light


def main():
    path, sizes = sys.argv[1], json.loads(sys.argv[2])
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model, full_check=True)
        checker = "ok"
    except Exception as e:  # the message is the test's evidence
        checker = f"{type(e).__name__}: {e}"
    light = weightless(model)
    shapes = {}
    for h, w in sizes:
        m = onnx.ModelProto()
        m.CopyFrom(light)
        dims = m.graph.input[0].type.tensor_type.shape.dim
        for d, v in zip(dims, [1, dims[1].dim_value, h, w]):
            d.Clear()
            d.dim_value = v
        inferred = shape_inference.infer_shapes(m, check_type=True, strict_mode=True, data_prop=True)
        found = {}
        for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
            found[vi.name] = dims_of(vi)
        shapes[f"{h}x{w}"] = found
    print(json.dumps({"checker": checker, "shapes": shapes}))


main()
