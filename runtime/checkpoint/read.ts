// Reading a checkpoint's weights without tfjs. The trainer saves tfjs's own LayersModel format:
//   DIR/model.json   { ..., "weightsManifest": [{ "paths": ["weights.bin"], "weights": [{ name, shape, dtype }] }] }
//   DIR/weights.bin  little-endian float32 values, concatenated in manifest order
// (a group may span several files, `paths`, concatenated in order). Weight names are posec's canonical
// ones (`<layer>/kernel`, ...; core/params/params.ts), so a checkpoint maps one to one onto the
// spec's parameter list; matchWeights says by name what does not. The two weights tfjs stores in its own
// way (runtime/model/build.ts) are brought back to posec's: a depthwise `<layer>/depthwise_kernel`
// [kh, kw, C, m] is `<layer>/kernel` [kh, kw, 1, C*m] (same element order), and a PReLU `<layer>/alpha`
// [1, 1, C] (shared over H and W) is [C].
import { Ajv, type ErrorObject } from "ajv";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
import type { ParamSpec, Tensor, WeightSet } from "../../core/params/index.js";
import { PosecError } from "../errors.js";

/** PN5301: a checkpoint that cannot be read; PN5302: one that does not fit the spec. */
export const CHECKPOINT_UNREADABLE = "PN5301";
export const CHECKPOINT_MISMATCH = "PN5302";

const manifestSchema = {
  type: "object",
  required: ["weightsManifest"],
  properties: {
    weightsManifest: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["paths", "weights"],
        properties: {
          paths: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
          weights: {
            type: "array",
            items: {
              type: "object",
              required: ["name", "shape", "dtype"],
              properties: {
                name: { type: "string", minLength: 1 },
                shape: { type: "array", items: { type: "integer", minimum: 0 } },
                dtype: { const: "float32" },
              },
            },
          },
        },
      },
    },
  },
} as const;

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: "float32";
  quantization?: unknown;
}
interface Manifest {
  weightsManifest: { paths: string[]; weights: ManifestEntry[] }[];
}

let validate: ReturnType<Ajv["compile"]> | undefined;

function describeError(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).split("/").join(".") : "the document";
  if (e.keyword === "const" && e.instancePath.endsWith("/dtype")) return `${where} is ${JSON.stringify(e.data)}, but posec reads float32 weights only`;
  return `${where} ${e.message ?? "is invalid"}`;
}

function fail(message: string, hint?: string): never {
  throw new PosecError(message, CHECKPOINT_UNREADABLE, hint);
}

const HINT = "a checkpoint is the folder `posec train` writes: model.json (tfjs LayersModel JSON with a weightsManifest) and weights.bin";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * state.json's text: the state with a `sha256` field over the rest (JSON.stringify of the state without
 * it), so that state.json itself is checked like the files whose checksums it records.
 */
export function stateJsonText(state: object): string {
  return JSON.stringify({ ...state, sha256: sha256(JSON.stringify(state)) }, null, 2) + "\n";
}

/**
 * A checkpoint's state.json, verified against its own `sha256` (written by stateJsonText; a state.json
 * from before that field is read as it is). Missing: {} unless required (a checkpoint of another tool).
 */
export function readState(dir: string, options: { required?: boolean } = {}): Record<string, unknown> & { checksums?: Record<string, string> } {
  const statePath = join(dir, "state.json");
  const damaged = "the checkpoint was damaged; use an older one";
  let text: string;
  try {
    text = readFileSync(statePath, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !options.required) return {};
    fail(`${statePath}: cannot read the checkpoint's state (${code === "ENOENT" ? "missing" : (code ?? (e as Error).message)})`, damaged);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    fail(`${statePath}: not valid JSON (${(e as Error).message})`, damaged);
  }
  if (typeof state !== "object" || state === null || Array.isArray(state)) fail(`${statePath}: not a JSON object`, damaged);
  const { sha256: recorded, ...rest } = state as Record<string, unknown>;
  if (recorded !== undefined && recorded !== sha256(JSON.stringify(rest))) fail(`checkpoint file ${statePath} is corrupt or was edited (checksum mismatch)`, damaged);
  return rest;
}

/**
 * The SHA-256 of each file that `posec train` recorded in the checkpoint's state.json (empty for a
 * checkpoint written by another tool, which is then read unverified).
 */
export function recordedChecksums(dir: string): Map<string, string> {
  return new Map(Object.entries(readState(dir).checksums ?? {}));
}

/** Reads a checkpoint file, checking it against its recorded checksum (if any). */
export function readVerified(dir: string, file: string, checksums: Map<string, string>, what = "the checkpoint file"): Buffer {
  const path = join(dir, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail(`${path}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, HINT);
  }
  const sum = checksums.get(file);
  if (sum !== undefined && createHash("sha256").update(bytes).digest("hex") !== sum) {
    fail(`checkpoint file ${path} is corrupt (checksum mismatch)`, "the checkpoint was damaged after it was written; use an older one");
  }
  return bytes;
}

/** The weights of the checkpoint in `dir`, by name, in manifest order, verified against state.json's checksums. */
export function readCheckpointWeights(dir: string): WeightSet {
  const jsonPath = join(dir, "model.json");
  let text: string;
  try {
    if (!statSync(dir).isDirectory()) fail(`${dir}: a checkpoint is a folder, not a file`, HINT);
    text = readVerified(dir, "model.json", recordedChecksums(dir), "the checkpoint").toString("utf8");
  } catch (e) {
    if (e instanceof PosecError) throw e;
    fail(`${jsonPath}: cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, HINT);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(`${jsonPath}: not valid JSON (${(e as Error).message})`, HINT);
  }
  validate ??= new Ajv({ allErrors: false, verbose: true, strict: false }).compile(manifestSchema);
  if (!validate(doc)) fail(`${jsonPath}: ${describeError(validate.errors![0])}`, HINT);
  const manifest = doc as Manifest;
  const checksums = recordedChecksums(dir);

  const weights: WeightSet = new Map();
  for (const [g, group] of manifest.weightsManifest.entries()) {
    const blobs: Buffer[] = [];
    for (const p of group.paths) {
      // Weight files sit beside model.json: no absolute paths, no way out of the folder.
      if (isAbsolute(p) || normalize(p).startsWith("..")) fail(`${jsonPath}: weightsManifest[${g}].paths names \`${p}\`, outside the checkpoint folder`);
      blobs.push(readVerified(dir, p, checksums, `the weights file listed in ${jsonPath}`));
    }
    const bytes = blobs.length === 1 ? blobs[0] : Buffer.concat(blobs);
    const files = group.paths.map((p) => join(dir, p)).join(" + ");
    const needed = group.weights.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    if (bytes.length !== needed) {
      fail(`${files}: holds ${bytes.length} bytes, but the manifest in ${jsonPath} lists ${needed} (${group.weights.length} float32 tensors)`, "the weights file is truncated or belongs to another model.json");
    }
    let offset = 0;
    for (const w of group.weights) {
      if (w.quantization !== undefined) fail(`${jsonPath}: weight \`${w.name}\` is quantized; posec reads float32 weights only`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      const { name, shape } = canonical(w.name, w.shape);
      if (weights.has(name)) fail(`${jsonPath}: weight \`${name}\` appears twice in the manifest`);
      weights.set(name, { shape, data: float32At(bytes, offset, count) });
      offset += 4 * count;
    }
  }
  return weights;
}

/** tfjs's name and shape of a weight -> posec's (see the header). */
function canonical(name: string, shape: number[]): { name: string; shape: number[] } {
  if (name.endsWith("/depthwise_kernel") && shape.length === 4) {
    return { name: name.slice(0, -"depthwise_kernel".length) + "kernel", shape: [shape[0], shape[1], 1, shape[2] * shape[3]] };
  }
  if (name.endsWith("/alpha") && shape.length === 3 && shape[0] === 1 && shape[1] === 1) return { name, shape: [shape[2]] };
  return { name, shape: [...shape] };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function float32At(bytes: Buffer, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    // Copy the bytes (the Buffer's offset need not be 4-aligned, so no view over it).
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + 4 * count));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

export interface WeightMismatch {
  /** the spec's tensors the checkpoint lacks */
  missing: { name: string; shape: number[] }[];
  /** tensors the checkpoint holds that the spec does not have */
  extra: { name: string; shape: number[] }[];
  wrongShape: { name: string; expected: number[]; actual: number[] }[];
}

/** Compares a weight set with the spec's parameter list, by name and shape. */
export function matchWeights(specs: ParamSpec[], weights: WeightSet): WeightMismatch & { ok: boolean } {
  const names = new Set(specs.map((s) => s.name));
  const missing: WeightMismatch["missing"] = [];
  const wrongShape: WeightMismatch["wrongShape"] = [];
  for (const s of specs) {
    const t = weights.get(s.name);
    if (!t) missing.push({ name: s.name, shape: s.shape });
    else if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) wrongShape.push({ name: s.name, expected: s.shape, actual: t.shape });
  }
  const extra = [...weights.entries()].filter(([n]) => !names.has(n)).map(([name, t]: [string, Tensor]) => ({ name, shape: t.shape }));
  return { ok: missing.length + extra.length + wrongShape.length === 0, missing, extra, wrongShape };
}

/** The mismatch in words, naming the tensors (the first few of each kind). */
export function describeMismatch(m: WeightMismatch, limit = 5): string {
  const shape = (s: number[]) => `[${s.join(", ")}]`;
  const list = <T>(items: T[], show: (t: T) => string) => items.slice(0, limit).map(show).join(", ") + (items.length > limit ? `, and ${items.length - limit} more` : "");
  const parts: string[] = [];
  if (m.wrongShape.length) parts.push(`wrong shape: ${list(m.wrongShape, (w) => `\`${w.name}\` is ${shape(w.actual)}, the spec needs ${shape(w.expected)}`)}`);
  if (m.missing.length) parts.push(`missing: ${list(m.missing, (w) => `\`${w.name}\` ${shape(w.shape)}`)}`);
  if (m.extra.length) parts.push(`not in the spec: ${list(m.extra, (w) => `\`${w.name}\` ${shape(w.shape)}`)}`);
  return parts.join("; ");
}

/** Throws a PosecError naming the checkpoint and the tensors when the weights do not fit the spec. */
export function assertWeightsMatch(specs: ParamSpec[], weights: WeightSet, checkpoint: string, model: string): void {
  const m = matchWeights(specs, weights);
  if (!m.ok) {
    throw new PosecError(`checkpoint ${checkpoint} does not fit ${model}: ${describeMismatch(m)}`, CHECKPOINT_MISMATCH, "export with the spec the checkpoint was trained from (same backbone, stages, keypoints and input size for dense layers)");
  }
}
