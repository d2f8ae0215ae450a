// Memory stays flat over a long run: after warm-up, 300 training steps on the wasm backend leave the
// tensor count unchanged and the resident set size without growth (issue 3's long-run check).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { isPoseIr } from "../../core/ir/types.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { selectBackend } from "../../runtime/backends/select.js";
import { batches, openDataset, sampleConfigFromIr, type Batch } from "../../runtime/data/index.js";
import { buildModel } from "../../runtime/model/build.js";
import { trainableParams, trainStep } from "../../runtime/train/loop.js";
import { PoseOptimizer } from "../../runtime/train/optimizer.js";
import { compileFile } from "../helpers.js";

// A full garbage collection before each sample: without it V8's heap ramps up between major
// collections (tens of MB on this spec), and when those come depends on the machine's load.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

describe("a 300-step run", () => {
  it("keeps tf.memory() constant and RSS flat after warm-up (wasm)", async () => {
    const ir = compileFile("test/fixtures/train/tiny.posenet").ir!;
    if (!isPoseIr(ir)) throw new Error("not a pose model");
    const report = await selectBackend({ prefer: "wasm" });
    expect(report.backend).toBe("wasm");
    const dataset = await openDataset(ir.train.data, ir.keypoints, { synthDir: ".posec-cache/test-memory-synth" });
    const stream = batches({ dataset, config: sampleConfigFromIr(ir), batchSize: 4, seed: 1, steps: 10 });
    const pool: Batch[] = [];
    for await (const b of stream) pool.push(b);
    const { model, stages } = buildModel(ir, initialWeights(modelParams(ir), 1));
    const params = trainableParams(model, ir);
    const optimizer = new PoseOptimizer(ir.train.optimizer, params);
    const tensors: number[] = [];
    const bytes: number[] = [];
    const rss: number[] = [];
    const heap: number[] = [];
    const jsHeap: number[] = [];
    const wasmHeapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    for (let step = 0; step < 300; step++) {
      const loss = trainStep(model, stages, params, optimizer, pool[step % pool.length], ir, 1e-3);
      expect(Number.isFinite(loss.total)).toBe(true);
      tensors.push(tf.memory().numTensors);
      bytes.push(tf.memory().numBytes);
      if (step % 20 === 19) {
        collectGarbage();
        const usage = process.memoryUsage();
        rss.push(usage.rss);
        jsHeap.push(usage.heapUsed);
        heap.push(wasmHeapBytes());
      }
    }
    // the optimizer creates its slots on the first update; from then on nothing may accumulate
    expect(new Set(tensors.slice(2)).size).toBe(1);
    expect(new Set(bytes.slice(2)).size).toBe(1);
    // the wasm heap (where the tensors live) only ever grows: after a 100-step warm-up it must not
    expect(new Set(heap.slice(4)).size).toBe(1);
    // JS heap and RSS, after a full collection: the last 200 steps must not grow them by more than 10%
    // (a leak of one batch per step would add well over that); the smallest of the last three samples
    // (a leak raises all of them) against the largest of the three after warm-up.
    const grew = (xs: number[]) => Math.min(...xs.slice(-3)) / Math.max(...xs.slice(4, 7));
    expect(grew(jsHeap)).toBeLessThan(1.1);
    expect(grew(rss)).toBeLessThan(1.1);
    model.dispose();
    optimizer.dispose();
  }, 300_000);
});
