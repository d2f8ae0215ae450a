// Output formats of `posec infer`: a short text summary per person and a JSON form keyed by joint name.
// (COCO results for `posec eval` come from toCocoResults.)
import type { KeypointsIR } from "../../core/ir/types.js";
import type { Person } from "./decode.js";

export interface PersonJson {
  score: number;
  partCount: number;
  /** joint name -> [x, y, score], or null when not found */
  joints: Record<string, [number, number, number] | null>;
}

export function peopleToJson(people: readonly Person[], keypoints: KeypointsIR): PersonJson[] {
  return people.map((p) => ({
    score: p.score,
    partCount: p.partCount,
    joints: Object.fromEntries(
      keypoints.joints.map((j, i) => [
        j.name,
        p.joints[i] ? [p.joints[i]!.x, p.joints[i]!.y, p.joints[i]!.score] : null,
      ]),
    ),
  }));
}

/** "2 people" then one line per person: score, joints found, bounding box of the found joints. */
export function formatPeopleSummary(people: readonly Person[], keypoints: KeypointsIR): string {
  const lines = [`${people.length} ${people.length === 1 ? "person" : "people"}`];
  people.forEach((p, i) => {
    const found = p.joints.filter((j) => j !== null) as { x: number; y: number }[];
    const xs = found.map((j) => j.x);
    const ys = found.map((j) => j.y);
    const box = found.length
      ? `box (${Math.min(...xs)}, ${Math.min(...ys)})-(${Math.max(...xs)}, ${Math.max(...ys)})`
      : "no joints";
    const missing = keypoints.joints.filter((_, j) => !p.joints[j]).map((j) => j.name);
    lines.push(
      `  #${i + 1}: score ${p.score.toFixed(2)}, ${found.length}/${keypoints.joints.length} joints, ${box}` +
        (missing.length ? `, missing ${missing.join(" ")}` : ""),
    );
  });
  return lines.join("\n");
}
