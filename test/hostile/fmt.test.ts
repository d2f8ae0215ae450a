// `posec fmt` on files a user really has: a symlink (the target is formatted, the link stays a link),
// a private file (mode 0600 kept), comments at the end of one-line bodies (kept on their line).
import { chmodSync, lstatSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNoTrace, posec, tempDir } from "./helpers.js";

const tmp = tempDir("fmt");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const UNFORMATTED = "posenet 1\nmodel   x # the name\ninput image 32x32x3\nkeypoints coco18\nbackbone { conv 3x3 8; relu } # one line\n";
const FORMATTED = "posenet 1\nmodel x  # the name\ninput image 32x32x3\nkeypoints coco18\nbackbone { conv 3x3 8; relu }  # one line\n";

describe("posec fmt", () => {
  it("formats a symlink's target and leaves the link a link", () => {
    const target = join(tmp, "real.posenet");
    const link = join(tmp, "link.posenet");
    writeFileSync(target, UNFORMATTED);
    symlinkSync("real.posenet", link);
    const r = posec(["fmt", link]);
    expect(r.code, r.stderr).toBe(0);
    expectNoTrace(r);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("real.posenet");
    expect(readFileSync(target, "utf8")).toBe(FORMATTED);
  });

  it("keeps the file's mode (0600 stays 0600)", () => {
    const file = join(tmp, "private.posenet");
    writeFileSync(file, UNFORMATTED);
    chmodSync(file, 0o600);
    expect(posec(["fmt", file]).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(FORMATTED);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("keeps a comment after a one-line body on that body's line", () => {
    const file = join(tmp, "comments.posenet");
    const text = [
      "posenet 1",
      "model x",
      "input image 32x32x3",
      "keypoints coco18",
      "backbone {",
      "  conv 3x3 8",
      "}",
      "adapter { conv 3x3 16 relu }  # adapter",
      "stages 2 {",
      "  first each branch { conv 3x3 16 relu; conv 1x1 out }  # first",
      "  refine each branch { conv 3x3 16 relu; conv 1x1 out }  # refine",
      "}",
      "loss { hardjoint topk=8 stages=2 }  # loss",
      "",
    ].join("\n");
    writeFileSync(file, text);
    const r = posec(["fmt", "--check", file]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
