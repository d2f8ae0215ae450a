// The sections of a spec after `extends`: a child's section replaces its parent's; in `loss` and `train`
// a child's setting replaces the parent's settings of the same name and leaves the others. Each section
// remembers the module it was written in, so that its block names resolve where they were written.
import type { Decl, DeclOf, Setting } from "../grammar/ast.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import type { Module } from "./modules.js";

export interface Located<T> {
  decl: T;
  module: Module;
}

/** The scheme word of `init from "FILE"`. */
export const INIT_FROM = "from";

const SINGLE = ["Version", "Model", "Input", "Keypoints", "Backbone", "Adapter", "Stages", "Init"] as const;
type SingleKind = (typeof SINGLE)[number];

export type Sections = { [K in SingleKind]?: Located<DeclOf<K>> } & {
  /** `init from "FILE"`: the whole model's starting weights (kept apart from `init SCHEME`, which it complements) */
  initFrom?: Located<DeclOf<"Init">>;
  loss: Located<Setting>[];
  train: Located<Setting>[];
  /** the files of the extends chain, the root first */
  chain: Module[];
};

const SECTION_WORD: Record<string, string> = {
  Version: "posenet",
  Model: "model",
  Input: "input",
  Keypoints: "keypoints",
  Backbone: "backbone",
  Adapter: "adapter",
  Stages: "stages",
  Init: "init",
  InitFrom: "init from",
  Loss: "loss",
  Train: "train",
};

/** Settings that exclude each other: setting one in a child replaces the other in the parent. */
const EXCLUSIVE: Record<string, string> = { steps: "epochs", epochs: "steps" };

function overlaySettings(parent: Located<Setting>[], own: Located<Setting>[]): Located<Setting>[] {
  const replaced = new Set(own.flatMap((s) => [s.decl.name.name, EXCLUSIVE[s.decl.name.name] ?? ""]));
  return [...parent.filter((s) => !replaced.has(s.decl.name.name)), ...own];
}

export function collectSections(module: Module, diags: Diagnostic[], seen = new Set<Module>()): Sections {
  if (seen.has(module)) return { loss: [], train: [], chain: [] }; // a cycle, already reported by the loader
  seen.add(module);
  const base: Sections = module.parent ? collectSections(module.parent, diags, seen) : { loss: [], train: [], chain: [] };
  const own: Partial<Record<string, Decl>> = {};
  const ownLoss: Located<Setting>[] = [];
  const ownTrain: Located<Setting>[] = [];
  for (const d of module.parsed.ast.decls) {
    if (d.kind === "Import" || d.kind === "Block") continue;
    // `init from "FILE"` is its own section: a spec may say both where weights come from and how the rest start
    const key = d.kind === "Init" && d.stmt.scheme?.name === INIT_FROM ? "InitFrom" : d.kind;
    const prev = own[key];
    if (prev) {
      diags.push(
        diag("PN2018", d.span, `\`${SECTION_WORD[key]}\` appears twice in this file`, {
          labels: [{ span: prev.span, message: "first here" }],
          help: d.kind === "Loss" || d.kind === "Train" ? "merge the two sections into one" : "keep one of them",
        }),
      );
      continue;
    }
    own[key] = d;
    if (d.kind === "Loss") ownLoss.push(...d.settings.map((s) => ({ decl: s, module })));
    if (d.kind === "Train") ownTrain.push(...d.settings.map((s) => ({ decl: s, module })));
  }
  const out: Sections = { ...base, loss: overlaySettings(base.loss, ownLoss), train: overlaySettings(base.train, ownTrain), chain: [module, ...base.chain] };
  for (const k of SINGLE) {
    const d = own[k];
    if (d) (out as Record<string, unknown>)[k] = { decl: d, module };
  }
  if (own.InitFrom) out.initFrom = { decl: own.InitFrom as DeclOf<"Init">, module };
  return out;
}
