// The file-system host used by the CLI and tests: user paths are read relative to the working
// directory, `std/...` from the standard library shipped in models/std of the posec package.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Host } from "./modules.js";

const MAX_SPEC_BYTES = 4 * 1024 * 1024;

export function fileHost(stdDir: string): Host {
  return {
    read(path) {
      const real = path.startsWith("std/") ? join(stdDir, path.slice(4)) : path;
      try {
        if (statSync(real).size > MAX_SPEC_BYTES) return undefined;
        return readFileSync(real, "utf8");
      } catch {
        return undefined;
      }
    },
  };
}
