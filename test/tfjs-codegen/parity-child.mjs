// Run by parity.test.ts in a child process: builds one network twice, with the generated program's
// model (DIR/dist/model.js, compiled by tsc) and with posec's runtime builder from the IR
// (runtime/model/build.ts, here through the `@posec/runtime` package), gives both the same weights, and
// prints what the test compares as JSON on stdout.
//   node parity-child.mjs DIR HEIGHT WIDTH cpu|wasm
// The weights are posec's seeded initial ones with the batch-norm statistics, gammas, betas and biases
// replaced by seeded random values (initially they are 1s and 0s, which would hide a swapped gamma/beta,
// a wrong epsilon or a bias left out).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { buildModel as runtimeBuild, getWeights, initialWeights, loadIr, modelParams } from "@posec/runtime";

const [dir, height, width, backend] = process.argv.slice(2);
const size = [Number(height), Number(width)];
if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
const { buildModel } = await import(pathToFileURL(join(dir, "dist", "model.js")).href);
const { ir } = loadIr(readFileSync(join(dir, "model.ir.json"), "utf8"), "model.ir.json");

let state = 12345;
const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
const weights = initialWeights(modelParams(ir, size), 7);
for (const [name, t] of weights) {
  const range = { gamma: [0.5, 1.5], moving_variance: [0.5, 1.5], beta: [-0.2, 0.2], moving_mean: [-0.2, 0.2], bias: [-0.2, 0.2], alpha: [0, 0.5] }[name.slice(name.lastIndexOf("/") + 1)];
  if (range) for (let i = 0; i < t.data.length; i++) t.data[i] = range[0] + (range[1] - range[0]) * random();
}

const generated = buildModel(weights, size);
const reference = runtimeBuild(ir, weights, size);
// a layer's class and configuration, less its initialisers (every weight is set afterwards)
const config = (l) => JSON.stringify({ class: l.getClassName(), ...Object.fromEntries(Object.entries(l.getConfig()).filter(([k]) => !k.endsWith("Initializer"))) });
const describe = (m) => ({
  layers: m.model.layers.map(config),
  params: m.model.countParams(),
  weights: [...getWeights(m.model)].map(([name, t]) => `${name}[${t.shape}]`),
  outputNames: m.outputNames,
  stages: m.stages,
});
// one seeded batch of two images, values like a normalised input
const x = tf.randomUniform([2, size[0], size[1], ir.input.channels], -0.5, 0.5, "float32", 3);
const compare = (a, b) =>
  [a].flat().map((t, i) => {
    const u = t.dataSync();
    const v = [b].flat()[i].dataSync();
    let maxDiff = 0;
    let maxAbs = 0;
    for (let j = 0; j < u.length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(u[j] - v[j]));
      maxAbs = Math.max(maxAbs, Math.abs(v[j]));
    }
    return { shape: t.shape, maxDiff, maxAbs };
  });
const inference = compare(generated.model.predict(x), reference.model.predict(x));
// training mode: batch norm normalises with the batch's own statistics
const training = compare(generated.model.apply(x, { training: true }), reference.model.apply(x, { training: true }));
process.stdout.write(JSON.stringify({ generated: describe(generated), reference: describe(reference), inference, training }) + "\n");
