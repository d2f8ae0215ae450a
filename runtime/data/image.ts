// Image decoding (sharp, loaded lazily: the compiler commands never pay for it) into 8-bit RGB rasters.
import { PosecError } from "../errors.js";

type Sharp = (typeof import("sharp"))["default"];
let sharpModule: Promise<Sharp> | null = null;
/** sharp, imported once (a dynamic import per image is measurably slow under some module loaders) */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

/** Row-major 8-bit RGB raster, pixel (x, y) at data[(y * width + x) * 3 + c]. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes a JPEG/PNG (anything sharp reads) to RGB; alpha is dropped, greyscale is expanded.
 * EXIF orientation is NOT applied: COCO's coordinates refer to the stored pixel grid.
 * When `expected` is given, a different decoded size is an error (the annotations would not line up).
 */
export async function decodeImage(path: string, expected?: { width: number; height: number }): Promise<RgbImage> {
  const sharp = await loadSharp();
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    out = await sharp(path, { failOn: "error" }).removeAlpha().toColourspace("srgb").raw().toBuffer({
      resolveWithObject: true,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" || /no such file|missing/i.test(err.message) ? "image file not found" : err.message;
    throw new PosecError(`${path}: cannot be decoded as an image (${why})`, "PN5002");
  }
  const { width, height, channels } = out.info;
  if (expected && (width !== expected.width || height !== expected.height)) {
    throw new PosecError(
      `${path}: image is ${width}x${height}, but the annotations say ${expected.width}x${expected.height}`,
      "PN5002",
    );
  }
  let data = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  if (channels !== 3) {
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * channels + Math.min(c, channels - 1)];
    }
    data = rgb;
  }
  return { width, height, data };
}
