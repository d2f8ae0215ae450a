// Output paths checked before any expensive work (starting a backend, generating data, building a
// model): every command that writes calls checkOutFile or checkOutDir on its --out first, so that a
// read-only folder, a file where a folder is meant (or the reverse) or a path under a file is a PN5010
// naming the path and what to do, not a stack trace after minutes of work. fsError turns any file-system
// failure that still gets through (a disk filling up mid-run) into the same kind of error.
import { accessSync, constants, readdirSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PosecError } from "../errors.js";

export const OUTPUT_UNWRITABLE = "PN5010";
export const WOULD_OVERWRITE = "PN5011";

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    // ENOTDIR: a component of the path is a file; reported by the caller walking up
    if (code === "ENOTDIR") return null;
    throw fsError(e, path);
  }
}

/**
 * The folder `path` will be created in (or is) must be creatable and writable: walk up to the first
 * part of the path that exists; it must be a folder we may write into.
 */
function checkCreatable(path: string, wanted: string): void {
  let dir = resolve(path);
  for (;;) {
    const st = statOrNull(dir);
    if (st) {
      if (!st.isDirectory()) {
        throw new PosecError(`${wanted}: ${dir} is a file, so nothing can be created under it`, OUTPUT_UNWRITABLE, "choose a path that is not under a file (or move that file away)");
      }
      try {
        accessSync(dir, constants.W_OK | constants.X_OK);
      } catch (e) {
        throw new PosecError(`${wanted}: cannot write into ${dir} (${describeCode((e as NodeJS.ErrnoException).code)})`, OUTPUT_UNWRITABLE, "choose a folder you can write to, or change its permissions");
      }
      return;
    }
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/** `path` will be written as a file (atomically: a temporary beside it, then a rename). */
export function checkOutFile(path: string, what = "the output file"): void {
  const wanted = `${what} ${path}`;
  const st = statOrNull(path);
  if (st?.isDirectory()) throw new PosecError(`${wanted} is a folder, not a file`, OUTPUT_UNWRITABLE, `give a file name, e.g. ${join(path, "out")}…`);
  if (st && !st.isFile()) throw new PosecError(`${wanted} exists and is not a regular file`, OUTPUT_UNWRITABLE, "choose another output path");
  checkCreatable(dirname(resolve(path)), wanted);
}

/** `path` will be a folder that files are written into (created if missing). */
export function checkOutDir(path: string, what = "the output folder"): void {
  const wanted = `${what} ${path}`;
  const st = statOrNull(path);
  if (st && !st.isDirectory()) throw new PosecError(`${wanted} is a file, not a folder`, OUTPUT_UNWRITABLE, "give a folder path (it is created if missing), or move that file away");
  checkCreatable(path, wanted);
}

/** The folder's entries, [] when it does not exist. */
export function folderEntries(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    throw fsError(e, path);
  }
}

/** A COCO-format dataset folder (posec synth's layout or COCO's): never written into by a command that makes something else. */
export function isDatasetFolder(path: string): boolean {
  const entries = new Set(folderEntries(path));
  return entries.has("annotations.json") || (entries.has("annotations") && entries.has("images")) || entries.has("train2017") || entries.has("val2017");
}

const CODES: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder",
  EEXIST: "it already exists",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "the name is too long",
  ENOENT: "no such file or folder",
  EMFILE: "too many open files",
  ELOOP: "too many symbolic links",
  EBUSY: "the file is busy",
  EIO: "input/output error",
};

function describeCode(code: string | undefined): string {
  return code ? `${CODES[code] ?? "failed"}, ${code}` : "failed";
}

/** A Node file-system error (with an errno code), or null for anything else. */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!) && (e as NodeJS.ErrnoException).syscall !== undefined;
}

/** A file-system failure as a PosecError naming the path and the reason. */
export function fsError(e: unknown, path?: string): PosecError {
  const err = e as NodeJS.ErrnoException;
  const where = err.path ?? path ?? "a file";
  const dest = (err as { dest?: string }).dest;
  const hint =
    err.code === "ENOSPC" || err.code === "EDQUOT"
      ? "free some space (or write elsewhere) and run again"
      : err.code === "EACCES" || err.code === "EPERM" || err.code === "EROFS"
        ? "choose a path you can write to, or change its permissions"
        : "check the path and run again";
  return new PosecError(`${err.syscall ?? "access"} ${where}${dest ? ` -> ${dest}` : ""}: ${describeCode(err.code)}`, OUTPUT_UNWRITABLE, hint);
}
