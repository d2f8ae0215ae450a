// Decoding hand-rendered heatmaps and PAFs: people come back with their joints where they were drawn.
import { describe, expect, it } from "vitest";
import type { Person } from "../../runtime/infer/decode.js";
import { decodePoses } from "../../runtime/infer/decode.js";
import { cycleClosingLimbs } from "../../runtime/infer/group.js";
import { COCO18, IDENTITY, coco17Person, renderOutput, toSchemaJoints } from "../../testkit/synthetic-maps.js";

type Pt = [number, number];
const image = { width: 368, height: 368 };
const render = (people: (Pt | null)[][], reversed?: [number, number][]) =>
  renderOutput(people, { placement: IDENTITY, inputWidth: 368, inputHeight: 368, reversed });

/** Largest joint error of a decoded person against the drawn joints (Infinity if a drawn joint is missing). */
function maxError(p: Person, truth: (Pt | null)[]): number {
  let worst = 0;
  truth.forEach((t, j) => {
    if (!t) return;
    const d = p.joints[j];
    worst = Math.max(worst, d ? Math.hypot(d.x - t[0], d.y - t[1]) : Infinity);
  });
  return worst;
}

/** The decoded person whose neck is nearest to the drawn one's. */
function nearest(people: Person[], truth: (Pt | null)[]): Person {
  const neck = truth[1]!;
  return people.reduce((best, p) =>
    Math.hypot(p.joints[1]!.x - neck[0], p.joints[1]!.y - neck[1]) <
    Math.hypot(best.joints[1]!.x - neck[0], best.joints[1]!.y - neck[1])
      ? p
      : best,
  );
}

describe("single person", () => {
  const truth = toSchemaJoints(coco17Person(184, 190, 260));
  const { people } = decodePoses(render([truth]), image, COCO18);

  it("finds one person with all 18 joints", () => {
    expect(people).toHaveLength(1);
    expect(people[0].partCount).toBe(18);
    expect(people[0].joints.every((j) => j !== null)).toBe(true);
  });

  it("puts every joint within 1.5 pixels of where it was drawn", () => {
    expect(maxError(people[0], truth)).toBeLessThanOrEqual(1.5);
  });

  it("scores the person as the sum of its part and limb scores", () => {
    // 18 peaks of height ~1 and 19 limbs of PAF ~1 (minus nothing: limbs are short) -> close to 37
    expect(people[0].score).toBeGreaterThan(33);
    expect(people[0].score).toBeLessThanOrEqual(37.5);
  });
});

describe("several people", () => {
  const truths = [
    toSchemaJoints(coco17Person(70, 120, 150)),
    toSchemaJoints(coco17Person(190, 150, 200)),
    toSchemaJoints(coco17Person(300, 110, 160)),
    toSchemaJoints(coco17Person(200, 300, 110)),
  ];
  const { people } = decodePoses(render(truths), image, COCO18);

  it("recovers every person with correct joints", () => {
    expect(people).toHaveLength(truths.length);
    for (const t of truths) expect(maxError(nearest(people, t), t)).toBeLessThanOrEqual(2);
  });

  it("two people side by side are not merged", () => {
    const a = toSchemaJoints(coco17Person(160, 190, 220));
    const b = toSchemaJoints(coco17Person(215, 190, 220)); // 55 px apart: arms interleave
    const r = decodePoses(render([a, b]), image, COCO18);
    expect(r.people).toHaveLength(2);
    expect(maxError(nearest(r.people, a), a)).toBeLessThanOrEqual(2);
    expect(maxError(nearest(r.people, b), b)).toBeLessThanOrEqual(2);
  });
});

describe("limb evidence", () => {
  const truth = toSchemaJoints(coco17Person(184, 190, 260));
  const elbowWrist = COCO18.limbs.findIndex((l) => l.name === "RElbow-RWrist");
  const RWRIST = COCO18.joints.findIndex((j) => j.name === "RWrist");

  it("a limb whose PAF points the wrong way is not connected", () => {
    const { people, connections } = decodePoses(render([truth], [[0, elbowWrist]]), image, COCO18);
    expect(connections[elbowWrist]).toEqual([]);
    expect(people).toHaveLength(1);
    expect(people[0].joints[RWRIST]).toBeNull();
    expect(people[0].partCount).toBe(17);
  });

  it("a joint without a heatmap peak is simply absent", () => {
    const partial = truth.map((t, j) => (j === RWRIST ? null : t));
    const { people } = decodePoses(render([partial]), image, COCO18);
    expect(people[0].joints[RWRIST]).toBeNull();
    expect(maxError(people[0], partial)).toBeLessThanOrEqual(1.5);
  });

  it("people with fewer than 4 parts are dropped; the threshold is an option", () => {
    const three = truth.map((t, j) => (j === 1 || j === 2 || j === 3 ? t : null)); // Neck, RShoulder, RElbow
    expect(decodePoses(render([three]), image, COCO18).people).toHaveLength(0);
    const kept = decodePoses(render([three]), image, COCO18, { minParts: 3 }).people;
    expect(kept).toHaveLength(1);
    expect(kept[0].partCount).toBe(3);
  });

  it("a weak heatmap below thre1 gives no candidates", () => {
    const out = render([truth]);
    for (let i = 0; i < out.heatmaps.length; i++) out.heatmaps[i] *= 0.09;
    expect(decodePoses(out, image, COCO18).peaks.every((p) => p.length === 0)).toBe(true);
  });

  it("only the ear links close cycles in COCO-18's limb order", () => {
    const closing = cycleClosingLimbs(COCO18).flatMap((c, k) => (c ? [COCO18.limbs[k].name] : []));
    expect(closing).toEqual(["REye-REar", "LEye-LEar"]);
  });
});
