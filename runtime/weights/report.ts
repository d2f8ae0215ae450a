// The load report of an import: every spec tensor loaded or initialised fresh, every file tensor
// ignored, each with its reason; printed as a summary and saved as JSON beside the checkpoint.
import { PosecError } from "../errors.js";

/** PN5312: `--strict` and something was not loaded. */
export const STRICT_REFUSED = "PN5312";

export interface LoadEntry {
  /** posec's tensor name (`layer/role`), null for a file tensor that was ignored */
  tensor: string | null;
  status: "loaded" | "fresh" | "ignored";
  shape: number[];
  /** the file's name for the tensor, null for a fresh one */
  source: string | null;
  reason: string;
  /** the spec line of the layer (file:line:col), null for an ignored file tensor */
  spec: string | null;
}

export interface LoadReport {
  file: string;
  format: string;
  model: string;
  /** the seed of the fresh tensors' initialisation */
  seed: number;
  counts: { loaded: number; fresh: number; ignored: number };
  notes: string[];
  entries: LoadEntry[];
}

/** The layer a report entry belongs to: the spec layer, or the file's layer (`conv1` blob 0, layer1.0.conv1.weight). */
function layerOf(e: LoadEntry): string {
  if (e.tensor) return e.tensor.slice(0, e.tensor.lastIndexOf("/"));
  const s = e.source ?? "";
  return s.includes(" blob ") ? s.slice(0, s.lastIndexOf(" blob ")) : s.includes(".") ? s.slice(0, s.lastIndexOf(".")) : s;
}

/** The report in a few lines: counts, then the fresh and ignored tensors grouped by layer (the first `limit` layers of each). */
export function summariseReport(r: LoadReport, limit = 12): string {
  const lines = [`${r.file} (${r.format}) -> ${r.model}: ${r.counts.loaded} tensors loaded, ${r.counts.fresh} initialised fresh, ${r.counts.ignored} ignored`];
  for (const status of ["fresh", "ignored"] as const) {
    const groups = new Map<string, LoadEntry[]>();
    for (const e of r.entries.filter((x) => x.status === status)) {
      const key = `${layerOf(e)}\u0000${e.reason}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    for (const [key, list] of [...groups].slice(0, limit)) {
      const names = list.map((e) => (e.tensor ? e.tensor.slice(e.tensor.lastIndexOf("/") + 1) : (e.source ?? "")));
      lines.push(`  ${status.padEnd(7)} ${key.split("\u0000")[0]} (${list.length === 1 ? `${names[0]} [${list[0].shape.join(", ")}]` : `${list.length} tensors`}): ${list[0].reason}`);
    }
    if (groups.size > limit) lines.push(`  ... and ${groups.size - limit} more ${status} layers (see the JSON report)`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}

/** `--strict`: anything not loaded is an error. */
export function assertStrict(r: LoadReport): void {
  if (r.counts.fresh === 0 && r.counts.ignored === 0) return;
  const first = r.entries.find((e) => e.status !== "loaded")!;
  throw new PosecError(
    `--strict: ${r.file} leaves ${r.counts.fresh} tensors of ${r.model} initialised fresh and ${r.counts.ignored} of its own tensors ignored (first: ${first.status} ${first.tensor ?? first.source}: ${first.reason})`,
    STRICT_REFUSED,
    "drop --strict to accept a partial load, or make the spec and the file describe the same layers",
  );
}
