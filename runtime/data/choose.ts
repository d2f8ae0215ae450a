// Which data a command trains or evaluates on: the spec's `data`, or what `--data` says (a COCO-format
// folder in posec synth's layout or COCO's own, or `synth` for the built-in synthetic people). Shared
// by `posec train`, `posec targets` and generated training programs.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DataIR } from "../../core/ir/types.js";
import { PosecError } from "../errors.js";

/** `--data DIR|synth` against the spec's data; undefined flag: the spec's own. */
export function dataFromFlag(flag: string | undefined, spec: DataIR, synthSize: number): DataIR {
  if (flag === undefined) return spec;
  if (flag === "synth") return spec.kind === "synth" ? spec : { kind: "synth", images: 512, size: synthSize, seed: 1 };
  if (!existsSync(flag)) throw new PosecError(`--data ${flag}: no such folder`, "PN5001");
  // posec synth's layout (annotations.json + images/) or COCO's (annotations/person_keypoints_*.json + train2017/)
  if (existsSync(join(flag, "annotations.json"))) return { kind: "coco", root: resolve(flag), annotations: "annotations.json", images: "images" };
  const coco = spec.kind === "coco" ? spec : { annotations: "annotations/person_keypoints_train2017.json", images: "train2017" };
  return { kind: "coco", root: resolve(flag), annotations: coco.annotations, images: coco.images };
}

/** A COCO dataset that is not there is an error with the ways out, before anything is loaded. */
export function requireData(data: DataIR, baseDir: string): void {
  if (data.kind === "coco" && !existsSync(resolve(baseDir, data.root))) {
    throw new PosecError(
      `the spec trains on COCO data in ${resolve(baseDir, data.root)}, which does not exist`,
      "PN5001",
      "download COCO keypoints there, pass --data DIR, or use --data synth for posec's built-in synthetic people",
    );
  }
}

/** Where the built-in synthetic set is cached: a folder of the working directory, per set. */
export function synthCacheDir(data: DataIR): string | undefined {
  return data.kind === "synth" ? join(process.cwd(), ".posec-cache", `synth-${data.seed}-${data.images}-${data.size}`) : undefined;
}
