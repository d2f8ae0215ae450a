// Atomic file output: write to a temp file in the same directory, fsync, then rename over the target,
// so a crash or kill never leaves a half-written file under the final name. `mode` gives the new file
// the permissions of the one it replaces (a rename would otherwise reset 0600 to the umask's default).
// `data` may be a sequence of parts (an array, or a generator that makes each part when it is due),
// written one after the other: a checkpoint's weights go out tensor by tensor, never joined into one more
// copy of all of them.
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<Uint8Array>, options: { mode?: number } = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "w", options.mode ?? 0o666);
    try {
      if (options.mode !== undefined) fchmodSync(fd, options.mode); // exact, whatever the umask
      const parts = typeof data === "string" ? [Buffer.from(data, "utf8")] : data instanceof Uint8Array ? [data] : data;
      for (const bytes of parts) {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
