"""Run a Caffe network (prototxt + caffemodel) with OpenCV's DNN module, the way OpenPose's own OpenCV sample
does: the image as BGR, pixel / 256 - 0.5, NCHW. Writes DIR/input.bin (that input) and DIR/heatmaps.bin,
DIR/pafs.bin (float32, NCHW, little-endian) for compare_onnx.mjs to check posec's ONNX export against.

usage: /usr/bin/python3 opencv_caffe.py PROTOTXT CAFFEMODEL IMAGE DIR [--size 64]
"""
import argparse
import os

import cv2
import numpy as np

# CMU's naming: L1 = PAFs, L2 = heatmaps; the last stage's outputs
OUTPUTS = {"pafs": "Mconv3_stage2_L1", "heatmaps": "Mconv3_stage2_L2"}

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("prototxt")
parser.add_argument("caffemodel")
parser.add_argument("image")
parser.add_argument("dir")
parser.add_argument("--size", type=int, default=64)
args = parser.parse_args()

image = cv2.imread(args.image)  # BGR, as the spec's `order=bgr`
if image is None:
    raise SystemExit(f"{args.image}: cannot read the image")
image = cv2.resize(image, (args.size, args.size), interpolation=cv2.INTER_AREA)
x = (image.astype(np.float32) / 256 - 0.5).transpose(2, 0, 1)[None]  # scale=1/256 shift=-0.5, NCHW

net = cv2.dnn.readNetFromCaffe(args.prototxt, args.caffemodel)
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
net.setInput(x)
maps = dict(zip(OUTPUTS, net.forward(list(OUTPUTS.values()))))

os.makedirs(args.dir, exist_ok=True)
np.ascontiguousarray(x, dtype="<f4").tofile(os.path.join(args.dir, "input.bin"))
for name, y in maps.items():
    np.ascontiguousarray(y, dtype="<f4").tofile(os.path.join(args.dir, f"{name}.bin"))
    print(f"OpenCV DNN (Caffe): {name} {'x'.join(map(str, y.shape))}")
