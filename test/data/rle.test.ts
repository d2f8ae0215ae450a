// COCO RLE (both forms) and polygon filling, against hand-decoded masks and hand-encoded strings.
import { describe, expect, it } from "vitest";
import { Rng } from "../../runtime/util/rng.js";
import {
  decodeRleString,
  encodeRleString,
  fillPolygon,
  maskBbox,
  maskToRle,
  rleArea,
  rleToMask,
} from "../../runtime/data/rle.js";

// A 3-row, 4-column mask. Column-major runs [1, 2, 4, 3, 2]: position q is column floor(q / 3), row q % 3;
// ones at q = 1, 2 (column 0, rows 1-2) and q = 7, 8, 9 (column 2 rows 1-2, column 3 row 0).
const HAND_MASK = [
  [0, 0, 0, 1],
  [1, 0, 1, 0],
  [1, 0, 1, 0],
];

describe("uncompressed RLE", () => {
  it("decodes column-major, starting with a run of zeros", () => {
    const m = rleToMask({ height: 3, width: 4, counts: [1, 2, 4, 3, 2] });
    expect(Array.from(m)).toEqual(HAND_MASK.flat());
  });

  it("encodes back to the same runs", () => {
    expect(maskToRle(Uint8Array.from(HAND_MASK.flat()), 4, 3).counts).toEqual([1, 2, 4, 3, 2]);
    // a mask starting with a one has an empty first run
    expect(maskToRle(Uint8Array.from([1, 0, 0, 0]), 2, 2).counts).toEqual([0, 1, 3]);
  });

  it("computes area and box", () => {
    expect(rleArea([1, 2, 4, 3, 2])).toBe(5);
    expect(maskBbox(Uint8Array.from(HAND_MASK.flat()), 4, 3)).toEqual([0, 0, 4, 3]);
    expect(maskBbox(Uint8Array.from([0, 0, 0, 0, 1, 1, 0, 0, 0]), 3, 3)).toEqual([1, 1, 2, 1]);
  });

  it("rejects runs that do not fill the mask", () => {
    expect(() => rleToMask({ height: 3, width: 4, counts: [1, 2, 4] })).toThrow(/add up to 7/);
  });
});

describe("compressed RLE strings (pycocotools rleToString / rleFrString)", () => {
  // Hand encoding: counts after the first three are deltas to the count two places earlier; each value is
  // written in 5-bit groups, low first, as chr(48 + group), 0x20 = "more follows", 0x10 = sign of the last.
  const cases: [string, number[]][] = [
    ["2311", [2, 3, 1, 4]], // 2, 3, 1 plain; 4 - 3 = 1
    ["5:1H", [5, 10, 1, 2]], // 10 -> ':' (58); 2 - 10 = -8 -> 24 (0b11000, sign bit set) -> 'H' (72)
    ["T3", [100]], // 100 = 3*32 + 4: 'T' (48 + 4 + 0x20), then '3'
    ["`0", [16]], // 16 has the sign bit set, so a 0 group must follow: '`' (48 + 16 + 0x20), '0'
    // not a valid mask (negative run), but it exercises a two-group negative delta: 0, 0, 0, then
    // -40 - 0 = -40: low group 24 with "more" -> 'h' (104), then -2 -> 30 (sign bit set) -> 'N' (78)
    ["000hN", [0, 0, 0, -40]],
  ];

  it.each(cases)("%s decodes to %j", (s, counts) => {
    expect(decodeRleString(s)).toEqual(counts);
  });

  it.each(cases)("%s is the encoding of %j", (s, counts) => {
    expect(encodeRleString(counts)).toBe(s);
  });

  it("round-trips random masks through runs and strings", () => {
    const rng = new Rng(11);
    for (let t = 0; t < 50; t++) {
      const w = rng.int(1, 40);
      const h = rng.int(1, 40);
      const p = rng.next();
      const m = new Uint8Array(w * h).map(() => (rng.next() < p ? 1 : 0));
      const rle = maskToRle(m, w, h);
      const back = decodeRleString(encodeRleString(rle.counts));
      expect(back).toEqual(rle.counts);
      expect(rleToMask({ height: h, width: w, counts: back })).toEqual(m);
    }
  });

  it("rejects a string that ends inside a count", () => {
    expect(() => decodeRleString("T")).toThrow(/ends inside a count/);
  });
});

describe("polygon fill (pixel centres)", () => {
  it("fills the pixels whose centres are inside", () => {
    // rectangle x 2..6, y 2..5: pixel centres 2.5..5.5 by 2.5..4.5 -> columns 2-5, rows 2-4 (12 pixels)
    const m = new Uint8Array(9 * 8);
    fillPolygon([2, 2, 6, 2, 6, 5, 2, 5], 9, 8, m);
    const expected = new Uint8Array(9 * 8);
    for (let y = 2; y <= 4; y++) for (let x = 2; x <= 5; x++) expected[y * 9 + x] = 1;
    expect(m).toEqual(expected);
  });

  it("fills a right triangle row by row", () => {
    // (0,0), (4,0), (0,4): row y has centre y + 0.5, the hypotenuse at x = 3.5 - y; centres x + 0.5 < 3.5 - y
    const m = new Uint8Array(5 * 5);
    fillPolygon([0, 0, 4, 0, 0, 4], 5, 5, m);
    const rows = [0, 1, 2, 3, 4].map((y) => Array.from(m.slice(y * 5, y * 5 + 5)).join(""));
    expect(rows).toEqual(["11100", "11000", "10000", "00000", "00000"]);
  });

  it("clips to the image", () => {
    const m = new Uint8Array(4 * 4);
    fillPolygon([-5, -5, 2, -5, 2, 10, -5, 10], 4, 4, m);
    expect(Array.from(m)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
  });
});
