"""Several strategies x seeds on one config, sharing one warm-up; tables, a plot and timings."""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, NamedTuple, Sequence

from adeada.active.loop import run_loop
from adeada.active.report import write_compare_report
from adeada.active.rundir import RunDir
from adeada.atomic import atomic_write_text
from adeada.config import ConfigError, RunConfig, dump_config, load_run_config, upgrade_override
from adeada.configtools import from_dict, to_dict
from adeada.reports.compare_tables import FULL
from adeada.selection.strategies import Strategy

log = logging.getLogger(__name__)



def variant_config(cfg: RunConfig, strategy: str, seed: int, overrides: Sequence[str] = (),
                   row: str | None = None) -> RunConfig:
    """The config of one cell of the comparison: ``strategy`` (a registry name; the Table 2 ablation
    rows are ``adeada_a`` .. ``adeada_e``) at ``seed``, with a sweep row's ``overrides``
    (``KEY=VALUE``) on top; ``row`` names the cell (default: the strategy).

    Raises:
        ConfigError: an override names no config key, or gives a value of the wrong type.
    """
    from adeada.config import apply_config_overrides, check_values

    data = apply_config_overrides(to_dict(cfg), list(overrides))
    data["selection"]["strategy"] = strategy
    data["loop"]["seed"] = seed
    data["name"] = f"{cfg.name}-{row or strategy}-s{seed}"
    try:
        out = from_dict(RunConfig, data)
    except ConfigError as err:
        raise ConfigError(f"--sweep {', '.join(overrides)}: {err}" if overrides else str(err)) from None
    if overrides:
        check_values(out, f"--sweep {', '.join(overrides)}")
    return out


# What variant_config sets for every cell: a sweep of these would be overwritten without a word.
_CELL_KEYS = ("selection.strategy", "loop.seed", "name")


def check_sweep_reaches_strategy(cell_cfg: RunConfig, strategy: Strategy, overrides: Sequence[str], row: str) -> None:
    """A swept ``selection.*`` value must be what the strategy runs with: a strategy whose preset
    sets the key itself (row (d)'s schedule, ADeADA+'s split) would make the row a relabelled copy.

    Raises:
        ConfigError: the strategy's own settings replace a swept value (names the row and the key).
    """
    from adeada.configtools import parse_override

    for text in overrides:
        parts, _ = parse_override(text)
        if parts[0] != "selection":
            continue
        asked, used = cell_cfg.selection, strategy.runs_with()
        for part in parts[1:]:
            asked, used = getattr(asked, part, None), getattr(used, part, None)
        if asked != used:
            raise ConfigError(f"--sweep {text}: strategy {strategy.name!r} sets {'.'.join(parts)} itself (to {used!r}), "
                              f"so row {row} would not run with it; sweep it over another strategy")


def own_estimator_notes(cells: Sequence[Any]) -> list[str]:
    """One line per ADeADA+ row that fits with its own estimator where the config chose another
    than the default (``selection.density.estimator``): the paper's strategies of the comparison
    follow the config's, the row does not (``selection.adeada_plus.estimator: null`` makes it)."""
    from adeada.selection.config import DensityConfig

    notes: dict[str, str] = {}
    for c in cells:
        plus = getattr(c.strategy, "plus", None)
        chosen = c.cfg.selection.density.estimator
        if plus is None or "estimator" in c.strategy.plus_preset or chosen == DensityConfig().estimator:
            continue
        if plus.estimator is not None and plus.estimator != chosen:
            notes.setdefault(c.name, f"row {c.name} fits its mixtures with selection.adeada_plus.estimator="
                                     f"{plus.estimator}, not the config's selection.density.estimator={chosen} "
                                     "(set selection.adeada_plus.estimator=null to follow it)")
    return list(notes.values())


def sweep_rows(strategies: Sequence[str], sweeps: Sequence[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(row name, strategy, overrides) of every strategy x every combination of the sweeps' values.

    A sweep is ``KEY=V1,V2,...`` (values as ``--set`` reads them, split at commas; an old key is
    read at its new place, as ``--set`` does); a row is named after its settings, the key without
    ``selection.`` (and without ``adeada.`` for ADeADA's knobs, flat keys until they had a
    section): ``adeada[alpha=0.25]``, ``adeada[adeada_plus.uncertainty=margin]``,
    ``adeada[finetune.lr=0.01]``. Without sweeps, one row per strategy, named after it.

    Raises:
        ConfigError: a sweep is not ``KEY=V1,V2,...``.
    """
    import itertools

    axes = []
    for text in sweeps:
        key, sep, values = text.partition("=")
        vals = [v.strip() for v in values.split(",")]
        if not sep or not key.strip() or not all(vals):
            raise ConfigError(f"--sweep {text!r}: expected KEY=V1,V2,... (e.g. selection.adeada.alpha=0,0.5,1)")
        if key.strip() in _CELL_KEYS:
            raise ConfigError(f"--sweep {text!r}: {key.strip()} is set by each cell itself; "
                              f"use --strategies or --seeds")
        if any("/" in v for v in vals):
            raise ConfigError(f"--sweep {text!r}: a value may not hold '/' (it names a row and its folder)")
        # each value read as --set reads it (an old key at its new place, a value it may rename)
        axes.append([tuple(upgrade_override(f"{key.strip()}={v}")) for v in vals])
    rows = []
    for strategy in strategies:
        for combo in itertools.product(*axes):
            label = ",".join(_label(over) for over in combo)
            rows.append((f"{strategy}[{label}]" if combo else strategy, strategy, tuple(o for over in combo for o in over)))
    return rows


def _label(overrides: tuple[str, ...]) -> str:
    """A row's name for one swept setting: the key without ``selection.``, and without
    ``adeada.`` for ADeADA's own knobs (flat keys once: ``alpha=0.25``, as rows were named then)."""
    key, _, value = overrides[0].partition("=")
    return f"{key.removeprefix('selection.').removeprefix('adeada.')}={value}"


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
    progress: bool = True, full_supervision: bool = False, jobs: int = 1, sweeps: Sequence[str] = (),
    executor: str = "local", ray_address: str | None = None, ray_cpus: int = 1, ray_gpus: float = 0.0,
) -> list[dict]:
    """Run every (strategy, seed) into ``out/<strategy>/seed<seed>``; write tables, plot, timings.

    The warm-up depends on neither strategy nor seed, so the first run trains it and all others
    reuse it from the cache. Finished cells are skipped, unfinished ones resumed. With
    ``full_supervision``, one more cell per seed labels the whole pool (the 100% reference).

    ``sweeps`` (``KEY=V1,V2,...``) make each strategy one row per combination of the values,
    named after the settings (``adeada[alpha=0.25]``): every table, interval and plot shows them
    side by side, and each row's cells are the runs made one by one with ``--set KEY=V``.

    ``executor="ray"`` runs each cell as a Ray task asking for ``ray_cpus`` CPUs and ``ray_gpus``
    GPUs, on the cluster at ``ray_address`` (None: a local Ray started here and stopped after); the
    shared work (superpixels, the warm-up) is done here first, and the round-1 caches are claimed
    through ``cache_dir`` as by local workers, so ``cache_dir`` and ``out`` must be on a filesystem
    every node sees. The cells' files are those of the local executor.

    ``jobs > 1`` runs that many cells at once in spawned worker processes, each with its share
    of the cores (``cores // jobs`` threads). On 2 cores two single-thread cells do more work
    per second than one two-thread cell (a CamVid fine-tuning round: 24 s at 1 thread, 15 s at
    2: 1.25x). Each cell is still one deterministic run: the same files as with ``jobs=1``, up to the
    last bits of float arithmetic that depend on the thread count.
    """
    from adeada.selection import get_strategy

    if jobs < 1:
        raise ValueError(f"jobs={jobs}; expected >= 1")
    if executor not in ("local", "ray"):
        raise ValueError(f"executor={executor!r}; expected local or ray")
    if executor == "ray":
        from adeada.active.ray_executor import require_ray

        require_ray()  # before any work: a missing extra is one line, not a failure after the warm-up
    out = Path(out)
    rows = sweep_rows(strategies, sweeps)
    configs = [(row, seed, variant_config(cfg, s, seed, over, row)) for row, s, over in rows for seed in seeds]
    if full_supervision:
        configs += [(FULL, seed, full_supervision_config(cfg, seed)) for seed in seeds]
    # Each cell's strategy, built once here and handed to its run (a typo fails here, before any
    # write and hours of training).
    cells = [Cell(s, seed, c, get_strategy(c.selection.strategy, c.selection)) for s, seed, c in configs]
    overrides = {row: over for row, _, over in rows}
    for c in cells:
        check_sweep_reaches_strategy(c.cfg, c.strategy, overrides.get(c.name, ()), c.name)
    for note in own_estimator_notes(cells):
        print(f"adeada compare: {note}", file=sys.stderr)
    if ray_cpus < 1 or ray_gpus < 0:
        raise ValueError(f"--ray-cpus {ray_cpus} / --ray-gpus {ray_gpus}: a Ray cell needs >= 1 CPU and >= 0 GPUs")
    # Every check before the first write: an error must leave the folder as it was.
    taken = [c.folder(out) for c in cells if (c.folder(out) / "config.yaml").exists()]
    if taken and not resume:
        raise FileExistsError(f"{taken[0]} already holds a run; pass --resume to continue the comparison")
    if resume and (out / "config.yaml").exists() and load_run_config(out / "config.yaml") != cfg:
        raise ValueError(f"{out / 'config.yaml'} differs from the config given; resume a comparison with "
                         "the config it started with, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, out / "config.yaml")
    start = time.perf_counter()
    extra: dict = {}
    if executor == "ray":
        from adeada.active.ray_executor import run_cells_on_ray

        extra = {"superpixels_seconds": round(prepare_shared(cells, out, progress), 1)}
        run_cells_on_ray(cells, out, _run_cell, ray_address, ray_cpus, ray_gpus, progress)
    elif jobs == 1 or len(cells) == 1:
        for c in cells:
            log.info("compare: %s seed %d -> %s", c.name, c.seed, c.folder(out))
            run_loop(c.cfg, c.folder(out), resume=(c.folder(out) / "config.yaml").exists(), progress=progress,
                     strategy=c.strategy)
    else:
        extra = _run_parallel(cells, out, jobs, progress)
    write_timings(out, [c.name for c in cells], seeds, time.perf_counter() - start, jobs=jobs, extra=extra)
    return write_compare_report(out, [row for row, _, _ in rows], seeds)


class Cell(NamedTuple):
    """One (strategy, seed) run of a comparison: its config and its strategy, built once."""

    name: str
    seed: int
    cfg: RunConfig
    strategy: Strategy

    def folder(self, out: Path) -> Path:
        return out / self.name / f"seed{self.seed}"

    @property
    def needs_source(self) -> bool:
        return "source" in self.strategy.requires


def _run_parallel(cells: list[Cell], out: Path, jobs: int, progress: bool) -> dict:
    """Shared work first, here (superpixels, the warm-up), then the cells in ``jobs`` workers.

    Returns the wall time of the superpixel pass done here (the cells find them cached).
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    from tqdm import tqdm

    from adeada.parallel import cpu_share, spawn_pool

    superpixel_seconds = prepare_shared(cells, out, progress)
    # The slowest cells (density-aware: source statistics and mixture fits) first, so that no
    # worker starts a long cell when the others are about to finish.
    order = sorted(cells, key=lambda c: not c.needs_source)
    threads = max(1, cpu_share() // jobs)
    with spawn_pool(jobs, _worker_init, threads=threads, torch_threads=True) as pool:
        futures = {}
        for c in order:
            futures[pool.submit(_run_cell, to_dict(c.cfg), str(c.folder(out)), c.strategy)] = (c.name, c.seed)
        pending = set(futures)
        with tqdm(total=len(futures), desc=f"compare ({jobs} workers)", unit="cell", disable=not progress) as bar:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    strategy, seed = futures[fut]
                    try:
                        seconds = fut.result()
                    except Exception as err:
                        # Same exception type (the CLI reports expected ones in one line), cell named.
                        where = f"compare cell {strategy} seed {seed} ({out / strategy / f'seed{seed}'})"
                        if len(err.args) == 1 and isinstance(err.args[0], str):
                            err.args = (f"{where}: {err.args[0]} (fix it, then rerun with --resume)",)
                        else:
                            bar.write(f"adeada: {where} failed")
                        raise
                    bar.update(1)
                    bar.write(f"compare: {strategy} seed {seed} done in {seconds:.0f} s")
    return {"superpixels_seconds": round(superpixel_seconds, 1)}


def prepare_shared(cells: list[Cell], out: Path, progress: bool) -> float:
    """What every cell shares, done once here before the cells run elsewhere: the superpixels of
    the pool (and of the source when a cell reads it) and the warm-up (trained by the first
    cell's run, stopped there). Returns the superpixel pass's wall time."""
    from adeada.active.context import RunContext

    first = cells[0]
    ctx = RunContext(first.cfg, RunDir(first.folder(out)), progress=progress, strategy=first.strategy)
    start = time.perf_counter()
    ctx.prepared_store(ctx.pool)
    if any(c.needs_source for c in cells):
        ctx.prepared_store(ctx.source)
    seconds = time.perf_counter() - start
    run_loop(first.cfg, first.folder(out), resume=(first.folder(out) / "config.yaml").exists(), progress=progress,
             until="warmup", strategy=first.strategy)
    return seconds


def _worker_init() -> None:
    """A compare worker (its thread limits come from ``spawn_pool``): one-line warnings only."""
    logging.basicConfig(level=logging.WARNING, format="adeada: %(message)s")


def _run_cell(cfg_dict: dict, cell: str, strategy: Strategy) -> float:
    start = time.perf_counter()
    cell_cfg = from_dict(RunConfig, cfg_dict)
    run_loop(cell_cfg, cell, resume=(Path(cell) / "config.yaml").exists(), progress=False, strategy=strategy)
    return time.perf_counter() - start


def write_timings(out: Path, strategies: Sequence[str], seeds: Sequence[int], wall: float, jobs: int = 1,
                  extra: dict | None = None) -> dict:
    """Wall time per stage summed over every cell, the density fits, and peak memory: timings.json.

    With ``jobs`` workers the stage sums add up the workers' times (about ``jobs`` x the wall
    time they cover). ``extra`` (e.g. the superpixel pass of a parallel comparison) is added as is.
    """
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
        "jobs": jobs,
        "stage_seconds": {k: round(v, 1) for k, v in sorted(stages.items())},
        "density_fit_seconds": round(density, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1),
        "peak_rss_children_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / 2**20, 1),
        **(extra or {}),
    }
    atomic_write_text(out / "timings.json", json.dumps(timings, indent=1) + "\n")
    return timings
