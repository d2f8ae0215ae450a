// COCO keypoint evaluation: pycocotools-exact AP/AR, per-joint statistics, report formatting.
// `evaluateKeypointFiles` is what `posec eval GT RESULTS` wires to.
import { parseCocoGroundTruth, parseCocoResults, readJsonFile } from "./coco.js";
import type { CocoGroundTruth, LoadedDetection } from "./coco.js";
import { evaluateKeypoints, type KeypointEvaluation } from "./cocoeval.js";
import { perJointStats, type PerJointReport } from "./perjoint.js";
import { formatPerJointTable, formatSummaryTable } from "./report.js";

export * from "./coco.js";
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

/** Ground truth + results in memory (e.g. straight from `posec infer`) -> numbers. */
export function evaluateKeypointData(
  gtJson: unknown,
  resultsJson: unknown,
  gtName: string,
  resultsName: string,
): KeypointEvalRun {
  const groundTruth = parseCocoGroundTruth(gtJson, gtName);
  const { detections, warnings } = parseCocoResults(resultsJson, resultsName, groundTruth);
  const evaluation = evaluateKeypoints(groundTruth, detections);
  const perJoint = perJointStats(groundTruth, detections, evaluation);
  return { groundTruth, detections, evaluation, perJoint, warnings };
}

/** Reads a COCO keypoint ground-truth file and a results file and evaluates them. */
export function evaluateKeypointFiles(gtPath: string, resultsPath: string): KeypointEvalRun {
  const gtJson = readJsonFile(gtPath, "ground truth");
  const resultsJson = readJsonFile(resultsPath, "results");
  return evaluateKeypointData(gtJson, resultsJson, gtPath, resultsPath);
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
