// Output formats: pycocotools' summarize() lines, the JSON object, the per-joint numbers.
import { describe, expect, it } from "vitest";
import { parseCocoGroundTruth, parseCocoResults } from "../../runtime/eval/coco-files.js";
import { evaluateKeypoints, type KeypointStats } from "../../runtime/eval/cocoeval.js";
import { PYCOCOTOOLS_KPT_OKS_SIGMAS } from "../../runtime/eval/oks.js";
import { perJointStats } from "../../runtime/eval/perjoint.js";
import { formatFixed3, formatPerJointTable, formatStatsJson, formatSummaryTable } from "../../runtime/eval/report.js";
import { groundTruth, gtAnn, result, stickPerson } from "./helpers.js";

const stats: KeypointStats = {
  AP: 0.5772277227722772,
  AP50: 1.0,
  AP75: 0.0625,
  APm: -1,
  APl: 0.1875,
  AR: 0.65,
  AR50: 1,
  AR75: 0.5,
  ARm: -1,
  ARl: 0.5555,
};

describe("summary table", () => {
  it("matches pycocotools' summarize() lines character for character", () => {
    // ' {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}'
    expect(formatSummaryTable(stats).split("\n")).toEqual([
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.577",
      " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets= 20 ] = 1.000",
      " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets= 20 ] = 0.062",
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets= 20 ] = -1.000",
      " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ] = 0.188",
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.650",
      " Average Recall     (AR) @[ IoU=0.50      | area=   all | maxDets= 20 ] = 1.000",
      " Average Recall     (AR) @[ IoU=0.75      | area=   all | maxDets= 20 ] = 0.500",
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets= 20 ] = -1.000",
      " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ] = 0.555",
    ]);
  });

  it("rounds exact ties half to even like Python", () => {
    // 0.0625 and 0.1875 are exact binary ties at 3 decimals; 0.5555 is not (its double is 0.55549999...)
    expect([0.0625, 0.1875, 0.3125, 0.5555, 0.0005, 1, -1].map(formatFixed3)).toEqual([
      "0.062",
      "0.188",
      "0.312",
      "0.555",
      "0.001",
      "1.000",
      "-1.000",
    ]);
  });
});

describe("JSON", () => {
  it("has exactly the ten keys in order, full precision, -1 kept", () => {
    expect(formatStatsJson(stats)).toBe(
      '{"AP":0.5772277227722772,"AP50":1,"AP75":0.0625,"APm":-1,"APl":0.1875,"AR":0.65,"AR50":1,"AR75":0.5,"ARm":-1,"ARl":0.5555}',
    );
  });
});

describe("per-joint numbers", () => {
  const P = stickPerson(300, 240, 200);
  const Q = stickPerson(100, 240, 200);

  it("are the OKS terms of the matched pair, with misses counting zero", () => {
    const gt = parseCocoGroundTruth(groundTruth([1], [gtAnn(1, P, 20000), gtAnn(1, Q, 20000)]), "gt");
    const det = result(1, P, 0.9);
    det.keypoints[9 * 3] += 12; // left wrist 12 px off
    const { detections } = parseCocoResults([det], "res", gt);
    const ev = evaluateKeypoints(gt, detections);
    const report = perJointStats(gt, detections, ev);
    const wrist = report.joints[9];
    // left wrist: sigma .062; ks = exp(-144 / (2 * .062)^2 / 20000 / 2) ~= 0.79 for P, 0 for the missed Q
    const ks = Math.exp(-144 / (4 * PYCOCOTOOLS_KPT_OKS_SIGMAS[9] ** 2) / 20000 / 2);
    expect(wrist).toMatchObject({ name: "left_wrist", labelled: 2, matched: 1, pck50: 0.5, pck75: 0.5 });
    expect(wrist.meanKs).toBeCloseTo(ks / 2, 12);
    expect(wrist.matchedMeanKs).toBeCloseTo(ks, 12);
    expect(report.joints[0]).toMatchObject({ name: "nose", labelled: 2, matched: 1, meanKs: 0.5, matchedMeanKs: 1 });
    expect(formatPerJointTable(report).split("\n")[11]).toBe(
      "left_wrist             2        1   39.6   50.0   50.0     79.1",
    );
  });
});
