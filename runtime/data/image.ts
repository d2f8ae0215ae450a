// Image decoding (sharp, loaded lazily: the compiler commands never pay for it) into 8-bit RGB rasters,
// with the pixel values OpenCV's cv2.imread gives (what CMU's code and most pose training code feed
// the network), checked against cv2 on real COCO images in test/hostile/real-images.test.ts:
// - an embedded ICC profile is NOT applied (sharp would convert to sRGB: up to 54 levels off on a COCO
//   image with an Adobe RGB profile); the stored values are used as they are;
// - a CMYK JPEG is converted with OpenCV's formula (grfmt_jpeg.cpp, icvCvt_CMYK2BGR_8u_C4C3R), not
//   through a CMYK colour profile;
// - a JPEG cut short (e.g. missing only its end marker) decodes as far as it goes, as libjpeg does for
//   OpenCV (which prints "Premature end of JPEG file"); undecodable headers are still errors;
// - alpha is dropped (not composited), greyscale is expanded to three equal channels.
// The header is read first, so that a size beyond the limits is refused before any pixel is decoded.
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

export interface ImageLimits {
  /** width x height at most (default 100 million: a 300 MB raster) */
  maxPixels?: number;
  /** longer side / shorter side at most (default: unlimited); inference scales the height to the network's, so a 20000x1 strip would become a raster millions of pixels wide */
  maxAspect?: number;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;

function badImage(path: string, why: string): PosecError {
  return new PosecError(`${path}: cannot be decoded as an image (${why})`, "PN5002");
}

/** The image's size from its header (no pixel is decoded), checked against the limits. */
export async function imageSize(path: string, limits: ImageLimits = {}): Promise<{ width: number; height: number; space: string }> {
  const sharp = await loadSharp();
  let meta;
  try {
    meta = await sharp(path, { failOn: "none", limitInputPixels: false }).metadata();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw badImage(path, err.code === "ENOENT" || /no such file|missing/i.test(err.message) ? "image file not found" : err.message);
  }
  const { width, height } = meta;
  if (!width || !height) throw badImage(path, "no size in its header");
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) {
    throw new PosecError(`${path}: image is ${width}x${height} (${(width * height).toLocaleString("en-US")} pixels), more than the ${maxPixels.toLocaleString("en-US")} posec decodes`, "PN5007", "scale the image down first");
  }
  const aspect = Math.max(width / height, height / width);
  if (limits.maxAspect !== undefined && aspect > limits.maxAspect) {
    throw new PosecError(`${path}: image is ${width}x${height}, an aspect ratio of ${aspect.toFixed(0)}:1, more than the ${limits.maxAspect}:1 posec infers on`, "PN5007", "crop the image to the region with people first");
  }
  return { width, height, space: meta.space ?? "srgb" };
}

/** OpenCV's CMYK -> RGB on libvips's CMYK values (libvips un-inverts Adobe CMYK, which libjpeg hands OpenCV inverted). */
function cmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const k = 255 - cmyk[i * 4 + 3];
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = k - ((cmyk[i * 4 + c] * k) >> 8);
  }
  return rgb;
}

/**
 * Decodes a JPEG/PNG (anything sharp reads) to RGB as cv2.imread does (see the header).
 * EXIF orientation is NOT applied: COCO's coordinates refer to the stored pixel grid.
 * When `expected` is given, a different decoded size is an error (the annotations would not line up).
 */
export async function decodeImage(path: string, expected?: { width: number; height: number }, limits: ImageLimits = {}): Promise<RgbImage> {
  const sharp = await loadSharp();
  const header = await imageSize(path, limits);
  if (expected && (header.width !== expected.width || header.height !== expected.height)) {
    throw new PosecError(`${path}: image is ${header.width}x${header.height}, but the annotations say ${expected.width}x${expected.height}`, "PN5002");
  }
  const cmyk = header.space === "cmyk";
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    const input = sharp(path, { failOn: "none", ignoreIcc: true, limitInputPixels: false });
    const pipeline = cmyk ? input.pipelineColourspace("cmyk").toColourspace("cmyk") : input.removeAlpha().toColourspace("srgb");
    out = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw badImage(path, (e as Error).message);
  }
  const { width, height, channels } = out.info;
  let data = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  if (cmyk && channels === 4) return { width, height, data: cmykToRgb(data, width * height) };
  if (channels !== 3) {
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * channels + Math.min(c, channels - 1)];
    }
    data = rgb;
  }
  return { width, height, data };
}
