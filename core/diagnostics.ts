// Diagnostics are data: a stable code from the catalog below, a severity, a primary span, labelled
// secondary spans, notes and help. Passes return them; only the CLI renders and prints them.
// Codes by pass: 1xxx syntax, 2xxx resolution and semantics, 3xxx shapes and resources, 4xxx IR and
// emit, 5xxx data and runtime, 9xxx failures of posec itself. CATALOG is the one table of codes: each code
// has one meaning (its title), `DiagnosticCode` is derived from it, and diag() and PosecError take only
// codes from it (test/core/diagnostic-codes.test.ts checks that every code is used and every use is listed).
import type { SourceSpan } from "./ir/types.js";

/** Diagnostics point at source lines and columns; AST spans (which also carry offsets) fit this type. */
export type Span = SourceSpan;

export type Severity = "error" | "warning" | "note";

export interface Label {
  span: Span;
  message: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  labels: Label[];
  notes: string[];
  help?: string;
}

export interface CatalogEntry {
  severity: Severity;
  /** the code's one meaning, in one line */
  title: string;
  /** the long form printed by `posec explain CODE` */
  explanation: string;
}

export const CATALOG = {
  PN1001: { severity: "error", title: "invalid character", explanation: "The text contains a character that is not part of the .posenet language. Comments start with `#`." },
  PN1002: { severity: "error", title: "syntax error", explanation: "The parser expected something else here. The parser recovers and reports every syntax error in the file; fix the first one first, later ones may follow from it." },
  PN1003: { severity: "error", title: "nesting too deep", explanation: "More than 64 levels of `{`, `(` and `[` are open at once, or one `if` has more than 64 `else if` branches. posec bounds nesting so that no input can exhaust its stack; real specs nest a few levels. Move deep parts into blocks." },
  PN1004: { severity: "error", title: "expression or name too long", explanation: "An expression has more than 256 operators (counted along its deepest path), more than 16 prefix operators in a row, a name more than 256 characters long, or a string more than 4096 characters long. posec bounds these so that no input can exhaust its stack or time; split the expression with block parameters." },
  PN1005: { severity: "error", title: "spec file too large", explanation: "A spec file may have at most 1 MiB; real specs have a few kilobytes. Split a generated spec into files that `import` each other." },
  PN1006: { severity: "error", title: "not a readable spec file", explanation: "A spec, or a file named by `import` or `extends`, is a folder, a named pipe, a device or another file that is not a regular file, or it cannot be read (permissions). posec reads regular files only, so that it can never hang on a pipe or read a device without end." },
  PN2001: { severity: "error", title: "unknown name", explanation: "A layer, block, backbone, keypoint schema or value name that is not defined. Built-in layers: conv, bn, relu, leakyrelu, prelu, elu, sigmoid, tanh, silu, maxpool, avgpool, gap, dense, upsample, add, mul, concat. Blocks come from the standard library (vgg19, resnet18/34/50/101, se, basic, bottleneck), from imported files, or from `block` declarations." },
  PN2002: { severity: "error", title: "unknown argument", explanation: "An argument name that the layer, block or setting does not take. The message lists the ones it does take." },
  PN2003: { severity: "error", title: "wrong argument type", explanation: "An argument has a value of the wrong kind, e.g. a float where an integer channel count is needed, or a name where a size like 3x3 is needed." },
  PN2004: { severity: "error", title: "value out of range", explanation: "A value is of the right kind but outside the allowed range (e.g. a negative stride, a flip probability above 1)." },
  PN2005: { severity: "error", title: "duplicate definition", explanation: "Two blocks, labels, keypoints, arguments or settings have the same name where names must be unique." },
  PN2006: { severity: "error", title: "import cycle", explanation: "Files import each other in a cycle. Move the shared blocks into a third file that both import." },
  PN2007: { severity: "error", title: "extends cycle", explanation: "Specs extend each other in a cycle; `extends` must form a chain that ends in a spec without `extends`." },
  PN2008: { severity: "error", title: "file not found", explanation: "An `import` or `extends` names a file that does not exist. Paths are relative to the file that names them; `std/NAME` refers to the standard library shipped with posec." },
  PN2009: { severity: "error", title: "topk exceeds the joint count", explanation: "Hard-joint mining keeps the K largest per-joint losses; K must not exceed the number of joints taking part (the keypoints, plus the background channel with background=include)." },
  PN2010: { severity: "error", title: "stage out of range", explanation: "A stage list names a stage outside 1..N, where N is the count given by `stages N`." },
  PN2011: { severity: "error", title: "missing section", explanation: "A model spec needs `posenet 1`, `model NAME`, `input`, `backbone`, and for a pose model `keypoints` and `stages`. Sections may come from the spec it extends." },
  PN2012: { severity: "error", title: "missing argument", explanation: "A required argument of a layer, block or setting was not given." },
  PN2013: { severity: "error", title: "too many arguments", explanation: "More positional arguments than the layer, block or setting takes." },
  PN2014: { severity: "error", title: "unknown cut point", explanation: "`until LABEL` must name a labelled statement of the backbone block, e.g. `until conv4_2` for vgg19 or `until layer2` for the ResNets." },
  PN2015: { severity: "error", title: "requirement failed", explanation: "A `require` statement in a block evaluated to false for the arguments and input it was given." },
  PN2016: { severity: "error", title: "unknown keypoint", explanation: "A limb or flip pair names a joint that the keypoint schema does not declare." },
  PN2017: { severity: "error", title: "unsupported language version", explanation: "This posec understands `posenet 1`." },
  PN2018: { severity: "error", title: "duplicate section", explanation: "A section (input, keypoints, backbone, adapter, stages, loss, train) appears twice in one file. To change a section of a spec you extend, write it once in your file: it replaces the parent's (loss and train settings replace the parent's settings of the same name)." },
  PN2019: { severity: "error", title: "recursive block", explanation: "A block calls itself, directly or through other blocks; blocks are expanded at compile time, so recursion never ends." },
  PN2020: { severity: "error", title: "invalid expression", explanation: "An expression that cannot be evaluated: division by zero, an operator applied to values of the wrong kind, or a value that is only known at run time (only `in.channels` is known at compile time)." },
  PN2021: { severity: "error", title: "invalid branch structure", explanation: "A stage needs a body for each branch (heatmap, paf), either `each branch { ... }` or `{ heatmap { ... } paf { ... } }`; merge layers (add, mul, concat) need two or more `{ ... }` branches." },
  PN2023: { severity: "error", title: "invalid stage wiring", explanation: "A stage group's `input` names something that does not exist or is not allowed: `prev.*` at stage 1, a group that comes later or is the group itself (the stages would form a cycle), an output the stage does not produce (e.g. `prev.pafs` after a heatmap-only stage); or the heads disagree with the keypoint schema (PAFs without limbs, limbs without any PAF stage)." },
  PN2024: { severity: "error", title: "weights file not found", explanation: "`init from \"FILE\"` or a backbone's `weights=\"FILE\"` names a path that does not exist or is not a regular file or folder posec can read weights from (a .caffemodel, a PyTorch .pth/.pt state dict, or a posec checkpoint or run folder). Paths are relative to the spec file that names them. `posec check` only looks the file up; its tensors are matched by name when `posec train` loads it (a run without a checkpoint to resume)." },
  PN3001: { severity: "error", title: "not a whole number", explanation: "An integer parameter (a channel count, a stride, ...) received a fraction, usually from channel arithmetic such as `in.channels / ratio` that does not divide exactly." },
  PN3002: { severity: "error", title: "spatial size mismatch", explanation: "The inputs of a concat, add or mul have different spatial sizes. At the refinement concat this means the previous stage's outputs do not have the size of the features: check strides and paddings in the stage branches." },
  PN3003: { severity: "error", title: "stride mismatch", explanation: "The features fed to the stages have a different stride from the label grid (`stages N stride=S`, default 8). Cut the backbone earlier (e.g. `until layer2` for stride 8) or add `upsample` in the adapter." },
  PN3004: { severity: "error", title: "empty tensor", explanation: "A layer produces a tensor with zero or negative height or width: the input is too small for the kernels and strides, or a padding is wrong." },
  PN3005: { severity: "error", title: "model too large", explanation: "The spec's parameter count or activation memory exceeds posec's safety bound; it is rejected before anything is allocated." },
  PN3006: { severity: "error", title: "channel mismatch", explanation: "Tensors that must have the same channel count do not (add, mul, a stage branch output and its `out`)." },
  PN3007: { severity: "error", title: "invalid grouping", explanation: "A grouped convolution needs input and output channels divisible by `groups`." },
  PN4001: { severity: "error", title: "invalid IR", explanation: "An IR document is not JSON, does not match posec's IR schema, or is inconsistent (a node or output reads a tensor nobody produces, names repeat, ...). IR files are written by posec; an edited IR is rejected." },
  PN4002: { severity: "error", title: "unsupported IR version", explanation: "The IR was written by a different posec version." },
  PN4101: { severity: "error", title: "the target cannot express this", explanation: "An emitter met something its target format cannot represent (e.g. ONNX weights above 2 GiB without external data)." },
  PN4102: { severity: "error", title: "two layers get one name in the generated code", explanation: "Two layers of the spec would become the same attribute of the generated PyTorch module (PyTorch attribute names cannot hold every character of a spec name, so different names can map to one). Rename one of them in the spec." },
  PN5000: { severity: "error", title: "runtime error", explanation: "A failure while running a model that is not one of the more specific cases below." },
  PN5001: { severity: "error", title: "bad annotation file", explanation: "A COCO keypoint annotation file is missing, not JSON, or does not have the person_keypoints format; the message names the file and the entry." },
  PN5002: { severity: "error", title: "bad image", explanation: "An image is missing, unreadable or of another size than its annotation says. `--skip-bad` skips such samples and counts them." },
  PN5003: { severity: "error", title: "bad segmentation", explanation: "A crowd RLE or polygon in the annotations cannot be decoded." },
  PN5004: { severity: "error", title: "empty dataset", explanation: "No usable training sample: no image has a person with enough labelled keypoints." },
  PN5005: { severity: "error", title: "bad setting for this data or model", explanation: "A setting that the data pipeline or the runtime cannot use (e.g. a crop that differs from the input size, a model without stages)." },
  PN5006: { severity: "error", title: "data worker failed", explanation: "A worker thread generating training targets failed; run with --workers 0 to see the error in the main thread." },
  PN5007: { severity: "error", title: "input too large", explanation: "An image, batch or model whose size would need more memory than posec allows; it is refused from its header or shape before anything is allocated. The message says the size and the limit." },
  PN5010: { severity: "error", title: "cannot write the output", explanation: "An output path cannot be written: its folder is read-only, a file stands where a folder is meant (or a folder where a file is meant), or the path runs under a file. Checked before any expensive work; the message names the path." },
  PN5011: { severity: "error", title: "would overwrite files posec did not write", explanation: "The output folder is not empty and is not a posec run (or already holds a dataset). posec does not write over files it did not make: choose an empty or new folder, or pass --force where the command offers it." },
  PN5100: { severity: "error", title: "tfjs could not build a layer", explanation: "tfjs rejected a layer while building the model; the message names the spec line." },
  PN5101: { severity: "error", title: "not supported by the tfjs runtime", explanation: "A layer configuration the tfjs runtime cannot run (grouped convolutions other than depthwise); ONNX and PyTorch targets support it." },
  PN5102: { severity: "error", title: "weights do not fit the model", explanation: "A weight is missing or has another shape than the model needs." },
  PN5201: { severity: "error", title: "backend unavailable", explanation: "The requested tfjs backend cannot run here; `posec doctor` says why." },
  PN5202: { severity: "error", title: "bad inference setting", explanation: "An inference option out of range (scales, thresholds)." },
  PN5204: { severity: "error", title: "wasm heap exhausted", explanation: "The wasm backend's heap is capped at 4 GB; the batch or input size needs more. Use a smaller --batch or input size, or a native backend (tfjs-node / tfjs-node-gpu)." },
  PN5203: { severity: "error", title: "no dataset keypoints", explanation: "The keypoint schema does not say which dataset keypoints its joints come from, so results cannot be written in COCO format." },
  PN5301: { severity: "error", title: "unreadable checkpoint", explanation: "A checkpoint folder or file is missing, truncated or fails its checksum." },
  PN5302: { severity: "error", title: "checkpoint of another network", explanation: "The checkpoint was written for a different network than the spec; resume or export only with the spec it was trained from." },
  PN5303: { severity: "error", title: "the output folder holds another run", explanation: "`posec train` without --resume would start a new run in a folder that already has checkpoints, and prune them. Continue that run with --resume, or give a new run its own --out folder." },
  PN5304: { severity: "error", title: "the run folder is in use", explanation: "Another `posec train` (the message names its pid and host) holds the run folder's lock (`.posec-lock`). Only one trainer may write a run folder. A lock whose process is gone on this host is taken over with a warning; a lock from another host must be removed by hand once that run is over." },
  PN5310: { severity: "error", title: "unreadable weights file", explanation: "A weights file given to `posec import` or `posec export --weights` (a Caffe .caffemodel, a PyTorch .pth/.pt) is truncated, corrupt or of another format; the message names the file and the byte offset." },
  PN5311: { severity: "error", title: "weights do not fit the spec", explanation: "A tensor of the weights file maps onto a layer of the spec (by name, see `posec import --help`) but has another shape, or a layer is in the file without one of the tensors the spec needs. The message names the file's tensor, the spec's layer and its spec line." },
  PN5312: { severity: "error", title: "strict import refused", explanation: "`--strict` refuses an import in which any tensor of the spec was initialised fresh or any tensor of the file was ignored; the load report lists them." },
  PN5601: { severity: "error", title: "bad ground truth", explanation: "The ground-truth file is not a COCO keypoint annotation file; the message names the entry." },
  PN5602: { severity: "error", title: "repeated annotation id", explanation: "Two ground-truth annotations share an id; pycocotools needs unique ids." },
  PN5603: { severity: "error", title: "bad results file", explanation: "A results file must be a JSON array of {image_id, category_id, keypoints, score}; the message names the entry." },
  PN5604: { severity: "error", title: "results for unknown images", explanation: "A result names an image the ground truth does not have (pycocotools: \"Results do not correspond to current coco set\")." },
  PN5605: { severity: "error", title: "bad evaluation setting", explanation: "An evaluation option outside what the evaluation computed (e.g. an OKS threshold it did not use)." },
  PN5401: { severity: "error", title: "the loss diverged", explanation: "The training loss became NaN or infinite. The last good checkpoint is kept; lower the learning rate and resume." },
  PN9001: { severity: "error", title: "internal compiler error", explanation: "The compiler failed in a way it does not expect for any input: this is a bug in posec. Please report it with the spec that causes it; the message and the first lines of the trace say where it happened." },
} satisfies Record<string, CatalogEntry>;

/** A code of the catalog: `diag("PN9999", ...)` or `new PosecError(message, "PN9999")` does not type-check. */
export type DiagnosticCode = keyof typeof CATALOG;

export function diag(
  code: DiagnosticCode,
  span: Span,
  message: string,
  extra: { labels?: Label[]; notes?: string[]; help?: string; severity?: Severity } = {},
): Diagnostic {
  return {
    code,
    severity: extra.severity ?? CATALOG[code].severity,
    message,
    span,
    labels: extra.labels ?? [],
    notes: extra.notes ?? [],
    ...(extra.help ? { help: extra.help } : {}),
  };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Stable order for output: by file, position, then code. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      a.span.file.localeCompare(b.span.file) ||
      a.span.line - b.span.line ||
      a.span.col - b.span.col ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
