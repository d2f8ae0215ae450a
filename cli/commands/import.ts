// `posec import SPEC FILE --out DIR`: foreign weights (a Caffe .caffemodel, a PyTorch state dict with
// torchvision, Lightweight OpenPose or posec naming, an ONNX model's initializers, another posec
// checkpoint) mapped by name onto the spec, written as a posec checkpoint
// (DIR/checkpoints/step-0000000, the trainer's format) that `infer --model DIR`,
// `eval`, `export --checkpoint DIR` and `train --out DIR --resume` read. The load report is printed
// and saved as DIR/import-report.json.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sourceLookup } from "../../compiler/compile.js";
import { hasErrors } from "../../core/diagnostics.js";
import { PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../flags.js";
import { compileSpec, displayPath, printDiagnosticList } from "../common.js";

export const NAMING_HELP = [
  "Tensors are matched by name, never by order:",
  "  caffemodel: a Caffe layer with the spec layer's name, or CMU's name for it (adapter_X -> X;",
  "    stage1_paf_conv<i> -> conv5_<i>_CPM_L1, stage1_heatmap_conv<i> -> conv5_<i>_CPM_L2;",
  "    stage<s>_paf_conv<i> -> Mconv<i>_stage<s>_L1, stage<s>_heatmap_conv<i> -> Mconv<i>_stage<s>_L2;",
  "    <conv>_prelu -> <conv> with its first `conv` read `prelu`, e.g. conv4_2_prelu -> prelu4_2)",
  "  PyTorch: posec's generated names, or torchvision's (conv1, bn1, layer<L>.<k>.conv<j>, .downsample.0/1,",
  "    .se_module/.se fc1/fc2, fc; VGG features.<i>, classifier.0/3/6 -> fc6/fc7/fc8)",
  "  Lightweight OpenPose checkpoints (checkpoint_iter_370000.pth; their module paths, a table: model.<i>.<j> ->",
  "    model_<i>_<j>, cpm.trunk.<j>.<k> -> cpm_trunk_<j>_<k>, refinement_stages.<s>.trunk.<b>.initial.0 -> ...)",
  "    onto models/lightweight_openpose.posenet; torch.save's legacy (pre-1.6) format is read too",
  "  ONNX: initializers named <layer>/<role> (posec's export), PyTorch keys of the generated model, or read",
  "    by a node named like the layer; the role and layout come from the reading node (Conv OIHW, Gemm transB,",
  "    MatMul, BatchNormalization, PRelu)",
  "Spec layers the file lacks are initialised fresh (seeded); file tensors no layer takes are ignored; --strict refuses both.",
].join("\n");

export const importCommand: CommandSpec = {
  name: "import",
  summary: "load a caffemodel / PyTorch state dict / ONNX model into a posec checkpoint",
  usage: `posec import SPEC FILE --out DIR [--strict] [--seed N]\n\n${NAMING_HELP}`,
  positionals: { min: 2, max: 2, name: "a .posenet spec and a weights file (.caffemodel, .pth/.pt, .onnx, or a posec checkpoint folder)" },
  flags: {
    out: { type: "string", value: "DIR", help: "the run folder to write (its checkpoints/step-0000000 and import-report.json)" },
    strict: { type: "boolean", help: "refuse the import unless every tensor of the spec is loaded and every tensor of the file is used" },
    seed: { type: "int", value: "N", help: "seed of the layers initialised fresh (default: the spec's train seed)" },
  },
  async run({ flags, positionals }) {
    const [specPath, file] = positionals;
    if (typeof flags.out !== "string") throw new UsageError("--out DIR is required (the run folder to write)");
    const out = flags.out;
    const { listCheckpoints } = await import("../../runtime/checkpoint/folder.js");
    // the same rules as `train --out`, checked before any weight is read: a writable folder, not a
    // dataset, new or empty (or a posec run), then one writer while the checkpoint is written
    const { checkRunFolder, prepareRunFolder } = await import("../../runtime/util/run-folder.js");
    checkRunFolder({ out, dataDirs: [], force: false });
    if (listCheckpoints(join(out, "checkpoints")).length > 0) {
      throw new PosecError(`${out} already holds a run's checkpoints`, "PN5303", "import into a new --out folder");
    }
    const result = compileSpec(specPath);
    printDiagnosticList(result.diagnostics, sourceLookup(result.program), "pretty");
    if (!result.ir || hasErrors(result.diagnostics)) return 1;
    const ir = result.ir;
    const seed = (flags.seed as number | undefined) ?? ir.train?.seed ?? 1;
    const { loadForeignWeights } = await import("../../runtime/weights/load.js");
    const { assertStrict, summariseReport } = await import("../../runtime/weights/report.js");
    const { weights, report } = await loadForeignWeights(file, ir, seed, displayPath(file));
    process.stderr.write(summariseReport(report) + "\n");
    if (flags.strict) assertStrict(report);
    const { writeImportedCheckpoint } = await import("../../runtime/checkpoint/from-weights.js");
    const lock = prepareRunFolder({ out, model: ir.model.name, dataDirs: [], force: false, command: "import", onWarning: (m) => process.stderr.write(`posec: warning: ${m}\n`) });
    let dir: string;
    try {
      dir = await writeImportedCheckpoint(out, ir, weights, seed, report);
    } finally {
      lock.release();
    }
    process.stdout.write(`${dir}\n`);
    if (!existsSync(dir)) return 1;
    return 0;
  },
};
