"""Several strategies x seeds on one config, sharing one warm-up; a table and a plot at the end."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from adeada.active.loop import run_loop
from adeada.active.rundir import RunDir, read_csv
from adeada.config import RunConfig, dump_config
from adeada.configtools import atomic_write_text, from_dict, to_dict

log = logging.getLogger(__name__)

def variant_config(cfg: RunConfig, strategy: str, seed: int) -> RunConfig:
    """The config of one cell of the comparison: ``strategy`` (a registry name; the Table 2 ablation
    rows are ``adeada_a`` .. ``adeada_e``) at ``seed``."""
    data = to_dict(cfg)
    data["selection"]["strategy"] = strategy
    data["loop"]["seed"] = seed
    data["name"] = f"{cfg.name}-{strategy}-s{seed}"
    return from_dict(RunConfig, data)


def run_compare(
    cfg: RunConfig, out: str | Path, strategies: Sequence[str], seeds: Sequence[int], resume: bool = False,
    progress: bool = True,
) -> list[dict]:
    """Run every (strategy, seed) into ``out/<strategy>/seed<seed>``; write the summary table and plot.

    The warm-up depends on neither strategy nor seed, so the first run trains it and all others
    reuse it from the cache. Finished cells are skipped, unfinished ones resumed.
    """
    from adeada.selection import get_strategy

    for strategy in strategies:  # fail on a typo before hours of training, not after
        get_strategy(strategy, cfg.selection)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, out / "config.yaml")
    for strategy in strategies:
        for seed in seeds:
            cell = out / strategy / f"seed{seed}"
            exists = (cell / "config.yaml").exists()
            if exists and not resume:
                raise FileExistsError(f"{cell} already holds a run; pass --resume to continue the comparison")
            log.info("compare: %s seed %d -> %s", strategy, seed, cell)
            run_loop(variant_config(cfg, strategy, seed), cell, resume=exists, progress=progress)
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


def write_compare_report(out: Path, strategies: Sequence[str], seeds: Sequence[int]) -> list[dict]:
    """results.csv (every cell), summary.csv/.md (mean +- std per strategy and round), the plot."""
    from adeada.reports import format_markdown_table, plot_miou_vs_labels, summary_table, write_csv

    rows = collect_rows(out, strategies, seeds)
    if not rows:
        return []
    write_csv(rows, out / "results.csv")
    summary = summary_table(rows)
    write_csv(summary, out / "summary.csv")
    atomic_write_text(out / "summary.md", format_markdown_table(summary) + "\n")
    curves: dict[str, list[tuple[float, float, float]]] = {}
    for s in summary:
        curves.setdefault(s["strategy"], []).append(
            (float(s["labelled_percent_mean"]), float(s["miou_mean"]), float(s["miou_std"])))
    plot_miou_vs_labels(curves, out / "miou_vs_labels.png", title="mIoU vs labelled target pixels")
    return summary
