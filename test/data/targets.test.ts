// Heatmap, PAF and mask targets against hand-computed values (sigma 7, stride 8: cell g is centred on input
// pixel 3.5 + 8g; exp(-d^2 / 98) for a distance d in input pixels).
import { describe, expect, it } from "vitest";
import { heatmapTargets, maskTargets, pafTargets } from "../../runtime/data/targets.js";
import { COCO18, J, at, person, targetOptions } from "./helpers.js";

const C = COCO18.heatmapChannels; // 19: 18 joints + background
const P = COCO18.pafChannels; // 38
const heat = (people: ReturnType<typeof person>[], o = targetOptions()) => heatmapTargets(people, 18, true, o);

describe("Gaussian heatmaps", () => {
  // joint exactly on the centre of cell (5, 3): x = 3.5 + 8*5 = 43.5, y = 3.5 + 8*3 = 27.5
  const onGrid = heat([person({ [J.Nose]: [43.5, 27.5] })]);

  it("peaks at 1.0 on the cell whose centre is the joint", () => {
    expect(at(onGrid, 8, C, 5, 3, J.Nose)).toBeCloseTo(1, 6);
  });

  it("falls off as exp(-d^2 / (2 sigma^2)) with d in input pixels", () => {
    expect(at(onGrid, 8, C, 6, 3, J.Nose)).toBeCloseTo(0.5204501210207021, 6); // d = 8: exp(-64/98)
    expect(at(onGrid, 8, C, 4, 3, J.Nose)).toBeCloseTo(0.5204501210207021, 6);
    expect(at(onGrid, 8, C, 6, 4, J.Nose)).toBeCloseTo(0.2708683284704635, 6); // d^2 = 128
    expect(at(onGrid, 8, C, 7, 3, J.Nose)).toBeCloseTo(0.0733696513683829, 6); // d = 16: exp(-256/98)
    expect(at(onGrid, 8, C, 7, 4, J.Nose)).toBeCloseTo(0.038185243933921593, 6); // d^2 = 320: exponent 3.27
  });

  it("is cut to 0 where d^2 / (2 sigma^2) > 4.6052", () => {
    // d = 24: exponent 5.88, exp would be 0.0028; d^2 = 512: exponent 5.22, exp would be 0.0054
    expect(at(onGrid, 8, C, 2, 3, J.Nose)).toBe(0);
    expect(at(onGrid, 8, C, 5, 0, J.Nose)).toBe(0);
    expect(at(onGrid, 8, C, 7, 5, J.Nose)).toBe(0);
  });

  it("gives a joint half-way between two cell centres exp(-16/98) on both", () => {
    // x = 47.5 lies 4 px from the centres of cells 5 (43.5) and 6 (51.5)
    const m = heat([person({ [J.Nose]: [47.5, 27.5] })]);
    expect(at(m, 8, C, 5, 3, J.Nose)).toBeCloseTo(0.8493658165683124, 6);
    expect(at(m, 8, C, 6, 3, J.Nose)).toBeCloseTo(0.8493658165683124, 6);
    expect(at(m, 8, C, 4, 3, J.Nose)).toBeCloseTo(Math.exp(-(12 * 12) / 98), 6);
  });

  it("writes only its own channel, channels-last", () => {
    for (let c = 0; c < 18; c++) if (c !== J.Nose) expect(at(onGrid, 8, C, 5, 3, c)).toBe(0);
    expect(onGrid.length).toBe(8 * 8 * C);
    expect(onGrid[(3 * 8 + 5) * C + J.Nose]).toBeCloseTo(1, 6);
  });

  it("background channel is max(1 - max_j heat_j, 0), last", () => {
    expect(at(onGrid, 8, C, 5, 3, 18)).toBeCloseTo(0, 6);
    expect(at(onGrid, 8, C, 6, 3, 18)).toBeCloseTo(1 - 0.5204501210207021, 6);
    expect(at(onGrid, 8, C, 0, 7, 18)).toBe(1);
  });

  it("adds people and clips at 1 (sum-clip), or keeps the larger (max)", () => {
    const two = [person({ [J.Nose]: [43.5, 27.5] }), person({ [J.Nose]: [43.5, 27.5] })];
    const sum = heat(two);
    expect(at(sum, 8, C, 5, 3, J.Nose)).toBe(1); // 2.0 clipped
    expect(at(sum, 8, C, 6, 3, J.Nose)).toBe(1); // 2 * 0.5205 = 1.041 clipped
    expect(at(sum, 8, C, 7, 3, J.Nose)).toBeCloseTo(0.1467393027367658, 6); // 2 * 0.0734
    const max = heat(two, targetOptions({ heatmapCombine: "max" }));
    expect(at(max, 8, C, 6, 3, J.Nose)).toBeCloseTo(0.5204501210207021, 6);
    expect(at(max, 8, C, 7, 3, J.Nose)).toBeCloseTo(0.0733696513683829, 6);
  });

  it("gives an unlabelled joint no Gaussian, an occluded (v=1) one a full Gaussian", () => {
    expect(Math.max(...heat([person({ [J.Nose]: [43.5, 27.5] }, 0)]).filter((_, i) => i % C === J.Nose))).toBe(0);
    expect(at(heat([person({ [J.Nose]: [43.5, 27.5] }, 1)]), 8, C, 5, 3, J.Nose)).toBeCloseTo(1, 6);
  });
});

describe("part affinity fields", () => {
  // limb 10 of COCO-18 is Neck -> LShoulder, channels 20 (x) and 21 (y)
  const limb = 10;
  expect(COCO18.limbs[limb]).toMatchObject({ from: J.Neck, to: J.LShoulder });
  const vx = (m: Float32Array, gx: number, gy: number) => at(m, 8, P, gx, gy, 2 * limb);
  const vy = (m: Float32Array, gx: number, gy: number) => at(m, 8, P, gx, gy, 2 * limb + 1);

  it("is the unit vector along a horizontal limb and zero off it (centred grid)", () => {
    // Neck at cell (1, 2), LShoulder at cell (5, 2): input 3.5 + 8g
    const m = pafTargets(
      [person({ [J.Neck]: [11.5, 19.5], [J.LShoulder]: [43.5, 19.5] })],
      COCO18.limbs,
      targetOptions(),
    );
    // closed box x in [1 - 1, 5 + 1] = 0..6, y in [2 - 1, 2 + 1] = 1..3; perpendicular distance |gy - 2| <= 1
    for (let gy = 0; gy < 8; gy++) {
      for (let gx = 0; gx < 8; gx++) {
        const on = gx <= 6 && gy >= 1 && gy <= 3;
        expect(vx(m, gx, gy)).toBe(on ? 1 : 0);
        expect(Math.abs(vy(m, gx, gy))).toBe(0);
      }
    }
    // no other limb's channels are touched
    expect(m.filter((_, i) => i % P !== 2 * limb && i % P !== 2 * limb + 1).every((v) => v === 0)).toBe(true);
  });

  it("along a 3-4-5 diagonal: (0.8, 0.6) within one cell of the line, 0 beyond", () => {
    // Neck at cell (0, 0), LShoulder at cell (4, 3): unit vector (0.8, 0.6);
    // perpendicular distance of cell (x, y) = |0.6 x - 0.8 y|
    const m = pafTargets(
      [person({ [J.Neck]: [3.5, 3.5], [J.LShoulder]: [35.5, 27.5] })],
      COCO18.limbs,
      targetOptions(),
    );
    expect(vx(m, 3, 2)).toBeCloseTo(0.8, 6); // distance |1.8 - 1.6| = 0.2
    expect(vy(m, 3, 2)).toBeCloseTo(0.6, 6);
    expect(vx(m, 1, 1)).toBeCloseTo(0.8, 6); // 0.2
    expect(vx(m, 2, 1)).toBeCloseTo(0.8, 6); // |1.2 - 0.8| = 0.4
    expect(vx(m, 0, 3)).toBe(0); // 2.4 > 1
    expect(vx(m, 2, 0)).toBe(0); // 1.2 > 1
    expect(vx(m, 4, 0)).toBe(0); // 2.4
    expect(vx(m, 1, 3)).toBe(0); // |0.6 - 2.4| = 1.8
  });

  it("follows caffe_train exactly with the cmu convention (cell g at input 8g, half-open rounded box)", () => {
    // joints / 8: Neck (2, 5), LShoulder (10, 5); x in [round(1), round(11)) = 1..10, y in [round(4), round(6)) = 4..5
    const m = pafTargets(
      [person({ [J.Neck]: [16, 40], [J.LShoulder]: [80, 40] })],
      COCO18.limbs,
      targetOptions({ pafConvention: "cmu", gridWidth: 12 }),
    );
    const get = (gx: number, gy: number) => at(m, 12, P, gx, gy, 2 * limb);
    for (let gx = 1; gx <= 10; gx++) {
      expect(get(gx, 4)).toBe(1); // distance exactly 1: kept (dist <= thre)
      expect(get(gx, 5)).toBe(1);
      expect(get(gx, 6)).toBe(0); // distance 1 too, but outside the half-open box
      expect(get(gx, 3)).toBe(0);
    }
    expect(get(0, 5)).toBe(0);
    expect(get(11, 5)).toBe(0);
  });

  it("needs both joints labelled", () => {
    const p = person({ [J.Neck]: [11.5, 19.5], [J.LShoulder]: [43.5, 19.5] });
    p.vis[J.LShoulder] = 0;
    expect(pafTargets([p], COCO18.limbs, targetOptions()).every((v) => v === 0)).toBe(true);
  });

  it("averages overlapping people (the paper) or lets the last one win (CMU's code)", () => {
    // person 1: Neck -> LShoulder pointing +x through cell (3, 3); person 2: pointing +y through the same cell
    const right = person({ [J.Neck]: [11.5, 27.5], [J.LShoulder]: [43.5, 27.5] });
    const down = person({ [J.Neck]: [27.5, 11.5], [J.LShoulder]: [27.5, 43.5] });
    const avg = pafTargets([right, down], COCO18.limbs, targetOptions());
    expect(vx(avg, 3, 3)).toBeCloseTo(0.5, 6);
    expect(vy(avg, 3, 3)).toBeCloseTo(0.5, 6);
    expect(vx(avg, 5, 3)).toBe(1); // only the first person here
    const over = pafTargets([right, down], COCO18.limbs, targetOptions({ pafCombine: "overwrite" }));
    expect(vx(over, 3, 3)).toBe(0);
    expect(vy(over, 3, 3)).toBe(1);
  });
});

describe("mask on the label grid", () => {
  it("is the area average of the crop-resolution weight per stride x stride cell", () => {
    const w = new Float32Array(64 * 64).fill(1);
    for (let y = 8; y < 12; y++) for (let x = 8; x < 12; x++) w[y * 64 + x] = 0; // 16 of cell (1,1)'s 64 pixels
    for (let y = 16; y < 24; y++) for (let x = 40; x < 48; x++) w[y * 64 + x] = 0; // all of cell (5, 2)
    const m = maskTargets(w, 64, 64, targetOptions());
    expect(m[1 * 8 + 1]).toBeCloseTo(0.75, 6);
    expect(m[2 * 8 + 5]).toBe(0);
    expect(m[0]).toBe(1);
    expect(maskTargets(null, 64, 64, targetOptions()).every((v) => v === 1)).toBe(true);
  });
});
