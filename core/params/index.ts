// Parameters of an IR at its own input size: specs and seeded initial values.
import type { Ir, IrNode } from "../ir/types.js";
import { inferShapes } from "../shapes.js";
import { initialWeights, type Tensor, type WeightSet } from "./init.js";
import { paramSpecs, type ParamSpec } from "./params.js";

export type { ParamSpec, Tensor, WeightSet };
export { initialWeights, paramSpecs };

/** Param specs using the shapes at the spec's input size (dense kernels depend on it). */
export function modelParams(ir: Ir, size: [number, number] = [ir.input.height, ir.input.width]): ParamSpec[] {
  const shapes = inferShapes(ir, size[0], size[1]).report?.shapes;
  if (!shapes) throw new Error(`cannot infer shapes of ${ir.model.name} at ${size.join("x")}`);
  return paramSpecs(ir, (n: IrNode) => shapes[n.inputs[0]]);
}
