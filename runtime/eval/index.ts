// COCO keypoint evaluation: pycocotools-exact AP/AR, per-joint statistics, report formatting.
// `evaluateKeypointFiles` is what `posec eval GT RESULTS` wires to.
import { parseCocoGroundTruth, parseCocoResults, readJsonFile } from "./coco-files.js";
import type { CocoGroundTruth } from "../coco/format.js";
import type { LoadedDetection } from "./coco-files.js";
import { defaultKeypointEvalParams, evaluateKeypoints, type KeypointEvaluation } from "./cocoeval.js";
import { PYCOCOTOOLS_KPT_OKS_SIGMAS } from "./oks.js";
import { PosecError } from "../errors.js";
import type { KeypointsIR } from "../../core/ir/types.js";
import { perJointStats, type PerJointReport } from "./perjoint.js";
import { formatPerJointTable, formatSummaryTable } from "./report.js";

export * from "./coco-files.js";
export * from "./cocoeval.js";
export * from "./oks.js";
export * from "./perjoint.js";
export * from "./report.js";

export interface KeypointEvalRun {
  groundTruth: CocoGroundTruth;
  detections: LoadedDetection[];
  evaluation: KeypointEvaluation;
  perJoint: PerJointReport;
  /** things the user should see (empty results, results of unknown categories) */
  warnings: string[];
}

/**
 * Ground truth + results in memory (e.g. straight from `posec infer`) -> numbers. `sigmas` (one OKS sigma per
 * dataset keypoint, see `oksSigmasFor`) default to pycocotools' 17 COCO sigmas.
 */
export function evaluateKeypointData(
  gtJson: unknown,
  resultsJson: unknown,
  gtName: string,
  resultsName: string,
  sigmas: readonly number[] = PYCOCOTOOLS_KPT_OKS_SIGMAS,
): KeypointEvalRun {
  const groundTruth = parseCocoGroundTruth(gtJson, gtName, sigmas.length);
  const { detections, warnings } = parseCocoResults(resultsJson, resultsName, groundTruth, sigmas.length);
  const evaluation = evaluateKeypoints(groundTruth, detections, { ...defaultKeypointEvalParams(), sigmas });
  const perJoint = perJointStats(groundTruth, detections, evaluation);
  return { groundTruth, detections, evaluation, perJoint, warnings };
}

/**
 * The OKS sigmas a schema's people are scored with: pycocotools' own doubles for COCO's 17 keypoints (they
 * are .26/10 etc., not the literals 0.026), else the sigmas the schema's dataset declares.
 */
export function oksSigmasFor(keypoints: Pick<KeypointsIR, "name" | "dataset">): readonly number[] {
  const d = keypoints.dataset;
  if (!d) throw new PosecError(`keypoint schema "${keypoints.name}" names no dataset, so its people cannot be scored`, "PN5203");
  if (d.name === "coco" && d.keypoints.length === PYCOCOTOOLS_KPT_OKS_SIGMAS.length) return PYCOCOTOOLS_KPT_OKS_SIGMAS;
  return d.sigmas;
}

/** Reads a COCO keypoint ground-truth file and a results file and evaluates them. */
export function evaluateKeypointFiles(gtPath: string, resultsPath: string, sigmas: readonly number[] = PYCOCOTOOLS_KPT_OKS_SIGMAS): KeypointEvalRun {
  const gtJson = readJsonFile(gtPath, "ground truth");
  const resultsJson = readJsonFile(resultsPath, "results");
  return evaluateKeypointData(gtJson, resultsJson, gtPath, resultsPath, sigmas);
}

/** The text `posec eval` prints: warnings, pycocotools' ten lines, the per-joint table. */
export function formatKeypointEvalText(run: KeypointEvalRun): string {
  return [
    ...run.warnings.map((w) => `warning: ${w}`),
    formatSummaryTable(run.evaluation.stats),
    "",
    formatPerJointTable(run.perJoint),
  ].join("\n");
}
