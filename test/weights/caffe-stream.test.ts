// The streaming caffemodel reader: blobs stay in the file until the layout change reads them in runs of
// whole rows (runtime/weights/float-source.ts). Checked against a caffemodel written by Google's protobuf
// library with the expected tensors in posec's layout from numpy (caffe_pb_ref.py; the InnerProduct
// stored (out, in) and, transposed, (in, out)), with run boundaries put after every row; against
// hand-encoded files whose float data is split into several fields at every offset, and whose fields
// straddle the reader's 64 KiB window at every offset; and for a file that changes between reading its
// structure and its values.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { readCaffeModel } from "../../runtime/weights/caffe.js";
import { FileFloats, forEachRun, setRunBytes, toFloat32Array } from "../../runtime/weights/float-source.js";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { compileText, posecErrorOf } from "../helpers.js";

const PYTHON = "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "posec-caffe-stream-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const defaultRun = setRunBytes(16 << 20);
afterEach(() => void setRunBytes(defaultRun));

// --- a hand encoder of the few caffe.proto fields used here ---
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 128) out.push((n % 128) | 128), (n = Math.floor(n / 128));
  return [...out, n];
};
const delimited = (field: number, payload: number[]) => [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
const text = (s: string) => [...Buffer.from(s)];
const floatBytes = (v: number[]) => [...Buffer.from(new Float32Array(v).buffer)];
const unpacked = (v: number) => [...varint(5 * 8 + 5), ...floatBytes([v])];
const layerBytes = (name: string, blob: number[]) => delimited(100, [...delimited(1, text(name)), ...delimited(2, text("Convolution")), ...delimited(7, blob)]);

describe("a caffemodel written by protobuf's own serializer (python3-protobuf), against numpy's layouts", () => {
  const dir = join(work, "pb");
  execFileSync("mkdir", ["-p", dir]);
  execFileSync(PYTHON, [join(import.meta.dirname, "caffe_pb_ref.py"), dir, "5"]);
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Record<string, [number[], string]>;
  const SPEC = "posenet 1\nmodel stream\ninput image 4x4x3\nbackbone {\n  conv1: conv 3x3 5\n  conv2: conv 1x1 7\n  pool: maxpool 2x2 stride=2\n  fc: dense 6\n}\n";

  it("the blobs' floats come before their shapes in the file, and are not read with the structure", () => {
    const net = readCaffeModel(join(dir, "model.caffemodel"));
    expect(net.layers.map((l) => [l.name, l.blobs.map((b) => b.shape)])).toEqual([
      ["conv1", [[5, 3, 3, 3], [5]]],
      ["conv2", [[7, 5, 1, 1], [7]]],
      ["fc", [[6, 28], [6]]],
    ]);
    for (const l of net.layers) for (const b of l.blobs) expect(b.data).toBeInstanceOf(FileFloats);
  });

  // every run size from one row per run (4 bytes: at least one row) to the whole tensor; the InnerProduct
  // stored (out, in) and, with transpose: true, (in, out)
  for (const model of ["model.caffemodel", "model_t.caffemodel"])
    for (const bytes of [4, 40, 108, 112, 200, 1000, 16 << 20]) {
      it(`${model}: each tensor equals numpy's, read in runs of ${bytes} bytes`, async () => {
        setRunBytes(bytes);
        const ir = compileText(work, SPEC, "stream");
        const { weights, report } = await loadForeignWeights(join(dir, model), ir, 1);
        expect(report.counts).toEqual({ loaded: 6, fresh: 0, ignored: 0 });
        for (const [name, [shape, file]] of Object.entries(expected)) {
          const raw = readFileSync(file);
          const want = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
          expect(weights.get(name)!.shape, name).toEqual(shape);
          // a copy, not arithmetic: the values must be bit for bit numpy's
          expect(Buffer.from(weights.get(name)!.data.buffer).equals(Buffer.from(want.slice().buffer)), name).toBe(true);
        }
      });
    }
});

describe("float data split across fields and runs", () => {
  const values = Array.from({ length: 12 }, (_, i) => (i + 1) * 1.25 - 7);

  it("two packed fields, split at every offset, read whole and in runs of every row length", () => {
    const path = join(work, "split.caffemodel");
    for (let k = 0; k <= values.length; k++) {
      const blob = [...delimited(5, floatBytes(values.slice(0, k))), ...delimited(5, floatBytes(values.slice(k))), ...delimited(7, delimited(1, [values.length]))];
      writeFileSync(path, Buffer.from(layerBytes("c", blob)));
      const data = readCaffeModel(path).layers[0].blobs[0].data;
      expect([...toFloat32Array(data)], `split at ${k}`).toEqual(values);
      for (const rowLength of [1, 2, 3, 4, 6, 12])
        for (const bytes of [4, 8, 12, 20, 48]) {
          setRunBytes(bytes);
          const seen: number[] = [];
          forEachRun(data, rowLength, (run, first) => {
            expect(first * rowLength, `split ${k}, rows of ${rowLength}, runs of ${bytes} bytes`).toBe(seen.length);
            expect(run.length % rowLength).toBe(0);
            seen.push(...run);
          });
          expect(seen).toEqual(values);
        }
    }
  });

  it("packed and unpacked values interleaved keep the file's order", () => {
    const path = join(work, "mixed.caffemodel");
    for (let k = 0; k < values.length; k++) {
      // values[0..k) packed, values[k] unpacked, the rest packed
      const blob = [...delimited(5, floatBytes(values.slice(0, k))), ...unpacked(values[k]), ...delimited(5, floatBytes(values.slice(k + 1))), ...delimited(7, delimited(1, [values.length]))];
      writeFileSync(path, Buffer.from(layerBytes("c", blob)));
      setRunBytes(8);
      const data = readCaffeModel(path).layers[0].blobs[0].data;
      const seen: number[] = [];
      forEachRun(data, 2, (run) => void seen.push(...run));
      expect(seen, `unpacked at ${k}`).toEqual(values);
    }
  });

  it("keys, names and lengths straddling the reader's 64 KiB window at every offset", () => {
    const path = join(work, "window.caffemodel");
    const blob = [...delimited(5, floatBytes(values)), ...delimited(7, delimited(1, [values.length]))];
    const layer = layerBytes("a_layer_name", blob);
    for (let s = 0; s <= layer.length + 2; s++) {
      // an unknown NetParameter field (99: a 2-byte key, a 3-byte length) that puts the layer at 65536 - s
      const fill = 65536 - s - 5;
      const filler = Buffer.concat([Buffer.from([...varint(99 * 8 + 2), ...varint(fill)]), Buffer.alloc(fill)]);
      expect(filler.length).toBe(65536 - s);
      writeFileSync(path, Buffer.concat([filler, Buffer.from(layer)]));
      const net = readCaffeModel(path);
      expect(net.layers[0].name, `layer at ${65536 - s}`).toBe("a_layer_name");
      expect(net.layers[0].blobs[0].shape).toEqual([values.length]);
      expect([...toFloat32Array(net.layers[0].blobs[0].data)]).toEqual(values);
    }
  });
});

describe("a file that changes under the reader", () => {
  it("is PN5310 naming the file, not values from another file", () => {
    const path = join(work, "changing.caffemodel");
    const blob = [...delimited(5, floatBytes([1, 2, 3])), ...delimited(7, delimited(1, [3]))];
    writeFileSync(path, Buffer.from(layerBytes("c", blob)));
    const data = readCaffeModel(path).layers[0].blobs[0].data;
    writeFileSync(path, Buffer.from([...layerBytes("c", blob), 0]));
    const e = posecErrorOf(() => toFloat32Array(data));
    expect(e.code).toBe("PN5310");
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/changed while it was being read/);
  });

  it("a file removed after its structure was read is PN5310 naming it", () => {
    const path = join(work, "removed.caffemodel");
    writeFileSync(path, Buffer.from(layerBytes("c", [...delimited(5, floatBytes([1, 2])), ...delimited(7, delimited(1, [2]))])));
    const data = readCaffeModel(path).layers[0].blobs[0].data;
    rmSync(path);
    const e = posecErrorOf(() => toFloat32Array(data));
    expect(e.code).toBe("PN5310");
    expect(e.message).toContain(path);
  });
});
