// readTorchStateDict / torchToPosecWeights against files written by torch.save itself (torch 1.13): a
// plain state dict, a train.py-style checkpoint dict, DDP's "module." keys, several dtypes and a
// non-contiguous tensor; posec weights -> generated model -> torch.save -> back to posec is exact.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ir } from "../../core/ir/types.js";
import { initialWeights, modelParams, type WeightSet } from "../../core/params/index.js";
import { readTorchStateDict, torchToPosecWeights } from "../../runtime/checkpoint/torch.js";
import { PosecError } from "../../runtime/errors.js";
import { compileIr, python, tempDir, writePackage, writeTfjsWeights } from "./helpers.js";

let ir: Ir;
let weights: WeightSet;
const tmp = tempDir("torch-ckpt");
const pkg = join(tmp.dir, "pkg");

beforeAll(() => {
  ir = compileIr("models/small_resnet18_cmupose.posenet");
  writePackage(ir, pkg);
  weights = initialWeights(modelParams(ir), 5);
  // distinct BN statistics, so that a swapped mean/variance would show
  for (const [name, t] of weights) if (/moving_|gamma|beta/.test(name)) t.data.forEach((_, i) => (t.data[i] = 0.5 + ((i * 7919) % 101) / 100));
  const modelJson = writeTfjsWeights(weights, join(tmp.dir, "posec"));
  python(
    `
import torch
from model import Model, load_posec_weights, read_tfjs_weights
m = Model(seed=3)
load_posec_weights(m, read_tfjs_weights(${JSON.stringify(modelJson)}))
sd = m.state_dict()
torch.save(sd, "${tmp.dir}/plain.pt")
opt = torch.optim.Adam(m.parameters())
with open("${tmp.dir}/ckpt.pt", "wb") as f:
    torch.save({"model": sd, "optimizer": opt.state_dict(), "step": 3, "seed": 1}, f)
torch.save({"module." + k: v for k, v in sd.items()}, "${tmp.dir}/ddp.pt")
bad = dict(sd)
del bad["first.paf.conv1.bias"]
bad["conv1.weight"] = bad["conv1.weight"][:, :2]
bad["extra.weight"] = torch.zeros(3)
torch.save(bad, "${tmp.dir}/bad.pt")
a = torch.arange(12.0).reshape(3, 4)
torch.save({
    "t": a.t(), "slice": a[1:, 2:], "f64": torch.tensor([1.5, -2.25], dtype=torch.float64),
    "f16": torch.tensor([0.5, -2.0, 65504.0], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -3.0], dtype=torch.bfloat16), "i64": torch.tensor([7, -9]),
    "scalar": torch.tensor(4.0), "note": "not a tensor",
}, "${tmp.dir}/misc.pt")
torch.save(sd, "${tmp.dir}/legacy.pt", _use_new_zipfile_serialization=False)
# damaged archives: a storage cut to half its length, and a deflated data.pkl with garbage in its stream
import zipfile
src = zipfile.ZipFile("${tmp.dir}/plain.pt")
with zipfile.ZipFile("${tmp.dir}/short.pt", "w") as short, zipfile.ZipFile("${tmp.dir}/deflated.pt", "w") as deflated:
    for info in src.infolist():
        data = src.read(info.filename)
        short.writestr(info, data[: len(data) // 2] if info.filename.endswith("/data/0") else data)
        deflated.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED if info.filename.endswith("data.pkl") else zipfile.ZIP_STORED)
z = zipfile.ZipFile("${tmp.dir}/deflated.pt")
pkl = next(i for i in z.infolist() if i.filename.endswith("data.pkl"))
z.close()
raw = bytearray(open("${tmp.dir}/deflated.pt", "rb").read())
start = pkl.header_offset + 30 + len(pkl.filename.encode()) + len(pkl.extra)
raw[start : start + 16] = bytes([255]) * 16
open("${tmp.dir}/deflated.pt", "wb").write(bytes(raw))
`,
    pkg,
  );
}, 120_000);
afterAll(() => tmp.remove());

describe("readTorchStateDict", () => {
  it("reads a state dict saved to a path (archive named after the file) with every key", () => {
    const sd = readTorchStateDict(join(tmp.dir, "plain.pt"));
    expect(sd.get("conv1.weight")!.shape).toEqual([32, 3, 7, 7]);
    expect(sd.get("bn1.num_batches_tracked")!.data[0]).toBe(0);
    // every parameter and BN statistic of the spec, plus num_batches_tracked per BN
    const bns = ir.nodes.filter((n) => n.op === "bn").length;
    expect(sd.size).toBe(modelParams(ir).length + bns);
  });

  it("finds the state dict under \"model\" in a checkpoint saved to a file object", () => {
    const sd = readTorchStateDict(join(tmp.dir, "ckpt.pt"));
    expect(sd.has("refine.1.heatmap.conv4.bias")).toBe(true); // stage 3: the second of the refine stages
    expect([...sd.keys()].some((k) => k.startsWith("optimizer") || k === "step")).toBe(false);
  });

  it("converts dtypes to float32 and gathers non-contiguous views", () => {
    const sd = readTorchStateDict(join(tmp.dir, "misc.pt"));
    expect(sd.get("t")).toEqual({ shape: [4, 3], data: Float32Array.from([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]) });
    expect(sd.get("slice")).toEqual({ shape: [2, 2], data: Float32Array.from([6, 7, 10, 11]) });
    expect([...sd.get("f64")!.data]).toEqual([1.5, -2.25]);
    expect([...sd.get("f16")!.data]).toEqual([0.5, -2, 65504]);
    expect([...sd.get("bf16")!.data]).toEqual([1, -3]);
    expect([...sd.get("i64")!.data]).toEqual([7, -9]);
    expect(sd.get("scalar")).toEqual({ shape: [], data: Float32Array.from([4]) });
    expect(sd.has("note")).toBe(false);
  });

  it("rejects files that are not zip checkpoints, naming the file", () => {
    writeFileSync(join(tmp.dir, "junk.pt"), "hello");
    expect(() => readTorchStateDict(join(tmp.dir, "junk.pt"))).toThrow(/junk\.pt: not a PyTorch checkpoint/);
    expect(() => readTorchStateDict(join(tmp.dir, "legacy.pt"))).toThrow(/legacy\.pt: .*legacy pickle/);
    expect(() => readTorchStateDict(join(tmp.dir, "missing.pt"))).toThrow(PosecError);
  });

  it("rejects a truncated storage and a corrupt compressed entry with PN5301, not a crash", () => {
    expect(() => readTorchStateDict(join(tmp.dir, "short.pt"))).toThrow(/short\.pt: storage data\/0 holds \d+ bytes, but its \d+ float32 values need \d+ \(truncated\)/);
    expect(() => readTorchStateDict(join(tmp.dir, "deflated.pt"))).toThrow(/deflated\.pt: entry .*data\.pkl does not decompress/);
    for (const f of ["short.pt", "deflated.pt"]) {
      try {
        readTorchStateDict(join(tmp.dir, f));
      } catch (e) {
        expect(e, f).toMatchObject({ code: "PN5301" });
      }
    }
  });
});

describe("torchToPosecWeights", () => {
  it("gives back posec's weights exactly: names, order, channels-last layouts", () => {
    for (const file of ["plain.pt", "ckpt.pt", "ddp.pt"]) {
      const back = torchToPosecWeights(readTorchStateDict(join(tmp.dir, file)), ir, file);
      expect([...back.keys()]).toEqual([...weights.keys()]);
      for (const [name, t] of weights) {
        expect(back.get(name)!.shape, name).toEqual(t.shape);
        expect(Buffer.from(back.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
      }
    }
  });

  it("names every missing, misshapen and unexpected tensor", () => {
    const sd = readTorchStateDict(join(tmp.dir, "bad.pt"));
    let error: unknown;
    try {
      torchToPosecWeights(sd, ir, "bad.pt");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PosecError);
    const msg = (error as PosecError).message;
    expect(msg).toMatch(/^bad\.pt does not fit small_resnet18_cmupose/);
    expect(msg).toContain("first.paf.conv1.bias (stage1_paf_conv1/bias) is missing");
    expect(msg).toContain("conv1.weight (conv1/kernel) has shape [32, 2, 7, 7], the spec needs [32, 3, 7, 7]");
    expect(msg).toContain("extra.weight is not a parameter of small_resnet18_cmupose");
  });
});
