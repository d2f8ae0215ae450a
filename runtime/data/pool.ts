// Where samples are made: on the main thread (decoding overlaps through sharp's thread pool, target
// generation runs between the consumer's awaits) or in worker threads (true parallelism for the CPU-bound
// warp and targets). Both give bit-identical samples: a sample depends only on (dataset, config, seed, index).
import { Worker } from "node:worker_threads";
import { PosecError } from "../errors.js";
import type { CocoDataset } from "./coco-dataset.js";
import { loadSample, type SampleConfig } from "./sample.js";
import type { SampleReply, WorkerInit } from "./worker.js";

export interface SampleBuffers {
  image: Float32Array;
  heatmaps: Float32Array;
  pafs: Float32Array;
  mask: Float32Array;
}

export interface SampleSource {
  load(index: number, seed: number): Promise<SampleBuffers>;
  close(): Promise<void>;
}

export function localSource(dataset: CocoDataset, config: SampleConfig): SampleSource {
  return {
    load: (index, seed) => loadSample(dataset, index, config, seed),
    close: async () => {},
  };
}

/** `count` workers running `script` (the bundled worker.ts), each sent the dataset and config once. */
export function workerSource(dataset: CocoDataset, config: SampleConfig, count: number, script: string | URL): SampleSource {
  const init: WorkerInit = { posecDataWorker: true, dataset, config };
  const pending = new Map<number, { resolve: (b: SampleBuffers) => void; reject: (e: Error) => void; worker: number }>();
  const busy = new Array<number>(count).fill(0);
  let nextId = 0;
  let failure: Error | null = null;
  let closing = false;
  const workers = Array.from({ length: count }, (_, w) => {
    const worker = new Worker(script, { workerData: init });
    worker.unref(); // re-referenced while requests are outstanding
    worker.on("message", (r: SampleReply) => {
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      if (--busy[w] === 0) worker.unref();
      if (r.ok) p.resolve({ image: r.image, heatmaps: r.heatmaps, pafs: r.pafs, mask: r.mask });
      else p.reject(r.code ? new PosecError(r.message, r.code) : new Error(r.message));
    });
    const failAll = (why: string) => {
      failure ??= new PosecError(`data worker failed: ${why}`, "PN5006", `worker script: ${String(script)}`);
      for (const [id, p] of pending) if (p.worker === w) (pending.delete(id), p.reject(failure));
    };
    worker.on("error", (e) => failAll(e.message));
    worker.on("exit", (code) => {
      if (!closing) failAll(`exited with code ${code}`);
    });
    return worker;
  });
  return {
    load(index, seed) {
      if (failure) return Promise.reject(failure);
      // least busy worker, lowest number first: placement never affects the result, only the speed
      let w = 0;
      for (let i = 1; i < count; i++) if (busy[i] < busy[w]) w = i;
      const id = nextId++;
      return new Promise<SampleBuffers>((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: w });
        if (busy[w]++ === 0) workers[w].ref();
        workers[w].postMessage({ id, index, seed });
      });
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
      for (const p of pending.values()) p.reject(new PosecError("data workers were closed", "PN5006"));
      pending.clear();
    },
  };
}
