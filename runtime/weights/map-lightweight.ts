// Lightweight OpenPose's checkpoints (Osokin, lightweight-human-pose-estimation.pytorch: e.g.
// `checkpoint_iter_370000.pth`, a dict whose "state_dict" is PoseEstimationWithMobileNet's) -> the spec's
// layers, by key. models/lightweight_openpose.posenet labels its layers with the authors' module paths;
// this table is the written convention between the two (one row per module of their model; nothing is
// matched by position or by shape):
//
//   their module path (models/with_mobilenet.py)       spec label                                      what it is
//   model.<i>.<j>                                      model_<i>_<j>                                   MobileNet-v1 front: conv(3, 32) and conv_dw units
//                                                                                                      (j: 0 dw conv, 1 BN, 3 pw conv, 4 BN)
//   cpm.align.0 / cpm.conv.0                           cpm_align_0 / cpm_conv_0                        the CPM adapter's 1x1 and 3x3 convs
//   cpm.trunk.<j>.<k>                                  cpm_trunk_<j>_<k>                               its conv_dw_no_bn units (k: 0 dw, 2 pw)
//   initial_stage.<trunk|heatmaps|pafs>.<j>.0          initial_stage_<trunk|heatmaps|pafs>_<j>_0       the initial stage's convs
//   refinement_stages.<s>.trunk.<b>.initial.0          refinement_stages_<s>_trunk_<b>_initial_0       a RefinementStageBlock's 1x1 conv
//   refinement_stages.<s>.trunk.<b>.trunk.<j>.<k>      refinement_stages_<s>_trunk_<b>_trunk_<j>_<k>   its residual pair (k: 0 conv, 1 BN)
//   refinement_stages.<s>.<heatmaps|pafs>.<j>.0        refinement_stages_<s>_<heatmaps|pafs>_<j>_0     the refinement stage's heads
//
// param: weight -> kernel (conv) or gamma (BN); bias -> bias or beta; running_mean -> moving_mean;
// running_var -> moving_variance; num_batches_tracked counters are not weights. A DataParallel `module.`
// prefix is dropped. Their ImageNet MobileNet (`--from-mobilenet`) uses the same `model.<i>.<j>` keys,
// so it loads the front too (its deeper units and classifier are ignored).
import type { Ir, IrNode } from "../../core/ir/types.js";
import type { TorchTensor } from "../checkpoint/torch.js";
import { convFromOIHW, vector } from "./layouts.js";
import type { NodeSource, Role, SourceMatch } from "./map.js";

interface Row {
  pattern: RegExp;
  label: (m: RegExpMatchArray) => string;
}

const ROWS: Row[] = [
  { pattern: /^model\.(\d+)\.(\d+)$/, label: (m) => `model_${m[1]}_${m[2]}` },
  { pattern: /^cpm\.(align|conv)\.0$/, label: (m) => `cpm_${m[1]}_0` },
  { pattern: /^cpm\.trunk\.(\d+)\.(\d+)$/, label: (m) => `cpm_trunk_${m[1]}_${m[2]}` },
  { pattern: /^initial_stage\.(trunk|heatmaps|pafs)\.(\d+)\.0$/, label: (m) => `initial_stage_${m[1]}_${m[2]}_0` },
  { pattern: /^refinement_stages\.(\d+)\.trunk\.(\d+)\.initial\.0$/, label: (m) => `refinement_stages_${m[1]}_trunk_${m[2]}_initial_0` },
  { pattern: /^refinement_stages\.(\d+)\.trunk\.(\d+)\.trunk\.(\d+)\.(\d+)$/, label: (m) => `refinement_stages_${m[1]}_trunk_${m[2]}_trunk_${m[3]}_${m[4]}` },
  { pattern: /^refinement_stages\.(\d+)\.(heatmaps|pafs)\.(\d+)\.0$/, label: (m) => `refinement_stages_${m[1]}_${m[2]}_${m[3]}_0` },
];

/** The spec label of one of their module paths (`cpm.trunk.0.2` -> `cpm_trunk_0_2`), or null when the table has no row for it. */
export function lightweightLabel(module: string): string | null {
  for (const r of ROWS) {
    const m = module.match(r.pattern);
    if (m) return r.label(m);
  }
  return null;
}

/** Whether a state dict uses this naming: their adapter or stage modules are there. */
export function isLightweightNaming(keys: string[]): boolean {
  return keys.some((k) => /^(module\.)?(cpm|initial_stage|refinement_stages)\./.test(k));
}

function roleOf(op: IrNode["op"], param: string): Role | null {
  if (op === "bn") return ({ weight: "gamma", bias: "beta", running_mean: "moving_mean", running_var: "moving_variance" } as Record<string, Role>)[param] ?? null;
  if (op === "conv") return ({ weight: "kernel", bias: "bias" } as Record<string, Role>)[param] ?? null;
  return null;
}

export function matchLightweight(stateDict: Map<string, TorchTensor>, ir: Ir): SourceMatch {
  const keys = [...stateDict.keys()];
  const strip = keys.length > 0 && keys.every((k) => k.startsWith("module.")) ? "module.".length : 0;
  const nodes = new Map(ir.nodes.map((n) => [n.name, n]));
  const out = new Map<string, NodeSource>();
  const ignored: SourceMatch["ignored"] = [];
  let counters = 0;
  for (const [rawKey, t] of stateDict) {
    const key = rawKey.slice(strip);
    if (key.endsWith(".num_batches_tracked")) {
      counters++;
      continue;
    }
    const dot = key.lastIndexOf(".");
    const module = key.slice(0, dot);
    const param = key.slice(dot + 1);
    const label = lightweightLabel(module);
    const node = label === null ? undefined : nodes.get(label);
    const role = node && roleOf(node.op, param);
    if (!node || !role) {
      const why = label === null ? "not a module of Lightweight OpenPose's PoseEstimationWithMobileNet (no row of the convention)" : node ? `\`${label}\` is a ${node.op}, which has no ${param}` : `the spec has no layer \`${label}\``;
      ignored.push({ key: rawKey, shape: t.shape, reason: why });
      continue;
    }
    const entry = out.get(node.name) ?? { from: module, tensors: {} };
    entry.tensors[role] = role === "kernel" ? convFromOIHW(rawKey, t.shape, t.data) : vector(rawKey, t.shape, t.data);
    out.set(node.name, entry);
  }
  const notes = counters ? [`${counters} BatchNorm num_batches_tracked counters skipped (bookkeeping, not weights)`] : [];
  return { format: "PyTorch state dict (Lightweight OpenPose naming)", nodes: out, ignored, notes };
}
