// Runs posec's ONNX export (`posec export SPEC --weights FILE.caffemodel`) with ONNX Runtime on the input
// opencv_caffe.py used and compares its maps with OpenCV's run of the prototxt + caffemodel. Equal maps
// mean every blob landed in the right layer, in the right layout (a swapped or transposed blob, or a
// PReLU slope on the wrong layer, would show up as a large difference).
//   node compare_onnx.mjs MODEL.onnx DIR [--tolerance 1e-4]   (DIR: opencv_caffe.py's output)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");
const [model, dir] = process.argv.slice(2);
const tolIndex = process.argv.indexOf("--tolerance");
const tolerance = tolIndex > 0 ? Number(process.argv[tolIndex + 1]) : 1e-4;
const floats = (file) => {
  const bytes = readFileSync(join(dir, file));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

const session = await ort.InferenceSession.create(model);
const input = floats("input.bin");
const side = Math.round(Math.sqrt(input.length / 3));
const outputs = await session.run({ image: new ort.Tensor("float32", input, [1, 3, side, side]) });
let failed = false;
for (const name of ["heatmaps", "pafs"]) {
  const ours = outputs[name].data;
  const theirs = floats(`${name}.bin`);
  if (ours.length !== theirs.length) throw new Error(`${name}: ${ours.length} values from ONNX, ${theirs.length} from OpenCV`);
  let diff = 0;
  let largest = 0;
  for (let i = 0; i < ours.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
    largest = Math.max(largest, Math.abs(theirs[i]));
  }
  const relative = diff / largest;
  console.log(`${name} ${outputs[name].dims.join("x")}: largest |value| ${largest.toPrecision(4)}, ` +
    `largest |ONNX Runtime - OpenCV| ${diff.toExponential(2)} (${relative.toExponential(2)} of the largest value)`);
  if (!(relative <= tolerance)) failed = true;
}
if (failed) {
  console.error(`ONNX Runtime and OpenCV differ by more than ${tolerance} of the largest value`);
  process.exit(1);
}
