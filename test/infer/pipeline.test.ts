// Placement in the network input, multi-scale averaging, COCO results, evaluation of decoded synthetic
// people, and skeleton drawing.
import { describe, expect, it } from "vitest";
import { parseCocoGroundTruth, parseCocoResults } from "../../runtime/eval/coco-files.js";
import { evaluateKeypoints } from "../../runtime/eval/cocoeval.js";
import { toCocoResults } from "../../runtime/infer/coco-results.js";
import { decodePoses, type Person } from "../../runtime/infer/decode.js";
import { drawPeople } from "../../runtime/infer/draw.js";
import { cmuInputLayout, cmuScales, decodeMultiScale } from "../../runtime/infer/multiscale.js";
import { Canvas, paletteColor } from "../../runtime/render/canvas.js";
import { COCO18, coco17Person, renderOutput, toSchemaJoints } from "../../testkit/synthetic-maps.js";

type Pt = [number, number];

function maxError(p: Person, truth: (Pt | null)[]): number {
  return Math.max(
    ...truth.map((t, j) =>
      t ? (p.joints[j] ? Math.hypot(p.joints[j]!.x - t[0], p.joints[j]!.y - t[1]) : Infinity) : 0,
    ),
  );
}

describe("placement of the image in the network input", () => {
  it("CMU's layout: resize so the height is 368 * s, pad right/down to a multiple of 8", () => {
    expect(cmuScales(200)).toEqual([0.92, 1.84, 2.76, 3.68]);
    expect(cmuInputLayout({ width: 301, height: 200 }, 1.84, 8)).toEqual({
      resizedWidth: 554,
      resizedHeight: 368,
      inputWidth: 560,
      inputHeight: 368,
      placement: { scaleX: 554 / 301, scaleY: 368 / 200, offsetX: 0, offsetY: 0 },
    });
  });

  it("joints come back in image coordinates from a resized, padded input", () => {
    const image = { width: 301, height: 200 };
    const truth = toSchemaJoints(coco17Person(150, 105, 160));
    const layout = cmuInputLayout(image, 1.84, 8);
    const out = renderOutput([truth], {
      placement: layout.placement,
      inputWidth: layout.inputWidth,
      inputHeight: layout.inputHeight,
    });
    const { people } = decodePoses(out, image, COCO18);
    expect(people).toHaveLength(1);
    expect(maxError(people[0], truth)).toBeLessThanOrEqual(1.5);
  });

  it("and from a letterboxed input (image centred with padding on the left)", () => {
    const image = { width: 200, height: 300 };
    const scale = 368 / 300;
    const placement = { scaleX: scale, scaleY: scale, offsetX: (368 - 200 * scale) / 2, offsetY: 0 };
    const truth = toSchemaJoints(coco17Person(100, 150, 240));
    const out = renderOutput([truth], { placement, inputWidth: 368, inputHeight: 368 });
    const { people } = decodePoses(out, image, COCO18);
    expect(people).toHaveLength(1);
    expect(maxError(people[0], truth)).toBeLessThanOrEqual(1.5);
  });
});

describe("multi-scale", () => {
  it("runs the network once per scale and decodes the averaged maps", async () => {
    const image = { width: 240, height: 184 };
    const truths = [toSchemaJoints(coco17Person(70, 95, 150)), toSchemaJoints(coco17Person(170, 90, 140))];
    const asked: number[] = [];
    const run = async (scale: number) => {
      asked.push(scale);
      const layout = cmuInputLayout(image, scale, 8);
      return renderOutput(truths, {
        placement: layout.placement,
        inputWidth: layout.inputWidth,
        inputHeight: layout.inputHeight,
      });
    };
    const scales = cmuScales(image.height, 368, [1, 1.5]);
    const { people } = await decodeMultiScale(run, image, scales, COCO18);
    expect(asked).toEqual(scales);
    expect(people).toHaveLength(2);
    for (const t of truths) {
      const p = people.find((q) => Math.abs(q.joints[1]!.x - t[1]![0]) < 10)!;
      expect(maxError(p, t)).toBeLessThanOrEqual(1.5);
    }
  });
});

describe("COCO results", () => {
  const person: Person = {
    joints: COCO18.joints.map((_, j) => (j === 4 ? null : { x: 10 + j, y: 100 + j, score: 0.5 + j / 100 })),
    score: 20.5,
    partCount: 17,
  };

  it("map joints back through `from`, drop the Neck, write missing joints as 0,0,0", () => {
    const [r] = toCocoResults([person], COCO18, 42);
    expect(r.image_id).toBe(42);
    expect(r.category_id).toBe(1);
    expect(r.score).toBe(20.5);
    expect(r.keypoints).toHaveLength(51);
    const kp = (k: number) => r.keypoints.slice(3 * k, 3 * k + 3);
    expect(kp(0)).toEqual([10, 100, 0.5]); // nose <- joint 0
    expect(kp(6)).toEqual([12, 102, 0.52]); // right_shoulder <- RShoulder (joint 2)
    expect(kp(5)).toEqual([15, 105, 0.55]); // left_shoulder <- LShoulder (joint 5)
    expect(kp(10)).toEqual([0, 0, 0]); // right_wrist <- RWrist (joint 4), missing
    expect(kp(3)).toEqual([27, 117, 0.67]); // left_ear <- LEar (joint 17)
    // Neck (joint 1, x = 11) appears nowhere
    expect(r.keypoints.filter((_, i) => i % 3 === 0)).not.toContain(11);
  });
});

describe("decoding + evaluation", () => {
  it("synthetic maps of four people score AP ~ 1 against their own ground truth", () => {
    const image = { width: 368, height: 368 };
    const coco = [
      coco17Person(70, 120, 150),
      coco17Person(190, 150, 200),
      coco17Person(300, 110, 160),
      coco17Person(200, 300, 110),
    ];
    const out = renderOutput(
      coco.map((c) => toSchemaJoints(c)),
      { placement: { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 }, inputWidth: 368, inputHeight: 368 },
    );
    const { people } = decodePoses(out, image, COCO18);
    const gt = parseCocoGroundTruth(
      {
        images: [{ id: 1, width: 368, height: 368 }],
        categories: [{ id: 1, name: "person" }],
        annotations: coco.map((pts, i) => {
          const xs = pts.map((p) => p[0]);
          const ys = pts.map((p) => p[1]);
          const bbox = [
            Math.min(...xs),
            Math.min(...ys),
            Math.max(...xs) - Math.min(...xs),
            Math.max(...ys) - Math.min(...ys),
          ];
          return {
            id: i + 1,
            image_id: 1,
            category_id: 1,
            iscrowd: 0,
            area: bbox[2] * bbox[3],
            bbox,
            num_keypoints: 17,
            keypoints: pts.flatMap(([x, y]) => [x, y, 2]),
          };
        }),
      },
      "synthetic-gt",
    );
    const { detections } = parseCocoResults(toCocoResults(people, COCO18, 1), "decoded", gt);
    const { stats } = evaluateKeypoints(gt, detections);
    expect(stats.AP50).toBeGreaterThan(0.999);
    expect(stats.AP).toBeGreaterThan(0.95);
    expect(stats.AR).toBeGreaterThan(0.95);
  });
});

describe("drawing", () => {
  it("draws each limb in its colour and leaves missing limbs out", () => {
    const canvas = new Canvas(200, 200, [0, 0, 0]);
    const joints = COCO18.joints.map(() => null as Person["joints"][number]);
    // Neck (1) -> RShoulder (2): limb 6; Neck -> RHip (8): limb 0 missing (no hip)
    joints[1] = { x: 100, y: 50, score: 1 };
    joints[2] = { x: 40, y: 50, score: 1 };
    drawPeople(canvas, [{ joints, score: 2, partCount: 2 }], COCO18, { limbWidth: 5, jointRadius: 2, limbAlpha: 1 });
    const at = (x: number, y: number) => Array.from(canvas.data.slice((y * 200 + x) * 3, (y * 200 + x) * 3 + 3));
    const limb = COCO18.limbs.findIndex((l) => l.from === 1 && l.to === 2);
    expect(at(70, 50)).toEqual(paletteColor(limb, COCO18.limbs.length));
    expect(at(40, 50)).toEqual(paletteColor(2, COCO18.joints.length));
    expect(at(100, 120)).toEqual([0, 0, 0]);
  });
});

describe("infer output formats", () => {
  it("summarise people in text and JSON keyed by joint name", async () => {
    const { formatPeopleSummary, peopleToJson } = await import("../../runtime/infer/report.js");
    const joints = COCO18.joints.map((_, j) => (j < 4 ? { x: 10 * j, y: 5 + j, score: 0.9 } : null));
    const p: Person = { joints, score: 7.25, partCount: 4 };
    const text = formatPeopleSummary([p], COCO18).split("\n");
    expect(text[0]).toBe("1 person");
    expect(text[1]).toMatch(
      /^ {2}#1: score 7\.25, 4\/18 joints, box \(0, 5\)-\(30, 8\), missing RWrist LShoulder LElbow LWrist RHip /,
    );
    const json = peopleToJson([p], COCO18)[0];
    expect(json.joints.Nose).toEqual([0, 5, 0.9]);
    expect(json.joints.LEar).toBeNull();
    expect(Object.keys(json.joints)).toEqual(COCO18.joints.map((j) => j.name));
  });
});
