// Where a checkpoint is: a checkpoint folder itself (model.json), or a run folder whose
// checkpoints/latest names the newest. Kept free of tfjs so that commands can resolve paths cheaply.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PosecError } from "../errors.js";

export function resolveCheckpointDir(path: string): string {
  if (existsSync(join(path, "model.json"))) return path;
  const latest = join(path, "checkpoints", "latest");
  if (existsSync(latest)) return join(path, "checkpoints", readFileSync(latest, "utf8").trim());
  throw new PosecError(`${path} is neither a checkpoint folder (model.json) nor a run folder (checkpoints/latest)`, "PN5301");
}
