// COCO-17 -> COCO-18 joints (the Neck rule), the augmentation map, the flip's left/right swap, and the
// consistency of image, keypoints and targets under one augmentation.
import { describe, expect, it } from "vitest";
import { applyAffine, augmentAffine } from "../../runtime/data/augment.js";
import type { CocoImage } from "../../runtime/data/coco-dataset.js";
import type { RgbImage } from "../../runtime/data/image.js";
import { toSchemaJoints } from "../../runtime/data/joints.js";
import { buildSample } from "../../runtime/data/sample.js";
import { Rng } from "../../runtime/util/rng.js";
import { COCO18, J, at, cocoKeypoints, expectSameFloats, sampleConfig } from "./helpers.js";

const C = COCO18.heatmapChannels;
const P = COCO18.pafChannels;

describe("COCO-17 -> COCO-18 joints", () => {
  const shoulders = (lv: number, rv: number) =>
    cocoKeypoints({ 5: [30, 40, lv], 6: [10, 20, rv], 0: [7, 8, 2], 1: [3, 4, 1] });

  it("copies single-source joints: RShoulder <- right_shoulder, LEye <- left_eye", () => {
    const p = toSchemaJoints(shoulders(2, 2), COCO18);
    expect([p.xy[2 * J.RShoulder], p.xy[2 * J.RShoulder + 1], p.vis[J.RShoulder]]).toEqual([10, 20, 2]);
    expect([p.xy[2 * J.LShoulder], p.xy[2 * J.LShoulder + 1]]).toEqual([30, 40]);
    expect([p.xy[2 * J.Nose], p.xy[2 * J.Nose + 1]]).toEqual([7, 8]);
    expect([p.xy[2 * 15], p.xy[2 * 15 + 1], p.vis[15]]).toEqual([3, 4, 1]); // LEye (15) <- left_eye (1), occluded
    expect(p.vis[14]).toBe(0); // REye: right_eye not labelled
  });

  it("Neck is the shoulders' midpoint, labelled only if both are, visible only if both are", () => {
    const both = toSchemaJoints(shoulders(2, 2), COCO18);
    expect([both.xy[2 * J.Neck], both.xy[2 * J.Neck + 1], both.vis[J.Neck]]).toEqual([20, 30, 2]);
    expect(toSchemaJoints(shoulders(1, 2), COCO18).vis[J.Neck]).toBe(1); // occluded: still gets a Gaussian
    expect(toSchemaJoints(shoulders(2, 1), COCO18).vis[J.Neck]).toBe(1);
    expect(toSchemaJoints(shoulders(0, 2), COCO18).vis[J.Neck]).toBe(0);
    expect(toSchemaJoints(shoulders(2, 0), COCO18).vis[J.Neck]).toBe(0);
  });
});

describe("augmentation map", () => {
  it("scales and rotates about the person centre like OpenCV (positive degrees turn counter-clockwise)", () => {
    const m = augmentAffine({ scale: 2, degrees: 90, flip: false, dx: 0, dy: 0 }, [10, 20], 64, 64);
    // the centre goes to the crop centre (31.5, 31.5); one pixel right of it -> 2 pixels up
    expect(applyAffine(m, 10, 20).map((v) => +v.toFixed(9))).toEqual([31.5, 31.5]);
    expect(applyAffine(m, 11, 20).map((v) => +v.toFixed(9))).toEqual([31.5, 29.5]);
    expect(applyAffine(m, 10, 21).map((v) => +v.toFixed(9))).toEqual([33.5, 31.5]);
  });

  it("perturbs the centre and mirrors x -> W - 1 - x", () => {
    const m = augmentAffine({ scale: 1, degrees: 0, flip: true, dx: 5, dy: -3 }, [10, 20], 64, 48);
    // unflipped: (10, 20) -> (31.5 - 5, 23.5 + 3) = (26.5, 26.5); mirrored: 63 - 26.5 = 36.5
    expect(applyAffine(m, 10, 20)).toEqual([36.5, 26.5]);
    expect(applyAffine(m, 12, 20)).toEqual([34.5, 26.5]);
  });
});

// A 64x64 image, grey, with a red block in columns 0..9, and a record whose main-person box is centred on
// the image centre (31.5, 31.5) with height 63: with scale [1, 1], targetDist 63/64, no rotation and no
// perturbation the augmentation map is the identity, or with flip probability 1 exactly x -> 63 - x.
function fixture(keypoints: number[]): { img: RgbImage; record: CocoImage } {
  const data = new Uint8Array(64 * 64 * 3).fill(100);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 10; x++) data.set([255, 0, 0], (y * 64 + x) * 3);
  const record: CocoImage = {
    id: 1,
    fileName: "f.png",
    path: "f.png",
    width: 64,
    height: 64,
    people: [{ annotation: 0, keypoints, numKeypoints: 2, bbox: [0, 0, 63, 63], area: 4000 }],
    ignore: [],
  };
  return { img: { width: 64, height: 64, data }, record };
}
const identityOrFlip = (flip: number) =>
  sampleConfig({ augment: { scale: [1, 1], targetDist: 63 / 64, rotate: 0, flip, centerPerturb: 0 } });

describe("horizontal flip", () => {
  // left_shoulder (COCO 5) on cell (4, 2) and left_elbow (COCO 7) on cell (6, 2): input 3.5 + 8g
  const kps = cocoKeypoints({ 5: [35.5, 19.5, 2], 7: [51.5, 19.5, 2] });
  const { img, record } = fixture(kps);
  const plain = buildSample(img, record, 0, identityOrFlip(0), new Rng(1));
  const flipped = buildSample(img, record, 0, identityOrFlip(1), new Rng(1));

  it("mirrors the image", () => {
    expect(plain.flipped).toBe(false);
    expect(flipped.flipped).toBe(true);
    // BGR, pixel * 1/256 - 0.5: red (255, 0, 0) -> B -0.5, R 0.49609375; the red block moves to columns 54..63
    const px = (s: typeof plain, x: number, y: number) =>
      Array.from(s.image.slice((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    expect(px(plain, 0, 5)).toEqual([-0.5, -0.5, 0.49609375]);
    expect(px(flipped, 63, 5)).toEqual([-0.5, -0.5, 0.49609375]);
    expect(px(flipped, 54, 5)).toEqual([-0.5, -0.5, 0.49609375]);
    expect(px(flipped, 53, 5)).toEqual([100 / 256 - 0.5, 100 / 256 - 0.5, 100 / 256 - 0.5]);
  });

  it("puts the left elbow's Gaussian in the RElbow channel at the mirrored cell", () => {
    // x 51.5 -> 63 - 51.5 = 11.5 = cell 1; the joint is relabelled RElbow (3)
    expect(at(plain.heatmaps, 8, C, 6, 2, J.LElbow)).toBeCloseTo(1, 6);
    expect(at(flipped.heatmaps, 8, C, 1, 2, J.RElbow)).toBeCloseTo(1, 6);
    expect(flipped.heatmaps.filter((_, i) => i % C === J.LElbow).every((v) => v === 0)).toBe(true);
    expect(plain.heatmaps.filter((_, i) => i % C === J.RElbow).every((v) => v === 0)).toBe(true);
  });

  it("flipped R channels are the mirrored L channels of the unflipped sample, and vice versa", () => {
    for (const [a, b] of COCO18.flipPairs) {
      for (let gy = 0; gy < 8; gy++) {
        for (let gx = 0; gx < 8; gx++) {
          expect(at(flipped.heatmaps, 8, C, gx, gy, a)).toBeCloseTo(at(plain.heatmaps, 8, C, 7 - gx, gy, b), 6);
          expect(at(flipped.heatmaps, 8, C, gx, gy, b)).toBeCloseTo(at(plain.heatmaps, 8, C, 7 - gx, gy, a), 6);
        }
      }
    }
  });

  it("moves the LShoulder-LElbow field to RShoulder-RElbow's channels, pointing the other way", () => {
    const lArm = COCO18.limbs.findIndex((l) => l.from === J.LShoulder && l.to === J.LElbow); // 11
    const rArm = COCO18.limbs.findIndex((l) => l.from === J.RShoulder && l.to === J.RElbow); // 7
    expect([lArm, rArm]).toEqual([11, 7]);
    // unflipped: cells 4 -> 6 on row 2, closed box x 3..7, rows 1..3 at distance <= 1: +x
    expect(at(plain.pafs, 8, P, 3, 1, 2 * lArm)).toBe(1);
    expect(at(plain.pafs, 8, P, 7, 3, 2 * lArm)).toBe(1);
    expect(at(plain.pafs, 8, P, 2, 2, 2 * lArm)).toBe(0);
    // flipped: RShoulder at cell 3, RElbow at cell 1: box x 0..4, -x
    expect(at(flipped.pafs, 8, P, 0, 2, 2 * rArm)).toBe(-1);
    expect(at(flipped.pafs, 8, P, 4, 1, 2 * rArm)).toBe(-1);
    expect(at(flipped.pafs, 8, P, 5, 2, 2 * rArm)).toBe(0);
    expect(flipped.pafs.filter((_, i) => i % P === 2 * lArm).every((v) => v === 0)).toBe(true);
    for (let gy = 0; gy < 8; gy++) {
      for (let gx = 0; gx < 8; gx++) {
        expect(at(flipped.pafs, 8, P, gx, gy, 2 * rArm)).toBe(-at(plain.pafs, 8, P, 7 - gx, gy, 2 * lArm) || 0);
      }
    }
  });
});

describe("one augmentation for image, keypoints and targets", () => {
  it("keeps a drawn dot under its keypoint's transformed position and heat peak", () => {
    // a white 3x3 dot centred on pixel (20, 30), the nose annotated there
    const { img, record } = fixture(cocoKeypoints({ 0: [20, 30, 2] }));
    for (let y = 29; y <= 31; y++) for (let x = 19; x <= 21; x++) img.data.set([255, 255, 255], (y * 64 + x) * 3);
    const cfg = sampleConfig({
      augment: { scale: [0.9, 1.3], targetDist: 0.6, rotate: 40, flip: 0.5, centerPerturb: 8 },
    });
    for (let seed = 1; seed <= 6; seed++) {
      const s = buildSample(img, record, 0, cfg, new Rng(seed));
      const [nx, ny] = [s.people[0].xy[0], s.people[0].xy[1]];
      expect([nx, ny]).toEqual(applyAffine(s.affine, 20, 30));
      // the warped dot is bright where the keypoint landed (green channel: 255 * 1/256 - 0.5 ~ 0.496)
      const gx = Math.round(nx);
      const gy = Math.round(ny);
      if (gx < 1 || gy < 1 || gx > 62 || gy > 62) continue;
      expect(s.image[(gy * 64 + gx) * 3 + 1]).toBeGreaterThan(0.3);
      // and the nose heat is largest on the cell nearest to it
      let best = -1;
      let bestCell = -1;
      for (let c = 0; c < 64; c++)
        if (s.heatmaps[c * C + J.Nose] > best) [best, bestCell] = [s.heatmaps[c * C + J.Nose], c];
      expect(bestCell % 8).toBe(Math.min(7, Math.max(0, Math.round((nx - 3.5) / 8))));
      expect(Math.floor(bestCell / 8)).toBe(Math.min(7, Math.max(0, Math.round((ny - 3.5) / 8))));
    }
  });

  it("the same seed gives the same sample", () => {
    const { img, record } = fixture(cocoKeypoints({ 0: [20, 30, 2], 5: [35.5, 19.5, 2] }));
    const cfg = sampleConfig({
      augment: { scale: [0.5, 1.1], targetDist: 0.6, rotate: 40, flip: 0.5, centerPerturb: 40 },
    });
    const a = buildSample(img, record, 0, cfg, new Rng(42));
    const b = buildSample(img, record, 0, cfg, new Rng(42));
    const c = buildSample(img, record, 0, cfg, new Rng(43));
    expectSameFloats(b.image, a.image);
    expectSameFloats(b.heatmaps, a.heatmaps);
    expectSameFloats(b.pafs, a.pafs);
    expect(() => expectSameFloats(c.image, a.image)).toThrow(/differs/);
  });
});
