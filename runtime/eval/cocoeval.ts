// pycocotools' COCOeval(iouType='keypoints') evaluate() + accumulate() + summarize(), transcribed rule by
// rule so that the ten numbers agree with the official evaluator to the last bit or two. The comments name
// the pycocotools behaviour each step reproduces; docs in runtime/eval/README.md.
import type { CocoGroundTruth, CocoKeypointAnnotation } from "../coco/format.js";
import type { LoadedDetection } from "./coco-files.js";
import { NP_SPACING_1, argsortDescStable, npLinspace, npMean } from "./npmath.js";
import { PYCOCOTOOLS_KPT_OKS_SIGMAS, computeOks } from "./oks.js";

export interface AreaRange {
  label: string;
  /** inclusive on both ends, as pycocotools tests `area < lo or area > hi` */
  range: [number, number];
}

export interface KeypointEvalParams {
  sigmas: readonly number[];
  iouThrs: number[];
  recThrs: number[];
  maxDets: number;
  areaRanges: AreaRange[];
}

/** Params.setKpParams(): 10 OKS thresholds, 101 recall points, maxDets 20, areas all / medium / large. */
export function defaultKeypointEvalParams(): KeypointEvalParams {
  return {
    sigmas: PYCOCOTOOLS_KPT_OKS_SIGMAS,
    iouThrs: npLinspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: npLinspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1),
    maxDets: 20,
    areaRanges: [
      { label: "all", range: [0 ** 2, 1e5 ** 2] },
      { label: "medium", range: [32 ** 2, 96 ** 2] },
      { label: "large", range: [96 ** 2, 1e5 ** 2] },
    ],
  };
}

/** computeOks(imgId, catId): rows = detections by score (stable) cut at maxDets, columns = gts in file order. */
export interface OksMatrix {
  imageId: number;
  categoryId: number;
  dtIds: number[];
  gtIds: number[];
  /** [dt][gt]; empty when the image has no gt or no detection */
  oks: number[][];
}

/** evaluateImg(imgId, catId, aRng, maxDet): the greedy matching at every OKS threshold. */
export interface ImageEval {
  imageId: number;
  categoryId: number;
  areaRange: AreaRange;
  dtIds: number[];
  /** gts with the ignored ones moved last (stable) */
  gtIds: number[];
  dtScores: number[];
  gtIgnore: boolean[];
  /** [threshold][dt]: matched gt id or 0 */
  dtMatches: number[][];
  /** [threshold][gt]: matched dt id or 0 */
  gtMatches: number[][];
  dtIgnore: boolean[][];
}

export const KEYPOINT_STAT_NAMES = ["AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"] as const;
export type KeypointStatName = (typeof KEYPOINT_STAT_NAMES)[number];
export type KeypointStats = Record<KeypointStatName, number>;

export interface KeypointEvaluation {
  params: KeypointEvalParams;
  imageIds: number[];
  categoryIds: number[];
  oks: OksMatrix[];
  /** evalImgs in pycocotools' order: category, then area range, then image; null where no gt and no dt */
  evalImgs: (ImageEval | null)[];
  /** [T][R][K][A] flattened; -1 where the setting has no non-ignored gt */
  precision: Float64Array;
  /** [T][K][A] flattened */
  recall: Float64Array;
  stats: KeypointStats;
}

interface PreparedGt {
  ann: CocoKeypointAnnotation;
  /** _prepare: iscrowd or num_keypoints == 0 */
  ignore: boolean;
  /** evaluateImg: int(iscrowd) (a crowd gt may absorb any number of detections) */
  crowd: boolean;
}

type Key = string;
const key = (imageId: number, categoryId: number): Key => `${imageId}/${categoryId}`;

function sortedUnique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Detections of one image and category by score, highest first (stable), at most maxDets. */
function topDetections(dts: LoadedDetection[], maxDets: number): LoadedDetection[] {
  const order = argsortDescStable(dts.map((d) => d.score));
  return order.slice(0, maxDets).map((i) => dts[i]);
}

function outside(area: number, r: [number, number]): boolean {
  return area < r[0] || area > r[1];
}

function evaluateImage(
  imageId: number,
  categoryId: number,
  gts: PreparedGt[],
  dtsAll: LoadedDetection[],
  oks: number[][],
  areaRange: AreaRange,
  p: KeypointEvalParams,
): ImageEval | null {
  if (gts.length === 0 && dtsAll.length === 0) return null;
  const gtIgnoreFile = gts.map((g) => g.ignore || outside(g.ann.area, areaRange.range));
  // gt sorted ignore-last (stable); the OKS columns follow
  const gtOrder = gts.map((_, i) => i).sort((a, b) => Number(gtIgnoreFile[a]) - Number(gtIgnoreFile[b]));
  const gt = gtOrder.map((i) => gts[i]);
  const gtIg = gtOrder.map((i) => gtIgnoreFile[i]);
  const dt = topDetections(dtsAll, p.maxDets);
  const T = p.iouThrs.length;
  const G = gt.length;
  const D = dt.length;
  const gtm = p.iouThrs.map(() => new Array<number>(G).fill(0));
  const dtm = p.iouThrs.map(() => new Array<number>(D).fill(0));
  const dtIg = p.iouThrs.map(() => new Array<boolean>(D).fill(false));
  if (oks.length > 0) {
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) {
        let best = Math.min(p.iouThrs[t], 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < G; g++) {
          // already matched and not a crowd: skip
          if (gtm[t][g] > 0 && !gt[g].crowd) continue;
          // matched to a regular gt and reached the ignored ones: stop
          if (m > -1 && !gtIg[m] && gtIg[g]) break;
          const o = oks[d][gtOrder[g]];
          // `<` keeps equal OKS: among ties the LAST gt wins, as in pycocotools
          if (o < best) continue;
          best = o;
          m = g;
        }
        if (m === -1) continue;
        dtIg[t][d] = gtIg[m];
        dtm[t][d] = gt[m].ann.id;
        gtm[t][m] = dt[d].id;
      }
    }
  }
  // unmatched detections outside the area range are ignored (a matched id of 0 counts as unmatched, as in numpy)
  for (let t = 0; t < T; t++) {
    for (let d = 0; d < D; d++) {
      if (dtm[t][d] === 0 && outside(dt[d].area, areaRange.range)) dtIg[t][d] = true;
    }
  }
  return {
    imageId,
    categoryId,
    areaRange,
    dtIds: dt.map((d) => d.id),
    gtIds: gt.map((g) => g.ann.id),
    dtScores: dt.map((d) => d.score),
    gtIgnore: gtIg,
    dtMatches: dtm,
    gtMatches: gtm,
    dtIgnore: dtIg,
  };
}

/** Sorted positions: for each threshold v, the first i with rc[i] >= v (np.searchsorted side='left'). */
function searchsortedLeft(rc: Float64Array, thresholds: number[]): number[] {
  return thresholds.map((v) => {
    let lo = 0;
    let hi = rc.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rc[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

function accumulate(evalImgs: (ImageEval | null)[], nImages: number, K: number, p: KeypointEvalParams) {
  const T = p.iouThrs.length;
  const R = p.recThrs.length;
  const A = p.areaRanges.length;
  const precision = new Float64Array(T * R * K * A).fill(-1);
  const recall = new Float64Array(T * K * A).fill(-1);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E: ImageEval[] = [];
      for (let i = 0; i < nImages; i++) {
        const e = evalImgs[(k * A + a) * nImages + i];
        if (e) E.push(e);
      }
      if (E.length === 0) continue;
      const scores = E.flatMap((e) => e.dtScores.slice(0, p.maxDets));
      const inds = argsortDescStable(scores);
      const npig = E.reduce((n, e) => n + e.gtIgnore.filter((ig) => !ig).length, 0);
      if (npig === 0) continue;
      for (let t = 0; t < T; t++) {
        const dtm = E.flatMap((e) => e.dtMatches[t].slice(0, p.maxDets));
        const dtIg = E.flatMap((e) => e.dtIgnore[t].slice(0, p.maxDets));
        const nd = inds.length;
        const rc = new Float64Array(nd);
        const pr = new Float64Array(nd);
        let tp = 0;
        let fp = 0;
        for (let j = 0; j < nd; j++) {
          const i = inds[j];
          if (!dtIg[i]) {
            if (dtm[i] !== 0) tp++;
            else fp++;
          }
          rc[j] = tp / npig;
          pr[j] = tp / (fp + tp + NP_SPACING_1);
        }
        recall[(t * K + k) * A + a] = nd ? rc[nd - 1] : 0;
        // precision envelope: non-increasing from the right
        for (let j = nd - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
        const at = searchsortedLeft(rc, p.recThrs);
        for (let r = 0; r < R; r++) {
          // past the highest recall reached, numpy's IndexError leaves the precision at 0
          precision[((t * R + r) * K + k) * A + a] = at[r] < nd ? pr[at[r]] : 0;
        }
      }
    }
  }
  return { precision, recall };
}

function summarize(precision: Float64Array, recall: Float64Array, K: number, p: KeypointEvalParams): KeypointStats {
  const R = p.recThrs.length;
  const A = p.areaRanges.length;
  const one = (ap: boolean, iouThr: number | null, areaLabel: string): number => {
    const a = p.areaRanges.findIndex((r) => r.label === areaLabel);
    // `np.where(iouThr == p.iouThrs)`: exact equality, so 0.75 must be one of the linspace doubles
    const ts = iouThr === null ? p.iouThrs.map((_, t) => t) : p.iouThrs.flatMap((v, t) => (v === iouThr ? [t] : []));
    const values: number[] = [];
    if (a >= 0) {
      for (const t of ts) {
        if (ap) {
          for (let r = 0; r < R; r++) {
            for (let k = 0; k < K; k++) values.push(precision[((t * R + r) * K + k) * A + a]);
          }
        } else {
          for (let k = 0; k < K; k++) values.push(recall[(t * K + k) * A + a]);
        }
      }
    }
    const valid = values.filter((v) => v > -1);
    return valid.length === 0 ? -1 : npMean(valid);
  };
  return {
    AP: one(true, null, "all"),
    AP50: one(true, 0.5, "all"),
    AP75: one(true, 0.75, "all"),
    APm: one(true, null, "medium"),
    APl: one(true, null, "large"),
    AR: one(false, null, "all"),
    AR50: one(false, 0.5, "all"),
    AR75: one(false, 0.75, "all"),
    ARm: one(false, null, "medium"),
    ARl: one(false, null, "large"),
  };
}

/**
 * The whole of COCOeval(cocoGt, cocoDt, 'keypoints').evaluate(); accumulate(); summarize().
 * `detections` are loadRes'd results (see parseCocoResults). Images are those of gt.images, categories
 * those of gt.categories; detections of other categories are not evaluated.
 */
export function evaluateKeypoints(
  gt: CocoGroundTruth,
  detections: LoadedDetection[],
  params: KeypointEvalParams = defaultKeypointEvalParams(),
): KeypointEvaluation {
  const p = params;
  const imageIds = sortedUnique(gt.images.map((im) => im.id));
  const categoryIds = sortedUnique(gt.categories.map((c) => c.id));
  const imageSet = new Set(imageIds);
  const catSet = new Set(categoryIds);
  const gts = new Map<Key, PreparedGt[]>();
  for (const ann of gt.annotations) {
    if (!imageSet.has(ann.image_id) || !catSet.has(ann.category_id)) continue;
    const list = gts.get(key(ann.image_id, ann.category_id)) ?? [];
    list.push({
      ann,
      ignore: ann.num_keypoints === 0 || Boolean(ann.iscrowd),
      crowd: Math.trunc(Number(ann.iscrowd)) !== 0,
    });
    gts.set(key(ann.image_id, ann.category_id), list);
  }
  const dts = new Map<Key, LoadedDetection[]>();
  for (const d of detections) {
    if (!imageSet.has(d.image_id) || !catSet.has(d.category_id)) continue;
    const list = dts.get(key(d.image_id, d.category_id)) ?? [];
    list.push(d);
    dts.set(key(d.image_id, d.category_id), list);
  }

  const oksByKey = new Map<Key, number[][]>();
  const oks: OksMatrix[] = [];
  for (const imageId of imageIds) {
    for (const categoryId of categoryIds) {
      const g = gts.get(key(imageId, categoryId)) ?? [];
      const d = topDetections(dts.get(key(imageId, categoryId)) ?? [], p.maxDets);
      const m =
        g.length === 0 || d.length === 0
          ? []
          : d.map((det) => g.map((gg) => computeOks(det.keypoints, gg.ann, p.sigmas)));
      oksByKey.set(key(imageId, categoryId), m);
      if (g.length || d.length) {
        oks.push({ imageId, categoryId, dtIds: d.map((x) => x.id), gtIds: g.map((x) => x.ann.id), oks: m });
      }
    }
  }

  const evalImgs: (ImageEval | null)[] = [];
  for (const categoryId of categoryIds) {
    for (const areaRange of p.areaRanges) {
      for (const imageId of imageIds) {
        const k = key(imageId, categoryId);
        evalImgs.push(
          evaluateImage(imageId, categoryId, gts.get(k) ?? [], dts.get(k) ?? [], oksByKey.get(k)!, areaRange, p),
        );
      }
    }
  }
  const { precision, recall } = accumulate(evalImgs, imageIds.length, categoryIds.length, p);
  const stats = summarize(precision, recall, categoryIds.length, p);
  return { params: p, imageIds, categoryIds, oks, evalImgs, precision, recall, stats };
}
