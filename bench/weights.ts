// How fast and how lean a caffemodel import is, against just reading the file. The bench writes its own
// synthetic caffemodel for CMU-Pose (models/cmu_pose_vgg19.posenet: 52.3M parameters, ~209 MB, CMU's
// layer names, seeded values, BlobShape dims and packed floats as Caffe writes them), then measures, each
// in its own process so that peak RSS is that phase's alone:
//   read     the file's bytes read in 1 MiB chunks and dropped (the floor for any reader)
//   read-all the whole file read into memory (readFileSync: what a non-streaming reader starts with)
//   parse    readCaffeModel: every blob decoded into its Float32Array (runtime/weights/caffe.ts)
//   map      parse + the mapping by name and the layout changes (runtime/weights/load.ts): the weight
//            set `posec import` hands to the checkpoint writer
// and prints wall time and peak RSS, with the weights' own size for comparison.
//   node scripts/run-ts.mjs bench/weights.ts [--runs N]
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/compile.js";
import { fileHost } from "../compiler/host.js";
import type { Ir } from "../core/ir/types.js";
import { modelParams } from "../core/params/index.js";
import { Rng } from "../core/rng.js";
import { readCaffeModel } from "../runtime/weights/caffe.js";
import { caffeNamesFor } from "../runtime/weights/cmu-names.js";
import { loadForeignWeights } from "../runtime/weights/load.js";

const SPEC = "models/cmu_pose_vgg19.posenet";

function ir(): Ir {
  const r = compile(SPEC, fileHost("models/std"));
  if (!r.ir) throw new Error(`${SPEC} does not compile`);
  return r.ir;
}

// --- a minimal caffemodel writer (NetParameter.layer with name, type, blobs{shape, data}) ---
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) out.push((n % 128) | 128), (n = Math.floor(n / 128));
  out.push(n);
  return out;
}
const delimited = (field: number, payload: number[] | Buffer): Buffer => Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(payload.length)]), Buffer.from(payload)]);

/** Writes the caffemodel layer by layer (never the whole file in memory); returns its size and the parameter count. */
function writeCaffemodel(path: string): { bytes: number; params: number } {
  const model = ir();
  const specs = modelParams(model);
  const fd = openSync(path, "w");
  const rng = new Rng(1);
  let bytes = 0;
  let params = 0;
  try {
    for (const n of model.nodes.filter((x) => x.op === "conv")) {
      const kernel = specs.find((s) => s.name === `${n.name}/kernel`)!.shape; // [kh, kw, in, out]
      const blobs = [[kernel[3], kernel[2], kernel[0], kernel[1]], [kernel[3]]].map((shape) => {
        const count = shape.reduce((a, b) => a * b, 1);
        params += count;
        const data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = rng.normal() * 0.01;
        const dims = delimited(7, delimited(1, shape.flatMap(varint)));
        return delimited(7, Buffer.concat([dims, delimited(5, Buffer.from(data.buffer))]));
      });
      const name = caffeNamesFor(n.name).at(-1)!;
      const layer = delimited(100, Buffer.concat([delimited(1, Buffer.from(name)), delimited(2, Buffer.from("Convolution")), ...blobs]));
      writeSync(fd, layer);
      bytes += layer.length;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, params };
}

async function phase(name: string, file: string): Promise<void> {
  const t0 = performance.now();
  if (name === "read") {
    const fd = openSync(file, "r");
    const chunk = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    for (let r; (r = readSync(fd, chunk, 0, chunk.length, pos)) > 0; ) pos += r;
    closeSync(fd);
  } else if (name === "read-all") {
    readFileSync(file);
  } else if (name === "parse") {
    readCaffeModel(file);
  } else {
    const { report } = await loadForeignWeights(file, ir(), 1);
    if (report.counts.loaded !== 184) throw new Error(`expected 184 tensors loaded, got ${report.counts.loaded}`);
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--phase") return phase(args[1], args[2]);
  const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 3;
  const dir = mkdtempSync(join(tmpdir(), "posec-bench-weights-"));
  try {
    const file = join(dir, "cmu_pose_synthetic.caffemodel");
    const { bytes, params } = writeCaffemodel(file);
    console.log(`synthetic caffemodel for ${SPEC}: ${(bytes / 1e6).toFixed(1)} MB, ${(params / 1e6).toFixed(2)}M parameters (${((4 * params) / 2 ** 20).toFixed(0)} MiB of float32)`);
    const baseline = spawnSync(process.execPath, ["-e", "console.log(process.resourceUsage().maxRSS / 1024)"], { encoding: "utf8" });
    console.log(`an empty node process: ${Number(baseline.stdout).toFixed(0)} MiB peak RSS`);
    console.log("| phase | median ms | peak RSS MiB |\n|---|---|---|");
    for (const p of ["read", "read-all", "parse", "map"]) {
      const results = [];
      for (let i = 0; i < runs; i++) {
        const r = spawnSync(process.execPath, ["scripts/run-ts.mjs", "bench/weights.ts", "--phase", p, file], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`phase ${p} failed:\n${r.stderr.slice(-2000)}`);
        results.push(JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { ms: number; maxRssMb: number });
      }
      results.sort((a, b) => a.ms - b.ms);
      const median = results[Math.floor(results.length / 2)];
      console.log(`| ${p} | ${median.ms.toFixed(0)} | ${Math.max(...results.map((r) => r.maxRssMb)).toFixed(0)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
