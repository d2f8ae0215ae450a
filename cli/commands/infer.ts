import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { isPosecError, PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../flags.js";

/** Inference scales an image to the network's height: a long thin strip would become a huge raster. */
const INFER_IMAGE_LIMITS = { maxPixels: 100_000_000, maxAspect: 10 };

export function parseScales(value: unknown): number[] {
  const text = String(value ?? "1");
  const scales = text.split(",").map(Number);
  if (scales.some((s) => !(s > 0 && s <= 4))) throw new UsageError(`--scales takes multipliers in (0, 4] like 0.5,1,1.5,2; got \`${text}\``);
  return scales;
}

export const infer: CommandSpec = {
  name: "infer",
  summary: "find people in images: COCO-format results and pictures with skeletons",
  usage: "posec infer --model (CHECKPOINT|RUN_DIR|model.onnx) IMAGE... [--out DIR] [--scales 0.5,1,1.5,2]",
  positionals: { min: 1, max: Infinity, name: "one or more images" },
  flags: {
    model: { type: "string", value: "PATH", help: "a checkpoint folder or run folder of `posec train`, or an ONNX file from `posec build/export`" },
    out: { type: "string", value: "DIR", help: "where results.json and the pictures go", default: "infer-out" },
    scales: { type: "string", value: "LIST", help: "input-height multipliers, averaged (CMU: 0.5,1,1.5,2)", default: "1" },
    threads: { type: "int", value: "N", help: "threads (wasm / ONNX Runtime)" },
    backend: { type: "string", value: "B", help: "tfjs backend for checkpoints", default: "auto" },
    "no-pictures": { type: "boolean", help: "write results.json only" },
    "skip-bad": { type: "boolean", help: "skip images that cannot be read (named on stderr) instead of stopping" },
  },
  async run({ flags, positionals }) {
    if (typeof flags.model !== "string") throw new UsageError("--model PATH is required");
    const scaleSearch = parseScales(flags.scales);
    const { loadNetwork, inferImage, imageIdFor } = await import("../../runtime/infer/runner.js");
    const { toCocoResults, drawPeople } = await import("../../runtime/infer/index.js");
    const { decodeImage } = await import("../../runtime/data/image.js");
    const { Canvas, writePng } = await import("../../runtime/render/canvas.js");
    const { writeFileAtomic } = await import("../../runtime/util/atomic.js");
    const { checkOutDir } = await import("../../runtime/util/out-path.js");
    const skipBad = !!flags["skip-bad"];
    // the output folder, every image, and each picture's name are checked before the network is loaded
    checkOutDir(String(flags.out), "the output folder (--out)");
    const missing = positionals.find((file) => !existsSync(file) || !statSync(file).isFile());
    if (missing !== undefined && !skipBad) throw new PosecError(`${missing}: no such image file`, "PN5002", "pass --skip-bad to skip the images that cannot be read");
    const pictureName = (file: string) => `${basename(file).replace(/\.[^.]+$/, "")}.png`;
    if (!flags["no-pictures"]) {
      const seen = new Map<string, string>();
      for (const file of positionals) {
        const other = seen.get(pictureName(file));
        if (other !== undefined) throw new UsageError(`${other} and ${file} would both be drawn to ${join(String(flags.out), pictureName(file))}: give one of them another name, or pass --no-pictures`);
        seen.set(pictureName(file), file);
      }
    }
    const ids = new Map<number, string>();
    for (const [i, file] of positionals.entries()) {
      const other = ids.get(imageIdFor(file, i));
      if (other !== undefined) throw new UsageError(`${other} and ${file} would both be image_id ${imageIdFor(file, i)} in results.json (a numeric file name is its id, other names are numbered by position): rename one`);
      ids.set(imageIdFor(file, i), file);
    }
    const net = await loadNetwork(flags.model, { backend: flags.backend as string, threads: flags.threads as number | undefined });
    const out = String(flags.out);
    mkdirSync(out, { recursive: true });
    const results = [];
    const skipped: string[] = [];
    let failure: { error: unknown; file: string } | undefined;
    try {
      for (const [i, file] of positionals.entries()) {
        let image;
        try {
          image = await decodeImage(file, undefined, INFER_IMAGE_LIMITS);
        } catch (e) {
          if (!isPosecError(e) || !["PN5002", "PN5007"].includes(e.code)) throw e;
          if (!skipBad) {
            failure = { error: e, file };
            break;
          }
          process.stderr.write(`skipped ${file} (--skip-bad): ${e.message}\n`);
          skipped.push(file);
          continue;
        }
        const t0 = performance.now();
        const decoded = await inferImage(net, image, { scaleSearch, decode: {} });
        const id = imageIdFor(file, i);
        results.push(...toCocoResults(decoded.people, net.keypoints, id));
        process.stderr.write(`${file}: ${decoded.people.length} people (${(performance.now() - t0).toFixed(0)} ms)\n`);
        if (!flags["no-pictures"]) {
          const canvas = new Canvas(image.width, image.height);
          canvas.data.set(image.data);
          drawPeople(canvas, decoded.people, net.keypoints);
          await writePng(canvas, join(out, pictureName(file)));
        }
      }
    } finally {
      net.dispose();
    }
    // results.json always holds the images that were read (also when a later one stops the run)
    writeFileAtomic(join(out, "results.json"), JSON.stringify(results) + "\n");
    if (failure) {
      process.stderr.write(`wrote ${join(out, "results.json")} for the ${positionals.indexOf(failure.file)} image(s) before ${failure.file} (pass --skip-bad to go on past images that cannot be read)\n`);
      throw failure.error;
    }
    if (skipped.length) process.stderr.write(`skipped ${skipped.length} of ${positionals.length} images (--skip-bad): ${skipped.join(", ")}\n`);
    process.stdout.write(`${join(out, "results.json")}\n`);
    return 0;
  },
};
