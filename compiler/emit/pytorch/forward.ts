// forward() of model.py's classes: one statement per member in the IR's order, variables that follow the
// dataflow (an instance's one input is `x`; a result takes over its input's variable when that is not read
// again; stage wiring is named `features`, `pafs`, `heatmaps`), and a `for` loop over a module list whose
// entries read alike (CMU-Pose's refinement stages).
import type { Ir, StageOutputIR } from "../../../core/ir/types.js";
import { opOf } from "../../../core/ops/index.js";
import { torchAttr } from "../../../core/torch-names.js";
import { isChain, isIndexed, memberInputs, memberLabel, memberOutputs, type Instance, type Member } from "../block-tree.js";
import { INDENT, pyCall, pyStr } from "./python.js";

const I2 = INDENT + INDENT;
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** How a class refers to its member `label` (labels that are no Python name, `0_prelu`, go through getattr). */
export const memberRef = (label: string) => (IDENT.test(label) ? `self.${torchAttr(label)}` : `getattr(self, ${pyStr(label)})`);

const GENERIC = ["x", "out", "y", "z"];
const SCRATCH = /^(x|out|y|z|x\d+)$/;

export interface Roles {
  /** tensor -> the variable name it gets wherever stages are wired (features, pafs, heatmaps) */
  names: Map<string, string>;
  /** tensor -> the stage it is an output of */
  stageOf: Map<string, StageOutputIR>;
}

export function stageRoles(ir: Ir): Roles {
  const names = new Map<string, string>();
  const stageOf = new Map<string, StageOutputIR>();
  if (ir.stages) {
    names.set(ir.stages.features, "features");
    for (const s of ir.stages.outputs) {
      if (s.pafs) names.set(s.pafs, "pafs"), stageOf.set(s.pafs, s);
      if (s.heatmaps) names.set(s.heatmaps, "heatmaps"), stageOf.set(s.heatmaps, s);
    }
  }
  return { names, stageOf };
}

interface Statement {
  member: Member;
  ref: string;
  /** a list of modules looped over: its attribute and this entry's index */
  list?: { ref: string; index: number; size: number };
}

/**
 * forward's lines. Variables: an instance's one input is `x`; stage wiring uses `features`, `pafs`,
 * `heatmaps`; a result reuses its input's variable when that is not read again, else the next free name.
 */
export interface ForwardOptions {
  /** variable names of stage wiring, and (model only) the stage outputs to collect in `stages` */
  roles?: Roles;
  /** the model's backbone: its base class, called as `super().forward` */
  base?: Member;
  /** the return statement, from the variables of tensors (default: the instance's outputs) */
  returns?: (varOf: (t: string) => string) => string;
  /** the tensors the return statement reads (default: the instance's outputs) */
  returned?: string[];
}

export function forwardLines(inst: Instance, inputs: string[], o: ForwardOptions = {}): string[] {
  const roles = o.roles ?? null;
  const base = o.base ? { member: o.base, ref: "super().forward" } : null;
  const statements: Statement[] = [];
  for (const m of inst.members) {
    const ref = memberRef(memberLabel(m));
    if (base && m === base.member) statements.push({ member: m, ref: base.ref });
    else if (m.instance && isIndexed(m.instance) && !isChain(m.instance)) m.instance.members.forEach((x, index) => statements.push({ member: x, ref: `${ref}[${index}]`, list: { ref, index, size: m.instance!.members.length } }));
    else statements.push({ member: m, ref });
  }
  const lastUse = new Map<string, number>();
  statements.forEach((s, i) => memberInputs(s.member).forEach((t) => lastUse.set(t, i)));
  for (const t of o.returned ?? inst.outputs) lastUse.set(t, Infinity);
  const vars = new Map<string, string>();
  const live = new Map<string, string>();
  inst.inputs.forEach((t, i) => (vars.set(t, inputs[i]), live.set(inputs[i], t)));
  const free = (name: string) => !live.has(name);
  const text: string[][] = [];
  statements.forEach((s, i) => {
    const ins = memberInputs(s.member).map((t) => vars.get(t)!);
    for (const t of new Set(memberInputs(s.member))) if (lastUse.get(t) === i && live.get(vars.get(t)!) === t) live.delete(vars.get(t)!);
    const outs = memberOutputs(s.member).map((t, k, all) => {
      const role = roles?.names.get(t);
      // a result takes over its input's variable only where that name says nothing (not `pafs`, not the image)
      const reuse = all.length === 1 && ins[0] !== undefined && free(ins[0]) && SCRATCH.test(ins[0]);
      let name = role && free(role) ? role : reuse ? ins[0] : [...GENERIC, ...Array.from({ length: 99 }, (_, j) => `x${j + 1}`)].find(free)!;
      if (!IDENT.test(name)) name = "x";
      live.set(name, t);
      vars.set(t, name);
      return name;
    });
    const lines: string[] = [];
    if (s.member.node) {
      const n = s.member.node;
      const f = opOf(n).torch.forward?.(n.attrs, ins) ?? { args: ins };
      if (f.suffix) lines.push(`${I2}${outs[0]} = ${s.ref}(${f.args.join(", ")})${f.suffix}`);
      else lines.push(pyCall(I2, `${outs[0]} = ${s.ref}`, f.args));
    } else lines.push(pyCall(I2, `${outs.join(", ")} = ${s.ref}`, ins));
    const stage = roles && memberOutputs(s.member).map((t) => roles.stageOf.get(t)).find((x) => x);
    if (stage) lines.push(`${I2}stages.append((${stage.pafs ? vars.get(stage.pafs) : "None"}, ${stage.heatmaps ? vars.get(stage.heatmaps) : "None"}))`);
    text.push(lines);
  });
  const varOf = (t: string) => vars.get(t)!;
  return [...loops(statements, text), `${I2}${o.returns ? o.returns(varOf) : `return ${inst.outputs.map(varOf).join(", ")}`}`];
}

/** Entries of a module list whose lines are equal up to the entry: one `for` loop. */
function loops(statements: Statement[], text: string[][]): string[] {
  const out: string[] = [];
  for (let i = 0; i < statements.length; ) {
    const list = statements[i].list;
    if (!list || list.index !== 0) {
      out.push(...text[i++]);
      continue;
    }
    const item = statements[i].member.instance?.scope.kind === "stage" ? "stage" : "module";
    const body = (k: number) => text[i + k].map((l) => l.split(`${list.ref}[${k}]`).join(item));
    const same = Array.from({ length: list.size }, (_, k) => body(k).join("\n")).every((b, _, all) => b === all[0]);
    if (same && list.size > 1) out.push(`${I2}for ${item} in ${list.ref}:`, ...body(0).map((l) => INDENT + l));
    else for (let k = 0; k < list.size; k++) out.push(...text[i + k]);
    i += list.size;
  }
  return out;
}
