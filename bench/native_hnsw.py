#!/usr/bin/python3
"""Native hnswlib (Debian's python3-hnswlib) on vectors written by NativeIndexBench: build time and, per efSearch,
recall@10 against the given ground truth and queries/s on one thread. Prints one JSON object."""
import json
import sys
import time

import hnswlib
import numpy as np

items_file, queries_file, truth_file, dim, m, ef_construction, threads, efs = sys.argv[1:9]
dim, m, ef_construction, threads = int(dim), int(m), int(ef_construction), int(threads)
data = np.fromfile(items_file, dtype='>f4').astype(np.float32).reshape(-1, dim)
queries = np.fromfile(queries_file, dtype='>f4').astype(np.float32).reshape(-1, dim)
truth = np.fromfile(truth_file, dtype='>i4').reshape(len(queries), -1)
k = truth.shape[1]

index = hnswlib.Index(space='ip', dim=dim)
index.init_index(max_elements=len(data), M=m, ef_construction=ef_construction, random_seed=7)
t0 = time.perf_counter()
index.add_items(data, np.arange(len(data)), num_threads=threads)
build = time.perf_counter() - t0

out = {"build_s": build, "searches": []}
index.set_num_threads(1)
for ef in [int(x) for x in efs.split(',')]:
    index.set_ef(ef)
    index.knn_query(queries[:200], k=k, num_threads=1)  # warm-up
    t0 = time.perf_counter()
    labels, _ = index.knn_query(queries, k=k, num_threads=1)
    seconds = time.perf_counter() - t0
    found = sum(len(set(labels[i]) & set(truth[i])) for i in range(len(queries)))
    out["searches"].append({"ef": ef, "qps": len(queries) / seconds, "recall": found / (len(queries) * k)})
print(json.dumps(out))
