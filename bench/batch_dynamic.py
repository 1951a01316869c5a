"""Writes a copy of an ONNX model whose batch dimension is free, for BatchBench.

The shipped models pin the batch to 1: their inputs and outputs say 1, and a Reshape to [1, -1] before the last
layer folds any batch into one row. The copy names the first dimension "N" and makes such Reshapes copy it (0).
Usage: python3 bench/batch_dynamic.py IN.onnx OUT.onnx   (Debian's python3-onnx)
"""
import sys

import onnx
from onnx import numpy_helper

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
for v in list(m.graph.input) + list(m.graph.output):
    d = v.type.tensor_type.shape.dim[0]
    d.ClearField("dim_value")
    d.dim_param = "N"
del m.graph.value_info[:]  # inferred shapes that still say 1
shapes = {}
for init in m.graph.initializer:
    shapes[init.name] = init
for n in m.graph.node:
    if n.op_type == "Constant":
        for a in n.attribute:
            if a.name == "value":
                shapes[n.output[0]] = a.t
fixed = 0
for n in m.graph.node:
    if n.op_type == "Reshape" and n.input[1] in shapes:
        t = shapes[n.input[1]]
        arr = numpy_helper.to_array(t).copy()
        if arr.ndim == 1 and len(arr) >= 2 and arr[0] == 1:
            arr[0] = 0
            t.CopyFrom(numpy_helper.from_array(arr, t.name))
            fixed += 1
onnx.save(m, dst)
print(f"{dst}: batch dimension free, {fixed} Reshape(s) now keep it")
