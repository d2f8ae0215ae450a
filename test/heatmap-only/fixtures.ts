// The tiny test networks of this folder: tiny_hand.posenet (heatmap-only stages, hand21) and
// tiny_body25.posenet (a PAF-only stage, then a heatmap-only stage; body25), tiny_mpi.posenet (mpi15).
import { compile } from "../../compiler/compile.js";
import { fileHost } from "../../compiler/host.js";
import { isPoseIr, type KeypointsIR, type PoseIr } from "../../core/ir/types.js";
import { BUILTIN_KEYPOINTS } from "../../core/keypoints/builtin.js";
import { STD } from "../helpers.js";

export const SPAN = { file: "<test>", line: 1, col: 1, endLine: 1, endCol: 1 };
export const schema = (name: string): KeypointsIR => BUILTIN_KEYPOINTS[name](SPAN);

export function fixtureIr(file: string): PoseIr {
  const r = compile(`test/heatmap-only/${file}`, fileHost(STD));
  if (!r.ir || !isPoseIr(r.ir)) throw new Error(`${file}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.ir;
}
export const handIr = () => fixtureIr("tiny_hand.posenet");
export const body25Ir = () => fixtureIr("tiny_body25.posenet");
export const mpiIr = () => fixtureIr("tiny_mpi.posenet");
