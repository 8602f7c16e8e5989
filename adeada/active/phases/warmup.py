"""Phase 0: the AdaptSegNet warm-up, shared by every run with the same data, model and warm-up."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Iterator

from adeada.active.context import WARMUP_PRECISION, RunContext
from adeada.active.rundir import save_torch
from adeada.atomic import atomic_write_text

log = logging.getLogger(__name__)
LOCK_NAME = ".training.lock"


@contextlib.contextmanager
def training_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder/.training.lock`` (``flock``, blocking): one process at a time trains a warm-up
    cache entry. Without it two runs that start together (``adeada compare`` and an ``adeada
    ceiling`` beside it) both train the entry, and the second one's model.pth replaces the first's
    while runs of the first are reading it: one comparison's cells then start from two warm-ups
    that differ in their last bits. The kernel drops the lock of a process that dies, and the
    next holder resumes the training from train_state.pth."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            log.warning("warm-up %s is being trained by process %s; waiting for it", folder, holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race a waiter's open)


def warmup(ctx: RunContext) -> dict:
    """Train (or reuse) the warm-up model shared by every run with the same data, model and warm-up.

    Runs that need the same entry at once wait for the one that trains it, then reuse it."""
    target = ctx.warmup_checkpoint
    if target.exists():
        return {"checkpoint": str(target), "reused": True, "files": [target]}
    if ctx.cfg.loop.warmup_checkpoint:
        raise FileNotFoundError(f"loop.warmup_checkpoint {target} does not exist")
    with training_lock(target.parent):
        if target.exists():  # trained by the process this one waited for
            return {"checkpoint": str(target), "reused": True, "files": [target]}
        return _train(ctx, target)


def _train(ctx: RunContext, target: Path) -> dict:
    from adeada.training import warmup_adaptsegnet

    model = ctx.new_model()
    cfg = dataclasses.replace(ctx.cfg.warmup, train=dataclasses.replace(ctx.cfg.warmup.train, device=ctx.cfg.loop.device))
    model, discriminator = warmup_adaptsegnet(
        model, ctx.source, ctx.pool, cfg, ckpt_path=target.with_name("train_state.pth"),
        progress=ctx.progress, num_classes=ctx.num_classes, log_fn=ctx.log_fn("warmup"),
    )
    state = {"model": model.state_dict()}
    if discriminator is not None:
        state["discriminator"] = discriminator.state_dict()
    from adeada.cpu_isa import computed_isa
    from adeada.devices import train_precision

    # What it really trained in, for every run that reads it from the cache (on any machine).
    atomic_write_text(target.with_name(WARMUP_PRECISION),
                      json.dumps({"warmup": train_precision(cfg.train, ctx.device.type),
                                 "cpu_kernels": computed_isa()}) + "\n")
    save_torch(state, target)
    target.with_name("train_state.pth").unlink(missing_ok=True)
    return {"checkpoint": str(target), "reused": False, "files": [target]}
