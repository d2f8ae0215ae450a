// Training sizes checked before anything is allocated: a batch whose activations cannot fit in memory
// is refused from the shape report (not after the machine starts swapping), a batch larger than the
// dataset is clamped, and data workers are capped at the number of cores.
import { availableParallelism, totalmem } from "node:os";
import type { PoseIr } from "../../core/ir/types.js";
import { inferShapes } from "../../core/shapes.js";
import { PosecError } from "../errors.js";

export const TOO_LARGE = "PN5007";

/**
 * Bytes one training image needs: its forward activations (all kept for the backward pass) and as
 * much again for their gradients. Weights and optimizer slots do not grow with the batch.
 */
export function trainBytesPerImage(ir: PoseIr): number {
  const report = inferShapes(ir, ir.input.height, ir.input.width).report;
  return 2 * (report?.totals.activationBytes ?? 0);
}

/** The most a batch may take: three quarters of the machine's memory. */
export function trainMemoryLimit(): number {
  return Math.floor(0.75 * totalmem());
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** PN5007 when `batch` images cannot fit in memory (checked before the backend starts). */
export function checkTrainBatch(ir: PoseIr, batch: number, limit = trainMemoryLimit()): void {
  const per = trainBytesPerImage(ir);
  if (per * batch > limit) {
    const fits = Math.max(1, Math.floor(limit / Math.max(1, per)));
    throw new PosecError(
      `a batch of ${batch} ${ir.input.height}x${ir.input.width} images needs about ${gib(per * batch)} for activations and their gradients (${(per / 2 ** 20).toFixed(1)} MiB per image), more than the ${gib(limit)} posec allows on this machine`,
      TOO_LARGE,
      `use --batch ${fits} or less`,
    );
  }
}

/** A batch larger than the dataset would repeat samples within one step: use the whole dataset instead. */
export function clampBatch(batch: number, samples: number, say: (msg: string) => void): number {
  if (samples > 0 && batch > samples) {
    say(`batch ${batch} is larger than the ${samples} training samples: using batches of ${samples}`);
    return samples;
  }
  return batch;
}

/** More data workers than cores only adds contention. */
export function capWorkers(workers: number | undefined, say: (msg: string) => void, cores = availableParallelism()): number | undefined {
  if (workers !== undefined && workers > cores) {
    say(`--workers ${workers} is more than the ${cores} cores: using ${cores}`);
    return cores;
  }
  return workers;
}
