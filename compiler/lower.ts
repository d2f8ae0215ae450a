// Sections -> IR: the input, the keypoint schema, the backbone (a block call cut at `until`, or an
// inline body), the adapter, the stages wired as CMU-Pose wires them (stage 1 reads the features; stage
// t >= 2 reads concat[pafs(t-1), heatmaps(t-1), features]), and the loss and train settings.
import type { Body, DeclOf, LayerStmt, Span } from "../grammar/ast.js";
import { bindArgs } from "./args.js";
import { diag, type Diagnostic } from "./diagnostics.js";
import { childScope, elabBody, Graph, irSpan, labelsOf, type Scope, type TensorRef } from "./elaborate.js";
import { IR_FORMAT, IR_VERSION, type InputIR, type Ir, type KeypointsIR, type StageOutputIR, type WeightInit } from "./ir/types.js";
import { lowerKeypoints } from "./keypoints/lower-keypoints.js";
import { lowerLoss, lowerTrain } from "./lower-train.js";
import type { Module } from "./modules.js";
import { DEFAULT_INIT, INIT_STATEMENT } from "./ops.js";
import type { Located, Sections } from "./sections.js";
import { INPUT_PARAMS, STAGES_PARAMS } from "./settings.js";
import { didYouMean, lookup } from "./suggest.js";
import { EMPTY_ENV, type Value } from "./values.js";

const BRANCHES = ["paf", "heatmap"] as const;

function topScope(module: Module, part: string, prefix: string, init: WeightInit, vars: Map<string, Value>, inChannels: number): Scope {
  return { prefix, counters: new Map(), init, env: { vars, inChannels }, module, part, callers: [], callStack: [] };
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
  return {
    tensor: d.decl.name?.name ?? "image",
    height,
    width,
    channels,
    scale: bound.values.scale as number,
    shift: bound.values.shift as number,
    channelOrder: bound.values.order as "bgr" | "rgb",
    span: irSpan(d.decl.span),
  };
}

function lowerBackbone(d: Located<DeclOf<"Backbone">>, input: TensorRef, init: WeightInit, g: Graph): TensorRef | undefined {
  const { decl, module } = d;
  const scope = topScope(module, "backbone", "", init, new Map(), input.channels);
  const until = decl.until;
  if (decl.body) {
    return cutBody(decl.body, until, input, scope, g, "the backbone");
  }
  if (!decl.callee) return undefined;
  const block = module.visible.get(decl.callee.name);
  if (!block) {
    g.diags.push(diag("PN2001", decl.callee.span, `unknown backbone \`${decl.callee.name}\``, { help: didYouMean(decl.callee.name, module.visible.keys()) ?? "backbones are blocks: vgg19, resnet18, resnet34, resnet50, resnet101, or your own `block`" }));
    return undefined;
  }
  if (until && block.decl.body) {
    const labels = labelsOf(block.decl.body);
    if (!labels.includes(until.name)) {
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

function stageBody(d: DeclOf<"Stages">, which: "first" | "refine", branch: (typeof BRANCHES)[number], g: Graph): Body | undefined {
  const bodies = d[which];
  if (!bodies) {
    g.diags.push(diag("PN2021", d.span, `\`stages\` needs a \`${which}\` body`, { help: `e.g. \`${which} each branch { conv 3x3 128 relu x3; conv 1x1 out }\`` }));
    return undefined;
  }
  if (bodies.kind === "EachBranch") return bodies.body;
  const found = bodies.branches.find((b) => b.name.name === branch);
  if (!found) {
    g.diags.push(diag("PN2021", bodies.span, `\`${which}\` has no \`${branch}\` branch`, { help: "give both `heatmap { ... }` and `paf { ... }`, or use `each branch { ... }`" }));
  }
  return found?.body;
}

function lowerStages(d: Located<DeclOf<"Stages">>, count: number, features: TensorRef, keypoints: KeypointsIR, init: WeightInit, g: Graph): StageOutputIR[] | undefined {
  const { decl, module } = d;
  if (decl.first?.kind === "PerBranch") {
    for (const b of [...decl.first.branches, ...(decl.refine?.kind === "PerBranch" ? decl.refine.branches : [])]) {
      if (!(BRANCHES as readonly string[]).includes(b.name.name)) {
        g.diags.push(diag("PN2001", b.name.span, `unknown branch \`${b.name.name}\``, { help: didYouMean(b.name.name, BRANCHES) ?? "the branches are `heatmap` and `paf`" }));
        return undefined;
      }
    }
  }
  const outChannels = { paf: keypoints.pafChannels, heatmap: keypoints.heatmapChannels };
  const outputs: StageOutputIR[] = [];
  for (let t = 1; t <= count; t++) {
    let input = features;
    if (t > 1) {
      const prev = outputs[t - 2];
      const scope = topScope(module, `stage${t}`, "", init, new Map(), 0);
      const channels = keypoints.pafChannels + keypoints.heatmapChannels + features.channels;
      const cat = g.emit(`stage${t}_concat`, "concat", [prev.pafs, prev.heatmaps, features.name], {}, channels, scope, decl.refine?.span ?? decl.span);
      if (!cat) return undefined;
      input = cat;
    }
    const result: Record<string, string> = {};
    for (const branch of BRANCHES) {
      const body = stageBody(decl, t === 1 ? "first" : "refine", branch, g);
      if (!body) return undefined;
      const vars = new Map<string, Value>([["out", { t: "int", v: outChannels[branch] }]]);
      const scope = topScope(module, `stage${t}.${branch}`, `stage${t}_${branch}_`, init, vars, input.channels);
      const out = elabBody(body, input, scope, g);
      if (!out) return undefined;
      if (out === input) {
        g.diags.push(diag("PN2021", body.span, `the ${branch} branch of stage ${t} has no layers`));
        return undefined;
      }
      if (out.channels !== outChannels[branch]) {
        g.diags.push(
          diag("PN3006", body.span, `the ${branch} branch of stage ${t} ends with ${out.channels} channels but must produce ${outChannels[branch]}`, {
            help: "end the branch with `conv 1x1 out`: `out` is the branch's channel count, computed from the keypoint schema",
          }),
        );
        return undefined;
      }
      result[branch] = out.name;
    }
    outputs.push({ stage: t, heatmaps: result.heatmap, pafs: result.paf });
  }
  return outputs;
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
  const g = new Graph();
  const image = g.addInput(input.tensor, input.channels);
  let features = lowerBackbone(sections.Backbone!, image, init, g);
  if (features && sections.Adapter?.decl.body) {
    const scope = topScope(sections.Adapter.module, "adapter", "adapter_", init, new Map(), features.channels);
    features = elabBody(sections.Adapter.decl.body, features, scope, g);
  }
  diags.push(...g.diags);
  if (!features) return undefined;
  const base = { format: IR_FORMAT, version: IR_VERSION, model: { name: model!.name!.name, span: irSpan(model!.span) }, sources: sections.chain.map((m) => m.path), input } as const;
  if (!stages) {
    return { ...base, keypoints: null, tensors: [...g.tensors.values()], nodes: g.nodes, stages: null, outputs: { features: features.name }, loss: null, train: null };
  }
  const sb = bindArgs(stages.decl.args, STAGES_PARAMS, EMPTY_ENV, { what: "`stages`", span: stages.decl.span }, diags);
  const count = stages.decl.count?.value ?? 0;
  if (count < 1 || count > 64) diags.push(diag("PN2004", stages.decl.count?.span ?? stages.decl.span, `the stage count must be between 1 and 64, got ${count}`));
  if (!sb || count < 1 || count > 64 || !keypoints) return undefined;
  const gBefore = g.diags.length;
  const outputs = lowerStages(stages, count, features, keypoints, init, g);
  diags.push(...g.diags.slice(gBefore));
  const kpSpan = sections.Keypoints!.decl.span;
  const loss = lowerLoss(sections.loss, stages.decl.span, { ir: keypoints, span: kpSpan }, stages.decl, count, diags);
  const train = lowerTrain(sections.train, stages.decl.span, input, stages.decl, count, diags);
  if (!outputs || !loss || !train) return undefined;
  const last = outputs[outputs.length - 1];
  return {
    ...base,
    keypoints,
    tensors: [...g.tensors.values()],
    nodes: g.nodes,
    stages: { count, stride: sb.values.stride as number, features: features.name, concatOrder: ["pafs", "heatmaps", "features"], outputs, span: irSpan(stages.decl.span) },
    outputs: { pafs: last.pafs, heatmaps: last.heatmaps },
    loss,
    train,
  };
}

export { childScope };
