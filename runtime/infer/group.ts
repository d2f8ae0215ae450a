// Part association, as in CMU's python demo (ZheC/Realtime_Multi-Person_Pose_Estimation, testing/python):
// 1. every pair of candidates of a limb's two joints is scored by the line integral of the limb's PAF:
//    10 samples on the segment (rounded to pixels), each the dot product of the PAF with the unit vector;
//    kept if more than 80% of the samples exceed thre2 and  mean + min(0.5 * imageHeight / length - 1, 0) > 0
//    (the distance prior penalises limbs longer than half the image height);
// 2. per limb, pairs are taken greedily by that score, each candidate used at most once;
// 3. limbs are merged into people in the KeypointsIR limb order (CMU's subset bookkeeping, merge rule
//    included); a limb that closes a cycle of the limb graph (in CMU-18: the ear links) may extend or join
//    people but never starts one — CMU's `k < 17` rule, which names those limbs by position;
// 4. people with fewer than 4 parts or a mean score (sum of part and limb scores / part count) below 0.4 go.
import type { DecoderIR, KeypointsIR } from "../../core/ir/types.js";
import type { ImageMaps } from "./maps.js";
import type { Peak } from "./peaks.js";

/** The decoder settings limb scoring and assembly use (documented where the IR defines them). */
export type GroupOptions = Pick<DecoderIR, "pafThreshold" | "pafSamples" | "pafMinFraction" | "distancePrior" | "minParts" | "minMeanScore">;

export interface LimbConnection {
  limb: number;
  /** candidate indices into the joint's peak list */
  a: number;
  b: number;
  score: number;
}

/** Scored, greedily chosen connections of one limb. */
export function connectLimb(
  maps: ImageMaps,
  limb: number,
  candA: Peak[],
  candB: Peak[],
  imageHeight: number,
  o: GroupOptions,
): LimbConnection[] {
  const candidates: LimbConnection[] = [];
  const n = o.pafSamples;
  for (let i = 0; i < candA.length; i++) {
    for (let j = 0; j < candB.length; j++) {
      const A = candA[i];
      const B = candB[j];
      const dx = B.x - A.x;
      const dy = B.y - A.y;
      const norm = Math.sqrt(dx * dx + dy * dy);
      if (norm === 0) continue; // CMU divides by zero here and every test on the NaNs fails
      const ux = dx / norm;
      const uy = dy / norm;
      let sum = 0;
      let above = 0;
      // np.linspace(A, B, n): A + s * step, the last sample exactly B; rounded half up to a pixel
      const stepX = n > 1 ? dx / (n - 1) : 0;
      const stepY = n > 1 ? dy / (n - 1) : 0;
      for (let s = 0; s < n; s++) {
        const px = s === n - 1 ? B.x : A.x + s * stepX;
        const py = s === n - 1 ? B.y : A.y + s * stepY;
        const [vx, vy] = maps.paf(limb, Math.round(px), Math.round(py));
        const v = vx * ux + vy * uy;
        sum += v;
        if (v > o.pafThreshold) above++;
      }
      const score = sum / n + Math.min((o.distancePrior * imageHeight) / norm - 1, 0);
      if (above > o.pafMinFraction * n && score > 0) candidates.push({ limb, a: i, b: j, score });
    }
  }
  candidates.sort((p, q) => q.score - p.score); // stable: ties keep (i, j) order
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const chosen: LimbConnection[] = [];
  const most = Math.min(candA.length, candB.length);
  for (const c of candidates) {
    if (usedA.has(c.a) || usedB.has(c.b)) continue;
    usedA.add(c.a);
    usedB.add(c.b);
    chosen.push(c);
    if (chosen.length >= most) break;
  }
  return chosen;
}

/** Limbs that close a cycle when the limb graph is built in order; they never start a person. */
export function cycleClosingLimbs(keypoints: KeypointsIR): boolean[] {
  const parent = keypoints.joints.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  return keypoints.limbs.map((l) => {
    const a = find(l.from);
    const b = find(l.to);
    if (a === b) return true;
    parent[a] = b;
    return false;
  });
}

interface Subset {
  /** candidate id per joint, -1 when absent */
  parts: number[];
  score: number;
  count: number;
}

export interface GroupedPerson {
  /** per joint: index into that joint's peak list, or -1 */
  parts: number[];
  /** sum of the part scores and the limb scores (CMU's subset[-2]) */
  score: number;
  /** number of parts (CMU's subset[-1]) */
  count: number;
}

/** Assembles people from the per-limb connections (CMU's subset algorithm). */
export function assemblePeople(
  keypoints: KeypointsIR,
  peaks: Peak[][],
  connections: LimbConnection[][],
  o: GroupOptions,
): GroupedPerson[] {
  const J = keypoints.joints.length;
  const noStart = cycleClosingLimbs(keypoints);
  const subsets: Subset[] = [];
  // global candidate id -> peak, for scores
  const byId = new Map<number, Peak>();
  for (const list of peaks) for (const p of list) byId.set(p.id, p);
  keypoints.limbs.forEach((limb, k) => {
    const ja = limb.from;
    const jb = limb.to;
    for (const c of connections[k]) {
      const partA = peaks[ja][c.a].id;
      const partB = peaks[jb][c.b].id;
      const found: number[] = [];
      subsets.forEach((s, idx) => {
        if (s.parts[ja] === partA || s.parts[jb] === partB) found.push(idx);
      });
      if (found.length === 1) {
        const s = subsets[found[0]];
        if (s.parts[jb] !== partB) {
          s.parts[jb] = partB;
          s.count += 1;
          s.score += byId.get(partB)!.score + c.score;
        }
      } else if (found.length >= 2) {
        // CMU can only hold two; a third would be an index error there
        const [i1, i2] = found;
        const s1 = subsets[i1];
        const s2 = subsets[i2];
        const disjoint = s1.parts.every((p, j) => p < 0 || s2.parts[j] < 0);
        if (disjoint) {
          for (let j = 0; j < J; j++) if (s2.parts[j] >= 0) s1.parts[j] = s2.parts[j];
          s1.count += s2.count;
          s1.score += s2.score + c.score;
          subsets.splice(i2, 1);
        } else {
          s1.parts[jb] = partB;
          s1.count += 1;
          s1.score += byId.get(partB)!.score + c.score;
        }
      } else if (!noStart[k]) {
        const parts = new Array<number>(J).fill(-1);
        parts[ja] = partA;
        parts[jb] = partB;
        subsets.push({ parts, count: 2, score: byId.get(partA)!.score + byId.get(partB)!.score + c.score });
      }
    }
  });
  const idToIndex = new Map<number, number>();
  for (const list of peaks) list.forEach((p, i) => idToIndex.set(p.id, i));
  return subsets
    .filter((s) => !(s.count < o.minParts || s.score / s.count < o.minMeanScore))
    .map((s) => ({ parts: s.parts.map((id) => (id < 0 ? -1 : idToIndex.get(id)!)), score: s.score, count: s.count }));
}
