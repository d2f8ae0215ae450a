// JSON Schema (draft-07) of the IR in core/ir/types.ts. Every IR posec writes is validated against
// it, and every IR it reads; the two must change together (a test checks every zoo model against it).
import { BACKEND_PREFERENCES } from "../backends.js";
import { OP_TABLE } from "../ops/index.js";

const int = (minimum = 0) => ({ type: "integer", minimum });
const num = { type: "number" };
const pair = (minimum = 1) => ({ type: "array", items: int(minimum), minItems: 2, maxItems: 2 });
const name = { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" };
const strict = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({ type: "object", properties, required, additionalProperties: false });

// Shared pieces are referenced, not inlined, to keep the generated validator small (op attributes refer
// to `weightInit` too: core/ops/attrs.ts).
const ref = (def: string) => ({ $ref: `#/definitions/${def}` });
const spanDef = strict({ file: { type: "string" }, line: int(1), col: int(1), endLine: int(1), endCol: int(1) });
const span = ref("span");
const weightInitDef = {
  oneOf: [
    strict({ kind: { const: "normal" }, std: { type: "number", exclusiveMinimum: 0 }, mean: num }),
    strict({ kind: { const: "kaiming" }, mode: { enum: ["fan_in", "fan_out"] }, distribution: { enum: ["normal", "uniform"] } }),
    strict({ kind: { const: "xavier" }, distribution: { enum: ["normal", "uniform"] } }),
    strict({ kind: { const: "constant" }, value: num }),
  ],
};
// Each op's attributes come from its entry in the op table (core/ops/), as its TypeScript type does.
const ATTRS: Record<string, unknown> = Object.fromEntries(Object.entries(OP_TABLE).map(([op, def]) => [op, def.attrs.schema]));

// One shape for every node; the attributes are checked against the op's own schema.
const node = {
  ...strict({
    name,
    op: { enum: Object.keys(ATTRS) },
    inputs: { type: "array", items: name, minItems: 1 },
    outputs: { type: "array", items: name, minItems: 1, maxItems: 1 },
    attrs: { type: "object" },
    part: { type: "string", pattern: "^(backbone|adapter|stage[0-9]+(\\.(heatmap|paf))?)$" },
    span,
    callers: { type: "array", items: span },
    scope: int(0),
    label: { type: "string", minLength: 1 },
  }),
  allOf: Object.keys(ATTRS).map((op) => ({ if: { properties: { op: { const: op } } }, then: { properties: { attrs: ref(`attrs_${op}`) } } })),
};

// a block argument: numbers, flags, strings, lists of them (recursive through the definitions)
const argDef = { anyOf: [{ type: "number" }, { type: "boolean" }, { type: "string" }, { type: "array", items: ref("arg") }] };
const scope = strict({
  id: int(0),
  parent: { oneOf: [{ type: "null" }, int(0)] },
  kind: { enum: ["model", "backbone", "adapter", "block", "group", "stages", "stage", "part"] },
  label: { type: "string" },
  block: { oneOf: [{ type: "null" }, { type: "string", minLength: 1 }] },
  args: { type: "object", additionalProperties: ref("arg") },
  prefix: { type: "string" },
  definition: span,
  span,
});

const keypoints = strict({
  name: { type: "string" },
  joints: { type: "array", minItems: 1, items: strict({ name: { type: "string" }, from: { type: "array", items: int(0), minItems: 0, maxItems: 2 } }) },
  limbs: { type: "array", minItems: 0, items: strict({ name: { type: "string" }, from: int(0), to: int(0) }) },
  flipPairs: { type: "array", items: { type: "array", items: int(0), minItems: 2, maxItems: 2 } },
  background: { type: "boolean" },
  heatmapChannels: int(1),
  pafChannels: int(0),
  dataset: { oneOf: [{ type: "null" }, strict({ name: { type: "string" }, keypoints: { type: "array", items: { type: "string" } }, sigmas: { type: "array", items: num } })] },
  span,
});

const branchLoss = strict({ kind: { const: "l2" }, masked: { type: "boolean" }, weight: num });
const loss = strict({
  heatmap: branchLoss,
  paf: branchLoss,
  stageWeights: { type: "array", items: num, minItems: 1 },
  reduction: { const: "sample_sum_batch_mean" },
  hardjoint: { oneOf: [{ type: "null" }, strict({ topk: int(1), stages: { type: "array", items: int(1), minItems: 1 }, background: { enum: ["exclude", "include", "separate"] }, span })] },
  span,
});

const positive = { type: "number", exclusiveMinimum: 0 };
const train = strict({
  data: {
    oneOf: [
      strict({ kind: { const: "coco" }, root: { type: "string" }, annotations: { type: "string" }, images: { type: "string" } }),
      strict({ kind: { const: "synth" }, images: int(1), size: int(1), seed: int(0) }),
    ],
  },
  targets: strict({ sigma: positive, pafWidth: positive }),
  augment: strict({ scale: { type: "array", items: positive, minItems: 2, maxItems: 2 }, rotate: num, flip: { type: "number", minimum: 0, maximum: 1 }, crop: pair(), centerPerturb: num }),
  optimizer: {
    oneOf: [
      strict({ kind: { const: "sgd" }, lr: num, momentum: num, weightDecay: num, nesterov: { type: "boolean" } }),
      strict({ kind: { const: "adam" }, lr: num, beta1: num, beta2: num, epsilon: num, weightDecay: num }),
    ],
  },
  schedule: {
    oneOf: [
      strict({ kind: { const: "constant" } }),
      strict({ kind: { const: "step" }, gamma: num, every: int(1) }),
      strict({ kind: { const: "cosine" }, minLr: num }),
      strict({ kind: { const: "poly" }, power: num }),
    ],
  },
  warmup: int(0),
  lrMult: { type: "array", items: strict({ stages: { type: "array", items: int(1) }, weight: num, bias: num }) },
  batch: int(1),
  steps: { oneOf: [{ type: "null" }, int(1)] },
  epochs: { oneOf: [{ type: "null" }, int(1)] },
  seed: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
  backend: { enum: [...BACKEND_PREFERENCES] },
  span,
});

const stages = strict({
  count: int(1),
  stride: int(1),
  features: name,
  outputs: { type: "array", minItems: 1, items: strict({ stage: int(1), heatmaps: { anyOf: [name, { type: "null" }] }, pafs: { anyOf: [name, { type: "null" }] } }) },
  span,
});

const nullable = (s: unknown) => ({ oneOf: [{ type: "null" }, s] });

const decoder = strict({
  peakThreshold: num,
  peakSigma: positive,
  subpixel: { type: "boolean" },
  pafThreshold: num,
  pafSamples: int(2),
  pafMinFraction: { type: "number", minimum: 0, maximum: 1 },
  distancePrior: num,
  minParts: int(0),
  minMeanScore: num,
  interpolation: { enum: ["bicubic", "bilinear"] },
});
const codec = strict({
  stride: int(1),
  grid: pair(),
  sigma: positive,
  pafWidth: positive,
  heatmapCombine: { enum: ["sum-clip", "max"] },
  pafCombine: { enum: ["average", "overwrite"] },
  pafConvention: { enum: ["centered", "cmu"] },
  targetDist: positive,
  decoder,
});

export const IR_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://posec.dev/schemas/ir-1.json",
  title: "posec IR, version 1",
  definitions: { span: spanDef, arg: argDef, weightInit: weightInitDef, ...Object.fromEntries(Object.entries(ATTRS).map(([op, a]) => [`attrs_${op}`, a])) },
  ...strict({
    format: { const: "posec-ir" },
    version: { const: 1 },
    model: strict({ name: { type: "string", minLength: 1 }, span }),
    sources: { type: "array", items: { type: "string" } },
    input: strict(
      { tensor: name, height: int(1), width: int(1), channels: int(1), scale: num, shift: num, mean: { type: "array", items: num, minItems: 1 }, std: { type: "array", items: { type: "number", exclusiveMinimum: 0 }, minItems: 1 }, channelOrder: { enum: ["bgr", "rgb"] }, span },
      ["tensor", "height", "width", "channels", "scale", "shift", "channelOrder", "span"],
    ),
    keypoints: nullable(keypoints),
    tensors: { type: "array", items: strict({ name, channels: int(1), producer: { oneOf: [{ type: "null" }, name] } }) },
    nodes: { type: "array", items: node },
    scopes: { type: "array", items: scope, minItems: 1 },
    stages: nullable(stages),
    outputs: { type: "object", additionalProperties: name, minProperties: 1 },
    loss: nullable(loss),
    train: nullable(train),
    codec: nullable(codec),
    weightSources: { type: "array", items: strict({ path: { type: "string", minLength: 1 }, scope: { enum: ["backbone", "model"] }, nodes: { type: "array", items: name }, span }) },
  }, ["format", "version", "model", "sources", "input", "keypoints", "tensors", "nodes", "scopes", "stages", "outputs", "loss", "train", "codec"]),
} as const;
