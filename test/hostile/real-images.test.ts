// Real images (../shared/testdata/real, public mmpose test data; see its SOURCES.md) decode to the
// pixel values OpenCV's cv2.imread gives, checked against OpenCV itself (Debian's /usr/bin/python3):
// an Adobe RGB ICC profile is not applied, a CMYK JPEG is converted as OpenCV does, a JPEG without its
// end marker reads as OpenCV reads it. And a dataset whose keypoint names are not the schema's dataset
// (PoseTrack's head_bottom/head_top in COCO's eye slots) is refused, naming both lists.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../runtime/data/image.js";
import { readCocoDataset } from "../../runtime/data/coco-dataset.js";
import { isPosecError } from "../../runtime/errors.js";
import { compileIr } from "../helpers.js";
import { REAL, sharedAvailable, TINY } from "./helpers.js";

const available = sharedAvailable("decoding real images against OpenCV");
const tmp = mkdtempSync(join(tmpdir(), "posec-hostile-real-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** cv2.imread of each file (colour, EXIF orientation ignored like posec: COCO's coordinates are the stored grid), as RGB bytes. */
function opencv(files: string[]): { width: number; height: number; data: Buffer }[] {
  const script = [
    "import cv2, sys, json",
    "out = []",
    "for i, p in enumerate(sys.argv[2:]):",
    "    im = cv2.imread(p, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)",
    "    im[:, :, ::-1].copy().tofile(f'{sys.argv[1]}/{i}.rgb')",
    "    out.append([im.shape[1], im.shape[0]])",
    "print(json.dumps(out))",
  ].join("\n");
  const r = spawnSync("/usr/bin/python3", ["-c", script, tmp, ...files], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`/usr/bin/python3 with cv2 failed (is python3-opencv installed?): ${r.stderr}`);
  const sizes = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as [number, number][];
  return sizes.map(([width, height], i) => ({ width, height, data: readFileSync(join(tmp, `${i}.rgb`)) }));
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

const FOLDERS = ["coco4", "formats", "truncated", "ochuman_ignore", "crowdpose"];

describe.skipIf(!available)("real images against cv2.imread", () => {
  const files = available ? FOLDERS.flatMap((f) => readdirSync(join(REAL, f, "images")).sort().map((n) => join(REAL, f, "images", n))) : [];
  const reference = available ? opencv(files) : [];

  it.each(files.map((f, i) => [f.slice(REAL.length + 1), i] as const))("%s: same size, every pixel within 1 level", async (_, i) => {
    const ours = await decodeImage(files[i]);
    expect([ours.width, ours.height]).toEqual([reference[i].width, reference[i].height]);
    // measured: 0 on every file here (libjpeg-turbo's IDCT in both sharp and this OpenCV build)
    expect(maxAbsDiff(ours.data, reference[i].data)).toBeLessThanOrEqual(1);
  });

  it("the test can fail: sharp's default decode (ICC profile applied) is far from OpenCV on the Adobe RGB image", async () => {
    const i = files.findIndex((f) => f.endsWith(join("coco4", "images", "000000000785.jpg")));
    const converted = await sharp(files[i]).removeAlpha().toColourspace("srgb").raw().toBuffer();
    expect(maxAbsDiff(converted, reference[i].data)).toBeGreaterThan(30);
  });

  it("the CMYK JPEG is really CMYK, and the truncated JPEG really lacks its end marker", async () => {
    expect((await sharp(join(REAL, "formats", "images", "000000197388.jpg")).metadata()).space).toBe("cmyk");
    const cut = readFileSync(join(REAL, "truncated", "images", "000000040083.jpg"));
    expect(cut.subarray(-2).equals(Buffer.from([0xff, 0xd9]))).toBe(false);
  });
});

describe.skipIf(!available)("dataset keypoint names against the schema's dataset", () => {
  const schema = compileIr(TINY).keypoints!; // coco18: reads COCO's 17 keypoints
  const open = (folder: string) => readCocoDataset(join(REAL, folder, "annotations.json"), join(REAL, folder, "images"), schema, {});

  it("PoseTrack's head_bottom/head_top are not read as eyes: PN5001 naming both lists", () => {
    try {
      open("posetrack18");
      throw new Error("no error");
    } catch (e) {
      if (!isPosecError(e)) throw e;
      expect(e.code).toBe("PN5001");
      expect(e.message).toContain("its keypoints are not the coco keypoints the schema reads (1: head_bottom instead of left_eye; 2: head_top instead of right_eye)");
      expect(e.message).toContain("the file's:   nose, head_bottom, head_top, left_ear");
      expect(e.message).toContain("the schema's: nose, left_eye, right_eye, left_ear");
    }
  });

  it("COCO's own names are accepted, and so are names that extend them (Human-Art's 21)", () => {
    expect(open("coco4").keypointNames[1]).toBe("left_eye");
    expect(open("humanart").keypointNames).toHaveLength(17);
  });

  it("CrowdPose's 14 keypoints are refused for a COCO schema", () => {
    expect(() => open("crowdpose")).toThrow(/0: left_shoulder instead of nose/);
  });
});
