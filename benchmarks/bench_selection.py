"""Time the selection engine on a Cityscapes-size pool and a GTA5-size source (synthetic).

The density step (fit + score of all per-class estimators) is timed for the authors' recipe
(full-covariance 256-d GMMs) at ``--scale`` and for the fast estimator at ``--fast-scale``;
at ``--scale`` both run on the same data so their selections can be compared, and the noise
floor is printed: how far the default's OWN selection moves under perturbations that should not
matter (``random_state=1``; the source rows shuffled). An overlap with the default is only
meaningful against that floor. Every other strategy is timed at ``--fast-scale``.

    python benchmarks/bench_selection.py --scale 0.05 --fast-scale 1.0
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from adeada.selection import DensityConfig, RegionStats, SelectionConfig, SelectionContext, density_scores
from adeada.selection.stats import uncertainty_from_probs
from adeada.selection.strategies import get_strategy

# Cityscapes-like class shares of regions (road, sidewalk, building, ..., bicycle).
SHARES = np.array([.30, .06, .18, .012, .015, .03, .005, .012, .14, .012, .04, .03, .006,
                   .07, .005, .005, .004, .003, .008])
C, D, RANK, REGIONS_PER_IMAGE = 19, 256, 16, 40


def synthetic(n_images: int, domain: str, seed: int) -> RegionStats:
    """Structured region features: class means, low-rank correlated covariances, a domain shift,
    and (target only) a target-specific cluster in a third of the classes."""
    base = np.random.default_rng(1234)  # class structure shared by both domains
    means = base.normal(0, 2.0, (C, D))
    bases = base.normal(0, 1.0, (C, D, RANK)) / np.sqrt(RANK) * 3.0
    shift = base.normal(0, 0.6, (C, D))
    novel = base.normal(0, 2.5, (C, D))
    rng = np.random.default_rng(seed)
    n = n_images * REGIONS_PER_IMAGE
    pred = rng.choice(C, n, p=SHARES / SHARES.sum())
    feat = np.empty((n, D), np.float16)
    for c in range(C):
        rows = np.flatnonzero(pred == c)
        x = means[c] + rng.normal(size=(len(rows), RANK)) @ bases[c].T + rng.normal(0, 0.7, (len(rows), D))
        if domain == "target":
            x += shift[c]
            if c % 3 == 0:  # target-only cluster: 10% of the class's target regions
                k = rng.random(len(rows)) < 0.1
                x[k] += novel[c]
        feat[rows] = x.astype(np.float16)
    logits = rng.normal(0, 1, (n, C)).astype(np.float32)
    logits[np.arange(n), pred] += 4.0
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    e, conf, m = uncertainty_from_probs(p)
    return RegionStats(image=np.repeat(np.arange(n_images), REGIONS_PER_IMAGE),
                       region=np.tile(np.arange(REGIONS_PER_IMAGE), n_images),
                       pixels=rng.integers(20_000, 90_000, n), feature=feat, prob=p, pred=p.argmax(1),
                       entropy=e, confidence=conf, margin=m,
                       extras={"edge": rng.random(n).astype(np.float32),
                               "domain_score": rng.random(n).astype(np.float32)})


def density_select(target, source, dcfg, budget):
    """Round-1 ADeADA (density part only, alpha = 1) with ``dcfg``; returns (selection, seconds)."""
    cfg = SelectionConfig(density=dcfg)
    t0 = time.perf_counter()
    sel = get_strategy("adeada", cfg).select(target, budget, SelectionContext(round=1, source=source))
    return sel, time.perf_counter() - t0


def peak_rss_gib() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return me, kids


def overlap(a, b) -> float:
    """Share of selection ``a``'s regions that selection ``b`` also took."""
    A, B = set(a.rows.tolist()), set(b.rows.tolist())
    return len(A & B) / max(len(A), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.05, help="data scale for the default-vs-fast comparison")
    ap.add_argument("--fast-scale", type=float, default=1.0, help="data scale for the fast estimator alone")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--estimator", default="gmm_full_fast", help="fast setting: DensityConfig.estimator")
    ap.add_argument("--fast-max-iter", type=int, default=3, help="gmm_full_fast: EM iterations at most")
    ap.add_argument("--pca-dim", type=int, default=32)
    ap.add_argument("--max-source", type=int, default=0, help="source regions per class, fast setting (0 = all)")
    ap.add_argument("--max-target", type=int, default=0, help="target regions per class fitted on, fast setting (0 = all)")
    ap.add_argument("--max-iter", type=int, default=200, help="EM iterations at most, fast setting")
    ap.add_argument("--backend", default="sklearn", choices=["sklearn", "torch"], help="fast setting's EM")
    ap.add_argument("--precision", default="float64", choices=["float64", "mixed"], help="torch backend")
    ap.add_argument("--device", default="cpu", help="torch backend: cpu, cuda or auto")
    ap.add_argument("--no-floor", action="store_true",
                    help="skip the noise floor (the default recipe again with random_state=1 and with the "
                         "source rows shuffled)")
    ap.add_argument("--exact-torch", action="store_true",
                    help="also run the default recipe on the torch backend (float64) at --scale")
    ap.add_argument("--skip-default", action="store_true")
    ap.add_argument("--skip-others", action="store_true")
    ap.add_argument("--skip-fast-density", action="store_true", help="time only the other strategies at --fast-scale")
    args = ap.parse_args()
    fast = DensityConfig(estimator=args.estimator, pca_dim=args.pca_dim, max_source_regions=args.max_source or None,
                         max_target_regions=args.max_target or None, max_iter=args.max_iter, fast_max_iter=args.fast_max_iter, backend=args.backend,
                         precision=args.precision, device=args.device, n_jobs=args.n_jobs)
    if args.estimator == "gmm_full_fast":
        engine = f"torch float32 E steps on {args.device}, <= {args.fast_max_iter} EM iterations"
    else:
        engine = args.backend + (f" {args.precision} on {args.device}" if args.backend == "torch" else "")
    fast_name = (f"{args.estimator}" + (f" {args.pca_dim}-d" if args.estimator == "pca_gmm" else " 256-d")
                 + f", {engine}"
                 + (f", <= {args.max_source} source/class" if args.max_source else "")
                 + (f", <= {args.max_target} target/class fitted" if args.max_target else "")
                 + (f", max_iter {args.max_iter}" if args.max_iter != 200 else ""))
    default = DensityConfig(n_jobs=args.n_jobs)

    def data(scale):
        t0 = time.perf_counter()
        tgt = synthetic(max(1, round(2975 * scale)), "target", seed=1)
        src = synthetic(max(1, round(24966 * scale)), "source", seed=2)
        print(f"[scale {scale}] target {len(tgt):,} regions, source {len(src):,} regions "
              f"(generated in {time.perf_counter() - t0:.1f} s)", flush=True)
        return tgt, src

    if not args.skip_default:
        sc = args.scale
        tgt, src = data(sc)
        budget = int(0.01 * tgt.pixels.sum())
        sel_d, t_d = density_select(tgt, src, default, budget)
        print(f"[scale {sc}] density step, default recipe (gmm_full 256-d, sklearn): {t_d:.1f} s "
              f"({len(sel_d)} regions)", flush=True)
        sel_f, t_f = density_select(tgt, src, fast, budget)
        print(f"[scale {sc}] density step, fast ({fast_name}): {t_f:.1f} s; ratio {t_d / t_f:.1f}x", flush=True)
        print(f"[scale {sc}] overlap fast vs default: {overlap(sel_d, sel_f):.1%} of the default's {len(sel_d)} "
              f"(fast took {len(sel_f)})", flush=True)
        if args.exact_torch:
            ex = DensityConfig(backend="torch", device=args.device, n_jobs=args.n_jobs)
            sel_x, t_x = density_select(tgt, src, ex, budget)
            print(f"[scale {sc}] density step, default recipe on the torch backend (float64, {args.device}): "
                  f"{t_x:.1f} s; overlap with the default {overlap(sel_d, sel_x):.1%}", flush=True)
        if not args.no_floor:
            # The noise floor: perturbations that should not matter move the default's own selection.
            sel_1, t_1 = density_select(tgt, src, DensityConfig(random_state=1, n_jobs=args.n_jobs), budget)
            perm = np.random.default_rng(7).permutation(len(src))
            sel_p, t_p = density_select(tgt, src.subset(perm), default, budget)
            print(f"[scale {sc}] noise floor, default vs default: random_state 1 {overlap(sel_d, sel_1):.1%} "
                  f"({t_1:.1f} s), source rows shuffled {overlap(sel_d, sel_p):.1%} ({t_p:.1f} s); "
                  f"fast vs random_state-1 default {overlap(sel_1, sel_f):.1%}", flush=True)
        del tgt, src
    if args.fast_scale > 0:
        tgt, src = data(args.fast_scale)
        budget = int(0.01 * tgt.pixels.sum())
    if args.fast_scale > 0 and not args.skip_fast_density:
        sel, t = density_select(tgt, src, fast, budget)
        print(f"[scale {args.fast_scale}] density step, fast ({fast_name}): {t:.1f} s "
              f"({len(sel)} regions, {sel.pixels_taken / tgt.pixels.sum():.4%} of pool pixels)", flush=True)
    if args.fast_scale > 0 and not args.skip_others:
        cfg = SelectionConfig()
        for name in ["rand", "ent", "conf", "mar", "badge", "redal", "aada", "clue"]:
            t0 = time.perf_counter()
            s = get_strategy(name, cfg).select(tgt, budget, SelectionContext(rng=np.random.default_rng(0)))
            print(f"[scale {args.fast_scale}] {name:6s} {time.perf_counter() - t0:7.2f} s  ({len(s)} regions)",
                  flush=True)
    me, kids = peak_rss_gib()
    print(f"peak RSS: this process {me:.2f} GiB, largest child {kids:.2f} GiB")


if __name__ == "__main__":
    main()
