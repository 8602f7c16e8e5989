"""The iteration loop shared by every stage: set-up, resume, progress, logging, checkpoints."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

import torch
from tqdm import tqdm

from adeada import distributed as D
from adeada.training.averaging import WeightAverager, averaging_start
from adeada.training.checkpoint import (check_resumable, maybe_load, model_state, rng_state, save_checkpoint,
                                        set_rng_state)
from adeada.training.config import TrainConfig
from adeada.training.optim import build_sgd, grad_scaler, poly_scheduler, resolve_train_device

LogFn = Callable[[int, dict[str, float]], None]


@dataclass
class Stage:
    """Everything one training stage mutates, so that it can be checkpointed as a whole."""

    kind: str
    cfg: TrainConfig
    config: dict[str, Any]
    model: torch.nn.Module  # the user's module
    net: torch.nn.Module  # what forward() goes through: DDP wrapper or the module itself
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler
    device: torch.device
    dist: D.DistInfo
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> module/optimizer/scheduler
    start: int = 0
    averager: Optional[WeightAverager] = None  # cfg.average_last > 0: mean of the last iterates

    @property
    def ddp(self) -> bool:
        return self.net is not self.model

    def payload(self, iteration: int) -> dict[str, Any]:
        out = {"kind": self.kind, "iteration": iteration, "config": self.config, "model": model_state(self.model),
               "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
               "scaler": self.scaler.state_dict(), "rng": rng_state(), "world_size": self.dist.world_size}
        for name, ex in self.extras.items():
            out[name] = {k: v.state_dict() for k, v in ex.items()}
        if self.averager is not None:
            out["averager"] = self.averager.state_dict()
        return out


def prepare_stage(model: torch.nn.Module, cfg: TrainConfig, kind: str, config: dict[str, Any],
                  ckpt_path: Optional[str | os.PathLike], extras: Optional[dict[str, dict[str, Any]]] = None,
                  use_ddp: bool = True) -> Stage:
    """Moves the model to its device, builds SGD + poly schedule, resumes from ``ckpt_path`` if it exists.

    ``extras`` maps a name to {"module": ..., "optimizer": ..., "scheduler": ...} built by the
    caller (the discriminator); they are moved, checkpointed and restored with the model.
    """
    if cfg.iterations < 0 or cfg.batch_size < 1:
        raise ValueError(f"iterations must be >= 0 and batch_size >= 1, got {cfg.iterations}, {cfg.batch_size}")
    dist_info = D.init_from_env()
    device = resolve_train_device(cfg.device, dist_info.local_rank)
    model.to(device)
    extras = extras or {}
    for ex in extras.values():
        ex["module"].to(device)
    ckpt = maybe_load(ckpt_path)
    if ckpt is None:
        torch.manual_seed(cfg.seed + dist_info.rank)  # same init of new layers on every rank, then broadcast
        D.broadcast_module(model)
        for ex in extras.values():
            D.broadcast_module(ex["module"])
    optimizer = build_sgd(model, cfg)
    scheduler = poly_scheduler(optimizer, cfg.iterations, cfg.poly_power)
    for ex in extras.values():  # optimizers built by the caller: attach the same schedule
        ex.setdefault("scheduler", poly_scheduler(ex["optimizer"], cfg.iterations, cfg.poly_power))
    stage = Stage(kind, cfg, config, model, model, optimizer, scheduler, grad_scaler(device, cfg), device,
                  dist_info, extras)
    if cfg.average_last > 0:
        stage.averager = WeightAverager(model, averaging_start(cfg.iterations, cfg.average_last))
    if ckpt is not None:
        check_resumable(ckpt_path, ckpt, kind, config)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        if ckpt.get("scaler") and stage.scaler.is_enabled():
            stage.scaler.load_state_dict(ckpt["scaler"])
        for name, ex in extras.items():
            for k, obj in ex.items():
                obj.load_state_dict(ckpt[name][k])
        if stage.averager is not None and "averager" in ckpt:
            stage.averager.load_state_dict(ckpt["averager"])
        if ckpt.get("world_size", 1) == dist_info.world_size and dist_info.rank == 0:
            set_rng_state(ckpt["rng"])
        else:  # other ranks never saved theirs: a fresh, distinct stream per rank and step
            torch.manual_seed(cfg.seed + 1000003 * dist_info.rank + int(ckpt["iteration"]))
        stage.start = int(ckpt["iteration"])
    if use_ddp:
        stage.net = D.wrap_ddp(model, device)
    return stage


def run_stage(stage: Stage, batches: Iterable[Any], step_fn: Callable[[Any], dict[str, float]],
              ckpt_path: Optional[str | os.PathLike], progress: bool = True, log_fn: Optional[LogFn] = None,
              desc: str = "train") -> None:
    """Runs iterations ``stage.start .. cfg.iterations``: one ``step_fn(batch)`` per batch.

    ``step_fn`` does the forward/backward/optimizer step and returns scalar logs; the schedule
    steps here. Logs are averaged over processes every ``log_every`` steps; only rank 0 calls
    ``log_fn``, draws the progress bar and writes checkpoints.
    """
    cfg, main = stage.cfg, stage.dist.is_main
    if stage.start >= cfg.iterations:  # resumed from a finished checkpoint: nothing left to do
        return
    bar = tqdm(total=cfg.iterations, initial=stage.start, desc=desc, disable=not progress or not main,
               dynamic_ncols=True)
    it = stage.start
    try:
        for batch in batches:
            if it >= cfg.iterations:
                break
            logs = step_fn(batch)
            stage.scheduler.step()
            for ex in stage.extras.values():
                ex["scheduler"].step()
            it += 1
            if stage.averager is not None:
                stage.averager.update(stage.model, it)
            if it % max(cfg.log_every, 1) == 0 or it == cfg.iterations:
                logs = D.all_reduce_mean(logs)
                logs["lr"] = stage.optimizer.param_groups[0]["lr"]
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()})
                if log_fn is not None and main:
                    log_fn(it, logs)
            bar.update(1)
            if ckpt_path and cfg.checkpoint_every and it % cfg.checkpoint_every == 0 and it < cfg.iterations:
                save(stage, it, ckpt_path)
    finally:
        bar.close()
    if it < cfg.iterations:
        raise RuntimeError(f"the batch stream ended after {it} of {cfg.iterations} iterations")
    if stage.averager is not None:
        # The final checkpoint holds the averaged weights: a resume from it returns them as they are.
        stage.averager.apply(stage.model)
    if ckpt_path:
        save(stage, it, ckpt_path)


def save(stage: Stage, iteration: int, ckpt_path: str | os.PathLike) -> None:
    if stage.dist.is_main:
        save_checkpoint(ckpt_path, stage.payload(iteration))
    D.barrier()
