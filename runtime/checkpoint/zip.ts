// The zip container of torch.save (PyTorch >= 1.6): the central directory (zip64 included) and each
// entry's bytes (stored or deflated). Only what torch.save writes; no encryption, no spanning.
import { inflateRawSync } from "node:zlib";
import { PosecError } from "../errors.js";

/** the code of runtime/checkpoint/read.ts for an unreadable file */
const UNREADABLE = "PN5301";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  offset: number;
}


export function zipEntries(buf: Buffer, path: string): Map<string, ZipEntry> {
  const fail = (why: string): never => {
    throw new PosecError(`${path}: not a PyTorch checkpoint (${why})`, UNREADABLE, "expected a file written by torch.save (its zip format, or the legacy format of PyTorch before 1.6)");
  };
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail(buf.length >= 2 && buf[0] === 0x80 ? "a legacy pickle file; re-save it with torch >= 1.6" : "no zip directory");
  let count = buf.readUInt16LE(eocd + 10);
  let dirOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || dirOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== 0x07064b50) fail("broken zip64 directory");
    const z = Number(buf.readBigUInt64LE(locator + 8));
    if (buf.readUInt32LE(z) !== 0x06064b50) fail("broken zip64 directory");
    count = Number(buf.readBigUInt64LE(z + 32));
    dirOffset = Number(buf.readBigUInt64LE(z + 48));
  }
  const entries = new Map<string, ZipEntry>();
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) fail("broken zip directory");
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let uncompressed = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
    // zip64 extra field: the 64-bit values of whichever fields are saturated, in this order
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = buf.readUInt16LE(e);
      const size = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressed === 0xffffffff) (uncompressed = Number(buf.readBigUInt64LE(q)), (q += 8));
        if (compressedSize === 0xffffffff) (compressedSize = Number(buf.readBigUInt64LE(q)), (q += 8));
        if (local === 0xffffffff) local = Number(buf.readBigUInt64LE(q));
      }
      e += 4 + size;
    }
    if (buf.readUInt32LE(local) !== 0x04034b50) fail(`broken entry ${name}`);
    const offset = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    entries.set(name, { name, method, compressedSize, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export function entryData(buf: Buffer, e: ZipEntry, path: string): Buffer {
  if (e.offset + e.compressedSize > buf.length) throw new PosecError(`${path}: entry ${e.name} runs past the end of the file (truncated)`, UNREADABLE);
  const raw = buf.subarray(e.offset, e.offset + e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method === 8) {
    try {
      return inflateRawSync(raw);
    } catch (err) {
      throw new PosecError(`${path}: entry ${e.name} does not decompress (${(err as Error).message})`, UNREADABLE);
    }
  }
  throw new PosecError(`${path}: entry ${e.name} uses zip compression method ${e.method}`, UNREADABLE);
}

