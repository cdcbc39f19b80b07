#!/usr/bin/env python3
"""The best fp32 matmul rate PyTorch's oneDNN reaches on this machine, beside our own (LensBench rate).

y = x @ W^T through torch.utils.mkldnn (nn.Linear converted with to_mkldnn: the weight reordered once,
kept in oneDNN's blocked layout), on 1 and on all cores' threads, best of 10 calls per shape.
Prints one markdown row per shape and, last, "best <GFLOP/s>". With --quick, only the shapes that reach the best
rate here (the lens tile widened to 2048 rows, a fused QKV of 1024 rows) on all cores: the floor the other bench
modes use.
"""
import os
import sys
import time

import torch
from torch.utils import mkldnn as torch_mkldnn

QUICK_SHAPES = [(2048, 768, 1024), (1024, 768, 2304)]
SHAPES = [(2048, 2048, 2048), (512, 768, 1024), (2048, 768, 1024), (512, 768, 4096), (512, 3072, 768),
          (512, 768, 3072), (64, 768, 2304), (1024, 768, 2304)]


def rate(m, k, n, threads):
    torch.set_num_threads(threads)
    lin = torch.nn.Linear(k, n, bias=False)
    model = torch_mkldnn.to_mkldnn(torch.nn.Sequential(lin))
    x = torch.randn(m, k).to_mkldnn()
    with torch.no_grad():
        model(x)
        best = float("inf")
        for _ in range(10):
            t0 = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t0)
    return 2.0 * m * k * n / best / 1e9


def main():
    cores = os.cpu_count() or 1
    quick = "--quick" in sys.argv[1:]
    best = 0.0
    if quick:
        for (m, k, n) in QUICK_SHAPES:
            best = max(best, rate(m, k, n, cores))
        print("best %.1f" % best)
        return 0
    print("| shape (M×K×N) | PyTorch oneDNN, 1 thread | %d threads |" % cores)
    print("|---|---|---|")
    for (m, k, n) in SHAPES:
        one = rate(m, k, n, 1)
        many = rate(m, k, n, cores)
        best = max(best, one, many)
        print("| %d×%d×%d | %.1f | %.1f |" % (m, k, n, one, many), flush=True)
    print("best %.1f" % best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
