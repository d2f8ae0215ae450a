// IEEE 754 half-precision decoding, for weight files that store float16 tensors (PyTorch state dicts,
// ONNX initializers), and the host's byte order, which decides whether a little-endian file's bytes can
// be viewed as a typed array without a copy.

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The value of one float16 given as its 16 bits. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
