// Seeded initial weights. Each tensor draws from its own stream, seeded by the model seed and the
// tensor's name, so adding a layer does not change the others, and every target (tfjs, ONNX, PyTorch)
// starts from the same numbers. Values are produced in the channels-last layout of params.ts.
import { Rng, seedFor } from "../rng.js";
import type { WeightInit } from "../ir/types.js";
import { elementCount, type ParamSpec } from "./params.js";

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** name -> tensor, in the order of paramSpecs */
export type WeightSet = Map<string, Tensor>;

function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function fill(data: Float32Array, init: WeightInit, fans: ParamSpec["fans"], rng: Rng): void {
  const normal = (std: number, mean = 0) => {
    for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  };
  const uniform = (limit: number) => {
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
  };
  switch (init.kind) {
    case "constant":
      data.fill(init.value);
      return;
    case "normal":
      return normal(init.std, init.mean);
    case "kaiming": {
      // He et al. with the ReLU gain sqrt(2), as torch.nn.init.kaiming_{normal,uniform}_(nonlinearity="relu").
      const std = Math.sqrt(2 / (init.mode === "fan_in" ? fans.in : fans.out));
      return init.distribution === "normal" ? normal(std) : uniform(Math.sqrt(3) * std);
    }
    case "xavier": {
      const std = Math.sqrt(2 / (fans.in + fans.out));
      return init.distribution === "normal" ? normal(std) : uniform(Math.sqrt(3) * std);
    }
  }
}

export function initialWeights(specs: ParamSpec[], seed: number): WeightSet {
  const out: WeightSet = new Map();
  for (const s of specs) {
    const data = new Float32Array(elementCount(s.shape));
    fill(data, s.init, s.fans, new Rng(seedFor(seed, nameHash(s.name))));
    out.set(s.name, { shape: s.shape, data });
  }
  return out;
}
