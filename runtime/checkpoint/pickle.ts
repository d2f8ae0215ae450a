// A minimal pickle machine for what torch.save writes for a state dict or a {"model": state_dict, ...}
// checkpoint: containers, numbers, strings and the few torch globals that rebuild tensors. Anything
// else is kept as an Opaque value and never executed.
import { PosecError } from "../errors.js";

const UNREADABLE = "PN5301";


const MARK = Symbol("mark");
export class Global {
  constructor(readonly module: string, readonly name: string) {}
  get full(): string {
    return `${this.module}.${this.name}`;
  }
}
export class Storage {
  constructor(readonly dtype: string, readonly key: string, readonly numel: number) {}
}
export class TensorRef {
  constructor(readonly storage: Storage, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}
/** Anything else a pickle builds: kept as what it was called with, and never interpreted. */
class Opaque {
  state: unknown = null;
  constructor(readonly global: string, readonly args: unknown) {}
}
export type Dict = Map<unknown, unknown>;

export const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: "float32",
  DoubleStorage: "float64",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  LongStorage: "int64",
  IntStorage: "int32",
  ShortStorage: "int16",
  CharStorage: "int8",
  ByteStorage: "uint8",
  BoolStorage: "bool",
};

function call(fn: unknown, args: unknown[]): unknown {
  if (!(fn instanceof Global)) return new Opaque(String(fn), args);
  switch (fn.full) {
    case "collections.OrderedDict":
    case "builtins.dict":
      return new Map();
    case "torch._utils._rebuild_tensor_v2":
    case "torch._utils._rebuild_tensor": {
      const [storage, offset, size, stride] = args as [Storage, number, number[], number[]];
      return new TensorRef(storage, offset, size, stride);
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state":
      return args[0];
    case "_codecs.encode":
      return Buffer.from(String(args[0]), "latin1");
  }
  return new Opaque(fn.full, args);
}

/** Runs the pickle program; `load(pid)` resolves persistent ids. */
export function unpickle(data: Buffer, load: (pid: unknown) => unknown, path: string): unknown {
  return unpickleFrom(data, 0, load, path).value;
}

/** Runs the pickle program that starts at byte `start` (files holding several pickles one after another); `end` is the byte after its STOP. */
export function unpickleFrom(data: Buffer, start: number, load: (pid: unknown) => unknown, path: string): { value: unknown; end: number } {
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  const fail = (why: string): never => {
    throw new PosecError(`${path}: cannot read the pickled checkpoint (${why} at byte ${p})`, UNREADABLE);
  };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail("no mark");
    const items = stack.splice(i);
    return items.slice(1);
  };
  const top = () => stack[stack.length - 1];
  const line = () => {
    const end = data.indexOf(0x0a, p);
    const s = data.toString("latin1", p, end);
    p = end + 1;
    return s;
  };
  const setItems = (d: unknown, items: unknown[]) => {
    if (d instanceof Map) for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
    else if (d instanceof Opaque) d.state = items;
  };
  while (p < data.length) {
    const op = data[p++];
    switch (op) {
      case 0x80: p++; break; // PROTO
      case 0x95: p += 8; break; // FRAME
      case 0x2e: return { value: stack.pop(), end: p }; // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: { const b = stack.pop(); stack.push([stack.pop(), b]); break; } // TUPLE2
      case 0x87: { const c = stack.pop(); const b = stack.pop(); stack.push([stack.pop(), b, c]); break; } // TUPLE3
      case 0x73: { const v = stack.pop(); const k = stack.pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = stack.pop(); (top() as unknown[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); (top() as unknown[]).push(...items); break; } // APPENDS
      case 0x71: memo.set(data[p++], top()); break; // BINPUT
      case 0x72: memo.set(data.readUInt32LE(p), top()); p += 4; break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memo.get(data[p++])); break; // BINGET
      case 0x6a: stack.push(memo.get(data.readUInt32LE(p))); p += 4; break; // LONG_BINGET
      case 0x63: { const module = line(); stack.push(new Global(module, line())); break; } // GLOBAL
      case 0x93: { const name = stack.pop() as string; stack.push(new Global(stack.pop() as string, name)); break; } // STACK_GLOBAL
      case 0x51: stack.push(load(stack.pop())); break; // BINPERSID
      case 0x52: { const args = stack.pop() as unknown[]; stack.push(call(stack.pop(), args)); break; } // REDUCE
      case 0x81: { const args = stack.pop() as unknown[]; stack.push(call(stack.pop(), args)); break; } // NEWOBJ
      case 0x62: { const state = stack.pop(); const obj = top(); if (obj instanceof Opaque) obj.state = state; break; } // BUILD
      case 0x4a: stack.push(data.readInt32LE(p)); p += 4; break; // BININT
      case 0x4b: stack.push(data[p++]); break; // BININT1
      case 0x4d: stack.push(data.readUInt16LE(p)); p += 2; break; // BININT2
      case 0x8a: { // LONG1: little-endian two's complement
        const n = data[p++];
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[p + i]);
        if (n > 0 && data[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        p += n;
        stack.push(Number(v));
        break;
      }
      case 0x49: { const s = line(); stack.push(s === "01" ? true : s === "00" ? false : Number(s)); break; } // INT
      case 0x47: stack.push(data.readDoubleBE(p)); p += 8; break; // BINFLOAT
      case 0x58: { const n = data.readUInt32LE(p); stack.push(data.toString("utf8", p + 4, p + 4 + n)); p += 4 + n; break; } // BINUNICODE
      case 0x8c: { const n = data[p]; stack.push(data.toString("utf8", p + 1, p + 1 + n)); p += 1 + n; break; } // SHORT_BINUNICODE
      case 0x8d: { const n = Number(data.readBigUInt64LE(p)); stack.push(data.toString("utf8", p + 8, p + 8 + n)); p += 8 + n; break; } // BINUNICODE8
      case 0x54: { const n = data.readUInt32LE(p); stack.push(data.toString("latin1", p + 4, p + 4 + n)); p += 4 + n; break; } // BINSTRING
      case 0x55: { const n = data[p]; stack.push(data.toString("latin1", p + 1, p + 1 + n)); p += 1 + n; break; } // SHORT_BINSTRING
      case 0x42: { const n = data.readUInt32LE(p); stack.push(data.subarray(p + 4, p + 4 + n)); p += 4 + n; break; } // BINBYTES
      case 0x43: { const n = data[p]; stack.push(data.subarray(p + 1, p + 1 + n)); p += 1 + n; break; } // SHORT_BINBYTES
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x30: stack.pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }
  return fail("no STOP");
}

