// Threaded wasm under Node: the requested thread count runs and is reported, a process that used it
// exits by itself, and repeated training steps neither grow the tensor count nor leak backend memory.
import { spawn } from "node:child_process";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../runtime/backends/select.js";
import { checkPinnedInternals, WasmThreadsUnavailable } from "../../runtime/backends/wasm-threads.js";
import { randomValues, size } from "./helpers.js";

interface ChildResult {
  threads: number;
  simd: boolean;
  note: string | null;
  backend: string;
  center: number;
  doneAt: number;
}

/** Runs the child; resolves with its JSON line and how long it took to exit after printing it. */
function runChild(threads: number, startTimeoutS?: number): Promise<{ result: ChildResult; exitAfterMs: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const args = ["scripts/run-ts.mjs", "test/backends/wasm-threads-child.ts", String(threads)];
    if (startTimeoutS !== undefined) args.push(String(startTimeoutS));
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const killer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child did not exit within 60 s; stdout: ${out}; stderr: ${err}`));
    }, 60_000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return reject(new Error(`child printed no result (exit ${code}); stderr: ${err}`));
      const result = JSON.parse(line) as ChildResult;
      resolve({ result, exitAfterMs: Date.now() - result.doneAt, code, stderr: err });
    });
  });
}

describe("wasm threads", () => {
  it("a process using 2 threads runs them, reports them and exits by itself within a few seconds", async () => {
    const { result, exitAfterMs, code } = await runChild(2);
    expect(code).toBe(0);
    expect(result.backend).toBe("wasm");
    expect(result.threads).toBe(2);
    expect(result.note).toBeNull();
    expect(result.simd).toBe(true);
    expect(result.center).toBe(3 * 3 * 16);
    expect(exitAfterMs).toBeLessThan(5000);
  }, 90_000);

  it("when the worker pool cannot start, it falls back to one thread, says why and still works", async () => {
    const { result, code, exitAfterMs, stderr } = await runChild(2, 0.001);
    expect(code).toBe(0);
    expect(result.threads).toBe(1);
    expect(result.note).toMatch(/^wasm threads unavailable, running single-threaded: the worker pool did not start within/);
    expect(stderr).toContain(result.note);
    expect(result.center).toBe(3 * 3 * 16);
    expect(exitAfterMs).toBeLessThan(5000);
  }, 90_000);

  it("a changed tfjs-backend-wasm is refused with an error naming what changed", () => {
    const stock = { BackendWasm() {}, setThreadsCount() {}, getThreadsCount() {} };
    expect(() => checkPinnedInternals(stock, "4.22.0")).not.toThrow();
    expect(() => checkPinnedInternals(stock, "4.23.0")).toThrow(/tfjs-backend-wasm is 4\.23\.0 \(posec's threaded loader is written against tfjs-backend-wasm 4\.22\.0\)/);
    expect(() => checkPinnedInternals({ ...stock, setThreadsCount: undefined }, "4.22.0")).toThrow(/no longer exports setThreadsCount/);
    expect(() => checkPinnedInternals(stock, "4.23.0")).toThrow(WasmThreadsUnavailable);
  });

  it("1 thread uses the stock single-threaded SIMD build", async () => {
    const { result, code } = await runChild(1);
    expect(code).toBe(0);
    expect(result.threads).toBe(1);
    expect(result.center).toBe(3 * 3 * 16);
  }, 90_000);
});

describe("memory stays flat across training steps (wasm, 2 threads)", () => {
  beforeAll(async () => {
    await selectBackend({ prefer: "wasm", threads: 2 });
  }, 60_000);

  it("tensor count, backend buffers and bytes are the same after every step", async () => {
    const explicit = (t: number, b: number, l: number, r: number): [[number, number], [number, number], [number, number], [number, number]] => [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ];
    const shapes: Record<string, number[]> = { w1: [3, 3, 3, 8], w2: [3, 3, 8, 8], w3: [1, 1, 16, 4] };
    const vars = Object.fromEntries(
      Object.entries(shapes).map(([k, s], i) => [k, tf.variable(tf.tensor(randomValues(size(s), i + 1, -0.3, 0.3), s))]),
    );
    const x = tf.tensor4d(randomValues(2 * 17 * 16 * 3, 9), [2, 17, 16, 3]);
    const target = tf.zeros([2, 9, 8, 4]);
    const optimizer = tf.train.momentum(0.01, 0.9);
    // Exercises every replaced kernel: strided + padded conv (upsampling path), dilated conv, max and
    // average pool, bilinear and nearest resize.
    const loss = () => {
      const h = tf.relu(tf.conv2d(x, vars.w1 as tf.Tensor4D, 2, explicit(1, 1, 0, 1))); // 9x8
      const d = tf.conv2d(h, vars.w2 as tf.Tensor4D, 1, "same", "NHWC", 2);
      const p = tf.maxPool(d, 2, 2, explicit(0, 1, 0, 0)); // 5x4
      const up = tf.image.resizeBilinear(p, [9, 8], false, true);
      const c = tf.concat([up, tf.image.resizeNearestNeighbor(tf.avgPool(h, 3, 1, "same"), [9, 8])], 3);
      return tf.mean(tf.square(tf.sub(tf.conv2d(c, vars.w3 as tf.Tensor4D, 1, "valid"), target))) as tf.Scalar;
    };
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const snapshots: number[][] = [];
    for (let step = 0; step < 6; step++) {
      const value = optimizer.minimize(loss, true);
      value?.dispose();
      const m = tf.memory();
      snapshots.push([m.numTensors, m.numDataBuffers, m.numBytes, backend.numDataIds()]);
    }
    // the first step creates the momentum accumulators; every later step must leave the same state
    for (let i = 2; i < snapshots.length; i++) expect(snapshots[i]).toEqual(snapshots[1]);
    expect(snapshots[1][0]).toBe(snapshots[1][3]);
    optimizer.dispose();
  }, 60_000);
});
