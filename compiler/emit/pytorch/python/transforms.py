# transforms.py: posec's data conventions (runtime/data/*.ts) in numpy, operation for operation, so
# that the PyTorch program trains on the same samples as the tfjs runtime: the augmentation's one
# affine map, bilinear warps, COCO RLE and polygon rasters, Gaussian heatmaps with sum-clip, the
# background channel, "centered" PAFs averaged over people, and the area-averaged mask. Loops that
# the TypeScript runs pixel by pixel are vectorised here in the same floating-point order.
"""posec's data conventions (runtime/data of the TypeScript runtime) in numpy.

Coordinates: pixel (x, y) has its centre at (x, y) (OpenCV's convention, which CMU's code uses), so
a flip is x -> W - 1 - x. Rasters are row-major, channels-last (H, W, C). Every function mirrors the
TypeScript function of the same name in the same floating-point order, so that both produce the same
samples (up to the last bit of exp/hypot).
"""
from collections import namedtuple
import math

import numpy as np


# --- augmentation: one affine map, source pixels -> crop pixels: q = [a b; c d] p + [tx; ty] ---

Affine = namedtuple("Affine", ["a", "b", "c", "d", "tx", "ty"])
AugmentDraw = namedtuple("AugmentDraw", ["scale", "degrees", "flip", "dx", "dy"])


def draw_augment(rng, o, person_height, crop_height):
    """Draws scale, rotation, dx, dy, flip in this order; CMU's scale rule
    scale = target_dist / (person height / crop height) * U[min, max]."""
    mult = rng.uniform(o["scale"][0], o["scale"][1])
    degrees = rng.uniform(-o["rotate"], o["rotate"])
    dx = rng.uniform(-o["center_perturb"], o["center_perturb"])
    dy = rng.uniform(-o["center_perturb"], o["center_perturb"])
    flip = rng.next() < o["flip"]
    scale_self = max(person_height, 1) / crop_height
    return AugmentDraw((o["target_dist"] / scale_self) * mult, degrees, flip, dx, dy)


def augment_affine(draw, center, crop_w, crop_h):
    """Scale about the person centre, rotate (OpenCV's sign), centre in the crop, then mirror."""
    t = (draw.degrees * math.pi) / 180
    cos = math.cos(t) * draw.scale
    sin = math.sin(t) * draw.scale
    a, b, c, d = cos, sin, -sin, cos
    tx = (crop_w - 1) / 2 - draw.dx - (a * center[0] + b * center[1])
    ty = (crop_h - 1) / 2 - draw.dy - (c * center[0] + d * center[1])
    if draw.flip:
        return Affine(-a, -b, c, d, crop_w - 1 - tx, ty)
    return Affine(a, b, c, d, tx, ty)


def fit_affine(src_w, src_h, crop_w, crop_h):
    """No augmentation: the whole image scaled to fit the crop, centred (letterboxed)."""
    s = min(crop_w / src_w, crop_h / src_h)
    tx = (crop_w - 1) / 2 - (s * (src_w - 1)) / 2
    ty = (crop_h - 1) / 2 - (s * (src_h - 1)) / 2
    return Affine(s, 0.0, 0.0, s, tx, ty)


def apply_affine(m, x, y):
    return m.a * x + m.b * y + m.tx, m.c * x + m.d * y + m.ty


def invert_affine(m):
    det = m.a * m.d - m.b * m.c
    a, b, c, d = m.d / det, -m.b / det, -m.c / det, m.a / det
    return Affine(a, b, c, d, -(a * m.tx + b * m.ty), -(c * m.tx + d * m.ty))


def prefilter(src, m):
    """Box-averages the source by an integer factor when the map shrinks it 2x or more (against
    aliasing); returns the image to sample and the map from it to the crop."""
    scale = math.sqrt(abs(m.a * m.d - m.b * m.c))
    f = math.floor(1 / scale)
    h, w = src.shape[:2]
    if f < 2 or w < 2 * f or h < 2 * f:
        return src, m
    hh, ww = h // f, w // f
    blocks = src[: hh * f, : ww * f].astype(np.float64).reshape(hh, f, ww, f, 3)
    out = np.floor(blocks.sum(axis=(1, 3)) * (1 / (f * f)) + 0.5).astype(np.uint8)
    k = (f - 1) / 2
    tx, ty = m.tx + (m.a + m.b) * k, m.ty + (m.c + m.d) * k
    return out, Affine(m.a * f, m.b * f, m.c * f, m.d * f, tx, ty)


def _source_coords(m, crop_w, crop_h):
    """Source coordinates of every crop pixel, summed along rows as the TypeScript loop does."""
    inv = invert_affine(m)
    qy = np.arange(crop_h, dtype=np.float64)
    px = np.empty((crop_h, crop_w))
    py = np.empty((crop_h, crop_w))
    px[:, 0] = inv.b * qy + inv.tx
    py[:, 0] = inv.d * qy + inv.ty
    px[:, 1:] = inv.a
    py[:, 1:] = inv.c
    return np.cumsum(px, axis=1), np.cumsum(py, axis=1)


def _bilinear(padded, w, h, px, py):
    """Fractions and corner indices into a raster with a 1-pixel border; inside: all 4 valid."""
    x0 = np.floor(px)
    y0 = np.floor(py)
    inside = (x0 >= -1) & (y0 >= -1) & (x0 < w) & (y0 < h)
    fx = px - x0
    fy = py - y0
    xi = np.where(inside, x0 + 1, 0).astype(np.int64)
    yi = np.where(inside, y0 + 1, 0).astype(np.int64)
    return inside, fx, fy, xi, yi


def warp_rgb(src, m, crop_w, crop_h, pad=128):
    """Bilinear warp of an (H, W, 3) uint8 image; pixels from outside the source get pad."""
    h, w = src.shape[:2]
    padded = np.full((h + 2, w + 2, 3), pad, dtype=np.float32)
    padded[1:-1, 1:-1] = src
    px, py = _source_coords(m, crop_w, crop_h)
    inside, fx, fy, xi, yi = _bilinear(padded, w, h, px, py)
    fx, fy = fx[..., None], fy[..., None]
    v = (
        (1 - fx) * (1 - fy) * padded[yi, xi]
        + fx * (1 - fy) * padded[yi, xi + 1]
        + (1 - fx) * fy * padded[yi + 1, xi]
        + fx * fy * padded[yi + 1, xi + 1]
        + 0.5
    )
    out = v.astype(np.int64).astype(np.uint8)
    out[~inside] = pad
    return out


def warp_ignore_to_weight(ignore, m, crop_w, crop_h):
    """Bilinear warp of an (H, W) 0/1 ignore raster into the crop's loss weight 1 - ignore;
    outside the source counts as not ignored (CMU pads mask_miss with 255 = keep)."""
    h, w = ignore.shape
    padded = np.zeros((h + 2, w + 2), dtype=np.float32)
    padded[1:-1, 1:-1] = ignore
    px, py = _source_coords(m, crop_w, crop_h)
    inside, fx, fy, xi, yi = _bilinear(padded, w, h, px, py)
    v = (
        (1 - fx) * (1 - fy) * padded[yi, xi]
        + fx * (1 - fy) * padded[yi, xi + 1]
        + (1 - fx) * fy * padded[yi + 1, xi]
        + fx * fy * padded[yi + 1, xi + 1]
    )
    return np.where(inside, 1 - v, 1.0).astype(np.float32)


# --- COCO segmentation rasters (row-major masks, 1 = inside) ---


def decode_rle_string(s):
    """pycocotools rleFrString: compressed RLE string -> run lengths."""
    counts = []
    p = 0
    while p < len(s):
        x = 0
        k = 0
        more = True
        while more:
            if p >= len(s):
                raise ValueError("RLE string ends inside a count")
            c = ord(s[p]) - 48
            if c < 0 or c > 63:
                raise ValueError(f"RLE string has an invalid character {s[p]!r}")
            x += (c & 0x1F) << (5 * k)
            more = (c & 0x20) != 0
            p += 1
            k += 1
            if not more and (c & 0x10) != 0:
                x -= 1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def fill_rle(height, width, counts, mask):
    """Sets the RLE's 1 pixels (column-major runs, starting with 0s) in a row-major mask."""
    if sum(counts) != height * width:
        raise ValueError(f"RLE counts add up to {sum(counts)}, but the mask is {width}x{height}")
    values = np.repeat(np.arange(len(counts)) % 2, counts).astype(np.uint8)
    mask |= values.reshape(width, height).T


def fill_polygon(poly, width, height, mask):
    """Even-odd fill of a polygon [x0, y0, x1, y1, ...]; a pixel is inside when its centre is."""
    n = len(poly) // 2
    if n < 3:
        return
    ys = poly[1::2][:n]
    y_start = max(0, math.ceil(min(ys) - 0.5))
    y_end = min(height - 1, math.ceil(max(ys) - 0.5) - 1)
    for y in range(y_start, y_end + 1):
        yc = y + 0.5
        xs = []
        for i in range(n):
            ax, ay = poly[2 * i], poly[2 * i + 1]
            j = (i + 1) % n
            bx, by = poly[2 * j], poly[2 * j + 1]
            if (ay <= yc < by) or (by <= yc < ay):
                xs.append(ax + ((yc - ay) * (bx - ax)) / (by - ay))
        xs.sort()
        for k in range(0, len(xs) - 1, 2):
            xa = max(0, math.ceil(xs[k] - 0.5))
            xb = min(width, math.ceil(xs[k + 1] - 0.5))
            if xb > xa:
                mask[y, xa:xb] = 1


# --- joints: dataset keypoints -> the schema's joints (COCO visibility 0 / 1 / 2) ---


def to_schema_joints(keypoints, joints):
    """xy (J, 2) float64 and vis (J,) uint8 for one annotation; a two-source joint is the midpoint,
    labelled only if both are, visible only if both are (OpenPose's Neck)."""
    count = len(joints)
    xy = np.zeros((count, 2))
    vis = np.zeros(count, dtype=np.uint8)
    for j, joint in enumerate(joints):
        src = joint["from"]
        sx = sy = 0.0
        v = 2
        for k in src:
            kv = keypoints[3 * k + 2]
            sx += keypoints[3 * k]
            sy += keypoints[3 * k + 1]
            v = min(v, (2 if kv >= 2 else 1) if kv > 0 else 0)
        vis[j] = v if src else 0
        if src:
            xy[j] = (sx / len(src), sy / len(src))
    return xy, vis


def swap_left_right(xy, vis, flip_pairs):
    for a, b in flip_pairs:
        xy[[a, b]] = xy[[b, a]]
        vis[[a, b]] = vis[[b, a]]


# --- targets on the label grid, channels-last float32 ---

GAUSSIAN_CUTOFF_EXPONENT = 4.6052


def heatmap_targets(people, joint_count, background, o):
    """(h, w, J [+1]) Gaussians at cell centres stride/2 - 0.5 + g*stride, sigma in input pixels,
    combined by sum-clip (or max); background = max(1 - max_j, 0), last."""
    gw, gh, stride, sigma = o["grid_width"], o["grid_height"], o["stride"], o["sigma"]
    channels = joint_count + (1 if background else 0)
    out = np.zeros((gh, gw, channels), dtype=np.float32)
    start = stride / 2 - 0.5
    two_sigma2 = 2 * sigma * sigma
    reach = math.sqrt(GAUSSIAN_CUTOFF_EXPONENT * two_sigma2)
    for xy, vis in people:
        for j in range(joint_count):
            if vis[j] == 0:
                continue
            x, y = float(xy[j, 0]), float(xy[j, 1])
            gx0 = max(0, math.ceil((x - reach - start) / stride))
            gx1 = min(gw - 1, math.floor((x + reach - start) / stride))
            gy0 = max(0, math.ceil((y - reach - start) / stride))
            gy1 = min(gh - 1, math.floor((y + reach - start) / stride))
            if gx1 < gx0 or gy1 < gy0:
                continue
            dx = start + np.arange(gx0, gx1 + 1) * stride - x
            dy = start + np.arange(gy0, gy1 + 1) * stride - y
            exponent = ((dx * dx)[None, :] + (dy * dy)[:, None]) / two_sigma2
            old = out[gy0 : gy1 + 1, gx0 : gx1 + 1, j]
            v = np.exp(-exponent)
            if o["heatmap_combine"] == "max":
                new = np.maximum(old, v)
            else:
                new = np.minimum(1.0, old.astype(np.float64) + v)
            new = np.where(exponent > GAUSSIAN_CUTOFF_EXPONENT, old, new)
            out[gy0 : gy1 + 1, gx0 : gx1 + 1, j] = new
    if background:
        peak = out[:, :, :joint_count].max(axis=2).astype(np.float64)
        out[:, :, joint_count] = np.maximum(1 - peak, 0)
    return out


def js_hypot(x, y):
    """Math.hypot(x, y) as V8 computes it (scaled by the larger magnitude): identical limbs."""
    x, y = abs(x), abs(y)
    top = max(x, y)
    if top == 0:
        return 0.0
    return math.sqrt((x / top) * (x / top) + (y / top) * (y / top)) * top


def _round_half_away(v):
    return math.copysign(math.floor(abs(v) + 0.5), v)


def paf_targets(people, limbs, o):
    """(h, w, 2L) part affinity fields: cells within paf_width of the limb (inside its widened
    box) get its unit vector; several people average. "centered": cell g at stride/2 - 0.5 +
    g*stride, closed box; "cmu": caffe_train's cells g*stride and half-open rounded box."""
    gw, gh, stride = o["grid_width"], o["grid_height"], o["stride"]
    out = np.zeros((gh, gw, 2 * len(limbs)), dtype=np.float32)
    cmu = o["paf_convention"] == "cmu"
    offset = 0 if cmu else stride / 2 - 0.5
    thre = o["paf_width"]
    slack = 0 if cmu else 1e-6

    def lo(v):
        return int(_round_half_away(v - thre)) if cmu else math.ceil(v - thre - slack)

    def hi(v):
        return int(_round_half_away(v + thre)) if cmu else math.floor(v + thre + slack) + 1

    for li, limb in enumerate(limbs):
        count = np.zeros((gh, gw), dtype=np.int64)
        a, b = limb["from"], limb["to"]
        for xy, vis in people:
            if vis[a] == 0 or vis[b] == 0:
                continue
            ax, ay = (float(xy[a, 0]) - offset) / stride, (float(xy[a, 1]) - offset) / stride
            bx, by = (float(xy[b, 0]) - offset) / stride, (float(xy[b, 1]) - offset) / stride
            norm = js_hypot(bx - ax, by - ay)
            if not norm > 1e-9:
                continue
            ux, uy = (bx - ax) / norm, (by - ay) / norm
            x0, x1 = max(lo(min(ax, bx)), 0), min(hi(max(ax, bx)), gw)
            y0, y1 = max(lo(min(ay, by)), 0), min(hi(max(ay, by)), gh)
            if x1 <= x0 or y1 <= y0:
                continue
            gx = np.arange(x0, x1, dtype=np.float64)[None, :]
            gy = np.arange(y0, y1, dtype=np.float64)[:, None]
            near = np.abs((gx - ax) * uy - (gy - ay) * ux) <= thre + slack
            cells = (slice(y0, y1), slice(x0, x1))
            n = count[cells]
            for ch, u in ((2 * li, ux), (2 * li + 1, uy)):
                old = out[cells + (ch,)].astype(np.float64)
                if o["paf_combine"] == "overwrite":
                    new = np.full_like(old, u)
                else:
                    new = np.where(n == 0, u, (old * n + u) / (n + 1))
                out[cells + (ch,)] = np.where(near, new, old)
            count[cells] += near
    return out


def mask_targets(weight, crop_w, crop_h, o):
    """(h, w, 1): the crop-resolution loss weight averaged over each cell's stride^2 pixels."""
    gw, gh, stride = o["grid_width"], o["grid_height"], o["stride"]
    out = np.ones((gh, gw, 1), dtype=np.float32)
    if weight is None:
        return out
    for gy in range(gh):
        ys, ye = gy * stride, min(gy * stride + stride, crop_h)
        for gx in range(gw):
            xs, xe = gx * stride, min(gx * stride + stride, crop_w)
            if ye <= ys or xe <= xs:
                continue
            block = weight[ys:ye, xs:xe].astype(np.float64)
            out[gy, gx, 0] = block.sum() / ((ye - ys) * (xe - xs))
    return out
