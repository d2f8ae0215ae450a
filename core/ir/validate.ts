// Validation of IR documents: the JSON Schema (ajv), then the consistency no schema can express (names
// unique, every input produced earlier, channel counts that agree with the attributes, outputs that
// exist). Errors are located at the spec line of the offending node when the IR still says where that
// is, so that a user never sees a raw JSON pointer alone.
import type { ErrorObject } from "ajv";
import { diag, type Diagnostic, type Span } from "../diagnostics.js";
import { ir as schemaValidator } from "./schema-validators.generated.js";
import { opOf } from "../ops/index.js";
import { IR_FORMAT, IR_VERSION, type Ir } from "./types.js";

/** The spec location of whatever an instance path points into, when the IR still holds a usable span. */
function locate(doc: unknown, path: string, irFile: string): { span: Span; where: string } {
  const fallback: Span = { file: irFile, line: 1, col: 1, endLine: 1, endCol: 1 };
  const m = /^\/nodes\/(\d+)/.exec(path);
  const nodes = (doc as { nodes?: unknown[] })?.nodes;
  if (m && Array.isArray(nodes)) {
    const n = nodes[Number(m[1])] as { name?: unknown; span?: Span } | undefined;
    const span = n?.span;
    const usable = span && typeof span.file === "string" && Number.isInteger(span.line) && Number.isInteger(span.col);
    const label = typeof n?.name === "string" ? `node \`${n.name}\`` : `nodes[${m[1]}]`;
    return { span: usable ? { file: span.file, line: span.line, col: span.col, endLine: span.endLine ?? span.line, endCol: span.endCol ?? span.col + 1 } : fallback, where: label };
  }
  return { span: fallback, where: path ? `at ${path}` : "the document" };
}

function describe(e: ErrorObject): string {
  const field = e.instancePath.replace(/^\/nodes\/\d+\/?/, "").replace(/\//g, ".") || "the value";
  switch (e.keyword) {
    case "required":
      return `${field} is missing \`${(e.params as { missingProperty: string }).missingProperty}\``;
    case "additionalProperties":
      return `${field} has an unexpected property \`${(e.params as { additionalProperty: string }).additionalProperty}\``;
    case "const":
    case "enum":
      return `${field} ${e.message}: ${JSON.stringify((e.params as { allowedValue?: unknown; allowedValues?: unknown }).allowedValue ?? (e.params as { allowedValues?: unknown }).allowedValues)}`;
    default:
      return `${field} ${e.message ?? "is invalid"}`;
  }
}

export function validateIr(doc: unknown, irFile = "<ir>"): { ir?: Ir; diagnostics: Diagnostic[] } {
  const at = (path: string, message: string, help?: string) => {
    const { span, where } = locate(doc, path, irFile);
    return diag("PN4001", span, `invalid IR (${irFile}): ${where}: ${message}`, { help: help ?? "IR files are written by `posec build --emit ir`; rebuild it from the spec instead of editing it" });
  };
  const head = doc as { format?: unknown; version?: unknown } | null;
  if (typeof doc !== "object" || doc === null || head?.format !== IR_FORMAT) {
    return { diagnostics: [at("", `not a posec IR document (expected "format": "${IR_FORMAT}")`)] };
  }
  if (head.version !== IR_VERSION) {
    return { diagnostics: [diag("PN4002", { file: irFile, line: 1, col: 1, endLine: 1, endCol: 1 }, `IR version ${JSON.stringify(head.version)} is not supported; this posec reads version ${IR_VERSION}`)] };
  }
  if (!schemaValidator(doc)) {
    return { diagnostics: (schemaValidator.errors ?? []).slice(0, 10).map((e) => at(e.instancePath, describe(e))) };
  }
  const ir = doc as Ir;
  const errors = consistency(ir).map(([path, message]) => at(path, message));
  return errors.length ? { diagnostics: errors } : { ir, diagnostics: [] };
}

function consistency(ir: Ir): [string, string][] {
  const out: [string, string][] = [];
  const channels = new Map<string, number>();
  const declared = new Map(ir.tensors.map((t) => [t.name, t]));
  if (declared.size !== ir.tensors.length) out.push(["/tensors", "tensor names repeat"]);
  (ir.weightSources ?? []).forEach((src, i) => {
    const unknown = src.nodes.filter((n) => !declared.has(n));
    if (unknown.length) out.push([`/weightSources/${i}`, `names layers the model does not have: ${unknown.slice(0, 3).map((n) => `\`${n}\``).join(", ")}`]);
    if (src.scope === "backbone" && src.nodes.length === 0) out.push([`/weightSources/${i}`, "a backbone weight source must list the backbone's layers"]);
  });
  const input = declared.get(ir.input.tensor);
  if (!input || input.producer !== null || input.channels !== ir.input.channels) out.push(["/input", `the input tensor \`${ir.input.tensor}\` is not declared as an unproduced tensor with ${ir.input.channels} channels`]);
  channels.set(ir.input.tensor, ir.input.channels);
  ir.nodes.forEach((n, i) => {
    const path = `/nodes/${i}`;
    if (n.outputs[0] !== n.name) out.push([path, `its output must be named like the node`]);
    if (channels.has(n.name)) out.push([path, `the name \`${n.name}\` is used twice`]);
    const missing = n.inputs.filter((t) => !channels.has(t));
    if (missing.length) {
      out.push([path, `reads ${missing.map((t) => `\`${t}\``).join(", ")}, which no earlier node produces`]);
      return;
    }
    const ins = n.inputs.map((t) => channels.get(t)!);
    const op = opOf(n);
    const problem = op.check(n.attrs, ins);
    if (problem) out.push([path, problem]);
    if ((op.inputs === "many") !== n.inputs.length > 1) out.push([path, `${n.op} takes ${op.inputs === "many" ? "two or more inputs" : "one input"}`]);
    const c = op.channels(n.attrs, ins);
    const t = declared.get(n.name);
    if (!t || t.producer !== n.name) out.push([path, `its tensor is not declared as produced by it`]);
    else if (t.channels !== c) out.push([path, `its tensor declares ${t.channels} channels but the node produces ${c}`]);
    channels.set(n.name, c);
  });
  out.push(...scopeConsistency(ir));
  for (const [k, t] of Object.entries(ir.outputs)) if (!channels.has(t)) out.push([`/outputs/${k}`, `output \`${k}\` names \`${t}\`, which no node produces`]);
  if (ir.stages) {
    for (const s of ir.stages.outputs) {
      if (s.heatmaps === null && s.pafs === null) out.push(["/stages", `stage ${s.stage} produces neither heatmaps nor PAFs`]);
      for (const t of [s.heatmaps, s.pafs]) if (t !== null && !channels.has(t)) out.push(["/stages", `stage ${s.stage} names \`${t}\`, which no node produces`]);
    }
    if (ir.stages.outputs.length !== ir.stages.count) out.push(["/stages", `${ir.stages.count} stages declared but ${ir.stages.outputs.length} listed`]);
    if (ir.keypoints) {
      const kp = ir.keypoints;
      for (const s of ir.stages.outputs) {
        if (s.heatmaps !== null && channels.get(s.heatmaps) !== kp.heatmapChannels) out.push(["/stages", `stage ${s.stage}'s heatmaps have ${channels.get(s.heatmaps)} channels, the schema ${kp.heatmapChannels}`]);
        if (s.pafs !== null && channels.get(s.pafs) !== kp.pafChannels) out.push(["/stages", `stage ${s.stage}'s PAFs have ${channels.get(s.pafs)} channels, the schema ${kp.pafChannels}`]);
      }
      if (!ir.stages.outputs.some((s) => s.heatmaps !== null)) out.push(["/stages", "no stage produces heatmaps"]);
      if ((kp.pafChannels > 0) !== ir.stages.outputs.some((s) => s.pafs !== null)) out.push(["/stages", kp.pafChannels > 0 ? "the schema has limbs but no stage produces PAFs" : "a stage produces PAFs but the schema has no limbs"]);
      const j = ir.keypoints.joints.length;
      if (ir.keypoints.limbs.some((l) => l.from >= j || l.to >= j) || ir.keypoints.flipPairs.some(([a, b]) => a >= j || b >= j)) out.push(["/keypoints", "a limb or flip pair names a joint that does not exist"]);
    }
  }
  if (!!ir.stages !== !!ir.keypoints || !!ir.stages !== !!ir.loss || !!ir.stages !== !!ir.train) out.push(["", "stages, keypoints, loss and train must all be present (pose model) or all null (backbone)"]);
  // the codec restates the stride and target sizes for its readers: it must agree with their sources
  if (ir.codec && (!ir.stages || !ir.train)) out.push(["/codec", "a backbone without stages has no codec"]);
  else if (ir.codec && ir.stages && ir.train) {
    if (ir.codec.stride !== ir.stages.stride) out.push(["/codec/stride", `the codec's stride ${ir.codec.stride} differs from the stages' ${ir.stages.stride}`]);
    if (ir.codec.sigma !== ir.train.targets.sigma || ir.codec.pafWidth !== ir.train.targets.pafWidth) out.push(["/codec", "the codec's sigma and PAF width differ from train.targets"]);
  }
  return out;
}

/** The scope tree: ids in order, parents before children, scope 0 the model; every node in a scope, named after its label. */
function scopeConsistency(ir: Ir): [string, string][] {
  const out: [string, string][] = [];
  ir.scopes.forEach((sc, i) => {
    const path = `/scopes/${i}`;
    if (sc.id !== i) out.push([path, `its id is ${sc.id}, its position ${i}`]);
    if ((i === 0) !== (sc.parent === null) || (sc.parent !== null && sc.parent >= i)) out.push([path, "only scope 0 has no parent, and a parent comes before its children"]);
    if ((i === 0) !== (sc.kind === "model")) out.push([path, "scope 0, and only it, is the model"]);
    if ((sc.kind === "block") !== (sc.block !== null)) out.push([path, "a block call names its block, and only a block call does"]);
  });
  ir.nodes.forEach((n, i) => {
    if (n.scope >= ir.scopes.length) out.push([`/nodes/${i}`, `its scope ${n.scope} does not exist`]);
    if (!n.name.endsWith(n.label)) out.push([`/nodes/${i}`, `its name does not end with its label \`${n.label}\``]);
  });
  return out;
}
