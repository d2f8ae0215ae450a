// torch.save's legacy format (torch < 1.6, or `_use_new_zipfile_serialization=False`), in which many
// published checkpoints still are (e.g. Lightweight OpenPose's checkpoint_iter_370000.pth, 2018): not a
// zip archive but pickles one after another, then the storages' bytes:
//   pickle 1  the magic number 0x1950a86a20f9469cfc6c
//   pickle 2  the protocol version (1001)
//   pickle 3  sys_info: {protocol_version, little_endian, type_sizes}
//   pickle 4  the object; tensor storages are persistent ids ("storage", torch.FloatStorage, key,
//             location, numel, view_metadata), as in the zip format
//   pickle 5  the storage keys, in the order their records follow
//   records   one per key: the element count (int64, little-endian), then the elements' bytes
// The tensors are then read exactly as from a zip file (torch.ts, stateDictTensors).
import { readFileSync } from "node:fs";
import { PosecError } from "../errors.js";
import { Storage, unpickleFrom } from "./pickle.js";
import { BYTES, stateDictTensors, storageOf, type TorchTensor } from "./torch.js";

const UNREADABLE = "PN5301";

/** The first bytes of a legacy file: PROTO 2, then LONG1 of the 10-byte magic number. */
const LEGACY_MAGIC = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);

/** Whether a file's first bytes are a legacy torch.save file's. */
export function isLegacyTorch(head: Buffer): boolean {
  return head.length >= LEGACY_MAGIC.length && head.subarray(0, LEGACY_MAGIC.length).equals(LEGACY_MAGIC);
}

/** The tensors of a legacy torch.save file, as readTorchStateDict gives them for the zip format. */
export function readLegacyTorchStateDict(path: string): Map<string, TorchTensor> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new PosecError(`${path}: cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, UNREADABLE);
  }
  if (!isLegacyTorch(buf)) throw new PosecError(`${path}: not a legacy PyTorch file (no torch.save magic number)`, UNREADABLE);
  const none = () => {
    throw new PosecError(`${path}: a persistent id outside the object pickle`, UNREADABLE);
  };
  let at = unpickleFrom(buf, 0, none, path).end; // magic number
  const version = unpickleFrom(buf, at, none, path);
  if (version.value !== 1001) throw new PosecError(`${path}: legacy torch.save protocol ${String(version.value)}, posec reads 1001`, UNREADABLE);
  const info = unpickleFrom(buf, version.end, none, path);
  if (info.value instanceof Map && info.value.get("little_endian") === false) throw new PosecError(`${path}: big-endian checkpoints are not supported`, UNREADABLE);
  const storages = new Map<string, Storage>();
  const load = storageOf(path);
  const object = unpickleFrom(buf, info.end, (pid) => {
    const s = load(pid);
    storages.set(s.key, s);
    return s;
  }, path);
  const keys = unpickleFrom(buf, object.end, none, path);
  if (!Array.isArray(keys.value)) throw new PosecError(`${path}: the storage key list is missing`, UNREADABLE);
  const records = new Map<string, Buffer>();
  at = keys.end;
  for (const key of keys.value.map(String)) {
    const storage = storages.get(key);
    if (!storage) throw new PosecError(`${path}: storage ${key} is listed but no tensor uses it`, UNREADABLE);
    if (at + 8 > buf.length) throw new PosecError(`${path}: the file ends before storage ${key} (truncated)`, UNREADABLE);
    const count = Number(buf.readBigInt64LE(at));
    const bytes = count * BYTES[storage.dtype];
    if (!Number.isSafeInteger(bytes) || bytes < 0 || at + 8 + bytes > buf.length) {
      throw new PosecError(`${path}: storage ${key} claims ${count} ${storage.dtype} values, more than the ${buf.length - at - 8} bytes left (truncated)`, UNREADABLE);
    }
    records.set(key, buf.subarray(at + 8, at + 8 + bytes));
    at += 8 + bytes;
  }
  return stateDictTensors(object.value, path, (key) => records.get(key));
}
