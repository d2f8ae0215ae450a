// A streaming reader of the protobuf wire format, for files too large to hold twice in memory (a
// caffemodel is mostly float blobs: 200 MB of VGG weights). It reads the file through one small window:
// varints, keys and short strings come from the window; long float runs are skipped (`advance`) and
// their file offsets kept, so that they can be read later straight into their final arrays
// (float-source.ts). Skipping a run costs nothing: the window is refilled at the next field. Every read
// checks the end of the file and of the enclosing message, and a failure names the file and the byte offset.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { PosecError } from "../errors.js";

/** PN5310: a weights file (caffemodel, PyTorch file) that is truncated, corrupt or of another format. */
export const WEIGHTS_UNREADABLE = "PN5310";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

// small, because it is refilled after every skipped float run: a 1 MiB window would read most of the file
const WINDOW = 1 << 16;

export class WireReader {
  private readonly fd: number;
  /** file size in bytes */
  readonly size: number;
  /** the file's modification time when opened (FileFloats checks it before reading values later) */
  readonly mtimeMs: number;
  private readonly window = Buffer.allocUnsafe(WINDOW);
  /** file offset of window[0], and how many window bytes are valid */
  private windowStart = 0;
  private windowLength = 0;
  /** the current file offset */
  pos = 0;

  constructor(readonly path: string, readonly what: string) {
    try {
      this.fd = openSync(path, "r");
    } catch (e) {
      throw new PosecError(`${path}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, WEIGHTS_UNREADABLE);
    }
    const st = fstatSync(this.fd);
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
  }

  close(): void {
    closeSync(this.fd);
  }

  fail(why: string, at = this.pos): never {
    throw new PosecError(`${this.path}: not a readable ${this.what}: ${why} (at byte ${at} of ${this.size})`, WEIGHTS_UNREADABLE, `the file is truncated or corrupt, or not a ${this.what}; download it again`);
  }

  /** Makes the window hold bytes [pos, pos + n), reading from the file as needed. */
  private ensure(n: number, limit: number): void {
    if (this.pos + n > limit) this.fail(this.pos + n > this.size ? "the file ends inside a field (truncated)" : "a field runs past the end of its message");
    if (this.pos >= this.windowStart && this.pos + n <= this.windowStart + this.windowLength) return;
    const length = Math.min(WINDOW, this.size - this.pos);
    let got = 0;
    while (got < length) {
      const r = readSync(this.fd, this.window, got, length - got, this.pos + got);
      if (r === 0) break;
      got += r;
    }
    this.windowStart = this.pos;
    this.windowLength = got;
    if (got < n) this.fail("the file ends inside a field (truncated)");
  }

  private byte(limit: number): number {
    this.ensure(1, limit);
    return this.window[this.pos++ - this.windowStart];
  }

  /** A varint as a JS number (exact up to 2^53; larger values only occur in corrupt files). */
  varint(limit = this.size): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(limit);
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    return this.fail("a varint longer than 10 bytes");
  }

  /** A field key: [field number, wire type]. */
  key(limit = this.size): [number, number] {
    const at = this.pos;
    const k = this.varint(limit);
    const field = Math.floor(k / 8);
    if (field === 0) this.fail("field number 0", at);
    return [field, k % 8];
  }

  /** The length of a length-delimited field, checked against the message's end. */
  length(limit = this.size): number {
    const n = this.varint(limit);
    if (this.pos + n > limit) this.fail(this.pos + n > this.size ? `a field of ${n} bytes runs past the end of the file (truncated)` : `a field of ${n} bytes runs past the end of its message`);
    return n;
  }

  /** Reads a length-delimited field's length and returns the file offset where the field ends. */
  end(limit = this.size): number {
    const n = this.length(limit);
    return this.pos + n;
  }

  string(n: number): string {
    if (n > WINDOW) this.fail(`a ${n}-byte string where a name was expected`);
    this.ensure(n, this.size);
    const s = this.window.toString("utf8", this.pos - this.windowStart, this.pos - this.windowStart + n);
    this.pos += n;
    return s;
  }

  float32(limit: number): number {
    this.ensure(4, limit);
    const v = this.window.readFloatLE(this.pos - this.windowStart);
    this.pos += 4;
    return v;
  }

  float64(limit: number): number {
    this.ensure(8, limit);
    const v = this.window.readDoubleLE(this.pos - this.windowStart);
    this.pos += 8;
    return v;
  }

  /** Skips a field of the given wire type (its key already read). */
  skip(wireType: number, limit = this.size): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint(limit);
        return;
      case WIRE_FIXED64:
        this.advance(8, limit);
        return;
      case WIRE_BYTES:
        this.advance(this.length(limit), limit);
        return;
      case WIRE_FIXED32:
        this.advance(4, limit);
        return;
      default:
        this.fail(`wire type ${wireType}, which protobuf does not have (groups are not used by these formats)`);
    }
  }

  advance(n: number, limit = this.size): void {
    if (this.pos + n > limit) this.fail(this.pos + n > this.size ? "the file ends inside a field (truncated)" : "a field runs past the end of its message");
    this.pos += n;
  }
}
