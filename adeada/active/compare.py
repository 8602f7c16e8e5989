"""Several strategies x seeds on one config, sharing one warm-up; tables, a plot and timings."""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from adeada.active.loop import run_loop
from adeada.active.rundir import RunDir, read_csv
from adeada.atomic import atomic_write_text
from adeada.config import RunConfig, dump_config, load_run_config
from adeada.configtools import from_dict, to_dict

log = logging.getLogger(__name__)

FULL = "full_supervision"


def variant_config(cfg: RunConfig, strategy: str, seed: int) -> RunConfig:
    """The config of one cell of the comparison: ``strategy`` (a registry name; the Table 2 ablation
    rows are ``adeada_a`` .. ``adeada_e``) at ``seed``."""
    data = to_dict(cfg)
    data["selection"]["strategy"] = strategy
    data["loop"]["seed"] = seed
    data["name"] = f"{cfg.name}-{strategy}-s{seed}"
    return from_dict(RunConfig, data)


def full_supervision_config(cfg: RunConfig, seed: int) -> RunConfig:
    """The upper reference: the whole target pool labelled in one round, fine-tuned from the same
    warm-up for as many steps as all rounds of an active run together."""
    data = to_dict(variant_config(cfg, "rand", seed))
    data["name"] = f"{cfg.name}-{FULL}-s{seed}"
    data["selection"]["budget_fraction"] = 1.0
    data["finetune"]["iterations"] = cfg.finetune.iterations * cfg.loop.rounds
    data["loop"]["rounds"] = 1
    return from_dict(RunConfig, data)


def run_compare(
    cfg: RunConfig, out: str | Path, strategies: Sequence[str], seeds: Sequence[int], resume: bool = False,
    progress: bool = True, full_supervision: bool = False,
) -> list[dict]:
    """Run every (strategy, seed) into ``out/<strategy>/seed<seed>``; write tables, plot, timings.

    The warm-up depends on neither strategy nor seed, so the first run trains it and all others
    reuse it from the cache. Finished cells are skipped, unfinished ones resumed. With
    ``full_supervision``, one more cell per seed labels the whole pool (the 100% reference).
    """
    from adeada.selection import get_strategy

    for strategy in strategies:  # fail on a typo before hours of training, not after
        get_strategy(strategy, cfg.selection)
    out = Path(out)
    cells = [(s, seed, variant_config(cfg, s, seed)) for s in strategies for seed in seeds]
    if full_supervision:
        cells += [(FULL, seed, full_supervision_config(cfg, seed)) for seed in seeds]
    # Every check before the first write: an error must leave the folder as it was.
    taken = [out / s / f"seed{seed}" for s, seed, _ in cells if (out / s / f"seed{seed}" / "config.yaml").exists()]
    if taken and not resume:
        raise FileExistsError(f"{taken[0]} already holds a run; pass --resume to continue the comparison")
    if resume and (out / "config.yaml").exists() and load_run_config(out / "config.yaml") != cfg:
        raise ValueError(f"{out / 'config.yaml'} differs from the config given; resume a comparison with "
                         "the config it started with, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, out / "config.yaml")
    start = time.perf_counter()
    for strategy, seed, cell_cfg in cells:
        cell = out / strategy / f"seed{seed}"
        exists = (cell / "config.yaml").exists()
        log.info("compare: %s seed %d -> %s", strategy, seed, cell)
        run_loop(cell_cfg, cell, resume=exists, progress=progress)
    write_timings(out, [s for s, _, _ in cells], seeds, time.perf_counter() - start)
    return write_compare_report(out, strategies, seeds)


def collect_rows(out: Path, strategies: Sequence[str], seeds: Sequence[int]) -> list[dict]:
    """One row per (strategy, seed, round) from each cell's metrics.csv."""
    rows = []
    for strategy in strategies:
        for seed in seeds:
            path = RunDir(out / strategy / f"seed{seed}").metrics_csv
            if not path.exists():
                continue
            for r in read_csv(path):
                rows.append({"strategy": strategy, "seed": seed, "round": int(r["round"]),
                             "labelled_percent": float(r["labelled_percent"]), "miou": 100.0 * float(r["miou"])})
    return rows


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def write_compare_report(out: Path, strategies: Sequence[str], seeds: Sequence[int]) -> list[dict]:
    """results.csv (every cell), summary.csv/.md (mean +- std per strategy and round), the plot.

    The warm-up (round 0, shared) and, when present, the full-supervision cells are drawn as
    reference lines.
    """
    from adeada.reports import format_markdown_table, plot_miou_vs_labels, summary_table, write_csv

    rows = collect_rows(out, strategies, seeds)
    if not rows:
        return []
    full = [r for r in collect_rows(out, [FULL], seeds) if r["round"] == 1]
    write_csv(rows + full, out / "results.csv")
    summary = summary_table(rows + full)
    write_csv(summary, out / "summary.csv")
    atomic_write_text(out / "summary.md", format_markdown_table(summary) + "\n")
    atomic_write_text(out / "table.md", table_markdown(summary))
    curves: dict[str, list[tuple[float, float, float]]] = {}
    for s in summary:
        if s["strategy"] != FULL:
            curves.setdefault(s["strategy"], []).append(
                (float(s["labelled_percent_mean"]), float(s["miou_mean"]), float(s["miou_std"])))
    warmup = _mean([r["miou"] for r in rows if r["round"] == 0])
    plot_miou_vs_labels(curves, out / "miou_vs_labels.png", title="mIoU vs labelled target pixels",
                        warmup=warmup, full_supervision=_mean([r["miou"] for r in full]) if full else None)
    return summary


def table_markdown(summary: list[dict]) -> str:
    """The paper's Table 6 layout: one row per strategy, mean +- std mIoU (%) per round."""
    from adeada.reports import format_markdown_table, pivot_table

    return format_markdown_table(pivot_table(summary), join_mean_std=False)


def write_timings(out: Path, strategies: Sequence[str], seeds: Sequence[int], wall: float) -> dict:
    """Wall time per stage summed over every cell, the density fits, and peak memory: timings.json."""
    stages: dict[str, float] = defaultdict(float)
    density = 0.0
    for strategy in dict.fromkeys(strategies):
        for seed in seeds:
            run = RunDir(out / strategy / f"seed{seed}")
            if not (run.root / "state.json").exists():
                continue
            for step_name, info in run.read_state().get("info", {}).items():
                if "seconds" in info and not (step_name == "warmup" and info.get("reused")):
                    stages[step_name.split(".")[-1]] += float(info["seconds"])
            for path in run.root.glob("rounds/*/selection_info.json"):
                density += float(json.loads(path.read_text()).get("diagnostics", {}).get("density_seconds") or 0.0)
    scale = 1024 if sys.platform != "darwin" else 1  # ru_maxrss: KiB on Linux, bytes on macOS
    timings = {
        "wall_seconds": round(wall, 1),
        "stage_seconds": {k: round(v, 1) for k, v in sorted(stages.items())},
        "density_fit_seconds": round(density, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1),
        "peak_rss_children_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / 2**20, 1),
    }
    atomic_write_text(out / "timings.json", json.dumps(timings, indent=1) + "\n")
    return timings
