// Run a posec ONNX model with ONNX Runtime for Node, decode people and draw them.
//
// usage: node deploy.mjs MODEL.onnx IMAGE --out DIR [--compare MAPS.bin]
//
// Uses onnxruntime-node, sharp (image decoding and drawing) and onnx-proto (the model's posec.* metadata:
// keypoints, limbs, input normalisation); all three are posec dependencies, or `npm install` them.
// --compare: the raw maps deploy.py wrote (OpenCV DNN); prints the max abs difference and fails above 1e-4.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import sharp from "sharp";

const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string" }, compare: { type: "string" } } });
const [modelPath, imagePath] = positionals;
if (!modelPath || !imagePath || !flags.out) {
  console.error("usage: node deploy.mjs MODEL.onnx IMAGE --out DIR [--compare MAPS.bin]");
  process.exit(2);
}
mkdirSync(flags.out, { recursive: true });

/** posec writes everything a deployment needs into the model's metadata_props as JSON. */
function readMetadata(path) {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(path));
  return Object.fromEntries(model.metadataProps.filter((p) => p.key.startsWith("posec.")).map((p) => [p.key, JSON.parse(p.value)]));
}

/** Pixels -> the network's input: channel order, pixel * scale + shift, padding to the stride (grey), NCHW. */
function preprocess(rgb, width, height, meta) {
  const norm = meta["posec.normalization"];
  const [sy, sx] = meta["posec.outputs"].heatmaps.stride;
  const H = Math.ceil(height / sy) * sy;
  const W = Math.ceil(width / sx) * sx;
  const order = norm.channel_order === "bgr" ? [2, 1, 0] : [0, 1, 2];
  const data = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const pixel = y < height && x < width ? rgb[(y * width + x) * 3 + order[c]] : 128;
        data[(c * H + y) * W + x] = Math.fround(pixel * norm.scale) + norm.shift;
      }
  return new ort.Tensor("float32", data, [1, 3, H, W]);
}

/** Local maxima above the threshold (4-neighbourhood), refined to the 3x3 weighted centroid. */
function findPeaks(map, h, w, threshold = 0.1) {
  const at = (y, x) => (y < 0 || y >= h || x < 0 || x >= w ? -Infinity : map[y * w + x]);
  const peaks = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = at(y, x);
      if (!(v > threshold && v >= at(y - 1, x) && v >= at(y + 1, x) && v >= at(y, x - 1) && v >= at(y, x + 1))) continue;
      let sw = 0, sx = 0, sy = 0;
      for (let yy = Math.max(y - 1, 0); yy < Math.min(y + 2, h); yy++)
        for (let xx = Math.max(x - 1, 0); xx < Math.min(x + 2, w); xx++) {
          const wgt = Math.max(at(yy, xx), 0);
          sw += wgt; sx += xx * wgt; sy += yy * wgt;
        }
      peaks.push([sx / sw, sy / sw, v]);
    }
  return peaks;
}

/** CMU's line integral: mean PAF component along a->b, with a penalty for limbs longer than half the map. */
function limbScore(pafX, pafY, h, w, a, b, samples = 10) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const norm = Math.hypot(dx, dy);
  if (norm < 1e-6) return null;
  const values = [];
  for (let i = 0; i < samples; i++) {
    const t = i / (samples - 1);
    // round half to even, as numpy's round does, so that both scripts sample the same cells
    const x = Math.min(Math.max(roundHalfEven(a[0] + t * dx), 0), w - 1);
    const y = Math.min(Math.max(roundHalfEven(a[1] + t * dy), 0), h - 1);
    values.push((pafX[y * w + x] * dx) / norm + (pafY[y * w + x] * dy) / norm);
  }
  const score = values.reduce((s, v) => s + v, 0) / samples + Math.min((0.5 * h) / norm - 1, 0);
  return values.filter((v) => v > 0.05).length > 0.8 * samples && score > 0 ? score : null;
}
function roundHalfEven(v) {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** CMU's bottom-up assembly, simplified: peaks, limb scores, greedy matching in the schema's limb order. */
function decode(heatmaps, pafs, dims, meta) {
  const [, , h, w] = dims;
  const joints = meta["posec.keypoints"].joints;
  const [sy, sx] = meta["posec.outputs"].heatmaps.stride;
  const channel = (data, c) => data.subarray(c * h * w, (c + 1) * h * w);
  const peaks = joints.map((_, j) => findPeaks(channel(heatmaps, j), h, w));
  const people = [];
  for (const limb of meta["posec.limbs"]) {
    const [ja, jb] = [limb.from, limb.to];
    const [cx, cy] = limb.paf_channels;
    const candidates = [];
    peaks[ja].forEach((pa, ia) =>
      peaks[jb].forEach((pb, ib) => {
        const s = limbScore(channel(pafs, cx), channel(pafs, cy), h, w, pa, pb);
        if (s !== null) candidates.push([s, ia, ib]);
      }),
    );
    candidates.sort((p, q) => q[0] - p[0] || q[1] - p[1] || q[2] - p[2]);
    const usedA = new Set(), usedB = new Set();
    for (const [s, ia, ib] of candidates) {
      if (usedA.has(ia) || usedB.has(ib)) continue;
      usedA.add(ia); usedB.add(ib);
      const owner = people.find((p) => p.parts.get(ja) === ia || p.parts.get(jb) === ib);
      if (!owner) people.push({ parts: new Map([[ja, ia], [jb, ib]]), score: peaks[ja][ia][2] + peaks[jb][ib][2] + s });
      else {
        if (!owner.parts.has(ja)) owner.parts.set(ja, ia);
        if (!owner.parts.has(jb)) owner.parts.set(jb, ib);
        owner.score += s;
      }
    }
  }
  return people
    .filter((p) => p.parts.size >= 3)
    .map((p) => ({
      keypoints: Object.fromEntries([...p.parts].sort((a, b) => a[0] - b[0]).map(([j, i]) => [joints[j], [(peaks[j][i][0] + 0.5) * sx - 0.5, (peaks[j][i][1] + 0.5) * sy - 0.5]])),
      score: p.score / p.parts.size,
    }));
}

/** The skeletons as an SVG laid over the image. */
async function draw(imagePath, width, height, people, meta, outPath) {
  const limbs = meta["posec.limbs"];
  const shapes = people.flatMap((person) => {
    const kp = person.keypoints;
    const lines = limbs
      .map((limb, i) => [limb.joints, `hsl(${Math.round((360 * i) / limbs.length)},100%,50%)`])
      .filter(([[a, b]]) => kp[a] && kp[b])
      .map(([[a, b], colour]) => `<line x1="${kp[a][0]}" y1="${kp[a][1]}" x2="${kp[b][0]}" y2="${kp[b][1]}" stroke="${colour}" stroke-width="2"/>`);
    const dots = Object.values(kp).map(([x, y]) => `<circle cx="${x}" cy="${y}" r="3" fill="white"/>`);
    return [...lines, ...dots];
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join("")}</svg>`;
  await sharp(imagePath).composite([{ input: Buffer.from(svg) }]).png().toFile(outPath);
}

const meta = readMetadata(modelPath);
const { data: rgb, info } = await sharp(imagePath).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const input = preprocess(rgb, info.width, info.height, meta);
const session = await ort.InferenceSession.create(modelPath);
const out = await session.run({ image: input });
const { heatmaps, pafs } = out;
console.log(`onnxruntime-node: heatmaps [${heatmaps.dims}], pafs [${pafs.dims}]`);

if (flags.compare) {
  const shapes = JSON.parse(readFileSync(flags.compare.replace(/\.bin$/, ".json"), "utf8"));
  const buf = readFileSync(flags.compare);
  const theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const ours = [...heatmaps.data, ...pafs.data];
  if (String(shapes.heatmaps) !== String(heatmaps.dims) || String(shapes.pafs) !== String(pafs.dims) || theirs.length !== ours.length)
    throw new Error(`${flags.compare}: maps of shape ${JSON.stringify(shapes)}, but ONNX Runtime gave heatmaps [${heatmaps.dims}], pafs [${pafs.dims}]`);
  let diff = 0;
  for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
  console.log(`Node (onnxruntime-node) vs Python (OpenCV DNN), raw heatmaps and PAFs: max abs diff ${diff.toExponential(2)}`);
  if (!(diff <= 1e-4)) {
    console.error("the two runtimes disagree by more than 1e-4");
    process.exit(1);
  }
}

const people = decode(heatmaps.data, pafs.data, heatmaps.dims, meta);
writeFileSync(join(flags.out, "people.json"), JSON.stringify(people, null, 1) + "\n");
await draw(imagePath, info.width, info.height, people, meta, join(flags.out, "people.png"));
console.log(`node: ${people.length} people -> ${join(flags.out, "people.png")}`);
