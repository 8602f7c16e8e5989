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
from typing import Callable

from adeada import atomic
from adeada.active.context import RunContext
from adeada.active.phases import evaluate, label, select, stats, train, warmup
from adeada.active.recall import write_mispredicted_recall
from adeada.active.report import write_run_report
from adeada.active.rundir import RunDir, RunFolderError, RunLock, round_metrics, step
from adeada.config import RunConfig, dump_config, load_run_config
from adeada.selection.strategies import Strategy

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


def prepare_run_folder(cfg: RunConfig, out: Path, resume: bool) -> tuple[RunConfig, RunDir, RunLock]:
    """Create or reopen the run folder and take its lock; on resume the folder's own config wins.

    Returns:
        The config, the run folder and its lock (held: release it when done).

    Raises:
        RunFolderError: a new run into a folder that already holds one, or resume of no run.
        RunFolderBusy: another live process works in the folder.
    """
    run = RunDir(out)
    if resume:
        run.require_exists()
        lock = run.lock().acquire()
        try:
            run.remove_temporaries()
            return load_run_config(run.config_path), run, lock
        except BaseException:
            lock.release()
            raise
    if run.config_path.exists():
        raise RunFolderError(f"{out} already holds a run; pass --resume to continue it, or choose another --out")
    check_datasets(cfg)  # a bad path or class list fails before the folder exists
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        lock = run.lock().acquire()
    except BaseException:
        if created:
            out.rmdir()
        raise
    try:
        if run.config_path.exists():  # another process started a run here since the check above
            raise RunFolderError(f"{out} already holds a run; pass --resume to continue it, or choose another --out")
        run.remove_temporaries()  # of a run killed before its config.yaml existed
        dump_config(cfg, run.config_path)
    except BaseException:
        lock.release()
        raise
    return cfg, run, lock


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


RoundCallback = Callable[[int, int, dict, dict], None]


def run_loop(cfg: RunConfig, out: str | Path, resume: bool = False, progress: bool = True,
             until: str | None = None, redo: str | None = None, on_round: RoundCallback | None = None,
             strategy: Strategy | None = None) -> RunDir:
    """Run (or resume) the whole active loop into the run folder ``out``.

    ``until="warmup"`` stops once the warm-up is done (``adeada compare --jobs`` trains the shared
    warm-up once before its workers start). ``redo`` (with ``resume``) forgets a finished step
    and every step after it, so that they run again. ``on_round(k, rounds, metrics, warmup_metrics)``
    is called once per evaluated round (those finished before a resume included). ``strategy``:
    the run's strategy, already built from the config (``adeada compare`` builds each cell's once).

    Returns:
        The run folder.

    Raises:
        AwaitingAnnotations: with a human oracle, after a selection whose labels are not imported.
        IntegrityError: on resume, a checkpoint or label file differs from what its step wrote.
        RunFolderBusy: another process works in the same run folder.
    """
    from adeada.selection import get_strategy

    if until not in (None, "warmup"):
        raise ValueError(f"run_loop(until={until!r}): only 'warmup' is supported")
    if redo and not resume:
        raise ValueError("--redo STEP needs --resume (it re-runs a step of an existing run)")
    if cfg is not None and strategy is None:
        strategy = get_strategy(cfg.selection.strategy, cfg.selection)  # a typo fails now, not after the warm-up
    given = cfg
    cfg, run, lock = prepare_run_folder(cfg, Path(out), resume)
    if given is not None and given.selection != cfg.selection:
        strategy = None  # a resume runs the folder's own config: its strategy is built from that
    try:
        if redo:
            done = run.read_state()["done"]
            for _, path in run.damaged(done[done.index(redo):] if redo in done else []):
                path.unlink(missing_ok=True)  # the redone steps rewrite it (a damaged shared warm-up too)
            run.forget_from(redo)
        if resume:
            run.verify()
        log.info("run folder %s", run.root)
        from adeada.cpu_isa import warn_if_not_applied

        warn_if_not_applied(cfg.loop.cpu_isa)
        _loop(RunContext(cfg, run, progress=progress, strategy=strategy), until, on_round)
    finally:
        lock.release()
    return run


def _loop(ctx: RunContext, until: str | None, on_round: RoundCallback | None) -> None:
    """The paper's algorithm: a warm-up, then per round statistics, selection, labels, fine-tuning
    and evaluation (one module of ``adeada.active.phases`` each)."""
    cfg, run = ctx.cfg, ctx.run
    timed(run, "warmup", lambda: warmup.warmup(ctx))
    if until == "warmup":
        return
    timed(run, step(0, "eval"), lambda: evaluate.evaluate_round(ctx, 0))
    for k in range(1, cfg.loop.rounds + 1):
        timed(run, step(k, "stats"), lambda: stats.region_stats(ctx, k))
        timed(run, step(k, "select"), lambda: select.select(ctx, k))
        if not run.is_done(step(k, "label")):
            if cfg.loop.oracle == "human":
                job = run.round_dir(k) / "annotation_job"
                if not (job / "manifest.json").exists():  # exported on the first stop, kept after
                    job = label.export_for_annotators(ctx, k)
                raise AwaitingAnnotations(k, job, run.root)
            timed(run, step(k, "label"), lambda: label.label_with_ground_truth(ctx, k))
        timed(run, step(k, "train"), lambda: train.finetune(ctx, k))
        timed(run, step(k, "eval"), lambda: evaluate.evaluate_round(ctx, k))
        if on_round is not None:
            on_round(k, cfg.loop.rounds, round_metrics(run, k), round_metrics(run, 0))
    _undone_on_error(run, "reports", lambda: (write_mispredicted_recall(ctx), write_run_report(
        run, ctx.classes, ctx.cfg.selection.strategy, ctx.cfg.loop.rounds)))


def timed(run: RunDir, name: str, fn) -> None:
    """Run step ``fn`` unless ``name`` is done; record its wall time (and its files' SHA-256).

    A step that fails is undone: the files it wrote are removed or restored, so the run folder is
    as it was before the step and a resume starts the step again.
    """
    if run.is_done(name):
        return
    _crash_point(f"{name}:before")
    start = time.perf_counter()
    info = dict(_undone_on_error(run, name, fn) or {})
    _crash_point(f"{name}:files")
    seconds = time.perf_counter() - start
    run.mark_done(name, files=info.pop("files", None), seconds=round(seconds, 3), **info)
    log.info("%s: %s done in %.1f s", run.root.name, name, seconds)


def _undone_on_error(run: RunDir, name: str, fn):
    """``fn()``; if it raises, undo its writes first (an OS error becomes one line that says so)."""
    try:
        with atomic.undone_on_error():
            return fn()
    except Exception as err:
        if isinstance(err, OSError) and not isinstance(err, FileNotFoundError):
            raise OSError(f"step {name} stopped by an OS error ({err}); {run.root} is as it was before the "
                          f"step; fix the cause (free disk space?), then adeada run --resume --out {run.root}") from err
        raise


def _crash_point(where: str) -> None:
    """Test hook: ``ADEADA_KILL_AT=r01.train:files`` SIGKILLs the process at that point.

    The resume tests use it to kill a run between any two writes of the loop, the way a power
    cut or the OOM killer would.
    """
    if os.environ.get("ADEADA_KILL_AT") == where:
        os.kill(os.getpid(), signal.SIGKILL)
