"""A density-aware round against a CONF round at the scale of issue 24's 1,400-image pool, in one run.

    python benchmarks/round_cost_1400.py --out runs/pool1400 \\
        --csv docs/benchmarks/round_cost/pool1400.csv --json docs/benchmarks/round_cost/pool1400.json
    python benchmarks/round_cost_1400.py --from-json docs/benchmarks/round_cost/pool1400.json   # print it again

1. ``adeada compare`` of CONF and ADeADA+ with the fast density estimator (``adeada_plus_fast``),
   ``--seeds`` (default 0,1), two workers, on ``benchmarks/configs/pool1400.yaml``: a generated
   pool of 1,400 target images and 701 source images (the demo's scenes at CamVid's network
   input, 180x240), protocol 1's model and recipe with 40 fine-tuning steps a round. compare
   starts the density-aware cells first, so the two side by side; a CONF cell starts as soon as
   one of them ends, and the last CONF cell may end alone.
2. The mean seconds per stage over rounds 2 and later (``benchmarks/round_cost.py``; round 1's
   statistics and fits come from the cache every cell shares) and the ratio of a density-aware
   round to a CONF round (issue 24's goal: at most 1.5).
3. On the round-1 tables of that run (the warm-up model's statistics of the pool and the source,
   which every cell shares), the density step of the authors' recipe with seed 0 and with seed 1
   (its own noise floor) and of the fast estimator with seed 0 and seed 1
   (``benchmarks/bench_selection.py``), with the run's density settings: the fast estimator's
   agreement with the recipe next to the recipe's agreement with itself, and an estimate of a
   round with the recipe (the cells' selection time scaled by the two steps' time ratio).

``--json`` keeps every figure printed (and the machine), ``--csv`` the per-cell, per-round seconds,
so that the doc's table is made again from committed files. A rerun with the same ``--out``
resumes the comparison (finished cells are kept; their times are the first run's).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_selection  # noqa: E402
import round_cost  # noqa: E402

from adeada.fileformats import write_csv  # noqa: E402

CONFIG = HERE / "configs" / "pool1400.yaml"
REFERENCE, DENSITY = "conf", "adeada_plus_fast"
GOAL = 1.5


def cpu_model() -> str:
    """The CPU's model name and whether it has AVX-512 (float32 results differ between the two)."""
    name, flags = platform.processor() or "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                name = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return f"{name} ({isa})"


def report(result: dict) -> str:
    """The lines the run prints at its end (and ``--from-json`` prints again)."""
    m, o = result["round_seconds"], result["density_step"]
    ratio = m[DENSITY] / m[REFERENCE]
    verdict = "meets" if ratio <= GOAL else "misses"
    # The cells' selection stage ran the fast step under the comparison's load; scaling it by the
    # recipe/fast ratio measured here (both alone) keeps that load in the estimate.
    select = result["select_seconds"][DENSITY]
    recipe_round = m[DENSITY] + select * (o["recipe_s"] / o["fast_s"] - 1)
    lines = [
        f"pool: {result['target_regions']:,} target / {result['source_regions']:,} source regions, "
        f"{result['classes']} classes; {result['cpu']}, {result['jobs']} workers",
        f"round (rounds >= 2, mean over cells): {REFERENCE} {m[REFERENCE]:.1f} s, {DENSITY} {m[DENSITY]:.1f} s",
        f"density-aware / CONF round time: {ratio:.2f}x ({verdict} the goal of <= {GOAL}x)",
        f"density step on the round-1 tables ({result['n_jobs']} processes, alone): authors' recipe "
        f"{o['recipe_s']:.1f} s, fast {o['fast_s']:.1f} s; the cells' selection stage {select:.1f} s a round",
        f"a round with the recipe instead (estimate: that stage x {o['recipe_s'] / o['fast_s']:.1f}): "
        f"about {recipe_round:.0f} s, {recipe_round / m[REFERENCE]:.2f}x CONF",
        f"top-10% overlap with the recipe (seed 0): recipe seed 1 {o['floor_top10']:.1%} (its floor), "
        f"fast seed 0 {o['fast_same_seed_top10']:.1%}, fast seed 1 {o['fast_other_seed_top10']:.1%}",
        f"ADeADA selection overlap: floor {o['floor_adeada_selection']:.1%}, fast seed 0 "
        f"{o['fast_same_seed_adeada_selection']:.1%}, fast seed 1 {o['fast_other_seed_adeada_selection']:.1%}",
        f"ADeADA+ selection overlap ({o['adeada_plus_regions']} regions): floor "
        f"{o['floor_adeada_plus_selection']:.1%}, fast seed 0 {o['fast_same_seed_adeada_plus_selection']:.1%}, "
        f"fast seed 1 {o['fast_other_seed_adeada_plus_selection']:.1%}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="the comparison's folder (resumed if it exists)")
    ap.add_argument("--config", type=Path, default=CONFIG, help="the pool's config (default: %(default)s)")
    ap.add_argument("--seeds", default="0,1", help="comma-separated seeds of each strategy")
    ap.add_argument("--jobs", type=int, default=2, help="compare workers")
    ap.add_argument("--n-jobs", type=int, default=2, help="processes fitting classes in step 3")
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a field of the config (e.g. data.target_pool.demo.n_pool=40 for a quick look)")
    ap.add_argument("--csv", type=Path, help="write the per-cell, per-round seconds here")
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("--from-json", type=Path, help="print the result of an earlier run")
    args = ap.parse_args(argv)
    if args.from_json:
        print(report(json.loads(args.from_json.read_text())))
        return 0
    if args.out is None:
        ap.error("--out is needed (or --from-json)")

    from adeada.active.compare import run_compare
    from adeada.config import load_run_config
    from adeada.selection import RegionStats

    cfg = load_run_config(args.config, args.overrides)
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.perf_counter()
    run_compare(cfg, args.out, [REFERENCE, DENSITY], seeds, resume=(args.out / "config.yaml").exists(),
                jobs=args.jobs)
    compare_s = time.perf_counter() - start
    # cells of other seeds left in --out by an earlier run are not this run's
    rows = [r for r in round_cost.read_runs([args.out], from_round=2) if int(r["seed"]) in seeds]
    if args.csv:
        write_csv(rows, args.csv, round_cost.COLUMNS)
    print(round_cost.cost_table(rows, REFERENCE), flush=True)

    cell = args.out / DENSITY / f"seed{seeds[0]}" / "rounds" / "01"
    tgt, src = RegionStats.load(cell / "stats_target.npz"), RegionStats.load(cell / "stats_source.npz")
    density = cfg.selection.density  # the run's settings, only the estimator and processes set here
    fast = dataclasses.replace(density, estimator="gmm_full_fast", n_jobs=args.n_jobs)
    authors = dataclasses.replace(density, estimator="gmm_full", n_jobs=args.n_jobs)
    step = bench_selection.compare_at(tgt, src, "round-1 tables", authors, fast, "gmm_full_fast", 1, args.n_jobs)
    result = {
        "date": datetime.date.today().isoformat(), "cpu": cpu_model(), "jobs": args.jobs, "n_jobs": args.n_jobs,
        "seeds": seeds, "overrides": args.overrides,
        "compare_wall_s": round(compare_s, 1),  # after a resume: the resumed part only
        "target_regions": len(tgt), "source_regions": len(src), "classes": int(tgt.prob.shape[1]),
        "round_seconds": round_cost.round_means(rows),
        "select_seconds": {name: st["select"] for name, st in round_cost.stage_means(rows).items()},
        "density_step": step,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
