// A tiny RGB raster for the per-pixel pictures posec writes (target overlays, skeletons drawn over photos,
// synthetic images). Drawing is done here in plain TypeScript so that it is deterministic and testable;
// encoding to PNG/JPEG goes through sharp, loaded lazily so that the compiler commands never pay for it.
// Pictures with text and axes (loss.png) are SVG rasterised by sharp instead (curve.ts).
import { writeFileAtomic } from "../util/atomic.js";

export type Rgb = [number, number, number];

export class Canvas {
  readonly data: Uint8ClampedArray;

  constructor(
    readonly width: number,
    readonly height: number,
    fill: Rgb = [0, 0, 0],
  ) {
    this.data = new Uint8ClampedArray(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(fill, i * 3);
  }

  /** Alpha-blends one pixel; coordinates outside the canvas are ignored. */
  blend(x: number, y: number, rgb: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    for (let c = 0; c < 3; c++) this.data[o + c] = this.data[o + c] * (1 - alpha) + rgb[c] * alpha;
  }

  /** Filled disc centred on (cx, cy), edges anti-aliased over one pixel. */
  disc(cx: number, cy: number, radius: number, rgb: Rgb, alpha = 1): void {
    const r = radius + 1;
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
      for (let x = Math.floor(cx - r); x <= Math.ceil(cx + r); x++) {
        const d = Math.hypot(x - cx, y - cy);
        const cover = Math.min(1, Math.max(0, radius + 0.5 - d));
        if (cover > 0) this.blend(x, y, rgb, alpha * cover);
      }
    }
  }

  /** Thick line segment with round caps (a "capsule"), anti-aliased. */
  line(x0: number, y0: number, x1: number, y1: number, rgb: Rgb, thickness = 1, alpha = 1): void {
    const half = thickness / 2;
    const minX = Math.floor(Math.min(x0, x1) - half - 1);
    const maxX = Math.ceil(Math.max(x0, x1) + half + 1);
    const minY = Math.floor(Math.min(y0, y1) - half - 1);
    const maxY = Math.ceil(Math.max(y0, y1) + half + 1);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    for (let y = minY; y <= maxY; y++) {
      for (let x = minX; x <= maxX; x++) {
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
        const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
        const cover = Math.min(1, Math.max(0, half + 0.5 - d));
        if (cover > 0) this.blend(x, y, rgb, alpha * cover);
      }
    }
  }

  /** Fills an axis-aligned rectangle (clipped). */
  rect(x: number, y: number, w: number, h: number, rgb: Rgb, alpha = 1): void {
    for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(this.height, Math.ceil(y + h)); yy++) {
      for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(this.width, Math.ceil(x + w)); xx++) {
        this.blend(xx, yy, rgb, alpha);
      }
    }
  }
}

/** A stable, well-separated colour for item i of n (HSV hue wheel). */
export function paletteColor(i: number, n: number): Rgb {
  const h = (i / Math.max(1, n)) * 6;
  const f = h - Math.floor(h);
  const rgb: Rgb[] = [
    [1, f, 0],
    [1 - f, 1, 0],
    [0, 1, f],
    [0, 1 - f, 1],
    [f, 0, 1],
    [1, 0, 1 - f],
  ].map((c) => c.map((v) => Math.round(v * 255)) as Rgb);
  return rgb[Math.floor(h) % 6];
}

/** Encodes the canvas as PNG and writes it atomically. */
export async function writePng(canvas: Canvas, path: string): Promise<void> {
  const { default: sharp } = await import("sharp");
  const png = await sharp(Buffer.from(canvas.data.buffer, canvas.data.byteOffset, canvas.data.byteLength), {
    raw: { width: canvas.width, height: canvas.height, channels: 3 },
  })
    .png({ compressionLevel: 9 })
    .toBuffer();
  writeFileAtomic(path, png);
}
