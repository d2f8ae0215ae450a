// Joint candidates: CMU's demo smooths each heatmap with scipy's gaussian_filter(sigma=3) (truncate 4,
// 'reflect' borders), keeps pixels that are >= their four neighbours (zero outside the image) and above
// thre1, and scores each by the UNsmoothed map. The smoothing is only evaluated where it can exceed the
// threshold: a weighted mean (weights sum to 1) is above thre1 only within the filter radius of a pixel that
// is above thre1, so boxes around those pixels give exactly the peaks a full-image filter gives.

export interface Peak {
  x: number;
  y: number;
  /** unsmoothed (scale-averaged) heatmap value at the peak */
  score: number;
  /** index into the flat candidate list of the image (all joints, joint-major, then row-major) */
  id: number;
}

export interface PeakOptions {
  threshold: number;
  sigma: number;
}

/** scipy.ndimage's 1-D Gaussian kernel: radius int(4 sigma + 0.5), normalised. */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    sum += k[i + radius];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** scipy 'reflect' (half-sample symmetric): d c b a | a b c d | d c b a */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding boxes of the 4-connected components of map > threshold, grown by `grow` and merged when they overlap. */
function activeBoxes(map: Float32Array, W: number, H: number, threshold: number, grow: number): Box[] {
  const seen = new Uint8Array(W * H);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < W * H; start++) {
    if (seen[start] || !(map[start] > threshold)) continue;
    const b = { x0: W, y0: H, x1: -1, y1: -1 };
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % W;
      const y = (p - x) / W;
      if (x < b.x0) b.x0 = x;
      if (x > b.x1) b.x1 = x;
      if (y < b.y0) b.y0 = y;
      if (y > b.y1) b.y1 = y;
      const visit = (q: number) => {
        if (!seen[q] && map[q] > threshold) {
          seen[q] = 1;
          stack.push(q);
        }
      };
      if (x > 0) visit(p - 1);
      if (x < W - 1) visit(p + 1);
      if (y > 0) visit(p - W);
      if (y < H - 1) visit(p + W);
    }
    boxes.push({
      x0: Math.max(0, b.x0 - grow),
      y0: Math.max(0, b.y0 - grow),
      x1: Math.min(W - 1, b.x1 + grow),
      y1: Math.min(H - 1, b.y1 + grow),
    });
  }
  // merge overlapping boxes so that no pixel is filtered twice
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const c = boxes[j];
        if (a.x0 <= c.x1 && c.x0 <= a.x1 && a.y0 <= c.y1 && c.y0 <= a.y1) {
          boxes[i] = { x0: Math.min(a.x0, c.x0), y0: Math.min(a.y0, c.y0), x1: Math.max(a.x1, c.x1), y1: Math.max(a.y1, c.y1) };
          boxes.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  return boxes;
}

/**
 * Peaks of one W x H heatmap (row-major), in row-major order. `firstId` numbers them on from the peaks of
 * earlier joints.
 */
export function findPeaks(map: Float32Array, W: number, H: number, options: PeakOptions, firstId = 0): Peak[] {
  const kernel = gaussianKernel(options.sigma);
  const r = (kernel.length - 1) / 2;
  const boxes = activeBoxes(map, W, H, options.threshold, r);
  // smoothed values inside the boxes; 0 elsewhere, which is below the threshold like the true value there
  const smooth = new Float32Array(W * H);
  const tmp = new Float64Array(W * H);
  for (const b of boxes) {
    const ty0 = Math.max(0, b.y0 - r);
    const ty1 = Math.min(H - 1, b.y1 + r);
    // scipy filters axis 0 (rows) first, then axis 1; both orders agree up to rounding
    for (let y = ty0; y <= ty1; y++) {
      for (let x = b.x0; x <= b.x1; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += kernel[k + r] * map[y * W + reflect(x + k, W)];
        tmp[y * W + x] = s;
      }
    }
    for (let y = b.y0; y <= b.y1; y++) {
      for (let x = b.x0; x <= b.x1; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) s += kernel[k + r] * tmp[reflect(y + k, H) * W + x];
        smooth[y * W + x] = s;
      }
    }
  }
  const found: number[] = [];
  for (const b of boxes) {
    for (let y = b.y0; y <= b.y1; y++) {
      for (let x = b.x0; x <= b.x1; x++) {
        const p = y * W + x;
        const v = smooth[p];
        if (!(v > options.threshold)) continue;
        if (x > 0 && v < smooth[p - 1]) continue;
        if (x < W - 1 && v < smooth[p + 1]) continue;
        if (y > 0 && v < smooth[p - W]) continue;
        if (y < H - 1 && v < smooth[p + W]) continue;
        found.push(p);
      }
    }
  }
  found.sort((a, b) => a - b);
  return found.map((p, i) => ({ x: p % W, y: Math.floor(p / W), score: map[p], id: firstId + i }));
}
