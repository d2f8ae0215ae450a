// metadata_props of an exported model: everything a consumer needs to feed the network and decode its
// outputs without posec (JSON values under `posec.*` keys), and the model's doc_string in words.
import type { Ir } from "../../../core/ir/types.js";
import type { ShapeReport } from "../../../core/shapes.js";

export type WeightsSource = { kind: "initial"; seed: number } | { kind: "checkpoint"; path: string };

export interface MetadataInput {
  ir: Ir;
  report: ShapeReport;
  /** ONNX output name -> IR tensor, in graph order */
  outputs: [string, string][];
  /** H and W are fixed (a dense layer's kernel depends on them) instead of symbolic */
  fixedSize: boolean;
  weights: WeightsSource;
  foldBn: boolean;
  allStages: boolean;
  opset: number;
  posecVersion: string;
}

export function metadataProps(m: MetadataInput): [string, string][] {
  const { ir, report } = m;
  const json = (v: unknown) => JSON.stringify(v);
  const props: [string, string][] = [
    ["posec.model", json({ name: ir.model.name, sources: ir.sources, posec_version: m.posecVersion, ir_version: ir.version, opset: m.opset })],
    [
      "posec.input",
      json({
        name: "image",
        layout: "NCHW",
        dtype: "float32",
        channels: ir.input.channels,
        height: m.fixedSize ? ir.input.height : "H",
        width: m.fixedSize ? ir.input.width : "W",
        trained_size: [ir.input.height, ir.input.width],
        note: m.fixedSize ? "the input size is fixed: a dense layer's weights depend on it" : "any height and width the network accepts; outputs scale with them (see posec.outputs strides)",
      }),
    ],
    [
      "posec.normalization",
      json({
        scale: ir.input.scale,
        shift: ir.input.shift,
        ...(ir.input.mean && ir.input.std ? { mean: ir.input.mean, std: ir.input.std } : {}),
        channel_order: ir.input.channelOrder,
        pixel_range: [0, 255],
        formula: ir.input.mean ? "image[c] = (pixel[c] * scale + shift - mean[c]) / std[c]" : "image[c] = pixel[c] * scale + shift",
        in_graph: false,
        note: `the graph does NOT normalise: feed \`image\` already normalised, channels in ${ir.input.channelOrder.toUpperCase()} order, NCHW`,
      }),
    ],
  ];
  if (ir.keypoints) {
    const k = ir.keypoints;
    const joints = k.joints.map((j) => j.name);
    props.push(
      [
        "posec.keypoints",
        json({
          schema: k.name,
          joints,
          background: k.background,
          heatmap_channels: k.heatmapChannels,
          heatmap_order: k.background ? "joints in order, then the background channel" : "joints in order",
          paf_channels: k.pafChannels,
          // without limbs there are no PAFs to group joints into people: one person, each joint at its heatmap's maximum
          decoding: k.limbs.length > 0 ? "peaks grouped into people by the part affinity fields (CMU)" : "one instance per image: each joint at its heatmap's maximum",
          flip_pairs: k.flipPairs,
          dataset: k.dataset ? { name: k.dataset.name, keypoints: k.dataset.keypoints, sigmas: k.dataset.sigmas } : null,
          // dataset keypoint indices per joint: one = copy, two = midpoint, none = the dataset lacks it
          joint_sources: k.joints.map((j) => j.from),
        }),
      ],
      ["posec.limbs", json(k.limbs.map((l, i) => ({ name: l.name, from: l.from, to: l.to, joints: [joints[l.from], joints[l.to]], paf_channels: [2 * i, 2 * i + 1] })))],
    );
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, tensor] of m.outputs) {
    const rf = report.receptiveFields[tensor];
    outputs[name] = { channels: report.shapes[tensor][2], stride: rf.stride, tensor };
  }
  props.push(["posec.outputs", json(outputs)]);
  // the decoder's defaults (the IR's codec.decoder), snake_case as the other keys
  if (ir.codec) props.push(["posec.decoder", json(Object.fromEntries(Object.entries(ir.codec.decoder).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v])))]);
  props.push(["posec.weights", json(m.weights.kind === "initial" ? { source: "initial", seed: m.weights.seed } : { source: "checkpoint", path: m.weights.path })]);
  props.push(["posec.export", json({ fold_bn: m.foldBn, all_stages: m.allStages })]);
  return props;
}

export function modelDoc(m: MetadataInput): string {
  const { ir } = m;
  const size = m.fixedSize ? `${ir.input.height}x${ir.input.width}` : "H x W (symbolic)";
  return [
    `${ir.model.name}, exported by posec ${m.posecVersion} from ${ir.sources[0]}.`,
    `Input \`image\`: float32 NCHW [N, ${ir.input.channels}, ${size}], already normalised as pixel * ${ir.input.scale} + ${ir.input.shift} with channels in ${ir.input.channelOrder.toUpperCase()} order; the graph itself does not normalise.`,
    `Outputs: ${m.outputs.map(([n]) => n).join(", ")} (NCHW). Keypoints, limbs, strides and normalisation: metadata_props posec.*.`,
  ].join("\n");
}
