// Worker-thread side of the sample pool (see pool.ts). This file is a worker ENTRY POINT: bundle it on its
// own (e.g. esbuild runtime/data/worker.ts --bundle --platform=node --format=esm --packages=external) and
// pass the output's path as `workerScript`. It does nothing unless started by SamplePool, so importing it
// by accident from the main thread is harmless.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { isPosecError } from "../errors.js";
import type { DiagnosticCode } from "../../core/diagnostics.js";
import type { CocoDataset } from "./coco-dataset.js";
import { loadSample, type SampleConfig } from "./sample.js";

export interface WorkerInit {
  posecDataWorker: true;
  dataset: CocoDataset;
  config: SampleConfig;
}
export interface SampleRequest {
  id: number;
  index: number;
  seed: number;
}
export type SampleReply =
  | { id: number; ok: true; image: Float32Array; heatmaps: Float32Array; pafs: Float32Array; mask: Float32Array }
  | { id: number; ok: false; message: string; code: DiagnosticCode | null };

const init = workerData as WorkerInit | undefined;
if (!isMainThread && parentPort && init?.posecDataWorker) {
  const port = parentPort;
  port.on("message", (req: SampleRequest) => {
    loadSample(init.dataset, req.index, init.config, req.seed).then(
      (s) => {
        const reply: SampleReply = { id: req.id, ok: true, image: s.image, heatmaps: s.heatmaps, pafs: s.pafs, mask: s.mask };
        port.postMessage(reply, [s.image.buffer, s.heatmaps.buffer, s.pafs.buffer, s.mask.buffer] as ArrayBuffer[]);
      },
      (e: unknown) => {
        const reply: SampleReply = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e), code: isPosecError(e) ? e.code : null };
        port.postMessage(reply);
      },
    );
  });
}
