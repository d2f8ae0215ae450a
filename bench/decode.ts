// Decoding time per image at CMU's 368x368 input (46x46 maps, stride 8), 1 and 10 people, single scale:
// "peaks" = upsampling the 18 joint heatmaps to the image + smoothing + non-maximum suppression,
// "grouping" = PAF line integrals + greedy matching + assembly.
// Run: node scripts/run-ts.mjs bench/decode.ts [iterations]
import { performance } from "node:perf_hooks";
import { COCO18, IDENTITY, coco17Person, renderOutput, toSchemaJoints } from "../testkit/synthetic-maps.js";
import { findAllPeaks, groupPeople, upsampleMaps } from "../runtime/infer/decode.js";

const iterations = Number(process.argv[2] ?? 20);
const image = { width: 368, height: 368 };

function people(n: number): [number, number][][] {
  if (n === 1) return [toSchemaJoints(coco17Person(184, 190, 260))];
  // 10 people in two rows of five, ~70 px apart
  return Array.from({ length: n }, (_, i) =>
    toSchemaJoints(coco17Person(40 + 72 * (i % 5), 95 + 180 * Math.floor(i / 5), 150)),
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

for (const n of [1, 10]) {
  const output = renderOutput(people(n), { placement: IDENTITY, inputWidth: 368, inputHeight: 368 });
  const tPeaks: number[] = [];
  const tGroup: number[] = [];
  let found = 0;
  for (let it = 0; it < iterations + 2; it++) {
    const t0 = performance.now();
    const maps = upsampleMaps(output, image, COCO18);
    const peaks = findAllPeaks(maps, COCO18);
    const t1 = performance.now();
    const { people: got } = groupPeople(maps, peaks, COCO18);
    const t2 = performance.now();
    found = got.length;
    if (it >= 2) {
      tPeaks.push(t1 - t0);
      tGroup.push(t2 - t1);
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  console.log(
    `${String(n).padStart(2)} people (${found} found): peaks ${median(tPeaks).toFixed(1)} ms, grouping ${median(tGroup).toFixed(1)} ms ` +
      `(median of ${iterations}; best ${best(tPeaks).toFixed(1)} / ${best(tGroup).toFixed(1)} ms)`,
  );
}
