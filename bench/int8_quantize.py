"""Does an INT8 recognizer pay on this CPU? Quantizes a recognizer with ONNX Runtime's tools (static QDQ calibrated on
200 LFW face crops, and dynamic), then times each against the FP32 file on one thread and compares their embeddings
of 50 other faces (cosine to the FP32 embedding; 1.0 would be no change).

Needs ONNX Runtime's Python package with onnx, sympy, numpy and pillow in a virtual environment (Debian has none of
them but onnx): python3 -m venv /tmp/q && /tmp/q/bin/pip install onnxruntime onnx sympy numpy pillow
  /tmp/q/bin/python bench/int8_quantize.py ../shared/models/mobilefacenet_foamliu_128d.onnx input0 127.5 --per-channel
  /tmp/q/bin/python bench/int8_quantize.py ../shared/models/faceplugin_fr_feature_512d.onnx input 127.0
(the faceplugin recognizer's opset is too old for per-channel scales). Crops are the centre 112x112 of LFW's 250x250
images, where LFW puts the face: good enough for activation ranges and for comparing a model with itself.
"""
import argparse
import glob
import os
import random
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process
from PIL import Image

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("input")
ap.add_argument("mean", type=float)
ap.add_argument("--per-channel", action="store_true")
ap.add_argument("--lfw", default=os.path.join(os.path.dirname(__file__), "../../shared/faces/lfw"))
a = ap.parse_args()
files = sorted(glob.glob(os.path.join(a.lfw, "*/*.jpg")))
random.Random(1).shuffle(files)


def crop(f):
    im = Image.open(f).convert("RGB").crop((69, 69, 181, 181))
    return ((np.asarray(im, dtype=np.float32) - a.mean) / 128.0).transpose(2, 0, 1)[None]


class Reader(CalibrationDataReader):
    def __init__(self, fs):
        self.it = iter([{a.input: crop(f)} for f in fs])

    def get_next(self):
        return next(self.it, None)


tmp = tempfile.mkdtemp()
pre, static, dynamic = (os.path.join(tmp, n) for n in ("pre.onnx", "static.onnx", "dynamic.onnx"))
quant_pre_process(a.model, pre)
quantize_static(pre, static, Reader(files[:200]), quant_format=QuantFormat.QDQ, per_channel=a.per_channel,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
quantize_dynamic(pre, dynamic, weight_type=QuantType.QUInt8)
so = ort.SessionOptions()
so.intra_op_num_threads = 1
so.inter_op_num_threads = 1
test = [crop(f) for f in files[200:400]]


def embed(path):
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    out = [s.run(None, {a.input: x})[0][0] for x in test[:50]]
    t0, n = time.time(), 0
    while time.time() - t0 < 4:
        s.run(None, {a.input: test[n % len(test)]})
        n += 1
    return np.array([o / np.linalg.norm(o) for o in out]), (time.time() - t0) * 1000 / n


base, ms0 = embed(a.model)
print(f"{os.path.basename(a.model)} FP32: {ms0:.2f} ms per face, 1 thread")
for name, path in (("INT8 static (QDQ, calibrated)", static), ("INT8 dynamic", dynamic)):
    e, ms = embed(path)
    cos = (e * base).sum(1)
    print(f"{name}: {ms:.2f} ms per face ({ms0 / ms:.2f}x FP32's speed), cosine to the FP32 embedding mean {cos.mean():.4f}, min {cos.min():.4f}")
