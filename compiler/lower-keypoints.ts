// `keypoints coco18` or an inline schema -> KeypointsIR. Heatmap and PAF channel counts are computed
// here from the joints and limbs, never written by hand.
import type { DeclOf, Span } from "../grammar/ast.js";
import { bindArgs } from "./bind-args.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { irSpan } from "./elaborate.js";
import type { KeypointsIR, Pair } from "../core/ir/types.js";
import type { Module } from "./modules.js";
import { bindSettings, KEYPOINT_SETTINGS, KEYPOINTS_PARAMS } from "./settings.js";
import { didYouMean, lookup } from "./suggest.js";
import { EMPTY_ENV } from "./values.js";
import { BUILTIN_KEYPOINTS } from "../core/keypoints/builtin.js";
import { COCO17_NAMES } from "../core/keypoints/coco17.js";
import { FACE70_NAMES } from "../core/keypoints/face70.js";
import { HAND21_NAMES } from "../core/keypoints/hand21.js";
import { MPII16_NAMES } from "../core/keypoints/mpi15.js";
import { keypointSchema } from "../core/keypoints/schema.js";

type PairArg = { a: string; b: string; span: Span; aSpan: Span; bSpan: Span };

export function lowerKeypoints(decl: DeclOf<"Keypoints">, module: Module, diags: Diagnostic[]): KeypointsIR | undefined {
  if (!decl.name) return undefined;
  const opts = bindArgs(decl.args, KEYPOINTS_PARAMS, EMPTY_ENV, { what: "`keypoints`", span: decl.name.span }, diags);
  if (!opts) return undefined;
  const builtin = lookup(BUILTIN_KEYPOINTS, decl.name.name);
  if (!decl.body) {
    if (!builtin) {
      diags.push(
        diag("PN2001", decl.name.span, `unknown keypoint schema \`${decl.name.name}\``, {
          help: didYouMean(decl.name.name, Object.keys(BUILTIN_KEYPOINTS)) ?? `built in: ${Object.keys(BUILTIN_KEYPOINTS).join(", ")}; or write the joints inline: \`keypoints NAME { joint ...; limbs a-b ... }\``,
        }),
      );
      return undefined;
    }
    const schema = builtin(irSpan(decl.span));
    const background = (opts.values.background as boolean | undefined) ?? schema.background;
    return keypointSchema({ ...schema, limbs: schema.limbs.map((l) => [l.from, l.to] as Pair), background });
  }
  if (builtin) {
    diags.push(diag("PN2005", decl.name.span, `\`${decl.name.name}\` is a built-in schema; give an inline schema another name`));
    return undefined;
  }
  const settings = bindSettings(decl.body.map((s) => ({ decl: s, module })), KEYPOINT_SETTINGS, "keypoints", diags);
  const joints: { name: string; from: number[] }[] = [];
  const index = new Map<string, number>();
  for (const j of settings.get("joint") ?? []) {
    const [name] = j.values.name as string[];
    if (index.has(name)) {
      diags.push(diag("PN2005", j.setting.span, `joint \`${name}\` is declared twice`));
      continue;
    }
    index.set(name, joints.length);
    const from = (j.values.from as number[] | undefined) ?? [joints.length];
    if (from.length < 1 || from.length > 2) {
      diags.push(diag("PN2004", j.spans.from ?? j.setting.span, "`from` takes one dataset keypoint index, or two for a midpoint"));
      continue;
    }
    joints.push({ name, from });
  }
  if (joints.length === 0) {
    diags.push(diag("PN2012", decl.name.span, `keypoint schema \`${decl.name.name}\` declares no joints`, { help: "add lines like `joint nose from=0`" }));
    return undefined;
  }
  const resolvePairs = (what: string): Pair[] | undefined => {
    const out: Pair[] = [];
    let ok = true;
    // limbs: each pair once (either way round); flip: each joint in one pair
    const seen = new Map<string, PairArg["span"]>();
    for (const s of settings.get(what) ?? []) {
      for (const p of s.values.pairs as PairArg[]) {
        const a = index.get(p.a);
        const b = index.get(p.b);
        for (const [n, i, sp] of [[p.a, a, p.aSpan], [p.b, b, p.bSpan]] as const) {
          if (i === undefined) {
            diags.push(diag("PN2016", sp, `\`${n}\` is not a joint of \`${decl.name!.name}\``, { help: didYouMean(n, index.keys()) }));
            ok = false;
          }
        }
        if (a !== undefined && b !== undefined) {
          if (a === b) {
            diags.push(diag("PN2004", p.span, `\`${p.a}-${p.b}\` joins a joint to itself`));
            ok = false;
          }
          const keys = what === "flip" ? [p.a, p.b] : [[p.a, p.b].sort().join("-")];
          const again = a === b ? undefined : keys.find((k) => seen.has(k));
          if (again !== undefined) {
            const message = what === "flip" ? `\`${again}\` is in two flip pairs: a flip exchanges each joint with one other` : `limb \`${p.a}-${p.b}\` is listed twice`;
            diags.push(diag("PN2005", p.span, message, { labels: [{ span: seen.get(again)!, message: "first here" }] }));
            ok = false;
          }
          for (const k of keys) if (!seen.has(k)) seen.set(k, p.span);
          out.push([a, b]);
        }
      }
    }
    return ok ? out : undefined;
  };
  const limbs = resolvePairs("limbs");
  const flipPairs = resolvePairs("flip");
  if (!limbs || !flipPairs) return undefined;
  // A schema without limbs (a hand or face detector) is allowed: its network has no PAF output.
  const bg = settings.get("background")?.[0]?.values.enabled as boolean | undefined;
  const background = (opts.values.background as boolean | undefined) ?? bg ?? true;
  const ds = settings.get("dataset")?.[0];
  const maxFrom = Math.max(...joints.flatMap((j) => j.from));
  const count = (ds?.values.keypoints as number | undefined) ?? maxFrom + 1;
  if (maxFrom >= count) {
    diags.push(diag("PN2004", ds!.spans.keypoints, `the dataset has ${count} keypoints but a joint reads keypoint ${maxFrom}`));
    return undefined;
  }
  // Without stated sigmas, every keypoint gets 0.05 (between COCO's wrist and hip values).
  const sigmas = (ds?.values.sigmas as number[] | undefined) ?? new Array<number>(count).fill(0.05);
  if (sigmas.length !== count) {
    diags.push(diag("PN2004", ds!.spans.sigmas, `\`sigmas\` needs ${count} values, one per dataset keypoint; got ${sigmas.length}`));
    return undefined;
  }
  return keypointSchema({
    name: decl.name.name,
    joints,
    limbs,
    flipPairs,
    background,
    dataset: {
      name: ((ds?.values.name as string[] | undefined) ?? ["custom"])[0],
      keypoints: datasetKeypointNames(((ds?.values.name as string[] | undefined) ?? ["custom"])[0], count),
      sigmas,
    },
    span: irSpan(decl.span),
  });
}

/**
 * The keypoint names of a dataset an inline schema reads: a dataset posec knows (COCO-17, MPII-16, the
 * 21-point hand, the 70-point face) with its own count has its published names, which the COCO reader
 * checks against the file's; any other has placeholders `kp0`, `kp1`, ... that the reader does not check.
 */
function datasetKeypointNames(name: string, count: number): string[] {
  const known = KNOWN_DATASETS[name];
  return known && known.length === count ? [...known] : Array.from({ length: count }, (_, i) => `kp${i}`);
}

const KNOWN_DATASETS: Record<string, readonly string[]> = {
  coco: COCO17_NAMES,
  mpii: MPII16_NAMES,
  hand21: HAND21_NAMES.map((n) => n.toLowerCase()),
  face70: FACE70_NAMES.map((n) => n.toLowerCase()),
};
