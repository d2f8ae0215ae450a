// Batches with prefetch: an async iterator of channels-last Float32Array batches, ready for tf.tensor4d.
//
// Order is a pure function of the seed: epoch e visits the samples in the permutation drawn from
// Rng(seedFor(seed, 2e)) and augments sample i with Rng(seedFor(seedFor(seed, 2e + 1), i)); step s is batch
// s mod B of epoch floor(s / B) (B = batches per epoch, the last partial batch dropped so that every batch
// has the same shape). Hence resuming at `startStep` reproduces the same batches without replaying, and
// prefetching, worker count and timing never change what is yielded.
//
// A sample that fails to load (a corrupt image) with skipBad on is replaced by the next one in the epoch's
// order that loads; that rule depends only on which samples are bad, so it keeps the order deterministic.
import { PosecError, isPosecError } from "../errors.js";
import { Rng, seedFor } from "../util/rng.js";
import type { BadSample, CocoDataset } from "./coco-dataset.js";
import { localSource, workerSource, type SampleBuffers, type SampleSource } from "./pool.js";
import type { SampleConfig } from "./sample.js";

/** Errors that condemn one sample (its image or its annotations), which skipBad may skip. */
const SAMPLE_ERROR_CODES = new Set(["PN5001", "PN5002", "PN5003"]);

export interface Batch {
  /** global step, from 0 (or startStep) */
  step: number;
  epoch: number;
  /** dataset sample indices in batch order */
  indices: number[];
  /** [B, H, W, 3] */
  images: Float32Array;
  /** [B, h, w, heatmapChannels] */
  heatmaps: Float32Array;
  /** [B, h, w, pafChannels] */
  pafs: Float32Array;
  /** [B, h, w, 1] */
  masks: Float32Array;
  shapes: {
    images: [number, number, number, number];
    heatmaps: [number, number, number, number];
    pafs: [number, number, number, number];
    masks: [number, number, number, number];
  };
}

export interface BatchOptions {
  dataset: CocoDataset;
  config: SampleConfig;
  batchSize: number;
  seed: number;
  /** stop after this many epochs / steps (whichever comes first); neither: endless */
  epochs?: number | null;
  steps?: number | null;
  /** default true */
  shuffle?: boolean;
  /** first step to yield (resume); default 0 */
  startStep?: number;
  /** batches prepared ahead of the consumer; default 2 */
  prefetch?: number;
  /** worker threads; 0 (default) = main thread */
  workers?: number;
  /** the bundled runtime/data/worker.ts; required when workers > 0 */
  workerScript?: string | URL;
  /** replace samples that fail to load instead of throwing; each is reported once to onBad */
  skipBad?: boolean;
  onBad?: (bad: BadSample) => void;
}

export interface BatchStream extends AsyncIterableIterator<Batch> {
  readonly batchesPerEpoch: number;
  /** samples skipped so far (skipBad) */
  readonly skipped: BadSample[];
  close(): Promise<void>;
}

/** The epoch's visiting order. */
export function epochOrder(sampleCount: number, seed: number, epoch: number, shuffle: boolean): Uint32Array {
  const order = new Uint32Array(sampleCount);
  for (let i = 0; i < sampleCount; i++) order[i] = i;
  if (!shuffle) return order;
  const rng = new Rng(seedFor(seed, 2 * epoch));
  for (let i = sampleCount - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Seed of epoch e's augmentation draws (sample i then uses seedFor(this, i)). */
export function epochAugmentSeed(seed: number, epoch: number): number {
  return seedFor(seed, 2 * epoch + 1);
}

export function batches(o: BatchOptions): BatchStream {
  const N = o.dataset.samples.length;
  const B = o.batchSize;
  if (!(Number.isInteger(B) && B >= 1)) throw new PosecError(`batch size must be a positive integer, got ${B}`, "PN5005");
  if (N === 0) throw new PosecError(`${o.dataset.annotationsFile}: the dataset has no samples`, "PN5004");
  // fewer samples than a batch: one batch per epoch that wraps around the permutation
  const perEpoch = Math.max(1, Math.floor(N / B));
  const shuffle = o.shuffle ?? true;
  const lastStep = Math.min(o.steps ?? Infinity, o.epochs != null ? o.epochs * perEpoch : Infinity);
  const prefetch = Math.max(1, o.prefetch ?? 2);
  const workers = o.workers ?? 0;
  if (workers > 0 && !o.workerScript) throw new PosecError("workers > 0 needs workerScript (the bundled data worker)", "PN5006");
  const source: SampleSource = workers > 0 ? workerSource(o.dataset, o.config, workers, o.workerScript!) : localSource(o.dataset, o.config);

  const { input, targets, keypoints } = o.config;
  const shapes: Batch["shapes"] = {
    images: [B, input.height, input.width, 3],
    heatmaps: [B, targets.gridHeight, targets.gridWidth, keypoints.heatmapChannels],
    pafs: [B, targets.gridHeight, targets.gridWidth, keypoints.pafChannels],
    masks: [B, targets.gridHeight, targets.gridWidth, 1],
  };
  const per = shapes.images.slice(1).reduce((a, b) => a * b, 1);
  const perHeat = shapes.heatmaps.slice(1).reduce((a, b) => a * b, 1);
  const perPaf = shapes.pafs.slice(1).reduce((a, b) => a * b, 1);
  const perMask = shapes.masks.slice(1).reduce((a, b) => a * b, 1);

  const orders = new Map<number, Uint32Array>();
  const orderOf = (epoch: number) => {
    let ord = orders.get(epoch);
    if (!ord) {
      ord = epochOrder(N, o.seed, epoch, shuffle);
      orders.set(epoch, ord);
      for (const e of orders.keys()) if (e < epoch - 1) orders.delete(e);
    }
    return ord;
  };
  const knownBad = new Set<number>();
  const skipped: BadSample[] = [];

  /** the sample at `position` of the epoch, or the next one that loads (skipBad) */
  async function item(epoch: number, position: number): Promise<{ index: number; s: SampleBuffers }> {
    const order = orderOf(epoch);
    const seed = epochAugmentSeed(o.seed, epoch);
    for (let k = 0; k < N; k++) {
      const index = order[(position + k) % N];
      if (knownBad.has(index)) continue;
      try {
        return { index, s: await source.load(index, seed) };
      } catch (e) {
        if (!o.skipBad || !isPosecError(e) || !SAMPLE_ERROR_CODES.has(e.code)) throw e;
        if (!knownBad.has(index)) {
          knownBad.add(index);
          const bad = { file: o.dataset.images[o.dataset.samples[index].image].path, reason: e.message };
          skipped.push(bad);
          o.onBad?.(bad);
        }
      }
    }
    throw new PosecError(`${o.dataset.annotationsFile}: no sample could be loaded (all ${N} are bad)`, "PN5004");
  }

  async function makeBatch(step: number): Promise<Batch> {
    const epoch = Math.floor(step / perEpoch);
    const first = (step % perEpoch) * B;
    const items = await Promise.all(Array.from({ length: B }, (_, i) => item(epoch, (first + i) % N)));
    const batch: Batch = {
      step,
      epoch,
      indices: items.map((x) => x.index),
      images: new Float32Array(B * per),
      heatmaps: new Float32Array(B * perHeat),
      pafs: new Float32Array(B * perPaf),
      masks: new Float32Array(B * perMask),
      shapes,
    };
    items.forEach(({ s }, i) => {
      batch.images.set(s.image, i * per);
      batch.heatmaps.set(s.heatmaps, i * perHeat);
      batch.pafs.set(s.pafs, i * perPaf);
      batch.masks.set(s.mask, i * perMask);
    });
    return batch;
  }

  let next = o.startStep ?? 0;
  const ahead: Promise<Batch>[] = [];
  let closed = false;
  const fill = () => {
    while (!closed && ahead.length < prefetch && next < lastStep) {
      const p = makeBatch(next++);
      p.catch(() => {}); // surfaced when the consumer reaches it
      ahead.push(p);
    }
  };
  const close = async () => {
    closed = true;
    ahead.length = 0;
    await source.close();
  };

  const stream: BatchStream = {
    batchesPerEpoch: perEpoch,
    skipped,
    close,
    async next(): Promise<IteratorResult<Batch>> {
      fill();
      const p = ahead.shift();
      if (!p) {
        await close();
        return { done: true, value: undefined };
      }
      try {
        const batch = await p;
        fill(); // start the following batch before handing this one over
        return { done: false, value: batch };
      } catch (e) {
        await close();
        throw e;
      }
    },
    async return(): Promise<IteratorResult<Batch>> {
      await close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}
