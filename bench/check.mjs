#!/usr/bin/env node
// Benchmark (not a test): whole-process wall time of `posec check` on the zoo, per file and all files in
// one process, median and min of N runs. Target: under 0.3 s per spec on the 2-core development machine.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const zoo = readdirSync(join(root, "models")).filter((f) => f.endsWith(".posenet")).sort().map((f) => `models/${f}`);
const runs = Number(process.argv[2] ?? 10);

function time(args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(root, "bin/posec.js"), "check", ...args], { cwd: root, encoding: "utf8" });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`posec check ${args.join(" ")} failed:\n${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0] };
}

export function benchCheck() {
  const rows = zoo.map((f) => ({ what: f, ...time([f]) }));
  rows.push({ what: `all ${zoo.length} zoo specs in one process`, ...time(zoo) });
  const baseline = (() => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      spawnSync(process.execPath, ["-e", "0"]);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  })();
  return { rows, nodeStartupMs: baseline };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, nodeStartupMs } = benchCheck();
  console.log(`posec check, whole process, ${runs} runs each (node -e 0 alone: ${nodeStartupMs.toFixed(0)} ms)`);
  for (const r of rows) console.log(`${r.what.padEnd(44)} median ${r.median.toFixed(0).padStart(5)} ms   min ${r.min.toFixed(0).padStart(5)} ms`);
}
