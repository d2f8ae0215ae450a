#!/usr/bin/env python3
"""Run a posec ONNX model with OpenCV DNN (and ONNX Runtime where installed), decode people, draw them.

usage: deploy.py MODEL.onnx IMAGE --out DIR

Needs numpy, OpenCV (cv2) and the onnx package (for the model's posec.* metadata: keypoints, limbs,
input normalisation). Writes DIR/maps.bin (heatmaps then PAFs, float32, NCHW, little-endian),
DIR/maps.json (their shapes), DIR/people.json and DIR/people.png.
"""
import argparse
import json
import os
import sys

try:
    import cv2
    import numpy as np
    import onnx
except ImportError as e:
    sys.exit(f"deploy.py needs numpy, OpenCV and onnx ({e}); on Debian: apt-get install python3-opencv python3-onnx")


def read_metadata(path):
    """posec writes everything a deployment needs into the model's metadata_props as JSON."""
    return {p.key: json.loads(p.value) for p in onnx.load(path, load_external_data=False).metadata_props if p.key.startswith("posec.")}


def preprocess(image_bgr, meta):
    """Pixels -> the network's input: channel order, pixel * scale + shift, padding to the stride, NCHW."""
    norm = meta["posec.normalization"]
    stride = meta["posec.outputs"]["heatmaps"]["stride"]
    img = image_bgr if norm["channel_order"] == "bgr" else image_bgr[:, :, ::-1]
    h, w = img.shape[:2]
    ph, pw = -h % stride[0], -w % stride[1]
    # pad with the value of a mid-grey pixel (CMU's demo pads with 128)
    img = cv2.copyMakeBorder(img, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    x = img.astype(np.float32) * np.float32(norm["scale"]) + np.float32(norm["shift"])
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def run_opencv(path, blob):
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(blob, "image")
    heatmaps, pafs = net.forward(["heatmaps", "pafs"])
    return heatmaps, pafs


def run_onnxruntime(path, blob):
    try:
        import onnxruntime
    except ImportError:
        print("onnxruntime: not installed for this Python, skipped (pip install onnxruntime to compare)")
        return None
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(["heatmaps", "pafs"], {"image": blob})


def find_peaks(heatmap, threshold=0.1):
    """Local maxima above the threshold (4-neighbourhood), refined to the 3x3 weighted centroid."""
    h, w = heatmap.shape
    padded = np.pad(heatmap, 1, constant_values=-np.inf)
    centre = padded[1:-1, 1:-1]
    is_peak = (centre > threshold) & (centre >= padded[:-2, 1:-1]) & (centre >= padded[2:, 1:-1]) & (centre >= padded[1:-1, :-2]) & (centre >= padded[1:-1, 2:])
    peaks = []
    for y, x in zip(*np.nonzero(is_peak)):
        y0, y1, x0, x1 = max(y - 1, 0), min(y + 2, h), max(x - 1, 0), min(x + 2, w)
        weights = np.maximum(heatmap[y0:y1, x0:x1], 0)
        ys, xs = np.mgrid[y0:y1, x0:x1]
        total = weights.sum()
        peaks.append((float((xs * weights).sum() / total), float((ys * weights).sum() / total), float(heatmap[y, x])))
    return peaks


def limb_score(paf_x, paf_y, a, b, samples=10):
    """CMU's line integral: mean PAF component along a->b, with a penalty for limbs longer than half the map."""
    d = np.array([b[0] - a[0], b[1] - a[1]])
    norm = float(np.hypot(*d))
    if norm < 1e-6:
        return None
    u = d / norm
    h, w = paf_x.shape
    values = []
    for t in np.linspace(0, 1, samples):
        x = int(round(a[0] + t * d[0]))
        y = int(round(a[1] + t * d[1]))
        values.append(paf_x[min(max(y, 0), h - 1), min(max(x, 0), w - 1)] * u[0] + paf_y[min(max(y, 0), h - 1), min(max(x, 0), w - 1)] * u[1])
    values = np.array(values)
    score = values.mean() + min(0.5 * h / norm - 1, 0)
    if (values > 0.05).sum() > 0.8 * samples and score > 0:
        return float(score)
    return None


def decode(heatmaps, pafs, meta):
    """CMU's bottom-up assembly, simplified: peaks, limb scores, greedy matching in the schema's limb order."""
    joints = meta["posec.keypoints"]["joints"]
    limbs = meta["posec.limbs"]
    stride = meta["posec.outputs"]["heatmaps"]["stride"]
    peaks = [find_peaks(heatmaps[j]) for j in range(len(joints))]
    people = []  # each: {"parts": {joint: peak index}, "score": float}
    for limb in limbs:
        ja, jb = limb["from"], limb["to"]
        cx, cy = limb["paf_channels"]
        candidates = []
        for ia, pa in enumerate(peaks[ja]):
            for ib, pb in enumerate(peaks[jb]):
                s = limb_score(pafs[cx], pafs[cy], pa, pb)
                if s is not None:
                    candidates.append((s, ia, ib))
        used_a, used_b = set(), set()
        for s, ia, ib in sorted(candidates, reverse=True):
            if ia in used_a or ib in used_b:
                continue
            used_a.add(ia)
            used_b.add(ib)
            owner = next((p for p in people if p["parts"].get(ja) == ia or p["parts"].get(jb) == ib), None)
            if owner is None:
                people.append({"parts": {ja: ia, jb: ib}, "score": peaks[ja][ia][2] + peaks[jb][ib][2] + s})
            else:
                owner["parts"].setdefault(ja, ia)
                owner["parts"].setdefault(jb, ib)
                owner["score"] += s
    result = []
    for p in people:
        if len(p["parts"]) < 3:
            continue
        keypoints = {joints[j]: [(peaks[j][i][0] + 0.5) * stride[1] - 0.5, (peaks[j][i][1] + 0.5) * stride[0] - 0.5] for j, i in sorted(p["parts"].items())}
        result.append({"keypoints": keypoints, "score": p["score"] / len(p["parts"])})
    return result


def draw(image, people, meta, path):
    limbs = meta["posec.limbs"]
    canvas = image.copy()
    for person in people:
        kp = person["keypoints"]
        for i, limb in enumerate(limbs):
            a, b = limb["joints"]
            if a in kp and b in kp:
                colour = tuple(int(c) for c in cv2.cvtColor(np.uint8([[[int(180 * i / len(limbs)), 255, 255]]]), cv2.COLOR_HSV2BGR)[0, 0])
                cv2.line(canvas, tuple(int(round(v)) for v in kp[a]), tuple(int(round(v)) for v in kp[b]), colour, 2, cv2.LINE_AA)
        for x, y in kp.values():
            cv2.circle(canvas, (int(round(x)), int(round(y))), 3, (255, 255, 255), -1, cv2.LINE_AA)
    cv2.imwrite(path, canvas)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("image")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    meta = read_metadata(args.model)
    image = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if image is None:
        sys.exit(f"{args.image}: not an image OpenCV can read")
    blob = preprocess(image, meta)
    heatmaps, pafs = run_opencv(args.model, blob)
    print(f"OpenCV {cv2.__version__} DNN: heatmaps {list(heatmaps.shape)}, pafs {list(pafs.shape)}")
    ort = run_onnxruntime(args.model, blob)
    if ort is not None:
        diff = max(float(np.abs(ort[0] - heatmaps).max()), float(np.abs(ort[1] - pafs).max()))
        print(f"ONNX Runtime vs OpenCV: max abs diff {diff:.3g}")
    with open(os.path.join(args.out, "maps.bin"), "wb") as f:
        f.write(heatmaps.astype("<f4").tobytes() + pafs.astype("<f4").tobytes())
    with open(os.path.join(args.out, "maps.json"), "w") as f:
        json.dump({"heatmaps": list(heatmaps.shape), "pafs": list(pafs.shape)}, f)
    people = decode(heatmaps[0], pafs[0], meta)
    with open(os.path.join(args.out, "people.json"), "w") as f:
        json.dump(people, f, indent=1)
    draw(image, people, meta, os.path.join(args.out, "people.png"))
    print(f"python: {len(people)} people -> {os.path.join(args.out, 'people.png')}")


if __name__ == "__main__":
    main()
