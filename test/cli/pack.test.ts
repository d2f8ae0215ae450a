// cli/pack.ts writes posec as an npm tarball for generated tfjs programs. Checked with independent tools:
// GNU tar lists and extracts it, and npm installs it (offline: the package has no dependencies).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageFiles, packPackage } from "../../cli/pack.js";

const tmp = mkdtempSync(join(tmpdir(), "posec-pack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LONG = `lib/${"d".repeat(60)}/${"e".repeat(60)}/file-with-a-long-name.txt`;

function fakePackage(): string {
  const root = join(tmp, "pkg");
  for (const d of ["bin", `lib/${"d".repeat(60)}/${"e".repeat(60)}`, "not-shipped"]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "fake-posec", version: "1.2.3", bin: { fake: "bin/fake.js" }, files: ["bin", "lib", "missing"] }));
  writeFileSync(join(root, "bin", "fake.js"), "#!/usr/bin/env node\nconsole.log('fake')\n");
  writeFileSync(join(root, "lib", "a.txt"), "x".repeat(1000));
  writeFileSync(join(root, LONG), "deep\n");
  writeFileSync(join(root, "README.md"), "# fake\n");
  writeFileSync(join(root, "not-shipped", "secret.txt"), "no\n");
  return root;
}

describe("posec as a tarball", () => {
  const root = fakePackage();

  it("holds package.json, the files entries and the README, nothing else", () => {
    expect(packageFiles(root)).toEqual(["README.md", "bin/fake.js", "lib/a.txt", LONG, "package.json"]);
  });

  it("is a tarball GNU tar reads (long paths, modes), byte-identical when packed twice", () => {
    const tgz = packPackage(root);
    expect(Buffer.from(packPackage(root)).equals(Buffer.from(tgz))).toBe(true);
    const file = join(tmp, "fake.tgz");
    writeFileSync(file, tgz);
    const list = spawnSync("tar", ["-tvzf", file], { encoding: "utf8" });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^-rwxr-xr-x .* package\/bin\/fake\.js$/m);
    expect(list.stdout).toMatch(/^-rw-r--r-- .* 1000 1985-10-26 .* package\/lib\/a\.txt$/m);
    const out = join(tmp, "extracted");
    mkdirSync(out);
    const x = spawnSync("tar", ["-xzf", file, "-C", out], { encoding: "utf8" });
    expect(x.status, x.stderr).toBe(0);
    expect(readFileSync(join(out, "package", LONG), "utf8")).toBe("deep\n");
    expect(readFileSync(join(out, "package", "lib", "a.txt"), "utf8")).toBe("x".repeat(1000));
  });

  it("installs with npm, offline, from a file: dependency beside the program", () => {
    const app = join(tmp, "app");
    mkdirSync(app);
    writeFileSync(join(app, "fake-posec-1.2.3.tgz"), packPackage(root));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, dependencies: { "fake-posec": "file:fake-posec-1.2.3.tgz" } }));
    const r = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(app, "node_modules", "fake-posec", "lib", "a.txt"), "utf8")).toBe("x".repeat(1000));
    expect(statSync(join(app, "node_modules", ".bin", "fake")).isFile()).toBe(true);
  }, 120_000);
});
