// The PyTorch target's fixed Python: real .py files in ./python (linted and unit-tested as Python),
// copied byte for byte into every generated package. The emitter writes only what depends on the spec
// (model.py's network, spec.py's settings, the README). scripts/build.mjs copies the folder to
// dist/python, where the bundled CLI finds it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** model.py imports layers.py; a pose model's package gets the training files too. */
export const MODEL_SUPPORT = ["layers.py"] as const;
export const TRAINING_SUPPORT = ["losses.py", "data.py", "transforms.py", "rng.py", "images.py", "train.py"] as const;
export type SupportFile = (typeof MODEL_SUPPORT)[number] | (typeof TRAINING_SUPPORT)[number];

/**
 * The folder holding the .py files: ./python beside this module when it runs from source, dist/python
 * when it runs bundled (dist/posec.js or dist/chunks/*), the checkout's folder when bundled elsewhere
 * (scripts/run-ts.mjs).
 */
function findSupportDir(): string {
  const tried: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, "python"), join(dir, "compiler", "emit", "pytorch", "python")]) {
      if (existsSync(join(candidate, "layers.py")) && existsSync(join(candidate, "train.py"))) return candidate;
      tried.push(candidate);
    }
    dir = dirname(dir);
  }
  throw new Error(`posec's PyTorch support files are missing (looked in ${tried.join(", ")}); reinstall posec`);
}

let supportDir: string | undefined;
const cache = new Map<SupportFile, string>();

/** The text of one support file, exactly as it is in the repository. */
export function supportFile(name: SupportFile): string {
  let text = cache.get(name);
  if (text === undefined) {
    supportDir ??= findSupportDir();
    text = readFileSync(join(supportDir, name), "utf8");
    cache.set(name, text);
  }
  return text;
}
