// posec weights -> a PyTorch state dict file for the generated model.py (`posec export --format pytorch`).
// Keys are model.py's (core/torch-names.ts, the rule the PyTorch emitter uses); layouts PyTorch's: conv
// kernels HWIO -> OIHW, dense kernels [in, units] -> [units, in] (both sides flatten H, W, C), PReLU alpha
// flat; every BatchNorm also gets its `num_batches_tracked` buffer, so that `load_state_dict(strict=True)`
// accepts the file.
//
// The file is torch.save's own format (PyTorch >= 1.6), written directly: a zip archive, entries stored
// uncompressed, of `archive/data.pkl` (a protocol-2 pickle of an OrderedDict whose values are
// torch._utils._rebuild_tensor_v2 calls on persistent storages), `archive/data/<i>` (each tensor's
// little-endian bytes) and `archive/version` ("3"). That is all torch.load reads; it needs no torch here.
import { crc32 } from "node:zlib";
import type { Ir } from "../../core/ir/types.js";
import { modelParams, type WeightSet } from "../../core/params/index.js";
import { torchKeys, torchPaths } from "../../core/torch-names.js";

export interface TorchEntry {
  key: string;
  shape: number[];
  /** float32 values, or a 64-bit integer (BatchNorm's num_batches_tracked) */
  data: Float32Array | bigint;
}

/** The state dict of the generated model.py for `weights` (posec names and layouts). */
export function torchStateDict(ir: Ir, weights: WeightSet): TorchEntry[] {
  const out: TorchEntry[] = [];
  const bnNodes = new Set<string>();
  const torchKey = torchKeys(ir);
  const paths = torchPaths(ir);
  for (const p of modelParams(ir)) {
    const w = weights.get(p.name);
    if (!w) throw new Error(`no weights for ${p.name}`);
    let data = w.data;
    let shape = w.shape;
    if (p.role === "kernel" && shape.length === 4) {
      const [h, wd, i, o] = shape;
      data = new Float32Array(data.length);
      for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let c = 0; c < i; c++) for (let f = 0; f < o; f++) data[((f * i + c) * h + y) * wd + x] = w.data[((y * wd + x) * i + c) * o + f];
      shape = [o, i, h, wd];
    } else if (p.role === "kernel" && shape.length === 2) {
      const [i, u] = shape;
      data = new Float32Array(data.length);
      for (let c = 0; c < i; c++) for (let f = 0; f < u; f++) data[f * i + c] = w.data[c * u + f];
      shape = [u, i];
    } else if (p.role === "alpha") {
      shape = [data.length];
    }
    if (p.role === "moving_variance") bnNodes.add(p.node);
    out.push({ key: torchKey(p.name), shape, data });
  }
  for (const node of bnNodes) out.push({ key: `${paths.get(node)}.num_batches_tracked`, shape: [], data: 0n });
  return out;
}

// ---------- pickle (protocol 2), only the opcodes a state dict needs ----------
class Pickler {
  private parts: Buffer[] = [];
  byte(...b: number[]): void {
    this.parts.push(Buffer.from(b));
  }
  global(module: string, name: string): void {
    this.parts.push(Buffer.from(`c${module}\n${name}\n`, "latin1"));
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    const head = Buffer.alloc(5);
    head[0] = 0x58; // BINUNICODE
    head.writeUInt32LE(b.length, 1);
    this.parts.push(head, b);
  }
  int(n: number): void {
    const b = Buffer.alloc(5);
    b[0] = 0x4a; // BININT
    b.writeInt32LE(n, 1);
    this.parts.push(b);
  }
  tuple(items: (() => void)[]): void {
    if (items.length === 0) return this.byte(0x29); // EMPTY_TUPLE
    this.byte(0x28); // MARK
    for (const f of items) f();
    this.byte(0x74); // TUPLE
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const MARK = 0x28;
const REDUCE = 0x52;
const BINPERSID = 0x51;
const SETITEMS = 0x75;
const NEWFALSE = 0x89;
const STOP = 0x2e;

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) (s[i] = acc), (acc *= shape[i]);
  return s;
}

function pickleStateDict(entries: TorchEntry[]): Buffer {
  const p = new Pickler();
  p.byte(0x80, 2); // PROTO 2
  p.global("collections", "OrderedDict");
  p.byte(0x29, REDUCE); // OrderedDict()
  p.byte(MARK);
  entries.forEach((e, i) => {
    const long = typeof e.data === "bigint";
    const numel = e.shape.reduce((a, b) => a * b, 1);
    p.str(e.key);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.tuple([
      () => {
        p.tuple([() => p.str("storage"), () => p.global("torch", long ? "LongStorage" : "FloatStorage"), () => p.str(String(i)), () => p.str("cpu"), () => p.int(numel)]);
        p.byte(BINPERSID);
      },
      () => p.int(0),
      () => p.tuple(e.shape.map((d) => () => p.int(d))),
      () => p.tuple(stridesOf(e.shape).map((d) => () => p.int(d))),
      () => p.byte(NEWFALSE),
      () => {
        p.global("collections", "OrderedDict");
        p.byte(0x29, REDUCE);
      },
    ]);
    p.byte(REDUCE);
  });
  p.byte(SETITEMS, STOP);
  return p.bytes();
}

// ---------- zip (stored entries, no zip64: a state dict over 4 GiB is refused) ----------
function zipStored(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, "utf8");
    const crc = crc32(f.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(f.data.length, 20);
    dir.writeUInt32LE(f.data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, f.data);
    central.push(dir, name);
    offset += 30 + name.length + f.data.length;
  }
  if (offset > 0xffffffff) throw new Error("state dict too large for a zip without zip64 (over 4 GiB)");
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

/** The bytes of a torch.save file holding `entries` as an OrderedDict state dict. */
export function torchSaveBytes(entries: TorchEntry[], archive = "archive"): Buffer {
  const files = [{ name: `${archive}/data.pkl`, data: pickleStateDict(entries) }];
  entries.forEach((e, i) => {
    let data: Buffer;
    if (typeof e.data === "bigint") {
      data = Buffer.alloc(8);
      data.writeBigInt64LE(e.data);
    } else {
      const le = Buffer.alloc(e.data.length * 4);
      for (let k = 0; k < e.data.length; k++) le.writeFloatLE(e.data[k], k * 4);
      data = le;
    }
    files.push({ name: `${archive}/data/${i}`, data });
  });
  files.push({ name: `${archive}/version`, data: Buffer.from("3\n") });
  return zipStored(files);
}
