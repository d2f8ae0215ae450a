// One writer per run folder. `posec train` (new or --resume) holds RUN/.posec-lock while it runs: a
// JSON record of its pid, host and start time, created atomically (written to a private temporary,
// then hard-linked into place: the link fails with EEXIST when another writer holds the lock, and no
// reader ever sees a half-written record). A second trainer gets PN5304 naming the owner. A lock whose
// owner is gone (same host, pid no longer alive, or alive but started at another time: the pid was
// reused) is stale and taken over with a warning. The lock is removed when the process exits.
import { existsSync, linkSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PosecError } from "../errors.js";
import { fsError } from "./out-path.js";

export const RUN_LOCKED = "PN5304";
export const LOCK_FILE = ".posec-lock";

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the owner took the lock */
  started: string;
  /** the owner's process start time in clock ticks since boot (Linux /proc), to tell a reused pid */
  procStart: string | null;
  command: string;
}

export interface RunLock {
  path: string;
  release(): void;
}

/** Field 22 of /proc/PID/stat (start time since boot); null where there is no /proc. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) is in parentheses and may hold spaces: count from the last ')'
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why a lock is stale, or null while its owner may still be running. */
export function staleReason(owner: LockOwner): string | null {
  if (owner.host !== hostname()) return null; // another machine's process: cannot be checked from here
  if (!alive(owner.pid)) return `process ${owner.pid} is no longer running`;
  const now = processStartTime(owner.pid);
  if (owner.procStart !== null && now !== null && now !== owner.procStart) return `process ${owner.pid} is another program now (its pid was reused)`;
  return null;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    return typeof o.pid === "number" && typeof o.host === "string" ? o : null;
  } catch {
    return null;
  }
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null) => !!a && !!b && a.pid === b.pid && a.host === b.host && a.started === b.started;

/** Takes the run folder's lock (the folder must exist) or throws PN5304 naming the owner. */
export function acquireRunLock(runDir: string, command: string, onWarning: (msg: string) => void = () => {}): RunLock {
  const path = join(runDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), procStart: processStartTime(process.pid), command };
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(me) + "\n");
  } catch (e) {
    throw fsError(e, tmp);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fsError(e, path);
      }
      const owner = readOwner(path);
      const why = owner ? staleReason(owner) : "the lock file is unreadable";
      if (!why || attempt >= 3) {
        const who = owner ? `process ${owner.pid} on ${owner.host} (\`${owner.command}\`, since ${owner.started})` : "another process";
        throw new PosecError(
          `${runDir} is being written by ${who}`,
          RUN_LOCKED,
          owner && owner.host !== hostname()
            ? `one trainer per run folder: wait for it, or use another --out; if that run is over, remove ${path}`
            : "one trainer per run folder: wait for it to finish (or stop it), or use another --out",
        );
      }
      // Move the stale lock aside first, so that of two processes taking it over only one removes it;
      // if what was moved turns out to be a fresh lock (someone was quicker), it is put back.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = readOwner(aside);
      if (owner && !sameOwner(moved, owner) && moved) {
        try {
          linkSync(aside, path);
        } catch {
          /* a third writer holds it now; the next attempt reports it */
        }
      } else onWarning(`took over the lock of ${runDir}: ${why}`);
      rmSync(aside, { force: true });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    // remove only our own lock (never one a later writer took over after we were presumed dead)
    if (existsSync(path) && sameOwner(readOwner(path), me)) rmSync(path, { force: true });
  };
  process.on("exit", release);
  return { path, release };
}
