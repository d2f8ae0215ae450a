// The wasm heap is capped at 4 GiB and tfjs does not check its allocations: posec turns a failed one
// into a PosecError that says what to do.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, expect, it } from "vitest";
import { isPosecError } from "../../runtime/errors.js";
import { selectBackend } from "../../runtime/backends/select.js";

beforeAll(async () => {
  await selectBackend({ prefer: "wasm", threads: 2 });
}, 60_000);

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
}

it("a tensor larger than the heap cap fails with a clear error", () => {
  const e = errorOf(() => tf.zeros([2 ** 30 + 16]));
  expect(isPosecError(e)).toBe(true);
  expect((e as Error).message).toMatch(/wasm backend ran out of memory allocating 4\.00 GiB .*capped at 4 GiB/);
  expect((e as { hint?: string }).hint).toMatch(/smaller batch size or input size/);
});

it("an allocation that no longer fits next to live tensors fails with the same error", () => {
  // makeOutput allocates without writing, so the test does not touch gigabytes of memory
  const backend = tf.backend() as unknown as {
    makeOutput(shape: number[], dtype: string): tf.TensorInfo;
    disposeData(id: object): void;
  };
  const big = backend.makeOutput([640 * 2 ** 20], "float32"); // 2.5 GiB
  try {
    const e = errorOf(() => backend.makeOutput([512 * 2 ** 20], "float32")); // 2 GiB more
    expect(isPosecError(e)).toBe(true);
    expect((e as Error).message).toMatch(/allocating 2\.00 GiB/);
  } finally {
    backend.disposeData(big.dataId);
  }
  // the backend still works afterwards
  expect(Array.from(tf.add(tf.ones([3]), 1).dataSync())).toEqual([2, 2, 2]);
});
