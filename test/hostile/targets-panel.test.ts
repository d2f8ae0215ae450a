// `posec targets`: joints of people outside the crop (or at its edge) must not be drawn into the gap or
// the PAF panel. Reference: the same sample drawn without people; everything right of the left panel
// must be identical to it.
import { describe, expect, it } from "vitest";
import type { TrainingSample } from "../../runtime/data/sample.js";
import { drawTargets } from "../../runtime/render/targets.js";
import { sampleConfig } from "../data/helpers.js";

describe("the target picture's panels", () => {
  const cfg = sampleConfig(); // 64x64 input, 8x8 grid
  const { gridWidth, gridHeight } = cfg.targets;
  const J = cfg.keypoints.joints.length;
  const blank = (people: TrainingSample["people"]): TrainingSample => ({
    image: new Float32Array(64 * 64 * 3),
    heatmaps: new Float32Array(gridWidth * gridHeight * cfg.keypoints.heatmapChannels),
    pafs: new Float32Array(gridWidth * gridHeight * cfg.keypoints.pafChannels),
    mask: new Float32Array(gridWidth * gridHeight).fill(1),
    people,
    affine: [1, 0, 0, 0, 1, 0] as unknown as TrainingSample["affine"],
    flipped: false,
  });
  const person = (joints: Record<number, [number, number]>) => {
    const xy = new Float64Array(2 * J);
    const vis = new Uint8Array(J);
    for (const [j, [x, y]] of Object.entries(joints)) [xy[2 * +j], xy[2 * +j + 1], vis[+j]] = [x, y, 2];
    return { xy, vis };
  };
  const zoom = 4;
  const W = 64 * zoom;
  // one joint at the crop's right edge, one beyond it, one beyond the left edge, one well inside
  const withPeople = drawTargets(blank([person({ 0: [63.4, 20], 1: [70, 30], 2: [-6, 40], 3: [30, 30] })]), cfg, zoom);
  const without = drawTargets(blank([]), cfg, zoom);
  const region = (c: typeof without, x0: number, x1: number) => {
    const rows: number[] = [];
    for (let y = 0; y < c.height; y++) rows.push(...c.data.subarray((y * c.width + x0) * 3, (y * c.width + x1) * 3));
    return rows;
  };

  it("draws nothing of them into the gap or the PAF panel", () => {
    expect(region(withPeople, W, withPeople.width)).toEqual(region(without, W, without.width));
  });

  it("still draws the joints inside the crop (the test can fail the other way)", () => {
    const at = (c: typeof without, x: number, y: number) => Array.from(c.data.subarray((y * c.width + x) * 3, (y * c.width + x) * 3 + 3));
    expect(at(withPeople, 30 * zoom + 1, 30 * zoom + 1)).not.toEqual(at(without, 30 * zoom + 1, 30 * zoom + 1));
    expect(at(withPeople, W - 2, 20 * zoom + 1)).not.toEqual(at(without, W - 2, 20 * zoom + 1));
  });
});
