"""Runs an ONNX model with OpenCV's DNN module (cv2.dnn.readNetFromONNX): does OpenCV's importer accept
posec's export, and what does it compute? (Debian's /usr/bin/python3 with python3-opencv.)

usage: opencv_onnx.py MODEL.onnx INPUT.bin N C H W OUTPUT.bin
"""
import sys

import cv2
import numpy as np

model, inp = sys.argv[1:3]
shape = [int(v) for v in sys.argv[3:7]]
net = cv2.dnn.readNetFromONNX(model)
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
net.setInput(np.fromfile(inp, dtype="<f4").reshape(shape))
y = net.forward()
np.ascontiguousarray(y, dtype="<f4").tofile(sys.argv[7])
print(" ".join(str(d) for d in y.shape))
