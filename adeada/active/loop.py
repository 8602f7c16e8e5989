"""The active domain adaptation loop: warm-up -> K rounds of (stats, select, label, fine-tune, eval).

Every step writes its files, then records itself in ``state.json``. Each step is a pure function
of the run's config, its seed and the files of earlier steps (selection seeds are derived from
``(seed, round)``, training seeds from ``(seed, round)``), so a run killed anywhere and resumed
redoes only the unfinished step and ends with exactly the selections of an uninterrupted run.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

from adeada.active import steps
from adeada.active.context import RunContext
from adeada.active.rundir import RunDir, RunFolderError, step
from adeada.config import RunConfig, dump_config, load_run_config

log = logging.getLogger(__name__)


class AwaitingAnnotations(Exception):
    """The run stopped after a selection and waits for ``adeada import`` of that round."""

    def __init__(self, round_: int, job: Path, run: Path):
        super().__init__(
            f"round {round_}: selection exported to {job}; label it, then run "
            f"`adeada import --run {run} --round {round_} --labels <PATH>` and `adeada run --resume --out {run}`"
        )
        self.round = round_
        self.job = job


def prepare_run_folder(cfg: RunConfig, out: Path, resume: bool) -> tuple[RunConfig, RunDir]:
    """Create or reopen the run folder; on resume the folder's own config wins.

    Raises:
        RunFolderError: a new run into a folder that already holds one, or resume of no run.
    """
    run = RunDir(out)
    if resume:
        run.require_exists()
        return load_run_config(run.config_path), run
    if run.config_path.exists():
        raise RunFolderError(f"{out} already holds a run; pass --resume to continue it, or choose another --out")
    check_datasets(cfg)  # a bad path or class list fails before the folder exists
    out.mkdir(parents=True, exist_ok=True)
    dump_config(cfg, run.config_path)
    return cfg, run


def check_datasets(cfg: RunConfig) -> None:
    """Build the three datasets and check that they share one class list.

    Raises:
        DatasetError and friends: a missing folder, an image without label, ...
        ValueError: the class lists differ (e.g. a Cityscapes test set without ``classes16``).
    """
    from adeada.data import build_dataset

    built = {name: build_dataset(getattr(cfg.data, name)) for name in ("source", "target_pool", "target_test")}
    pool = list(built["target_pool"].classes)
    for name in ("source", "target_test"):
        if list(built[name].classes) != pool:
            raise ValueError(f"data.{name} has {len(built[name].classes)} classes {list(built[name].classes)[:4]}..., "
                             f"data.target_pool has {len(pool)} {pool[:4]}...: all three must share one class list")


def run_loop(cfg: RunConfig, out: str | Path, resume: bool = False, progress: bool = True,
             until: str | None = None) -> RunDir:
    """Run (or resume) the whole active loop into the run folder ``out``.

    ``until="warmup"`` stops once the warm-up is done (``adeada compare --jobs`` trains the shared
    warm-up once before its workers start).

    Returns:
        The run folder.

    Raises:
        AwaitingAnnotations: with a human oracle, after a selection whose labels are not imported.
    """
    from adeada.selection import get_strategy

    if until not in (None, "warmup"):
        raise ValueError(f"run_loop(until={until!r}): only 'warmup' is supported")
    if cfg is not None:
        get_strategy(cfg.selection.strategy, cfg.selection)  # a typo fails now, not after the warm-up
    cfg, run = prepare_run_folder(cfg, Path(out), resume)
    log.info("run folder %s", run.root)
    ctx = RunContext(cfg, run, progress=progress)
    timed(run, "warmup", lambda: steps.warmup(ctx))
    if until == "warmup":
        return run
    timed(run, step(0, "eval"), lambda: steps.evaluate_round(ctx, 0))
    for k in range(1, cfg.loop.rounds + 1):
        timed(run, step(k, "stats"), lambda: steps.region_stats(ctx, k))
        timed(run, step(k, "select"), lambda: steps.select(ctx, k))
        if not run.is_done(step(k, "label")):
            if cfg.loop.oracle == "human":
                job = run.round_dir(k) / "annotation_job"
                if not (job / "manifest.json").exists():  # exported on the first stop, kept after
                    job = steps.export_for_annotators(ctx, k)
                raise AwaitingAnnotations(k, job, run.root)
            timed(run, step(k, "label"), lambda: steps.label_with_ground_truth(ctx, k))
        timed(run, step(k, "train"), lambda: steps.finetune(ctx, k))
        timed(run, step(k, "eval"), lambda: steps.evaluate_round(ctx, k))
    steps.write_reports(ctx)
    return run


def timed(run: RunDir, name: str, fn) -> None:
    """Run step ``fn`` unless ``name`` is done; record its wall time with the step."""
    if run.is_done(name):
        return
    _crash_point(f"{name}:before")
    start = time.perf_counter()
    info = fn() or {}
    _crash_point(f"{name}:files")
    seconds = time.perf_counter() - start
    run.mark_done(name, seconds=round(seconds, 3), **info)
    log.info("%s: %s done in %.1f s", run.root.name, name, seconds)


def _crash_point(where: str) -> None:
    """Test hook: ``ADEADA_KILL_AT=r01.train:files`` SIGKILLs the process at that point.

    The resume tests use it to kill a run between any two writes of the loop, the way a power
    cut or the OOM killer would.
    """
    if os.environ.get("ADEADA_KILL_AT") == where:
        os.kill(os.getpid(), signal.SIGKILL)
