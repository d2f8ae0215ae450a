// Float32 values that may still be in their file. A caffemodel's blob is mostly one packed float field
// of several MB; reading it into an array in the file's layout and then copying it into posec's layout
// (layouts.ts) holds every weight twice and touches every byte twice. Instead the reader records where
// each blob's floats lie (FileFloats), and the layout change reads them in runs of whole rows through one
// reused buffer (16 MiB: most kernels whole), writing each value once, straight into its final array. Small in-memory values (unpacked
// or double fields, tests, other formats' tensors) are plain Float32Arrays and take the same paths.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { PosecError } from "../errors.js";
import { WEIGHTS_UNREADABLE } from "./wire.js";

/** One stretch of a tensor's values: little-endian float32 bytes at a file offset, or values in memory. */
export type FloatPart = { offset: number; bytes: number } | Float32Array;

/** The file a FileFloats reads from, as it was when its structure was read. */
export interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
  /** what the file is, for messages ("Caffe model (...)") */
  what: string;
}

/** Values read on demand from a file (the parts in order), never held as a whole by this object. */
export class FileFloats {
  readonly length: number;
  constructor(
    readonly file: FileIdentity,
    readonly parts: FloatPart[],
  ) {
    this.length = parts.reduce((a, p) => a + (p instanceof Float32Array ? p.length : p.bytes / 4), 0);
  }
}

export type Floats = Float32Array | FileFloats;

/** how many bytes one run of rows may take: most kernels whole, so that a layout change sees all rows */
let runBytes = 16 << 20;
/** the buffer runs are read into, kept between tensors (fresh memory costs a page fault per 4 KiB) */
let scratch = new Float32Array(0);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Sets the run size (tests use a few bytes, to put run boundaries everywhere); returns the previous one. */
export function setRunBytes(bytes: number): number {
  const before = runBytes;
  runBytes = bytes;
  return before;
}

/**
 * Calls `visit(run, firstRow)` with the values in consecutive runs of whole rows of `rowLength`, in
 * order; `run` is only valid during the call (its buffer is reused). A Float32Array is one run.
 */
export function forEachRun(x: Floats, rowLength: number, visit: (run: Float32Array, firstRow: number) => void): void {
  if (x instanceof Float32Array) return void (x.length > 0 && visit(x, 0));
  if (x.length === 0) return;
  if (rowLength <= 0 || x.length % rowLength !== 0) throw new Error(`forEachRun: ${x.length} values are not rows of ${rowLength}`);
  const rowsPerRun = Math.max(1, Math.floor(runBytes / 4 / rowLength));
  const need = Math.min(x.length, rowsPerRun * rowLength);
  // a row longer than a run (a rare, huge row) gets its own buffer, so that the kept one stays small
  if (scratch.length < need && need <= runBytes / 4) scratch = new Float32Array(need);
  const buffer = scratch.length >= need ? scratch : new Float32Array(need);
  withFile(x.file, (fd) => {
    const stream = partReader(x, fd);
    for (let row = 0; row < x.length / rowLength; row += rowsPerRun) {
      const rows = Math.min(rowsPerRun, x.length / rowLength - row);
      const run = buffer.subarray(0, rows * rowLength);
      stream(run);
      visit(run, row);
    }
  });
}

/** All values in a new array (for small tensors, and for layouts that need the whole tensor). */
export function toFloat32Array(x: Floats): Float32Array {
  if (x instanceof Float32Array) return Float32Array.from(x);
  const out = new Float32Array(x.length);
  if (x.length > 0) withFile(x.file, (fd) => partReader(x, fd)(out));
  return out;
}

/** The first value (e.g. Caffe's BatchNorm scale factor), without reading the rest. */
export function firstFloat(x: Floats): number {
  if (x instanceof Float32Array) return x[0];
  const one = new Float32Array(Math.min(1, x.length));
  if (one.length) withFile(x.file, (fd) => partReader(x, fd)(one));
  return one[0];
}

function withFile<T>(file: FileIdentity, use: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(file.path, "r");
  } catch (e) {
    throw new PosecError(`${file.path}: cannot read the ${file.what} again (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, WEIGHTS_UNREADABLE);
  }
  try {
    const st = fstatSync(fd);
    // the structure was read from the file as it was; values from another version would be silently wrong
    if (st.size !== file.size || st.mtimeMs !== file.mtimeMs) {
      throw new PosecError(`${file.path}: the ${file.what} changed while it was being read`, WEIGHTS_UNREADABLE, "import it again once nothing writes to it");
    }
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** A reader that fills successive arrays with the next values of `x`'s parts, in order. */
function partReader(x: FileFloats, fd: number): (target: Float32Array) => void {
  let part = 0;
  let within = 0; // values of parts[part] already consumed
  return (target) => {
    let done = 0;
    while (done < target.length) {
      const p = x.parts[part];
      const available = (p instanceof Float32Array ? p.length : p.bytes / 4) - within;
      const n = Math.min(available, target.length - done);
      if (p instanceof Float32Array) target.set(p.subarray(within, within + n), done);
      else readFully(fd, x.file, new Uint8Array(target.buffer, target.byteOffset + 4 * done, 4 * n), p.offset + 4 * within);
      done += n;
      within += n;
      if (within === (p instanceof Float32Array ? p.length : p.bytes / 4)) (part++, (within = 0));
    }
    if (!LITTLE_ENDIAN) swapToHost(target);
  };
}

function readFully(fd: number, file: FileIdentity, into: Uint8Array, position: number): void {
  let got = 0;
  while (got < into.length) {
    const r = readSync(fd, into, got, into.length - got, position + got);
    if (r === 0) throw new PosecError(`${file.path}: not a readable ${file.what}: the file ends inside a data field (truncated) (at byte ${position + got} of ${file.size})`, WEIGHTS_UNREADABLE);
    got += r;
  }
}

/** The file's little-endian floats as this (big-endian) host's. */
function swapToHost(a: Float32Array): void {
  const view = new DataView(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i < a.length; i++) a[i] = view.getFloat32(4 * i, true);
}
