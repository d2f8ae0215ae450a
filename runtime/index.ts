// posec's runtime as a library: what generated training programs (which install it as the package
// `@posec/runtime`, scripts/runtime-package.mjs) and users' own scripts (`import ... from "posec/runtime"`)
// build on. Loading it loads tfjs.
export { selectBackend, formatBackendReport, type BackendReport, type BackendPreference } from "./backends/select.js";
export { PosecError, isPosecError } from "./errors.js";
export { dataFromFlag, requireData, synthCacheDir } from "./data/choose.js";
export { openDataset, batches, sampleConfigFromIr, synthesizeDataset, type Batch, type BatchStream, type CocoDataset, type SampleConfig } from "./data/index.js";
export { datasetChannelWeights } from "./data/joints.js";
export { poseLoss, maskedL2, hardJointLoss, type PoseLossValue, type StageOutput, type PoseTargets } from "./losses/index.js";
export { buildModel, setWeights, getWeights, canonicalWeightName, type BuiltModel } from "./model/build.js";
export { PosecDilatedDepthwiseConv2D, PosecPool2D, PosecResizeBilinear, type PoolConfig } from "./model/layers.js";
export { PoseOptimizer, learningRate, paramPolicy, type TrainableParam } from "./train/optimizer.js";
export { saveCheckpoint, readCheckpoint, latestCheckpoint, graphHash, type LoadedCheckpoint } from "./checkpoint/write.js";
export { train, trainStep, type TrainOptions, type TrainResult, type StepRecord } from "./train/loop.js";
export { createProgress, type Progress } from "./util/progress.js";
export { startingWeights, initFromFlag, type SourceLoad } from "./weights/start.js";
export { loadForeignWeights } from "./weights/load.js";
export { summariseReport, type LoadReport } from "./weights/report.js";
export { loadIr } from "../core/ir/load.js";
export { initialWeights, modelParams, type WeightSet } from "../core/params/index.js";
export { isPoseIr, type Ir, type PoseIr, type DataIR } from "../core/ir/types.js";
