# data.py: the COCO person_keypoints reader, sample building (augmentation + targets) and the batch
# order of posec's tfjs runtime (runtime/data/coco-dataset.ts, sample.ts, batches.ts), as a torch
# Dataset and a distributed batch sampler. A sample depends only on (dataset, settings, seed,
# index), as in posec.
"""Training data as posec's tfjs runtime makes it (runtime/data): COCO person_keypoints reader,
one affine augmentation, CMU-style targets, and posec's deterministic batch order, split over ranks.

    dataset = PoseDataset.from_spec("data/coco")  # or a folder with annotations.json + images/
    sampler = DistributedBatchSampler(len(dataset), batch=8, seed=1, rank=0, world_size=2)
    loader = torch.utils.data.DataLoader(dataset, batch_sampler=sampler)

A batch is a dict of NCHW float32 tensors: image [B, 3, H, W] (normalised), heatmaps
[B, J(+1), h, w], pafs [B, 2L, h, w], mask [B, 1, h, w]. build_sample(..., affine=...) takes an
explicit augmentation (the hook that compares this pipeline with posec's on the same geometry).
"""
import json
import math
import os

import numpy as np
import torch

from images import read_image
from rng import Rng, epoch_augment_seed, epoch_order, seed_for
from spec import GRID_SIZE, INPUT, KEYPOINTS, STRIDE, TARGET_CHOICES, TRAIN
import transforms as T

PAD_VALUE = 128


class DataError(ValueError):
    """Bad annotations or images; the message names the file and the entry."""


# --- COCO reader (runtime/data/coco-dataset.ts) ---


def _keypoint_names(doc):
    if KEYPOINTS.get("dataset"):
        return KEYPOINTS["dataset"]["keypoints"]
    for cat in doc.get("categories") or []:
        if isinstance(cat, dict) and isinstance(cat.get("keypoints"), list):
            return [str(k) for k in cat["keypoints"]]
    n = max([k for j in KEYPOINTS["joints"] for k in j["from"]] + [-1]) + 1
    return [f"keypoint{i}" for i in range(n)]


def _segmentation(seg, img, where, fail):
    if isinstance(seg, list):
        return ("polygons", [p for p in seg if len(p) >= 6])
    counts, size = seg.get("counts"), seg.get("size")
    if size != [img["height"], img["width"]]:
        fail(f"{where}.size {size} does not match {img['file_name']} "
             f"(height {img['height']}, width {img['width']})")
    try:
        runs = T.decode_rle_string(counts) if isinstance(counts, str) else [int(c) for c in counts]
    except (ValueError, TypeError) as e:
        fail(f"{where}.counts: {e}")
    if sum(runs) != img["width"] * img["height"]:
        pixels = img["width"] * img["height"]
        fail(f"{where}.counts add up to {sum(runs)} pixels, the image has {pixels}")
    return ("rle", (size[0], size[1], runs))


def read_coco(annotations_file, images_dir, min_keypoints=5, min_area=32 * 32, min_separation=0.3):
    """Images with their labelled people and ignore regions, and the training samples (CMU's
    genJSON.m: one per main person with >= min_keypoints keypoints, area >= min_area, not
    within min_separation * size of an earlier main person of the image)."""

    def fail(msg):
        raise DataError(f"{annotations_file}: {msg}")

    try:
        with open(annotations_file) as f:
            doc = json.load(f)
    except FileNotFoundError:
        fail("no such annotation file")
    except (OSError, ValueError) as e:
        fail(f"cannot be read as JSON ({e})")
    if not os.path.isdir(images_dir):
        raise DataError(f"{images_dir}: image folder not found (annotations: {annotations_file})")
    if not (isinstance(doc, dict) and isinstance(doc.get("images"), list)
            and isinstance(doc.get("annotations"), list)):
        fail('must be an object with lists "images" and "annotations"')
    names = _keypoint_names(doc)
    for joint in KEYPOINTS["joints"]:
        for k in joint["from"]:
            if k >= len(names):
                fail(f"joint {joint['name']} reads keypoint {k}, "
                     f"but the file has {len(names)} keypoints per person")
    images, by_id = [], {}
    for i, raw in enumerate(doc["images"]):
        try:
            img = {"id": raw["id"], "file_name": raw["file_name"],
                   "width": int(raw["width"]), "height": int(raw["height"])}
        except (KeyError, TypeError, ValueError):
            fail(f"images[{i}] needs id, file_name, width and height")
        if img["id"] in by_id:
            fail(f"images[{i}].id {img['id']} is used twice")
        img.update(path=os.path.join(images_dir, img["file_name"]), people=[], ignore=[])
        by_id[img["id"]] = len(images)
        images.append(img)
    for a, raw in enumerate(doc["annotations"]):
        where = f"annotations[{a}]"
        if not isinstance(raw, dict):
            fail(f"{where} must be an object")
        if raw.get("image_id") not in by_id:
            fail(f"{where}.image_id {raw.get('image_id')} names no image")
        img = images[by_id[raw["image_id"]]]
        crowd = raw.get("iscrowd") in (1, True)
        kps = raw.get("keypoints")
        if kps is not None and len(kps) != 3 * len(names):
            fail(f"{where}.keypoints must have {3 * len(names)} numbers")
        seg = raw.get("segmentation")
        region = None if seg is None else _segmentation(seg, img, f"{where}.segmentation", fail)
        labelled = sum(1 for k in range(2, len(kps or []), 3) if kps[k] > 0)
        if crowd or labelled == 0:
            if not crowd and kps is None:
                fail(f'{where} is missing "keypoints"')
            if region:
                img["ignore"].append(region)
            continue
        for k in range(len(names)):
            x, y, v = kps[3 * k : 3 * k + 3]
            if v > 0 and not (0 <= x <= img["width"] and 0 <= y <= img["height"]):
                fail(f"{where}.keypoints: keypoint {k} ({names[k]}) at ({x}, {y}) lies outside "
                     f"{img['file_name']} ({img['width']}x{img['height']})")
        bbox = raw.get("bbox") or _keypoint_box(kps)
        area = raw["area"] if raw.get("area") is not None else bbox[2] * bbox[3]
        img["people"].append(
            {"keypoints": kps, "num_keypoints": labelled, "bbox": list(bbox), "area": area}
        )
    samples = []
    for i, img in enumerate(images):
        chosen = []
        for j, p in enumerate(img["people"]):
            if p["num_keypoints"] < min_keypoints or p["area"] < min_area:
                continue
            cx, cy = p["bbox"][0] + p["bbox"][2] / 2, p["bbox"][1] + p["bbox"][3] / 2
            if any(math.hypot(cx - qx, cy - qy) < min_separation * size for qx, qy, size in chosen):
                continue
            chosen.append((cx, cy, max(p["bbox"][2], p["bbox"][3])))
            samples.append((i, j))
    if not samples:
        people = sum(len(im["people"]) for im in images)
        fail(f"no usable training samples ({len(images)} images, {people} labelled people)")
    return {"annotations_file": annotations_file, "images_dir": images_dir,
            "images": images, "samples": samples}


def _keypoint_box(kps):
    xs = [kps[3 * k] for k in range(len(kps) // 3) if kps[3 * k + 2] > 0]
    ys = [kps[3 * k + 1] for k in range(len(kps) // 3) if kps[3 * k + 2] > 0]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


# --- one sample (runtime/data/sample.ts) ---


def sample_config(augment=True, grid=GRID_SIZE):
    """posec's SampleConfig from the spec: input, targets (label grid = the network output) and the
    augmentation (None: the whole image letterboxed into the input)."""
    a = TRAIN["augment"]
    return {
        "input": INPUT,
        "targets": {
            "stride": STRIDE,
            "grid_height": grid[0],
            "grid_width": grid[1],
            "sigma": TRAIN["targets"]["sigma"],
            "paf_width": TRAIN["targets"]["paf_width"],
            **{k: TARGET_CHOICES[k] for k in ("heatmap_combine", "paf_combine", "paf_convention")},
        },
        "augment": {
            "scale": a["scale"],
            "target_dist": TARGET_CHOICES["target_dist"],
            "rotate": a["rotate"],
            "flip": a["flip"],
            "center_perturb": a["center_perturb"],
        }
        if augment
        else None,
    }


def ignore_raster(record):
    if not record["ignore"]:
        return None
    m = np.zeros((record["height"], record["width"]), dtype=np.uint8)
    for kind, value in record["ignore"]:
        if kind == "rle":
            T.fill_rle(value[0], value[1], value[2], m)
        else:
            for poly in value:
                T.fill_polygon(poly, record["width"], record["height"], m)
    return m


def normalise(rgb, inp):
    """pixel * scale + shift in the network's channel order, float32 (H, W, 3)."""
    lut = (np.arange(256, dtype=np.float64) * inp["scale"] + inp["shift"]).astype(np.float32)
    out = lut[rgb]
    return out[:, :, ::-1].copy() if inp["channel_order"] == "bgr" else out


def build_sample(img, record, main_person, cfg, rng=None, affine=None, flipped=False):
    """Augmented, normalised input and its targets (channels-last numpy). The augmentation is
    drawn from rng (an rng.Rng), or given: an explicit source -> crop affine (a, b, c, d,
    tx, ty) and whether it mirrors (the hook for comparing pipelines on the same geometry)."""
    inp, targets = cfg["input"], cfg["targets"]
    if affine is None and cfg["augment"] is not None and rng is not None:
        bx, by, bw, bh = record["people"][main_person]["bbox"]
        draw = T.draw_augment(rng, cfg["augment"], bh, inp["height"])
        affine = T.augment_affine(draw, (bx + bw / 2, by + bh / 2), inp["width"], inp["height"])
        flipped = draw.flip
    elif affine is None:
        affine = T.fit_affine(img.shape[1], img.shape[0], inp["width"], inp["height"])
    affine = T.Affine(*affine)
    source, source_map = T.prefilter(img, affine)
    image = normalise(T.warp_rgb(source, source_map, inp["width"], inp["height"], PAD_VALUE), inp)
    people = []
    for p in record["people"]:
        xy, vis = T.to_schema_joints(p["keypoints"], KEYPOINTS["joints"])
        for j in range(len(xy)):
            xy[j] = T.apply_affine(affine, xy[j, 0], xy[j, 1])
        if flipped:
            T.swap_left_right(xy, vis, KEYPOINTS["flip_pairs"])
        people.append((xy, vis))
    ignore = ignore_raster(record)
    weight = None
    if ignore is not None:
        weight = T.warp_ignore_to_weight(ignore, affine, inp["width"], inp["height"])
    joints = len(KEYPOINTS["joints"])
    return {
        "image": image,
        "heatmaps": T.heatmap_targets(people, joints, KEYPOINTS["background"], targets),
        "pafs": T.paf_targets(people, KEYPOINTS["limbs"], targets),
        "mask": T.mask_targets(weight, inp["width"], inp["height"], targets),
        "people": people,
        "affine": affine,
        "flipped": flipped,
    }


# --- torch Dataset and the batch order (runtime/data/batches.ts) ---


class PoseDataset(torch.utils.data.Dataset):
    """Samples by (index, augmentation seed): index into the main-person samples, seed the epoch's
    augmentation seed (the sample then draws from Rng(seed_for(seed, index)), as posec does)."""

    def __init__(self, annotations_file, images_dir, augment=True, grid=GRID_SIZE, **selection):
        self.coco = read_coco(annotations_file, images_dir, **selection)
        self.config = sample_config(augment, grid)

    @classmethod
    def from_spec(cls, folder=None, augment=True, grid=GRID_SIZE):
        """The spec's dataset: a COCO root (the spec's annotations/images paths inside; default
        the spec's root) or a folder with annotations.json + images/ (posec's synthetic set;
        default where posec writes it: .posec-cache/synth-<seed>-<images>-<size>)."""
        d = TRAIN["data"]
        flat = folder is not None and os.path.exists(os.path.join(folder, "annotations.json"))
        if d["kind"] == "coco" and not flat:
            root = folder or d["root"]
            annotations = os.path.join(root, d["annotations"])
            return cls(annotations, os.path.join(root, d["images"]), augment, grid)
        if folder is None:
            folder = os.path.join(".posec-cache", f"synth-{d['seed']}-{d['images']}-{d['size']}")
        size = d.get("size", INPUT["height"])
        try:
            with open(os.path.join(folder, "annotations.json")) as f:
                size = json.load(f).get("info", {}).get("size", size)
        except (OSError, ValueError):
            pass
        # posec scales CMU's 32 x 32 minimum area with a synthetic image's side (5% of it)
        annotations = os.path.join(folder, "annotations.json")
        images = os.path.join(folder, "images")
        return cls(annotations, images, augment, grid, min_area=(0.05 * size) ** 2)

    def __len__(self):
        return len(self.coco["samples"])

    def load(self, index, seed=None, **hook):
        """The channels-last sample (numpy); seed None: no augmentation draw; hook: affine=,
        flipped= (see build_sample)."""
        image_index, person = self.coco["samples"][index]
        record = self.coco["images"][image_index]
        img = read_image(record["path"], (record["width"], record["height"]))
        rng = None if seed is None else Rng(seed_for(seed, index))
        return build_sample(img, record, person, self.config, rng, **hook)

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, None)
        s = self.load(index, seed)
        return {
            k: torch.from_numpy(np.ascontiguousarray(s[k].transpose(2, 0, 1)))
            for k in ("image", "heatmaps", "pafs", "mask")
        }


class DistributedBatchSampler(torch.utils.data.Sampler):
    """posec's batch order split over DDP ranks. Global step s takes batch * world_size consecutive
    samples of epoch e = s // per_epoch from the epoch's permutation (epoch_order), rank r the r-th
    slice; per_epoch = max(1, n // (batch * world_size)). With one process this is exactly posec's
    order and augmentation, and resuming at start_step replays nothing."""

    def __init__(self, count, batch, seed, rank=0, world_size=1, start_step=0, steps=None,
                 epochs=None, shuffle=True):
        self.count, self.batch, self.seed = count, batch, seed
        self.rank, self.world = rank, world_size
        self.per_epoch = max(1, count // (batch * world_size))
        limits = [steps, None if epochs is None else epochs * self.per_epoch]
        limits = [x for x in limits if x is not None]
        self.last = min(limits) if limits else None
        self.start, self.shuffle = start_step, shuffle
        self._orders = {}

    def _order(self, epoch):
        if epoch not in self._orders:
            self._orders = {epoch: epoch_order(self.count, self.seed, epoch, self.shuffle)}
        return self._orders[epoch]

    def batch_at(self, step):
        epoch = step // self.per_epoch
        first = (step % self.per_epoch) * self.batch * self.world + self.rank * self.batch
        order = self._order(epoch)
        seed = epoch_augment_seed(self.seed, epoch)
        return [(order[(first + i) % self.count], seed) for i in range(self.batch)]

    def __iter__(self):
        step = self.start
        while self.last is None or step < self.last:
            yield self.batch_at(step)
            step += 1

    def __len__(self):
        return max(0, self.last - self.start) if self.last is not None else 2**31
