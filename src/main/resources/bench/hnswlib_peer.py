#!/usr/bin/env python3
"""hnswlib peer for `vecdb bench --peer hnswlib`.

Reads the benchmark data from a little-endian binary file written by the Java side:
  int32 n, nq, dim, k; float32 train[n*dim]; float32 test[nq*dim]; int32 gt[nq*k]
builds an hnswlib index with the same parameters, and prints one JSON line per ef with the same
fields as VecDB's lines ("system": "hnswlib"). Recall@k is over all queries; qps is one query at a
time (one knn_query call per query) after one warm-up pass, as on the Java side. build_cpu_s and
qps_cpu use process CPU time (all threads), like the Java side's extra fields.
Errors go to stderr with a non-zero exit status; the Java side reports them.
"""
import argparse
import json
import os
import struct
import sys
import tempfile
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--m", type=int, required=True)
    ap.add_argument("--ef-construction", type=int, required=True)
    ap.add_argument("--ef", required=True)
    ap.add_argument("--build-threads", type=int, required=True)
    ap.add_argument("--search-threads", type=int, required=True)
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--space", choices=["l2", "cosine", "ip"], default="l2")
    a = ap.parse_args()

    import numpy as np
    import hnswlib

    with open(a.data, "rb") as f:
        n, nq, dim, k = struct.unpack("<4i", f.read(16))
        train = np.fromfile(f, dtype="<f4", count=n * dim).reshape(n, dim)
        test = np.fromfile(f, dtype="<f4", count=nq * dim).reshape(nq, dim)
        gt = np.fromfile(f, dtype="<i4", count=nq * k).reshape(nq, k)
    if gt.shape != (nq, k):
        raise SystemExit("peer data file %s is truncated" % a.data)

    index = hnswlib.Index(space=a.space, dim=dim)
    index.init_index(max_elements=n, ef_construction=a.ef_construction, M=a.m, random_seed=a.seed)
    index.set_num_threads(a.build_threads)
    c0 = time.process_time()
    t0 = time.perf_counter()
    index.add_items(train, np.arange(n), num_threads=a.build_threads)
    build_s = time.perf_counter() - t0
    build_cpu_s = time.process_time() - c0

    # Bytes per point from hnswlib's own serialisation (level-0 block with vectors and links,
    # upper-layer link lists, labels): the memory image of the index.
    fd, path = tempfile.mkstemp(suffix=".hnswlib")
    os.close(fd)
    try:
        index.save_index(path)
        bytes_per_point = os.path.getsize(path) / n
    finally:
        os.unlink(path)

    gt_sets = [set(row.tolist()) for row in gt]
    queries = [test[i : i + 1] for i in range(nq)]

    def run(ef):
        index.set_ef(ef)
        results = [None] * nq
        if a.search_threads == 1:
            c0 = time.process_time()
            t0 = time.perf_counter()
            for i in range(nq):
                results[i] = index.knn_query(queries[i], k=k, num_threads=1)[0][0]
            return results, time.perf_counter() - t0, time.process_time() - c0
        lock = threading.Lock()
        nxt = [0]

        def worker():
            while True:
                with lock:
                    i = nxt[0]
                    nxt[0] += 1
                if i >= nq:
                    return
                results[i] = index.knn_query(queries[i], k=k, num_threads=1)[0][0]

        ts = [threading.Thread(target=worker) for _ in range(a.search_threads)]
        c0 = time.process_time()
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return results, time.perf_counter() - t0, time.process_time() - c0

    for ef in [int(x) for x in a.ef.split(",")]:
        run(ef)  # warm-up pass
        results, secs, cpu = run(ef)
        hits = sum(len(gt_sets[i].intersection(results[i].tolist())) for i in range(nq))
        print(
            json.dumps(
                {
                    "system": "hnswlib",
                    "dataset": a.dataset,
                    "m": a.m,
                    "ef_construction": a.ef_construction,
                    "ef": ef,
                    "build_s": round(build_s, 3),
                    "recall": round(hits / (nq * k), 4),
                    "qps": round(nq / secs, 1),
                    "search_threads": a.search_threads,
                    "bytes_per_point": round(bytes_per_point, 1),
                    "build_cpu_s": round(build_cpu_s, 3) if build_cpu_s > 0 else None,
                    "qps_cpu": round(nq / cpu, 1) if cpu > 0 else None,
                },
                separators=(",", ":"),
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
