// Upsampling by an integer factor per axis. nearest: source = floor(destination / factor) (tfjs's
// UpSampling2D, PyTorch's nn.Upsample(mode="nearest"), ONNX Resize asymmetric/floor); bilinear:
// half-pixel centres (PyTorch's align_corners=False, ONNX Resize half_pixel, the runtime's
// PosecResizeBilinear; tfjs's own bilinear UpSampling2D uses the legacy mapping, which posec does not).
import { attr, attrs } from "./attrs.js";
import { defineOp, type OnnxAttr, type TfjsPlan } from "./op.js";

export const upsample = defineOp({
  summary: "upsampling by an integer factor, nearest or bilinear (half-pixel centres)",
  attrs: attrs({ factor: attr.pair(), mode: attr.oneOf("nearest", "bilinear") }),
  shape: ({ factor: f }, [[h, w, c]], [rf]) => ({ shape: [h * f[0], w * f[1], c], rf: { size: rf.size, stride: [rf.stride[0] / f[0], rf.stride[1] / f[1]] } }),
  onnx(a, c) {
    const [fh, fw] = a.factor;
    const scales = c.constant(`${c.name}/scales`, "float", [4], [1, 1, fh, fw]);
    const attributes: Record<string, OnnxAttr> =
      a.mode === "nearest"
        ? { coordinate_transformation_mode: { string: "asymmetric" }, mode: { string: "nearest" }, nearest_mode: { string: "floor" } }
        : { coordinate_transformation_mode: { string: "half_pixel" }, mode: { string: "linear" } };
    c.node("Resize", c.name, [c.inputs[0], "", scales], [c.output], attributes);
  },
  tfjs: (a, c): TfjsPlan => ({
    layers: [
      a.mode === "nearest"
        ? { layer: "upSampling2d", config: { name: c.name, size: a.factor, interpolation: "nearest" } }
        : { layer: "PosecResizeBilinear", custom: true, config: { name: c.name, factor: a.factor } },
    ],
  }),
  torch: {
    module(a, c) {
      const f = a.factor;
      const scale = f[0] === f[1] ? c.py.float(f[0]) : `(${c.py.float(f[0])}, ${c.py.float(f[1])})`;
      return a.mode === "nearest" ? `nn.Upsample(scale_factor=${scale}, mode="nearest")` : `nn.Upsample(scale_factor=${scale}, mode="bilinear", align_corners=False)`;
    },
  },
});
