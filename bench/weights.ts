// How fast and how lean a caffemodel import is, against just reading the file. The bench writes its own
// synthetic caffemodel for CMU-Pose (models/cmu_pose_vgg19.posenet: 52.3M parameters, ~209 MB, CMU's
// layer names, seeded values, BlobShape dims and packed floats as Caffe writes them), then measures, each
// in its own process so that peak RSS is that phase's alone:
//   read      the file read in 1 MiB chunks, each dropped (the I/O floor: no memory kept)
//   read-all  the whole file read into one buffer (readFileSync): the floor for having the file's floats
//             in memory, since fresh memory costs a page fault per 4 KiB
//   copy      read-all, then the bytes written to a new file and fsynced: the floor for an import, which
//             writes a checkpoint of the same size
//   parse     readCaffeModel: the file's structure (layers, blob shapes, where each blob's floats lie)
//   map       parse + the mapping by name and the layout changes (runtime/weights/load.ts): the weight set
//             `posec import` hands to the checkpoint writer, each value read once into posec's layout
//   import    the `posec import` command in-process (compile the spec, map, write the checkpoint with
//             its checksums and fsyncs; without node's own start-up)
// and prints the median wall time, its ratio to `read-all`, `copy` and `read`, peak RSS and the growth of RSS over
// the phase's start (the memory the phase itself took), beside the weights' own size.
//   node scripts/run-ts.mjs bench/weights.ts [--runs N]
import { spawnSync } from "node:child_process";
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/compile.js";
import { fileHost } from "../compiler/host.js";
import type { Ir } from "../core/ir/types.js";
import { modelParams } from "../core/params/index.js";
import { Rng } from "../core/rng.js";
import { parseArgs } from "../cli/flags.js";
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

const PHASES = ["read", "read-all", "copy", "parse", "map", "import"] as const;

async function phase(name: string, file: string): Promise<void> {
  // the spec is compiled and the modules loaded before the clock starts, except for `import`, which is
  // the whole command (it loads tfjs, as `posec import` does)
  const model = name === "map" ? ir() : undefined;
  const { importCommand } = await import("../cli/commands/import.js");
  const rssAtStart = process.memoryUsage().rss;
  const t0 = performance.now();
  if (name === "read") {
    const fd = openSync(file, "r");
    const chunk = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    for (let r; (r = readSync(fd, chunk, 0, chunk.length, pos)) > 0; ) pos += r;
    closeSync(fd);
  } else if (name === "read-all") {
    readFileSync(file);
  } else if (name === "copy") {
    const out = mkdtempSync(join(tmpdir(), "posec-bench-copy-"));
    try {
      const bytes = readFileSync(file);
      const fd = openSync(join(out, "copy"), "w");
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
      closeSync(fd);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  } else if (name === "parse") {
    readCaffeModel(file);
  } else if (name === "map") {
    const { report } = await loadForeignWeights(file, model!, 1);
    if (report.counts.loaded !== 184) throw new Error(`expected 184 tensors loaded, got ${report.counts.loaded}`);
  } else {
    const out = mkdtempSync(join(tmpdir(), "posec-bench-import-"));
    try {
      // the command prints its report and the checkpoint folder; the bench prints only its JSON line
      const [stdout, stderr] = [process.stdout.write, process.stderr.write];
      process.stdout.write = process.stderr.write = () => true;
      const code = await importCommand.run(parseArgs([SPEC, file, "--out", join(out, "run")], importCommand)).finally(() => ([process.stdout.write, process.stderr.write] = [stdout, stderr]));
      if (code !== 0) throw new Error(`posec import exited ${code}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const ms = performance.now() - t0;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ms, maxRssMb, grewMb: maxRssMb - rssAtStart / 2 ** 20 }) + "\n");
}

interface Result {
  ms: number;
  maxRssMb: number;
  grewMb: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--phase") return phase(args[1], args[2]);
  const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 3;
  const dir = mkdtempSync(join(tmpdir(), "posec-bench-weights-"));
  try {
    const file = join(dir, "cmu_pose_synthetic.caffemodel");
    const { bytes, params } = writeCaffemodel(file);
    const weightsMib = (4 * params) / 2 ** 20;
    console.log(`synthetic caffemodel for ${SPEC}: ${(bytes / 1e6).toFixed(1)} MB, ${(params / 1e6).toFixed(2)}M parameters (${weightsMib.toFixed(0)} MiB of float32)`);
    const baseline = spawnSync(process.execPath, ["-e", "console.log(process.resourceUsage().maxRSS / 1024)"], { encoding: "utf8" });
    console.log(`an empty node process: ${Number(baseline.stdout).toFixed(0)} MiB peak RSS; median of ${runs} runs, phases interleaved`);
    // the phases take turns, so that a busy moment of the machine falls on all of them alike
    const results = new Map<string, Result[]>(PHASES.map((p) => [p, []]));
    for (let i = 0; i < runs; i++) {
      for (const p of PHASES) {
        const r = spawnSync(process.execPath, ["scripts/run-ts.mjs", "bench/weights.ts", "--phase", p, file], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`phase ${p} failed:\n${r.stderr.slice(-2000)}`);
        results.get(p)!.push(JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Result);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ms = new Map(PHASES.map((p) => [p, median(results.get(p)!.map((r) => r.ms))]));
    const rows = [["phase", "median ms", "x read-all", "x copy", "x read", "peak RSS MiB", "RSS growth MiB", "growth / weights"]];
    for (const p of PHASES) {
      const rs = results.get(p)!;
      const grew = Math.max(0, median(rs.map((r) => r.grewMb)));
      const x = (floor: (typeof PHASES)[number], digits: number) => `${(ms.get(p)! / ms.get(floor)!).toFixed(digits)}x`;
      rows.push([p, ms.get(p)!.toFixed(0), x("read-all", 2), x("copy", 2), x("read", 1), median(rs.map((r) => r.maxRssMb)).toFixed(0), grew.toFixed(0), `${(grew / weightsMib).toFixed(2)}`]);
    }
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    rows.forEach((r, j) => {
      console.log(`| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`);
      if (j === 0) console.log(`|${w.map((n) => "-".repeat(n + 2)).join("|")}|`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
