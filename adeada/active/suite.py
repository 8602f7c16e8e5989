"""The suite of shifts: one comparison per shift, then one leaderboard over all of them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

from adeada.active.compare import check_sweep_reaches_strategy, run_compare, sweep_rows, variant_config
from adeada.fileformats import read_csv
from adeada.atomic import atomic_write_text
from adeada.config import RunConfig, load_run_config
from adeada.reports.compare_tables import FULL
from adeada.reports.leaderboard import BASELINES, common_strategies, leaderboard_markdown, paired_rows, rank_rows

log = logging.getLogger(__name__)

# The built-in suite (adeada/configs/): CamVid day -> dusk on its two protocols (40 and 200 regions
# an image), and three leave-one-sequence-out shifts between CamVid's day drives. Every shift runs
# with the same settings of every strategy: nothing is chosen per shift.
SUITE = ("camvid_day_dusk", "camvid_day_dusk_fine", "camvid_to_seq05vd", "camvid_to_0006r0", "camvid_to_0016e5")


def suite_configs(shifts: Sequence[str], overrides: Sequence[str] = ()) -> dict[str, RunConfig]:
    """Each shift's config (a built-in name or a YAML path) with ``overrides``, keyed by its name.

    Raises:
        ConfigError: a shift's config does not load; ValueError: two shifts share a name.
    """
    cfgs: dict[str, RunConfig] = {}
    for shift in shifts:
        cfg = load_run_config(shift, list(overrides))
        if cfg.name in cfgs:
            raise ValueError(f"two shifts of the suite are both named {cfg.name!r} ({shift}); give each config its own name")
        cfgs[cfg.name] = cfg
    return cfgs


def run_suite(out: str | Path, strategies: Sequence[str], seeds: Sequence[int], shifts: Sequence[str] = SUITE,
              overrides: Sequence[str] = (), resume: bool = False, progress: bool = True, jobs: int = 1,
              baselines: Sequence[str] = BASELINES, sweeps: Sequence[str] = ()) -> Path:
    """Run ``strategies`` x ``seeds`` on every shift into ``out/<shift>/`` (as ``adeada compare``),
    then write ``out/leaderboard.md``, ``leaderboard.csv`` (mean ranks) and ``paired.csv``.

    Every config, strategy name and folder is checked before the first shift starts, so a typo
    or a taken folder fails at once instead of after hours of the shifts before it.
    """
    from adeada.selection import get_strategy

    out = Path(out)
    cfgs = suite_configs(shifts, overrides)
    rows = sweep_rows(strategies, sweeps)
    for name, cfg in cfgs.items():
        for row, s, over in rows:
            cell = variant_config(cfg, s, 0, over, row)
            check_sweep_reaches_strategy(cell, get_strategy(s, cell.selection), over, row)
        folder = out / name
        taken = [folder / row / f"seed{seed}" for row, _, _ in rows for seed in seeds
                 if (folder / row / f"seed{seed}" / "config.yaml").exists()]
        if taken and not resume:
            raise FileExistsError(f"{taken[0]} already holds a run; pass --resume to continue the suite")
        if resume and (folder / "config.yaml").exists() and load_run_config(folder / "config.yaml") != cfg:
            raise ValueError(f"{folder / 'config.yaml'} differs from shift {name!r} as given; resume the suite with "
                             "the overrides it started with, or choose another --out")
    for i, (name, cfg) in enumerate(cfgs.items(), 1):
        log.info("suite: shift %d/%d %s -> %s", i, len(cfgs), name, out / name)
        run_compare(cfg, out / name, strategies, seeds, resume=resume, progress=progress, jobs=jobs, sweeps=sweeps)
    names = {row for row, _, _ in rows} | {FULL}
    results = {name: [r for r in read_csv(out / name / "results.csv") if r["strategy"] in names] for name in cfgs}
    return write_leaderboard(out, results, baselines)


def write_leaderboard(out: str | Path, results: dict[str, list[dict]], baselines: Sequence[str] = BASELINES) -> Path:
    """leaderboard.md, leaderboard.csv (mean ranks) and paired.csv of ``results`` (shift -> rows) in ``out``."""
    from adeada.fileformats import write_csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = common_strategies(results)
    write_csv(rank_rows(results, names), out / "leaderboard.csv")
    write_csv(paired_rows(results, [s for s in names if s not in baselines], [s for s in names if s in baselines]),
              out / "paired.csv")
    path = out / "leaderboard.md"
    atomic_write_text(path, leaderboard_markdown(results, baselines))
    return path
