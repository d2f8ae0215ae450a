// The stage graph: `stages { group ... }` -> IR nodes and one StageOutputIR per stage. A group is COUNT
// consecutive stages wired alike: an `input` (the features, the previous stage's outputs, the last
// outputs of an earlier group; several are concatenated), an optional shared `trunk`, and one head per
// output (`pafs`, `heatmaps`). CMU-Pose's `first ... refine ...` form is sugar for two groups (see
// `cmuGroups`): stage 1 reads the features, stage t >= 2 reads concat[PAFs(t-1), heatmaps(t-1), features].
import type { Body, DeclOf, Expr, Label, Span, StageBodies } from "../grammar/ast.js";
import { diag } from "../core/diagnostics.js";
import { childScope, elabBody, Graph, type Scope, type TensorRef } from "./elaborate.js";
import { labelText } from "./labels-loops.js";
import type { KeypointsIR, StageOutputIR, WeightInit } from "../core/ir/types.js";
import type { Module } from "./modules.js";
import { closest, didYouMean } from "./suggest.js";
import type { Value } from "./values.js";

/** Head names as written in a group, and the branch names CMU-Pose's form and the IR parts use. */
const HEADS = { pafs: "paf", heatmaps: "heatmap" } as const;
type Head = keyof typeof HEADS;
const GROUP_PARTS = ["trunk", "pafs", "heatmaps"];

interface GroupPlan {
  name: string;
  span: Span;
  count: number;
  /** undefined: every stage of the group reads the features */
  input?: { label?: Label; refs: Expr[]; span: Span };
  trunk?: Body;
  heads: Partial<Record<Head, Body>>;
  /** CMU-Pose's form: labels are prefixed like every other node (`stage2_paf_...`) */
  prefixLabels: boolean;
}

const path = (span: Span, ...parts: string[]): Expr => ({ kind: "Path", parts: parts.map((name) => ({ kind: "Ident", name, span })), span });

/** `first`/`refine` bodies as two groups; the concat keeps its historical name `stage<t>_concat`. */
function cmuGroups(d: DeclOf<"Stages">, count: number, g: Graph): GroupPlan[] | undefined {
  const heads = (which: "first" | "refine"): Partial<Record<Head, Body>> | undefined => {
    const bodies: StageBodies | undefined = d[which];
    if (!bodies) {
      g.diags.push(diag("PN2021", d.span, `\`stages\` needs a \`${which}\` body`, { help: `e.g. \`${which} each branch { conv 3x3 128 relu x3; conv 1x1 out }\`` }));
      return undefined;
    }
    if (bodies.kind === "EachBranch") return { pafs: bodies.body, heatmaps: bodies.body };
    const out: Partial<Record<Head, Body>> = {};
    for (const head of ["pafs", "heatmaps"] as const) {
      const found = bodies.branches.find((b) => b.name.name === HEADS[head]);
      if (!found) {
        g.diags.push(diag("PN2021", bodies.span, `\`${which}\` has no \`${HEADS[head]}\` branch`, { help: "give both `heatmap { ... }` and `paf { ... }`, or use `each branch { ... }`" }));
        return undefined;
      }
      out[head] = found.body;
    }
    return out;
  };
  for (const sb of [d.first, d.refine]) {
    if (sb?.kind !== "PerBranch") continue;
    for (const b of sb.branches) {
      if (b.name.name !== "paf" && b.name.name !== "heatmap") {
        g.diags.push(diag("PN2001", b.name.span, `unknown branch \`${b.name.name}\``, { help: didYouMean(b.name.name, ["paf", "heatmap"]) ?? "the branches are `heatmap` and `paf`" }));
        return undefined;
      }
    }
  }
  const first = heads("first");
  if (!first) return undefined;
  const plans: GroupPlan[] = [{ name: "first", span: d.first!.span, count: 1, heads: first, prefixLabels: true }];
  if (count > 1) {
    const refine = heads("refine");
    if (!refine) return undefined;
    const span = d.refine!.span;
    const refs = [path(span, "prev", "pafs"), path(span, "prev", "heatmaps"), { kind: "Name", name: "features", span } as Expr];
    plans.push({ name: "refine", span, count: count - 1, input: { refs, span }, heads: refine, prefixLabels: true });
  }
  return plans;
}

/** A written `group` as a plan, checking its parts. */
function groupPlan(grp: DeclOf<"Stages">["groups"][number], g: Graph): GroupPlan | undefined {
  const plan: GroupPlan = { name: grp.name.name, span: grp.span, count: grp.count?.value ?? 1, heads: {}, prefixLabels: false };
  if (plan.count < 1 || plan.count > 64) {
    g.diags.push(diag("PN2004", grp.count?.span ?? grp.span, `a stage group has 1 to 64 stages, got ${plan.count}`));
    return undefined;
  }
  if (grp.args.length > 0) {
    g.diags.push(diag("PN2002", grp.args[0].span, "a stage group takes no arguments", { help: "what a group produces follows from its heads: `pafs { ... }`, `heatmaps { ... }` or both" }));
    return undefined;
  }
  for (const item of grp.items) {
    if (item.kind === "Input") {
      if (plan.input) {
        g.diags.push(diag("PN2005", item.span, `group \`${plan.name}\` has two \`input\` lines`));
        return undefined;
      }
      plan.input = { label: item.label, refs: item.refs, span: item.span };
      continue;
    }
    const part = item.part.name;
    if (!GROUP_PARTS.includes(part)) {
      g.diags.push(diag("PN2001", item.part.span, `unknown part \`${part}\` of a stage group`, { help: didYouMean(part, GROUP_PARTS) ?? "a group has `input`, `trunk { ... }`, `pafs { ... }` and `heatmaps { ... }`" }));
      return undefined;
    }
    if (item.label) {
      g.diags.push(diag("PN2021", item.label.span, `\`${part}\` takes no label; label its layers instead`));
      return undefined;
    }
    const taken = part === "trunk" ? plan.trunk : plan.heads[part as Head];
    if (taken) {
      g.diags.push(diag("PN2005", item.span, `group \`${plan.name}\` has two \`${part}\` parts`));
      return undefined;
    }
    if (part === "trunk") plan.trunk = item.body;
    else plan.heads[part as Head] = item.body;
  }
  if (!plan.heads.pafs && !plan.heads.heatmaps) {
    g.diags.push(diag("PN2021", grp.span, `group \`${plan.name}\` produces nothing`, { help: "give it a `heatmaps { ... }` head, a `pafs { ... }` head, or both" }));
    return undefined;
  }
  return plan;
}

interface Ctx {
  module: Module;
  init: WeightInit;
  features: TensorRef;
  keypoints: KeypointsIR;
  g: Graph;
  outputs: StageOutputIR[];
  /** the last stage of every group lowered so far */
  lastOf: Map<string, StageOutputIR>;
  groupSpans: Map<string, Span>;
}

function tensor(name: string | null, g: Graph): TensorRef | undefined {
  const t = name === null ? undefined : g.tensors.get(name);
  return t && { name: t.name, channels: t.channels };
}

/** One input reference (`features`, `prev.pafs`, `GROUP.last.heatmaps`) at stage t of `plan`. */
function resolveRef(ref: Expr, t: number, plan: GroupPlan, c: Ctx): TensorRef | undefined {
  const fail = (message: string, help?: string) => {
    c.g.diags.push(diag("PN2023", ref.span, message, { help }));
    return undefined;
  };
  if (ref.kind === "Name" && ref.name === "features") return c.features;
  if (ref.kind !== "Path") return fail(`a stage reads \`features\`, \`prev.pafs\`, \`prev.heatmaps\` or \`GROUP.last.pafs\`/\`.heatmaps\`, not this`);
  const parts = ref.parts.map((p) => p.name);
  const text = parts.join(".");
  const which = parts[parts.length - 1];
  if (which !== "pafs" && which !== "heatmaps") {
    const near = closest(which, ["pafs", "heatmaps"]);
    return fail(`\`${text}\` does not end in \`.pafs\` or \`.heatmaps\``, near && `did you mean \`${[...parts.slice(0, -1), near].join(".")}\`?`);
  }
  let source: StageOutputIR | undefined;
  if (parts.length === 2 && parts[0] === "prev") {
    if (t === 1) return fail("stage 1 has no previous stage", "the first stage reads `features`");
    source = c.outputs[t - 2];
  } else if (parts.length === 3 && parts[1] === "last") {
    source = c.lastOf.get(parts[0]);
    if (!source) {
      if (parts[0] === plan.name || !c.groupSpans.has(parts[0]))
        return fail(
          parts[0] === plan.name ? `group \`${plan.name}\` reads its own last output: the stages would form a cycle` : `there is no stage group \`${parts[0]}\` before this one`,
          parts[0] === plan.name ? "read `prev.pafs` / `prev.heatmaps` (the previous stage) instead" : didYouMean(parts[0], [...c.lastOf.keys()]) ?? `groups before this one: ${[...c.lastOf.keys()].join(", ") || "none"}`,
        );
      return fail(`group \`${parts[0]}\` comes after this one: a stage can only read earlier stages`, "reorder the groups, or read `prev.*`");
    }
  } else return fail(`unknown stage output \`${text}\``, "write `prev.pafs`, `prev.heatmaps`, `GROUP.last.pafs` or `GROUP.last.heatmaps`");
  const out = tensor(which === "pafs" ? source.pafs : source.heatmaps, c.g);
  if (!out) return fail(`stage ${source.stage} produces no ${which === "pafs" ? "PAFs" : "heatmaps"}, so \`${text}\` does not exist`);
  return out;
}

function stageInput(plan: GroupPlan, t: number, vars: Map<string, Value>, c: Ctx, scopeId: number): TensorRef | undefined {
  if (!plan.input) return c.features;
  const refs: TensorRef[] = [];
  for (const r of plan.input.refs) {
    const ref = resolveRef(r, t, plan, c);
    if (!ref) return undefined;
    refs.push(ref);
  }
  if (refs.length === 1) return refs[0];
  const scope = stageScope(c, `stage${t}`, "", vars, 0, scopeId);
  const label = plan.input.label ? labelText(plan.input.label, scope, c.g.diags) : `stage${t}_concat`;
  if (!label) return undefined;
  return c.g.emit(label, plan.input.label ? label : "concat", "concat", refs.map((r) => r.name), {}, refs.reduce((a, r) => a + r.channels, 0), scope, plan.input.span);
}

function stageScope(c: Ctx, part: string, prefix: string, vars: Map<string, Value>, inChannels: number, scopeId: number, labelPrefix?: string): Scope {
  return { prefix, labelPrefix, counters: new Map(), init: c.init, env: { vars, inChannels }, module: c.module, part, callers: [], callStack: [], scopeId };
}

/** The scope of stage i of a group: the group's own when it has one stage, else member `i` of the group's. */
function stageScopeId(plan: GroupPlan, i: number, c: Ctx, groupScope: number): number {
  return c.g.addScope(groupScope, "stage", plan.count > 1 ? String(i) : plan.name, "", plan.span, plan.span);
}

function lowerStage(plan: GroupPlan, i: number, t: number, c: Ctx, groupScope: number): StageOutputIR | undefined {
  // `i` (0-based within the group) and `stage` (1-based overall) name layers; CMU-Pose's form has no such names
  const vars = new Map<string, Value>(plan.prefixLabels ? [] : [
    ["i", { t: "int", v: i }],
    ["stage", { t: "int", v: t }],
  ]);
  const stageId = stageScopeId(plan, i, c, groupScope);
  let input = stageInput(plan, t, vars, c, stageId);
  if (!input) return undefined;
  if (plan.trunk) {
    const trunkId = c.g.addScope(stageId, "part", "trunk", `stage${t}_trunk_`, plan.trunk.span, plan.trunk.span);
    const scope = stageScope(c, `stage${t}`, `stage${t}_trunk_`, vars, input.channels, trunkId, plan.prefixLabels ? undefined : "");
    const out = elabBody(plan.trunk, input, scope, c.g);
    if (!out) return undefined;
    input = out;
  }
  const result: StageOutputIR = { stage: t, heatmaps: null, pafs: null };
  const channels = { pafs: c.keypoints.pafChannels, heatmaps: c.keypoints.heatmapChannels };
  for (const head of ["pafs", "heatmaps"] as const) {
    const body = plan.heads[head];
    if (!body) continue;
    const branch = HEADS[head];
    if (head === "pafs" && channels.pafs === 0) {
      c.g.diags.push(diag("PN2023", body.span, `the keypoint schema \`${c.keypoints.name}\` has no limbs, so no stage can produce PAFs`, { help: "drop the `pafs { ... }` head, or use a schema with limbs" }));
      return undefined;
    }
    const headVars = new Map(vars).set("out", { t: "int", v: channels[head] });
    const prefix = `stage${t}_${branch}_`;
    const headId = c.g.addScope(stageId, "part", plan.prefixLabels ? branch : head, prefix, body.span, body.span, null, { out: channels[head] });
    const scope = childScope(stageScope(c, `stage${t}.${branch}`, prefix, headVars, input.channels, headId), { labelPrefix: plan.prefixLabels ? undefined : "" });
    const out = elabBody(body, input, scope, c.g);
    if (!out) return undefined;
    if (out === input) {
      c.g.diags.push(diag("PN2021", body.span, `the ${branch} branch of stage ${t} has no layers`));
      return undefined;
    }
    if (out.channels !== channels[head]) {
      c.g.diags.push(
        diag("PN3006", body.span, `the ${branch} branch of stage ${t} ends with ${out.channels} channels but must produce ${channels[head]}`, {
          help: "end the branch with `conv 1x1 out`: `out` is the branch's channel count, computed from the keypoint schema",
        }),
      );
      return undefined;
    }
    result[head] = out.name;
  }
  return result;
}

/**
 * Lowers the stages. Returns one output per stage, or undefined (with diagnostics) when the wiring is
 * wrong. The stage count is the declared one for CMU-Pose's form, the sum of the groups' otherwise.
 */
export function lowerStageGraph(
  d: { decl: DeclOf<"Stages">; module: Module },
  features: TensorRef,
  keypoints: KeypointsIR,
  init: WeightInit,
  g: Graph,
): StageOutputIR[] | undefined {
  const { decl, module } = d;
  const cmu = !!(decl.first || decl.refine);
  if (cmu && decl.groups.length > 0) {
    g.diags.push(diag("PN2021", decl.groups[0].span, "a `stages` section uses either `first`/`refine` or `group`s, not both"));
    return undefined;
  }
  let plans: GroupPlan[] | undefined;
  if (cmu || decl.groups.length === 0) plans = cmuGroups(decl, decl.count?.value ?? 0, g);
  else {
    plans = [];
    const seen = new Map<string, Span>();
    for (const grp of decl.groups) {
      const prev = seen.get(grp.name.name);
      if (prev) {
        g.diags.push(diag("PN2005", grp.name.span, `two stage groups are named \`${grp.name.name}\``, { labels: [{ span: prev, message: "the other one" }] }));
        return undefined;
      }
      seen.set(grp.name.name, grp.name.span);
      const plan = groupPlan(grp, g);
      if (!plan) return undefined;
      plans.push(plan);
    }
    const total = plans.reduce((a, p) => a + p.count, 0);
    if (decl.count && decl.count.value !== total) {
      g.diags.push(diag("PN2004", decl.count.span, `\`stages ${decl.count.value}\` but the groups have ${total} stages`, { help: "drop the count: it follows from the groups" }));
      return undefined;
    }
  }
  if (!plans) return undefined;
  const c: Ctx = { module, init, features, keypoints, g, outputs: [], lastOf: new Map(), groupSpans: new Map(plans.map((p) => [p.name, p.span])) };
  for (const plan of plans) {
    // a group of several stages holds them as members "0".."n-1"; a one-stage group is the stage itself
    const groupScope = plan.count > 1 ? g.addScope(0, "stages", plan.name, "", plan.span, plan.span) : 0;
    for (let i = 0; i < plan.count; i++) {
      const out = lowerStage(plan, i, c.outputs.length + 1, c, groupScope);
      if (!out) return undefined;
      c.outputs.push(out);
    }
    c.lastOf.set(plan.name, c.outputs[c.outputs.length - 1]);
  }
  if (keypoints.pafChannels > 0 && !c.outputs.some((o) => o.pafs !== null)) {
    g.diags.push(diag("PN2023", decl.span, `the keypoint schema \`${keypoints.name}\` has limbs but no stage produces PAFs`, { help: "add a `pafs { ... }` head to a group" }));
    return undefined;
  }
  if (!c.outputs.some((o) => o.heatmaps !== null)) {
    g.diags.push(diag("PN2023", decl.span, "no stage produces heatmaps", { help: "add a `heatmaps { ... }` head to a group" }));
    return undefined;
  }
  return c.outputs;
}

/** The stage count a `stages` section declares: its number, or the sum of its groups. */
export function stageCount(decl: DeclOf<"Stages">): number {
  if (decl.groups.length === 0 || decl.first || decl.refine) return decl.count?.value ?? 0;
  return decl.groups.reduce((a, grp) => a + (grp.count?.value ?? 1), 0);
}
