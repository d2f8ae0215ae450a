// Sections -> IR: the input, the keypoint schema, the backbone (a block call cut at `until`, or an
// inline body), the adapter, the stage graph (compiler/lower-stages.ts), and the loss and train settings.
import type { Body, DeclOf, LayerStmt, Span } from "../grammar/ast.js";
import { bindArgs } from "./bind-args.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { aliasTarget, childScope, elabBody, Graph, irSpan, labelsOf, type Scope, type TensorRef } from "./elaborate.js";
import { IR_FORMAT, IR_VERSION, type InputIR, type Ir, type WeightInit } from "../core/ir/types.js";
import { lowerKeypoints } from "./lower-keypoints.js";
import { lowerStageGraph, stageCount } from "./lower-stages.js";
import { lowerLoss, lowerTrain } from "./lower-train.js";
import type { Module } from "./modules.js";
import { DEFAULT_INIT, INIT_STATEMENT } from "./layer-catalog.js";
import type { Located, Sections } from "./sections.js";
import { INPUT_PARAMS, STAGES_PARAMS } from "./settings.js";
import { didYouMean, lookup } from "./suggest.js";
import { EMPTY_ENV, type Value } from "./values.js";
import { lowerWeightSources } from "./weight-sources.js";

function topScope(module: Module, part: string, prefix: string, init: WeightInit, vars: Map<string, Value>, inChannels: number, scopeId: number): Scope {
  return { prefix, counters: new Map(), init, env: { vars, inChannels }, module, part, callers: [], callStack: [], scopeId };
}

function modelInit(sections: Sections, diags: Diagnostic[]): WeightInit {
  const d = sections.Init;
  if (!d) return DEFAULT_INIT;
  const s = d.decl.stmt;
  const scheme = s.scheme && lookup(INIT_STATEMENT, s.scheme.name);
  if (!scheme) {
    if (s.scheme) diags.push(diag("PN2001", s.scheme.span, `unknown initialisation \`${s.scheme.name}\``, { help: didYouMean(s.scheme.name, Object.keys(INIT_STATEMENT)) }));
    return DEFAULT_INIT;
  }
  const bound = bindArgs(s.args, scheme.params, EMPTY_ENV, { what: `\`init ${s.scheme!.name}\``, span: s.span }, diags);
  return bound ? scheme.make(bound.values) : DEFAULT_INIT;
}

function lowerInput(d: Located<DeclOf<"Input">>, diags: Diagnostic[]): InputIR | undefined {
  const bound = bindArgs(d.decl.args, INPUT_PARAMS, EMPTY_ENV, { what: "`input`", span: d.decl.span }, diags);
  if (!bound) return undefined;
  const [height, width, channels] = bound.values.size as number[];
  const mean = bound.values.mean as number[] | undefined;
  const std = bound.values.std as number[] | undefined;
  const perChannel = mean !== undefined || std !== undefined;
  if (perChannel) {
    for (const [key, list] of [["mean", mean], ["std", std]] as const) {
      if (list === undefined) {
        diags.push(diag("PN2012", d.decl.span, `\`input\` gives \`${key === "mean" ? "std" : "mean"}\` but not \`${key}\``, { help: "per-channel normalisation needs both, one value per channel" }));
        return undefined;
      }
      if (list.length !== channels) {
        diags.push(diag("PN2004", bound.spans[key], `\`${key}\` needs ${channels} values, one per input channel; got ${list.length}`));
        return undefined;
      }
    }
    if (std!.some((s) => s <= 0)) {
      diags.push(diag("PN2004", bound.spans.std, "`std` values must be above 0"));
      return undefined;
    }
  }
  // with mean/std, the uniform part defaults to the identity: `scale=1/255 mean=0.485,... std=0.229,...`
  const given = (key: string) => key in bound.spans;
  return {
    tensor: d.decl.name?.name ?? "image",
    height,
    width,
    channels,
    scale: perChannel && !given("scale") ? 1 : (bound.values.scale as number),
    shift: perChannel && !given("shift") ? 0 : (bound.values.shift as number),
    ...(perChannel ? { mean: mean!, std: std! } : {}),
    channelOrder: bound.values.order as "bgr" | "rgb",
    span: irSpan(d.decl.span),
  };
}

function lowerBackbone(d: Located<DeclOf<"Backbone">>, input: TensorRef, init: WeightInit, g: Graph): TensorRef | undefined {
  const { decl, module } = d;
  // the backbone's members are the model's own (torchvision's keys start at `conv1`, CMU's at `conv1_1`)
  const scopeId = g.addScope(0, "backbone", "", "", decl.span, decl.body?.span ?? decl.span);
  const scope = topScope(module, "backbone", "", init, new Map(), input.channels, scopeId);
  const until = decl.until;
  if (decl.body) {
    return cutBody(decl.body, until, input, scope, g, "the backbone");
  }
  if (!decl.callee) return undefined;
  const block = module.visible.get(decl.callee.name);
  if (!block) {
    // written without arguments, only a block that needs none is a plausible meaning (`resnet50`, not `resnet`)
    const plausible = [...module.visible].filter(([, b]) => decl.args.length > 0 || b.decl.params.every((p) => p.default)).map(([name]) => name);
    g.diags.push(diag("PN2001", decl.callee.span, `unknown backbone \`${decl.callee.name}\``, { help: didYouMean(decl.callee.name, plausible) ?? "backbones are blocks: vgg19, resnet18, resnet34, resnet50, resnet101, or your own `block`" }));
    return undefined;
  }
  if (until && block.decl.body) {
    const labels = labelsOf(aliasTarget(block).decl.body ?? block.decl.body);
    // labels computed in loops (`layer{i + 1}`) are only known once the call runs: checked then
    if (!labels.includes(until.name) && !labels.some((l) => l.includes("{"))) {
      g.diags.push(diag("PN2014", until.span, `\`${decl.callee.name}\` has no cut point \`${until.name}\``, { help: didYouMean(until.name, labels) ?? `its cut points: ${labels.join(", ")}` }));
      return undefined;
    }
  }
  // The backbone is a block call whose nodes keep the block's own names (conv1_1, layer2_...).
  const call: LayerStmt = { kind: "Layer", callee: decl.callee, args: decl.args, branches: [], span: decl.span };
  const wrapper: Body = { kind: "Body", stmts: [call], span: decl.span };
  scope.cut = until ? { label: until.name, depth: 1, reached: false } : undefined;
  scope.prefix = "";
  return runCall(wrapper, scope, input, g, until);
}

/** Elaborates the one-statement body holding the backbone call; the call's own prefix is dropped. */
function runCall(wrapper: Body, scope: Scope, input: TensorRef, g: Graph, until: { name: string; span: Span } | undefined): TensorRef | undefined {
  const out = elabBody(wrapper, input, { ...scope, callPrefix: "" }, g);
  if (out && until && scope.cut && !scope.cut.reached) {
    g.diags.push(diag("PN2014", until.span, `the cut point \`${until.name}\` was not reached`, { help: "it sits in a branch that these arguments do not take" }));
    return undefined;
  }
  return out;
}

function cutBody(body: Body, until: { name: string; span: Span } | undefined, input: TensorRef, scope: Scope, g: Graph, what: string): TensorRef | undefined {
  if (until) {
    const labels = labelsOf(body);
    if (!labels.includes(until.name)) {
      g.diags.push(diag("PN2014", until.span, `${what} has no statement labelled \`${until.name}\``, { help: didYouMean(until.name, labels) }));
      return undefined;
    }
    scope.cut = { label: until.name, depth: 0, reached: false };
  }
  return elabBody(body, input, scope, g);
}

const NO_SPAN = (file: string): Span => ({ file, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 });

/** Lowers a resolved spec to IR. Returns undefined IR when errors prevent a complete graph. */
export function lowerSpec(sections: Sections, root: Module, diags: Diagnostic[]): Ir | undefined {
  const rootSpan = NO_SPAN(root.path);
  for (const m of sections.chain) {
    if (!m.parsed.ast.decls.some((d) => d.kind === "Version")) {
      diags.push(diag("PN2011", m === root ? rootSpan : NO_SPAN(m.path), `\`${m.path}\` does not start with \`posenet 1\``, { help: "every spec file begins with the language version: `posenet 1`" }));
    }
    const v = m.parsed.ast.decls.find((d): d is DeclOf<"Version"> => d.kind === "Version");
    if (v?.version && v.version.value !== 1) diags.push(diag("PN2017", v.version.span, `this posec understands \`posenet 1\`, not \`posenet ${v.version.value}\``));
  }
  const missing = (what: string, help: string) => diags.push(diag("PN2011", rootSpan, `the spec has no \`${what}\` section`, { help }));
  const model = sections.Model?.decl;
  if (!model?.name) missing("model", "add `model NAME` after `posenet 1`");
  if (!sections.Input) missing("input", "add e.g. `input image 368x368x3 scale=1/256 shift=-0.5`");
  if (!sections.Backbone) missing("backbone", "add e.g. `backbone vgg19 until conv4_2`");
  const stages = sections.Stages;
  if (stages && !sections.Keypoints) missing("keypoints", "add `keypoints coco18` or an inline schema");
  if (diags.some((d) => d.severity === "error")) return undefined;

  const init = modelInit(sections, diags);
  const input = lowerInput(sections.Input!, diags);
  const keypoints = sections.Keypoints ? lowerKeypoints(sections.Keypoints.decl, sections.Keypoints.module, diags) : null;
  if (!input || keypoints === undefined) return undefined;
  const g = new Graph(model!.span);
  const image = g.addInput(input.tensor, input.channels);
  let features = lowerBackbone(sections.Backbone!, image, init, g);
  const weightSources = lowerWeightSources(sections.Backbone, g.nodes.map((n) => n.name), sections.initFrom, diags);
  if (features && sections.Adapter?.decl.body) {
    const adapter = sections.Adapter.decl;
    const scopeId = g.addScope(0, "adapter", "adapter", "adapter_", adapter.span, adapter.body!.span);
    const scope = topScope(sections.Adapter.module, "adapter", "adapter_", init, new Map(), features.channels, scopeId);
    features = elabBody(sections.Adapter.decl.body, features, scope, g);
  }
  diags.push(...g.diags);
  if (!features) return undefined;
  const base = { format: IR_FORMAT, version: IR_VERSION, model: { name: model!.name!.name, span: irSpan(model!.span) }, sources: sections.chain.map((m) => m.path), input } as const;
  const sourcesPart = weightSources.length ? { weightSources } : {};
  if (!stages) {
    return { ...base, keypoints: null, tensors: [...g.tensors.values()], nodes: g.nodes, scopes: g.scopes, stages: null, outputs: { features: features.name }, loss: null, train: null, codec: null, ...sourcesPart };
  }
  const sb = bindArgs(stages.decl.args, STAGES_PARAMS, EMPTY_ENV, { what: "`stages`", span: stages.decl.span }, diags);
  const count = stageCount(stages.decl);
  if (count < 1 || count > 64) diags.push(diag("PN2004", stages.decl.count?.span ?? stages.decl.span, `the stage count must be between 1 and 64, got ${count}`));
  if (!sb || count < 1 || count > 64 || !keypoints) return undefined;
  const gBefore = g.diags.length;
  const outputs = lowerStageGraph(stages, features, keypoints, init, g);
  diags.push(...g.diags.slice(gBefore));
  const kpSpan = sections.Keypoints!.decl.span;
  const loss = lowerLoss(sections.loss, stages.decl.span, { ir: keypoints, span: kpSpan }, stages.decl, count, diags);
  const train = lowerTrain(sections.train, stages.decl.span, input, stages.decl, count, diags);
  if (!outputs || !loss || !train) return undefined;
  // the last stage that produces each kind of map; a schema without limbs has no `pafs` output
  const lastHeatmaps = [...outputs].reverse().find((o) => o.heatmaps !== null)!.heatmaps!;
  const lastPafs = [...outputs].reverse().find((o) => o.pafs !== null)?.pafs ?? null;
  return {
    ...base,
    keypoints,
    tensors: [...g.tensors.values()],
    nodes: g.nodes,
    scopes: g.scopes,
    stages: { count, stride: sb.values.stride as number, features: features.name, outputs, span: irSpan(stages.decl.span) },
    outputs: lastPafs === null ? { heatmaps: lastHeatmaps } : { pafs: lastPafs, heatmaps: lastHeatmaps },
    loss,
    train,
    // filled in by compile() once shape inference has given the label grid (core/ir/codec.ts)
    codec: null,
    ...sourcesPart,
  };
}

export { childScope };
