"""The arithmetic floor of the density step: how fast this machine runs the EM's two products.

A full-covariance EM iteration over n regions, K components and D = 256 dimensions is K products
(n x D) @ (D x D) in the E step (Mahalanobis terms) and K weighted (D x n) @ (n x D) in the M step
(covariances). This prints the GFLOP/s of each variant on ONE thread, its ratio to the float64
reference measured in the same run, the k-means start, and what that implies for one EM
iteration at the issue's full scale (1.1M regions, 10 components, both cores).

    python benchmarks/bench_em_kernels.py [--n 120000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=120_000, help="regions in the test arrays")
    ap.add_argument("--full-n", type=int, default=1_118_000, help="regions at full scale (119k + 999k)")
    ap.add_argument("--components", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(1)
    n, D = args.n, 256
    rng = np.random.default_rng(0)
    X = torch.as_tensor(rng.normal(size=(n, D)))
    P = torch.linalg.cholesky(torch.cov(X[:5000].T) + torch.eye(D, dtype=X.dtype)).T.contiguous()
    mu, w = X[0].clone(), torch.rand(n, dtype=X.dtype)
    X32, P32, mu32, w32 = X.float(), P.float(), mu.float(), w.float()
    flop = 2 * n * D * D
    kernels = {
        "E float64  (X - mu) @ P": lambda: (X - mu) @ P,
        "E float32  (X - mu) @ P, cast each time": lambda: (X - mu).float() @ P32,
        "E float32  X32 @ P32 (pre-cast)": lambda: X32 @ P32,
        "E bf16     X @ P": lambda: X32.bfloat16() @ P32.bfloat16(),
        "M float64  (w (X - mu))^T (X - mu)": lambda: ((w[:, None] * (X - mu)).T @ (X - mu)),
        "M float32  same": lambda: ((w32[:, None] * (X32 - mu32)).T @ (X32 - mu32)),
    }
    times = {name: best_of(fn) for name, fn in kernels.items()}
    ref = times["E float64  (X - mu) @ P"]
    print(f"one thread, n = {n:,}, D = {D}; ratio = float64 E-step time / this kernel's time")
    for name, s in times.items():
        print(f"  {name:42s} {s:7.3f} s  {flop / s / 1e9:6.1f} GFLOP/s  ratio {ref / s:4.2f}x")
    from sklearn.cluster import KMeans

    with threadpool_limits(1):
        for dtype in (np.float64, np.float32):
            t0 = time.perf_counter()
            km = KMeans(n_clusters=args.components, n_init=1, random_state=0).fit(X.numpy().astype(dtype))
            print(f"  k-means start ({np.dtype(dtype).name}, {args.components} clusters)   "
                  f"{time.perf_counter() - t0:7.2f} s  ({km.n_iter_} iterations)")
    e32, m32 = times["E float32  (X - mu) @ P, cast each time"], times["M float32  same"]
    per_iter = (e32 + m32) * args.components * args.full_n / n / 2  # both cores busy
    print(f"full scale ({args.full_n:,} regions, {args.components} components, 2 cores, float32): "
          f"about {per_iter:.0f} s per EM iteration")


if __name__ == "__main__":
    main()
