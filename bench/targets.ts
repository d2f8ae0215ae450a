// Target-generation throughput: samples/s for decode + augment + targets, from a synthetic set.
//   node scripts/run-ts.mjs bench/targets.ts [--samples N] [--workers N]
// For each input size (128x128 and 368x368, stride 8): one sample at a time on the main thread, then the
// batch iterator (batch 8, prefetch 2) on the main thread and with worker threads, consumed as fast as
// possible and with a consumer that blocks the main thread for a while per batch (a stand-in for a training
// step: only work done off the main thread overlaps with it).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { BUILTIN_KEYPOINTS } from "../core/keypoints/builtin.js";
import { batches } from "../runtime/data/batches.js";
import { readCocoDataset, type CocoDataset } from "../runtime/data/coco-dataset.js";
import { loadSample, type SampleConfig } from "../runtime/data/sample.js";
import { synthesizeDataset } from "../runtime/data/synth.js";
import { bundleDataWorker } from "../testkit/data-worker-bundle.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SAMPLES = arg("samples", 160);
const WORKERS = arg("workers", Math.max(1, cpus().length - 1));
const BATCH = 8;
const keypoints = BUILTIN_KEYPOINTS.coco18({ file: "bench", line: 1, col: 1, endLine: 1, endCol: 1 });

function config(size: number): SampleConfig {
  return {
    keypoints,
    input: { width: size, height: size, scale: 1 / 256, shift: -0.5, channelOrder: "bgr" },
    targets: {
      stride: 8,
      gridWidth: Math.ceil(size / 8),
      gridHeight: Math.ceil(size / 8),
      sigma: 7,
      pafWidth: 1,
      heatmapCombine: "sum-clip",
      pafCombine: "average",
      pafConvention: "centered",
    },
    augment: { scale: [0.5, 1.1], targetDist: 0.6, rotate: 40, flip: 0.5, centerPerturb: 40 },
  };
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a synchronous training step */
  }
}

/** Steady-state samples/s of the iterator: timed from the first batch on (worker start-up excluded). */
async function iterate(
  ds: CocoDataset,
  cfg: SampleConfig,
  workers: number,
  script: string,
  stepMs: number,
): Promise<number> {
  const steps = 1 + Math.max(2, Math.floor(SAMPLES / BATCH));
  let t0 = 0;
  let n = 0;
  for await (const b of batches({
    dataset: ds,
    config: cfg,
    batchSize: BATCH,
    seed: 1,
    steps,
    prefetch: 2,
    workers,
    workerScript: script,
  })) {
    if (b.step === 0) t0 = performance.now();
    else n += b.indices.length;
    busy(stepMs);
  }
  return n / ((performance.now() - t0) / 1000);
}

const root = mkdtempSync(join(tmpdir(), "posec-bench-targets-"));
const worker = await bundleDataWorker();
try {
  console.log(
    `target generation (decode + augment + targets), ${SAMPLES} samples per run, batch ${BATCH}, ${cpus().length} cores`,
  );
  for (const size of [128, 368]) {
    const set = await synthesizeDataset({ outDir: join(root, `s${size}`), images: 48, size, seed: 1 });
    const ds = readCocoDataset(set.annotationsFile, set.imagesDir, keypoints, { minArea: (0.05 * size) ** 2 });
    const cfg = config(size);
    await loadSample(ds, 0, cfg, 0); // warm-up (sharp, JIT)

    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < SAMPLES; i++) await loadSample(ds, i % ds.samples.length, cfg, 1);
    const single = SAMPLES / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    // CPU time is less sensitive than wall time to other processes on a shared machine
    const cpuMs = (cpu.user + cpu.system) / 1000 / SAMPLES;
    const main = await iterate(ds, cfg, 0, worker.script, 0);
    const threaded = await iterate(ds, cfg, WORKERS, worker.script, 0);
    // a consumer step as long as preparing one batch single-threaded
    const stepMs = (BATCH / single) * 1000;
    const mainBusy = await iterate(ds, cfg, 0, worker.script, stepMs);
    const threadedBusy = await iterate(ds, cfg, WORKERS, worker.script, stepMs);
    t0 = performance.now();
    busy(stepMs * Math.floor(SAMPLES / BATCH));
    const consumerOnly = (Math.floor(SAMPLES / BATCH) * BATCH) / ((performance.now() - t0) / 1000);

    console.log(`\n${size}x${size} input, stride 8 (${ds.samples.length} samples in the set)`);
    console.log(
      `  single-threaded, one sample at a time     ${single.toFixed(0).padStart(6)} samples/s  (${cpuMs.toFixed(2)} CPU ms/sample)`,
    );
    console.log(`  iterator, main thread, prefetch 2         ${main.toFixed(0).padStart(6)} samples/s`);
    console.log(`  iterator, ${WORKERS} worker(s), prefetch 2        ${threaded.toFixed(0).padStart(6)} samples/s`);
    console.log(`  with a ${stepMs.toFixed(1)} ms/batch consumer (alone: ${consumerOnly.toFixed(0)} samples/s):`);
    console.log(`    main thread                             ${mainBusy.toFixed(0).padStart(6)} samples/s`);
    console.log(
      `    ${WORKERS} worker(s)                             ${threadedBusy.toFixed(0).padStart(6)} samples/s`,
    );
  }
} finally {
  worker.remove();
  rmSync(root, { recursive: true, force: true });
}
