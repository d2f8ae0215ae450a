// A run folder (`posec train --out`) is posec's: checked, marked and locked before the backend starts
// or any data is read. posec never writes into a dataset, nor over files it did not make (a folder
// holding someone's metrics.jsonl is refused unless --force), and only one trainer writes a folder.
import { mkdirSync } from "node:fs";
import { join, relative, resolve, isAbsolute } from "node:path";
import { PosecError } from "../errors.js";
import { writeFileAtomic } from "./atomic.js";
import { checkOutDir, folderEntries, fsError, isDatasetFolder, WOULD_OVERWRITE } from "./out-path.js";
import { acquireRunLock, LOCK_FILE, type RunLock } from "./run-lock.js";

/** The marker that makes a folder a posec run (written when a run starts). */
export const RUN_MARKER = ".posec-run";

export interface RunFolderOptions {
  out: string;
  /** the model being trained (recorded in the marker) */
  model: string;
  /** folders the run reads data from: the run folder may be neither one of them nor inside one */
  dataDirs: string[];
  force: boolean;
  command: string;
  onWarning(msg: string): void;
}

const inside = (child: string, parent: string) => {
  const rel = relative(resolve(parent), resolve(child));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
};

/**
 * The checks alone (nothing created): a writable folder, no dataset, empty or a posec run unless
 * --force. Returns its entries. The CLI calls this before loading tfjs; prepareRunFolder calls it again.
 */
export function checkRunFolder(o: Pick<RunFolderOptions, "out" | "dataDirs" | "force">): string[] {
  checkOutDir(o.out, "the run folder (--out)");
  for (const data of o.dataDirs) {
    if (inside(o.out, data)) throw new PosecError(`the run folder ${o.out} is inside the dataset ${data}`, WOULD_OVERWRITE, "give the run its own --out folder, outside the data");
  }
  if (isDatasetFolder(o.out)) throw new PosecError(`the run folder ${o.out} holds a dataset (annotations.json or COCO's folders)`, WOULD_OVERWRITE, "give the run its own --out folder; posec never writes into a dataset");
  const entries = folderEntries(o.out).filter((e) => !e.startsWith(LOCK_FILE));
  const ours = entries.includes(RUN_MARKER) || entries.includes("checkpoints");
  if (entries.length > 0 && !ours && !o.force) {
    const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? `, and ${entries.length - 5} more` : "");
    throw new PosecError(`the run folder ${o.out} is not empty and is not a posec run (it holds ${shown})`, WOULD_OVERWRITE, "choose a new or empty --out folder, or pass --force to write into it anyway (metrics.jsonl and loss.png there are replaced)");
  }
  return entries;
}

/** Checks the run folder, creates it, marks it as a run and takes its lock (released when the process exits). */
export function prepareRunFolder(o: RunFolderOptions): RunLock {
  const entries = checkRunFolder(o);
  try {
    mkdirSync(o.out, { recursive: true });
  } catch (e) {
    throw fsError(e, o.out);
  }
  const lock = acquireRunLock(o.out, o.command, o.onWarning);
  try {
    if (!entries.includes(RUN_MARKER)) writeFileAtomic(join(o.out, RUN_MARKER), JSON.stringify({ posec: "run", model: o.model }) + "\n");
  } catch (e) {
    lock.release();
    throw fsError(e, join(o.out, RUN_MARKER));
  }
  return lock;
}
