// The file-system host used by the CLI and tests: user paths are read relative to the working
// directory, `std/...` from the standard library shipped in models/std of the posec package.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ParsedFile } from "../grammar/parse.js";
import type { Host } from "./modules.js";

const MAX_SPEC_BYTES = 4 * 1024 * 1024;

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
        try {
          preparsed = JSON.parse(readFileSync(preparsedFile, "utf8")) as Record<string, ParsedFile>;
        } catch {
          preparsed = null;
        }
      }
      const hit = preparsed?.[path];
      return hit && hit.text === text ? hit : undefined;
    },
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
