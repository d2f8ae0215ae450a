// Small builders for hand-reasoned COCO keypoint cases.
import type { CocoGroundTruth, CocoKeypointAnnotation, CocoKeypointResult } from "../../runtime/coco/format.js";

/** 17 COCO keypoints of an upright stick person centred at (cx, cy), `h` pixels tall. */
export function stickPerson(cx: number, cy: number, h: number): [number, number][] {
  const layout: [number, number][] = [
    [0, -0.45],
    [0.03, -0.48],
    [-0.03, -0.48],
    [0.07, -0.46],
    [-0.07, -0.46],
    [0.15, -0.3],
    [-0.15, -0.3],
    [0.2, -0.1],
    [-0.2, -0.1],
    [0.22, 0.05],
    [-0.22, 0.05],
    [0.1, 0.05],
    [-0.1, 0.05],
    [0.1, 0.27],
    [-0.1, 0.27],
    [0.1, 0.48],
    [-0.1, 0.48],
  ];
  return layout.map(([x, y]) => [Math.round(cx + x * h), Math.round(cy + y * h)]);
}

let nextId = 1;
export function gtAnn(
  imageId: number,
  points: [number, number][],
  area: number,
  extra: Partial<CocoKeypointAnnotation> = {},
): CocoKeypointAnnotation {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const bbox: [number, number, number, number] = [
    Math.min(...xs),
    Math.min(...ys),
    Math.max(...xs) - Math.min(...xs),
    Math.max(...ys) - Math.min(...ys),
  ];
  return {
    id: nextId++,
    image_id: imageId,
    category_id: 1,
    iscrowd: 0,
    area,
    bbox,
    num_keypoints: points.length,
    keypoints: points.flatMap(([x, y]) => [x, y, 2]),
    ...extra,
  };
}

export function result(imageId: number, points: [number, number][], score: number): CocoKeypointResult {
  return { image_id: imageId, category_id: 1, keypoints: points.flatMap(([x, y]) => [x, y, 1]), score };
}

export function groundTruth(imageIds: number[], annotations: CocoKeypointAnnotation[]): CocoGroundTruth {
  return {
    images: imageIds.map((id) => ({ id, width: 640, height: 480 })),
    annotations,
    categories: [{ id: 1, name: "person" }],
  };
}

/** Moves every keypoint by (dx, dy). */
export function shifted(points: [number, number][], dx: number, dy = 0): [number, number][] {
  return points.map(([x, y]) => [x + dx, y + dy]);
}
