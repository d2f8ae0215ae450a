// Child process for wasm-threads.test.ts: initialises wasm with the thread count given as argv[2] (and
// the pool start timeout argv[3], seconds, if given), runs a convolution, prints one JSON line and
// returns from top level without closing anything; the test checks that the process exits by itself
// (the pool's workers must not keep Node alive).
import * as tf from "@tensorflow/tfjs-core";
import { initWasmBackend } from "../../runtime/backends/wasm-threads.js";

const startTimeoutS = process.argv[3] ? Number(process.argv[3]) : undefined;
const info = await initWasmBackend({ threads: Number(process.argv[2]), startTimeoutS });
const x = tf.ones([1, 23, 23, 16]) as tf.Tensor4D;
const w = tf.ones([3, 3, 16, 8]) as tf.Tensor4D;
const y = tf.conv2d(x, w, 1, "same");
const center = y.dataSync()[(11 * 23 + 11) * 8];
console.log(JSON.stringify({ ...info, backend: tf.getBackend(), center, doneAt: Date.now() }));
