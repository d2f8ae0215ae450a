// model.ts's block tree: the shared instance tree of compiler/emit/block-tree.ts (one instance per block
// call, labelled group, stage and stage part, from the IR's scopes) in the shape block-functions.ts
// writes: containers of several stages are opened (buildModel lists the stages one by one, like the
// network's outputs), and every instance gets the name of its result in the caller.
import type { Ir } from "../../../core/ir/types.js";
import { spanText } from "../../../core/ir/types.js";
import { blockTree, type Instance as TreeInstance } from "../block-tree.js";
import type { Instance } from "./block-functions.js";

/** The name of an instance's result in its caller: `backbone`, `features`, `stage3`, else its label. */
function valueName(t: TreeInstance, parent: TreeInstance | null): string {
  const s = t.scope;
  if (s.kind === "backbone") return "backbone";
  if (s.kind === "adapter") return "features";
  // a stage, or the only part of a stage that is not an instance of its own: the stage's number
  const stages = new Set(t.nodes.map((n) => /^stage\d+/.exec(n.part)?.[0]));
  const [stage] = stages;
  if (stages.size === 1 && stage && (s.kind === "stage" || (s.kind === "part" && parent?.scope.kind !== "stage"))) return stage;
  return /^\d/.test(s.label) && s.block ? `${s.block}${s.label}` : s.label || s.block || s.kind;
}

function describe(t: TreeInstance): string {
  const at = spanText(t.scope.definition);
  switch (t.scope.kind) {
    case "block":
      return `Block \`${t.defName}\` (${at})`;
    case "backbone":
      return `The backbone (${at})`;
    case "adapter":
      return `The adapter (${at})`;
    case "stage":
      return `A stage of stage group \`${t.defName.replace(/_stage$/, "")}\` (${at})`;
    case "part":
      return `A stage branch (${at})`;
    default:
      return `Group \`${t.scope.label}\` (${at})`;
  }
}

export function modelTree(ir: Ir): Instance {
  const root = blockTree(ir);
  // a stage branch definition used under several labels (CMU's `each branch`: paf and heatmap) is a `branch`
  const labels = new Map<string, Set<string>>();
  const collect = (t: TreeInstance) => {
    labels.set(t.key, (labels.get(t.key) ?? new Set()).add(t.scope.label));
    t.members.forEach((m) => m.instance && collect(m.instance));
  };
  collect(root);
  const convert = (t: TreeInstance, parent: TreeInstance | null): Instance => {
    const children: Instance["children"] = [];
    for (const m of t.members) {
      if (m.node) children.push(m.node);
      else if (m.instance.scope.kind === "stages") children.push(...convert(m.instance, t).children);
      else children.push(convert(m.instance, t));
    }
    const label = valueName(t, parent);
    // a stage (or other instance) that only wraps one instance: that one, under the outer name
    if (children.length === 1 && "children" in children[0] && t.scope.id !== 0) return { ...children[0], label };
    const shared = t.scope.kind === "part" && labels.get(t.key)!.size > 1;
    // `layer1`, `layer2`: instances of one group definition, so the function is `layer`
    const def = shared ? t.defName.replace(/_[^_]+$/, "_branch") : t.scope.kind === "group" ? t.defName.replace(/\d+$/, "") || t.defName : t.defName;
    return {
      key: t.key,
      def,
      // the inline backbone's function is `backbone`: its result gets another name
      label: label === "backbone" && def === "backbone" ? "backbone_out" : label,
      prefix: t.scope.prefix,
      args: Object.fromEntries(Object.entries(t.scope.args).filter((e): e is [string, number] => typeof e[1] === "number")),
      doc: describe(t),
      inputs: t.scope.id === 0 ? undefined : t.inputs,
      outputs: t.scope.id === 0 ? undefined : t.outputs,
      children,
    };
  };
  return convert(root, null);
}
