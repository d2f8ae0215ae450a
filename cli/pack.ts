// A package folder as an npm tarball (`npm pack`'s format: a gzipped ustar archive of package/<file>).
// `posec build --target tfjs` packs posec's runtime package (dist/runtime-package, `@posec/runtime`, built by
// scripts/runtime-package.mjs) beside the generated program, whose package.json depends on it
// (`"@posec/runtime": "file:posec-runtime-<version>.tgz"`): the program installs with the runtime of the posec
// that generated it, published or not, and keeps installing after the folder is moved or copied.
// Deterministic: sorted entries, fixed modes, owners and times, so identical builds give identical bytes.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

/** Where the build writes the runtime package, relative to posec's own folder. */
export const RUNTIME_PACKAGE_DIR = join("dist", "runtime-package");

/** npm's own fixed timestamp for packed files (1985-10-26T08:15:00Z), so that packs do not depend on the clock. */
const MTIME = 499162500;

/** The files `npm pack` would include: package.json, the "files" entries, README and LICENSE files. */
export function packageFiles(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files?: string[] };
  const found = new Set<string>(["package.json"]);
  const walk = (path: string) => {
    const abs = join(root, path);
    if (statSync(abs).isDirectory()) for (const name of readdirSync(abs)) walk(join(path, name));
    else found.add(relative(root, abs).split("\\").join("/"));
  };
  for (const entry of pkg.files ?? []) {
    try {
      walk(entry);
    } catch {
      // a "files" entry that does not exist is skipped, as npm does
    }
  }
  for (const name of readdirSync(root)) if (/^(readme|license|licence)(\..*)?$/i.test(name)) found.add(name);
  return [...found].sort();
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** One 512-byte ustar header. Long paths are split into prefix (155) and name (100). */
function header(path: string, size: number, mode: number): Buffer {
  const h = Buffer.alloc(512);
  let name = path;
  let prefix = "";
  if (Buffer.byteLength(path) > 100) {
    const cut = path.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(path.slice(cut + 1)) > 100) throw new Error(`path too long for a tarball: ${path}`);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  h.write(name, 0, 100);
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108); // uid
  h.write(octal(0, 8), 116); // gid
  h.write(octal(size, 12), 124);
  h.write(octal(MTIME, 12), 136);
  h.write("        ", 148); // checksum placeholder: eight spaces
  h.write("0", 156); // regular file
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148);
  return h;
}

/** The tarball of the package at `root`, as npm would install it. */
export function packPackage(root: string): Uint8Array {
  const blocks: Buffer[] = [];
  for (const file of packageFiles(root)) {
    const data = readFileSync(join(root, file));
    const executable = file.startsWith("bin/");
    blocks.push(header(`package/${file}`, data.length, executable ? 0o755 : 0o644), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return new Uint8Array(gzipSync(Buffer.concat(blocks), { level: 9 }));
}
