// The file-system host used by the CLI and tests: user paths are read relative to the working
// directory, `std/...` from the standard library shipped in models/std of the posec package.
// Only regular files are read, and at most LIMITS.specBytes of them: a named pipe would block forever,
// a device (/dev/zero) would be read without end, and a folder is not "missing".
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { LIMITS } from "../grammar/limits.js";
import type { ParsedFile } from "../grammar/parse.js";
import type { Host, ReadFailure } from "./modules.js";

const MIB = 1024 * 1024;

/** Why a path that exists is not a spec we read, or undefined if it is a regular file. */
function notRegular(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return "is a folder, not a spec file";
  if (stats.isFIFO()) return "is a named pipe, not a regular file (posec reads specs from regular files only)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "is a device, not a regular file (posec reads specs from regular files only)";
  if (stats.isSocket()) return "is a socket, not a regular file (posec reads specs from regular files only)";
  return "is not a regular file";
}

function tooLarge(bytes: number): ReadFailure {
  return { code: "PN1005", problem: `is too large: ${(bytes / MIB).toFixed(1)} MiB; a spec may have at most ${LIMITS.specBytes / MIB} MiB` };
}

/** Reads one spec file; undefined if it does not exist. Never blocks and never reads past the cap. */
export function readSpecFile(path: string): string | undefined | ReadFailure {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    return { code: "PN1006", problem: `cannot be read (${code ?? (e as Error).message})` };
  }
  const bad = notRegular(stats);
  if (bad) return { code: "PN1006", problem: bad };
  if (stats.size > LIMITS.specBytes) return tooLarge(stats.size);
  let fd: number;
  try {
    // O_NONBLOCK: should the path have been swapped for a pipe since the stat, opening does not block
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return { code: "PN1006", problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  try {
    const again = notRegular(fstatSync(fd));
    if (again) return { code: "PN1006", problem: again };
    // one byte past the cap tells a file that grew since the stat
    const buffer = Buffer.allocUnsafe(LIMITS.specBytes + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > LIMITS.specBytes) return tooLarge(fstatSync(fd).size);
    return buffer.subarray(0, length).toString("utf8");
  } catch (e) {
    return { code: "PN1006", problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * `preparsedFile`: a JSON file mapping display paths to parsed files (written by the build for the
 * standard library); an entry is used only if its text is exactly the file's, so it can never be stale.
 */
export function fileHost(stdDir: string, preparsedFile?: string): Host {
  let preparsed: Record<string, ParsedFile> | null | undefined;
  return {
    preparsed(path, text) {
      if (!preparsedFile) return undefined;
      if (preparsed === undefined) {
        const json = readSpecFileUncapped(preparsedFile);
        try {
          preparsed = json === undefined ? null : (JSON.parse(json) as Record<string, ParsedFile>);
        } catch {
          preparsed = null;
        }
      }
      const hit = preparsed?.[path];
      return hit && hit.text === text ? hit : undefined;
    },
    read(path) {
      return readSpecFile(path.startsWith("std/") ? join(stdDir, path.slice(4)) : path);
    },
    stat: statWeights,
  };
}

/** What a weights path names, by a stat only (a weights file may be hundreds of MB: it is never read here). */
export function statWeights(path: string): "file" | "folder" | "missing" | string {
  try {
    const stats = statSync(path);
    if (stats.isFile()) return "file";
    if (stats.isDirectory()) return "folder";
    return notRegular(stats)!.replace("posec reads specs", "posec reads weights");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? "missing" : `cannot be read (${code ?? (e as Error).message})`;
  }
}

/** The pre-parsed standard library is posec's own file, larger than a spec: read it whole. */
function readSpecFileUncapped(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
}
