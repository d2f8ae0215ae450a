// Where checkpoints are: a checkpoint folder itself (model.json), or a run folder whose
// checkpoints/latest names the newest. Kept free of tfjs so that commands can resolve paths cheaply;
// the trainer's resume (latestCheckpoint) walks the same candidates.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PosecError } from "../errors.js";

/** The checkpoint folders (step-NNNNNNN) of a run's checkpoints/ folder, oldest first. */
export function listCheckpoints(root: string): string[] {
  return existsSync(root) ? readdirSync(root).filter((f) => /^step-\d+$/.test(f)).sort() : [];
}

/**
 * A run's checkpoint folders, the one `latest` names first (when it still exists), then the others
 * newest first: what to try, in order, when the newest turns out to be unreadable.
 */
export function checkpointCandidates(runDir: string): string[] {
  const root = join(runDir, "checkpoints");
  const all = listCheckpoints(root);
  const latestFile = join(root, "latest");
  const named = existsSync(latestFile) ? readFileSync(latestFile, "utf8").trim() : undefined;
  const order = named && all.includes(named) ? [named, ...all.filter((d) => d !== named).reverse()] : [...all].reverse();
  return order.map((d) => join(root, d));
}

export function resolveCheckpointDir(path: string): string {
  if (existsSync(join(path, "model.json"))) return path;
  const found = checkpointCandidates(path).find((dir) => existsSync(join(dir, "model.json")));
  if (found) return found;
  throw new PosecError(`${path} is neither a checkpoint folder (model.json) nor a run folder with a checkpoint (checkpoints/step-*)`, "PN5301");
}
