// Every output path a command cannot use is a PN5010 naming the path, found before any expensive work
// (no backend started, no data generated, no network loaded), with no stack trace and nothing lost:
// an existing file where a folder is meant, a folder where a file is meant, a path under a file, and a
// folder the user may not write to (as root, run as `nobody`: root writes through permission bits).
import { mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectPnError, posec, posecAsOtherUser, tempDir, TINY } from "./helpers.js";

const tmp = tempDir("out");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = join(tmp, "a-file.txt");
const folder = join(tmp, "a-folder");
const readOnly = join(tmp, "read-only");
let onnx = "";
let fakeCheckpoint = "";
let image = "";

beforeAll(() => {
  writeFileSync(file, "precious\n");
  mkdirSync(folder);
  mkdirSync(readOnly, { mode: 0o755 });
  chmodSync(tmp, 0o755); // `nobody` must reach it
  chmodSync(readOnly, 0o555);
  // an ONNX model (fast: no training) for infer; a checkpoint folder whose IR is real, for export's check
  // that must come before the weights are read
  expect(posec(["build", TINY, "--target", "onnx,ir", "--out", join(tmp, "model")]).code).toBe(0);
  onnx = join(tmp, "model", "onnx", "model.onnx");
  fakeCheckpoint = join(tmp, "checkpoint");
  mkdirSync(fakeCheckpoint);
  writeFileSync(join(fakeCheckpoint, "model.json"), "{}");
  writeFileSync(join(fakeCheckpoint, "model.ir.json"), readFileSync(join(tmp, "model", "ir", "model.ir.json")));
  expect(posec(["synth", "--out", join(tmp, "people"), "--images", "1", "--size", "64"]).code).toBe(0);
  image = join(tmp, "people", "images", "000001.png");
});

type Case = { name: string; args: (out: string) => string[]; wants: "file" | "folder" };
const COMMANDS: Case[] = [
  { name: "build", args: (out) => ["build", TINY, "--target", "onnx", "--out", out], wants: "folder" },
  { name: "export", args: (out) => ["export", "--checkpoint", fakeCheckpoint, "--out", out], wants: "file" },
  { name: "infer", args: (out) => ["infer", "--model", onnx, image, "--out", out], wants: "folder" },
  { name: "train", args: (out) => ["train", TINY, "--backend", "cpu", "--data", "synth", "--out", out], wants: "folder" },
  { name: "synth", args: (out) => ["synth", "--out", out, "--images", "2", "--size", "64"], wants: "folder" },
  { name: "targets", args: (out) => ["targets", TINY, "--data", "synth", "--out", out], wants: "file" },
];

describe.each(COMMANDS)("posec $name --out", (c) => {
  const noExpensiveWork = (stderr: string) => {
    expect(stderr).not.toContain("backend:"); // train: found before the backend starts
    expect(stderr).not.toContain("generating"); // nor the synthetic set generated
  };

  it(c.wants === "folder" ? "an existing file where a folder is meant: PN5010, the file kept" : "an existing folder where a file is meant: PN5010", () => {
    const target = c.wants === "folder" ? file : folder;
    const r = posec(c.args(target));
    expectPnError(r, "PN5010", target, c.wants === "folder" ? "is a file, not a folder" : "is a folder, not a file");
    noExpensiveWork(r.stderr);
    expect(readFileSync(file, "utf8")).toBe("precious\n");
  });

  it("a path under a file: PN5010 naming the file", () => {
    const r = posec(c.args(join(file, "sub", c.wants === "file" ? "x.out" : "dir")));
    expectPnError(r, "PN5010", `${file} is a file, so nothing can be created under it`);
    noExpensiveWork(r.stderr);
    expect(readFileSync(file, "utf8")).toBe("precious\n");
  });

  it("a folder the user may not write to: PN5010 (EACCES)", () => {
    const r = posecAsOtherUser(c.args(join(readOnly, c.wants === "file" ? "x.out" : "dir")));
    if (!r) throw new Error("running as root without /usr/bin/setpriv: cannot check a read-only folder honestly");
    expectPnError(r, "PN5010", `cannot write into ${readOnly}`, "EACCES");
    noExpensiveWork(r.stderr);
  });
});

describe("posec build --out with a folder where an output file goes", () => {
  it("is PN5010 before anything is written", () => {
    const out = join(tmp, "build-blocked");
    mkdirSync(join(out, "model.onnx"), { recursive: true });
    const r = posec(["build", TINY, "--target", "onnx", "--out", out]);
    expectPnError(r, "PN5010", join(out, "model.onnx"), "is a folder, not a file");
  });
});

describe("file-system failures nobody anticipated (runtime/util/out-path.ts, used by cli/main.ts)", () => {
  it("become PN5010 naming the path, the reason and what to do (ENOSPC, EROFS cannot be caused here)", async () => {
    const { fsError, isFsError } = await import("../../runtime/util/out-path.js");
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write", path: "/data/run/metrics.jsonl" });
    expect(isFsError(full)).toBe(true);
    expect(isFsError(new Error("plain"))).toBe(false);
    const e = fsError(full);
    expect([e.code, e.message, e.hint]).toEqual(["PN5010", "write /data/run/metrics.jsonl: no space left on the device, ENOSPC", "free some space (or write elsewhere) and run again"]);
    const ro = fsError(Object.assign(new Error("EROFS"), { code: "EROFS", syscall: "rename", path: "/ro/a.tmp-1", dest: "/ro/a" }));
    expect(ro.message).toBe("rename /ro/a.tmp-1 -> /ro/a: read-only file system, EROFS");
  });
});
