// The COCO reader: validation messages that name the file and the entry, bad inputs, skip-bad, the
// crowd / unlabelled-person miss mask (hand-made RLE in both forms and a polygon), main-person selection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PosecError } from "../../runtime/errors.js";
import { readCocoDataset } from "../../runtime/data/coco-dataset.js";
import { decodeRleString } from "../../runtime/data/rle.js";
import { loadSample } from "../../runtime/data/sample.js";
import { COCO18, TempDir, cocoDoc, cocoKeypoints, sampleConfig, standingPerson, writeTestPng } from "./helpers.js";

let dir: TempDir;
const img = (id: number, name = `${id}.png`, size = 64) => ({ id, file_name: name, width: size, height: size });

beforeAll(async () => {
  dir = new TempDir();
  for (const id of [1, 2, 3]) await writeTestPng(`${dir.path}/images/${id}.png`, 64, 64);
  dir.file("images/corrupt.png", "this is not a png");
});
afterAll(() => dir.remove());

/** Writes and reads an annotation file; main-person area threshold off unless `opts` sets one. */
function read(doc: unknown, name: string, opts = {}) {
  const file = dir.file(name, typeof doc === "string" ? doc : JSON.stringify(doc));
  return { file, run: () => readCocoDataset(file, `${dir.path}/images`, COCO18, { minArea: 0, ...opts }) };
}

function posecError(fn: () => unknown): PosecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PosecError);
    return e as PosecError;
  }
  throw new Error("expected a PosecError");
}

describe("annotation file validation", () => {
  it("reads a valid file: one sample per main person", () => {
    const { run } = read(
      cocoDoc([img(1)], [{ keypoints: standingPerson(32, 32), bbox: [20, 10, 24, 44], area: 900 }]),
      "ok.json",
    );
    const ds = run();
    expect(ds.images).toHaveLength(1);
    expect(ds.samples).toEqual([{ image: 0, person: 0 }]);
    expect(ds.images[0].people[0].numKeypoints).toBe(7);
    expect(ds.skipped).toEqual([]);
  });

  it("names the file and the annotation when keypoints have the wrong length", () => {
    const { file, run } = read(
      cocoDoc([img(1)], [{ keypoints: standingPerson(32, 32) }, { keypoints: new Array(50).fill(0) }]),
      "short.json",
    );
    const e = posecError(run);
    expect(e.message).toContain(file);
    expect(e.message).toContain("annotations[1].keypoints must have 51 numbers");
  });

  it("names a non-numeric keypoint entry", () => {
    const k = standingPerson(32, 32) as unknown[];
    k[4] = "x";
    const e = posecError(read(cocoDoc([img(1)], [{ keypoints: k as number[] }]), "nan.json").run);
    expect(e.message).toContain("annotations[0].keypoints[4] must be a number");
  });

  it("rejects malformed JSON and missing sections, naming the file", () => {
    const bad = read('{ "images": [', "broken.json");
    expect(posecError(bad.run).message).toMatch(new RegExp(`${bad.file}: not valid JSON`));
    const missing = read({ images: [] }, "noanns.json");
    expect(posecError(missing.run).message).toBe(`${missing.file}: the file is missing "annotations"`);
  });

  it("rejects a bad segmentation with a readable sentence", () => {
    const { run } = read(
      cocoDoc([img(1)], [{ keypoints: standingPerson(32, 32), segmentation: { counts: 12, size: [64, 64] } }]),
      "seg.json",
    );
    expect(posecError(run).message).toContain(
      "annotations[0].segmentation.counts must be a compressed RLE string or a list of run lengths",
    );
    const wrongSize = read(
      cocoDoc([img(1)], [{ iscrowd: 1, segmentation: { counts: [4096], size: [32, 128] } }]),
      "segsize.json",
    );
    expect(posecError(wrongSize.run).message).toContain(
      "annotations[0].segmentation.size [32,128] does not match 1.png",
    );
  });

  it("names an invalid image entry; with skipBad drops it with its annotations, counted once", () => {
    const doc = cocoDoc(
      [img(1), { id: 2, file_name: "2.png", width: 0, height: 64 }],
      [
        { image_id: 1, keypoints: standingPerson(32, 32) },
        { image_id: 2, keypoints: standingPerson(32, 32) },
      ],
    );
    expect(posecError(read(doc, "badimg.json").run).message).toContain("images[1].width must be at least 1");
    const ds = read(doc, "badimg-skip.json", { skipBad: true }).run();
    expect(ds.images.map((i) => i.id)).toEqual([1]);
    expect(ds.skipped).toHaveLength(1);
  });

  it("rejects an annotation of an unknown image", () => {
    const { run } = read(cocoDoc([img(1)], [{ image_id: 9, keypoints: standingPerson(32, 32) }]), "orphan.json");
    expect(posecError(run).message).toContain("annotations[0].image_id 9 names no image");
  });

  it("rejects labelled keypoints outside the image, naming the keypoint and the image", () => {
    const k = standingPerson(32, 32);
    k.splice(3 * 9, 3, 70, 30, 2); // left_wrist at x = 70 in a 64-wide image
    const { file, run } = read(cocoDoc([img(1)], [{ keypoints: k }]), "outside.json");
    const e = posecError(run);
    expect(e.message).toContain(file);
    expect(e.message).toContain(
      "annotations[0].keypoints: keypoint 9 (left_wrist) at (70, 30) lies outside 1.png (64x64)",
    );
  });

  it("ignores the coordinates of unlabelled keypoints", () => {
    const k = standingPerson(32, 32);
    k.splice(3 * 9, 3, 700, -5, 0);
    expect(read(cocoDoc([img(1)], [{ keypoints: k }]), "unlabelled-out.json").run().samples).toHaveLength(1);
  });

  it("reports a missing image file by its path", () => {
    const { run } = read(
      cocoDoc(
        [img(1), img(7)],
        [{ keypoints: standingPerson(32, 32) }, { image_id: 7, keypoints: standingPerson(32, 32) }],
      ),
      "noimg.json",
    );
    expect(posecError(run).message).toContain(`${dir.path}/images/7.png: image file not found`);
  });

  it("rejects an empty dataset", () => {
    const { file, run } = read(cocoDoc([img(1)], []), "empty.json", { minArea: 1024 });
    const e = posecError(run);
    expect(e.message).toContain(`${file}: no usable training samples`);
  });

  it("with skipBad, skips and counts the bad images instead", () => {
    const k = standingPerson(32, 32);
    k.splice(3 * 9, 3, 70, 30, 2);
    const doc = cocoDoc(
      [img(1), img(2), img(7)],
      [
        { image_id: 1, keypoints: standingPerson(32, 32) },
        { image_id: 2, keypoints: k }, // outside
        { image_id: 7, keypoints: standingPerson(32, 32) }, // missing file
      ],
    );
    const ds = read(doc, "skip.json", { skipBad: true }).run();
    expect(ds.samples.map((s) => ds.images[s.image].id)).toEqual([1]);
    expect(ds.skipped).toHaveLength(2);
    const reasons = ds.skipped.map((b) => b.reason).join("\n");
    expect(reasons).toContain("lies outside 2.png");
    expect(reasons).toContain("image file not found");
  });
});

describe("image decoding", () => {
  it("names a corrupt image file", async () => {
    const ds = read(
      cocoDoc([img(5, "corrupt.png")], [{ image_id: 5, keypoints: standingPerson(32, 32) }]),
      "corrupt.json",
    ).run();
    const e = await loadSample(ds, 0, sampleConfig(), 1).catch((x) => x);
    expect(e).toBeInstanceOf(PosecError);
    expect(e.message).toContain(`${dir.path}/images/corrupt.png: cannot be decoded`);
  });

  it("names an image whose size differs from the annotation", async () => {
    const ds = read(cocoDoc([img(1, "1.png", 80)], [{ keypoints: standingPerson(32, 32) }]), "size.json").run();
    const e = await loadSample(ds, 0, sampleConfig(), 1).catch((x) => x);
    expect(e).toBeInstanceOf(PosecError);
    expect(e.message).toContain("1.png: image is 64x64, but the annotations say 80x80");
  });
});

describe("miss mask", () => {
  // A 64x64 crowd region covering x 16..31, y 16..31 (label cells 2-3 at stride 8). Column-major runs: 16
  // empty columns and 16 rows (16*64 + 16 = 1040 zeros), then per column 16 ones and 48 zeros, the last
  // column's ones followed by its 32 remaining rows and 32 empty columns (32 + 32*64 = 2080 zeros).
  const counts = [1040, ...Array.from({ length: 15 }, () => [16, 48]).flat(), 16, 2080];
  // The same runs as pycocotools' compressed string, encoded by hand: 1040 = 16 + 0*32 + 1*1024 -> "`P1";
  // 16 -> "`0"; 48 = 16 + 1*32 -> "`1"; counts 3..31 repeat the count two before: delta 0 -> "0" (29 times);
  // the last is 2080 - 48 = 2032 = 16 + 31*32 + 1*1024 -> "`o1".
  const compressed = "`P1`0`1" + "0".repeat(29) + "`o1";

  it("hand-encoded string and hand-made runs agree", () => {
    expect(counts.reduce((a, b) => a + b, 0)).toBe(64 * 64);
    expect(decodeRleString(compressed)).toEqual(counts);
  });

  const expectMask = (mask: Float32Array, zeroCells: [number, number][]) => {
    for (let gy = 0; gy < 8; gy++) {
      for (let gx = 0; gx < 8; gx++) {
        const zero = zeroCells.some(([x, y]) => x === gx && y === gy);
        expect(mask[gy * 8 + gx], `cell (${gx}, ${gy})`).toBe(zero ? 0 : 1);
      }
    }
  };

  it.each([
    ["compressed", compressed],
    ["uncompressed", counts],
  ])("is 0 inside a crowd region (%s RLE) and inside an unlabelled person's polygon", async (_, rleCounts) => {
    const doc = cocoDoc(
      [img(1)],
      [
        { keypoints: standingPerson(32, 32) },
        { iscrowd: 1, segmentation: { counts: rleCounts, size: [64, 64] } },
        // unlabelled person: pixels 40..55 in x and y = cells 5-6
        { keypoints: new Array(51).fill(0), num_keypoints: 0, segmentation: [[40, 40, 56, 40, 56, 56, 40, 56]] },
      ],
    );
    const ds = read(doc, `mask-${_}.json`).run();
    expect(ds.images[0].ignore).toHaveLength(2);
    // no augmentation and a 64x64 image in a 64x64 input: the identity map
    const s = await loadSample(ds, 0, sampleConfig(), 1);
    expectMask(s.mask, [
      [2, 2],
      [3, 2],
      [2, 3],
      [3, 3],
      [5, 5],
      [6, 5],
      [5, 6],
      [6, 6],
    ]);
  });

  it("is fractional on cells a region covers in part", async () => {
    // polygon covering x 8..12 (4 of cell 1's 8 columns), y 8..16 (all of cell 1's rows): weight 1 - 32/64
    const doc = cocoDoc(
      [img(1)],
      [
        { keypoints: standingPerson(32, 32) },
        { keypoints: new Array(51).fill(0), segmentation: [[8, 8, 12, 8, 12, 16, 8, 16]] },
      ],
    );
    const s = await loadSample(read(doc, "partial.json").run(), 0, sampleConfig(), 1);
    expect(s.mask[1 * 8 + 1]).toBeCloseTo(0.5, 6);
  });
});

describe("main-person selection (CMU genJSON.m)", () => {
  it("needs 5 keypoints and area 32x32, and skips people near an earlier main person", () => {
    const few = cocoKeypoints({ 0: [10, 10, 2], 5: [12, 14, 2], 6: [8, 14, 2], 11: [11, 20, 2] }); // 4 keypoints
    const doc = cocoDoc(
      [img(1)],
      [
        { keypoints: standingPerson(20, 30), bbox: [10, 10, 20, 40], area: 1100 }, // main
        { keypoints: standingPerson(22, 31), bbox: [12, 11, 20, 40], area: 1100 }, // centre 2.2 px away < 0.3*40
        { keypoints: standingPerson(44, 30), bbox: [34, 10, 20, 40], area: 1000 }, // area < 1024
        { keypoints: few, bbox: [40, 5, 10, 20], area: 2000 }, // 4 keypoints
        { keypoints: standingPerson(46, 32), bbox: [36, 12, 20, 40], area: 1200 }, // main
      ],
    );
    const ds = read(doc, "select.json", { minArea: 32 * 32 }).run();
    expect(ds.samples.map((s) => s.person)).toEqual([0, 4]);
    expect(ds.images[0].people).toHaveLength(5); // all still get targets
  });
});
