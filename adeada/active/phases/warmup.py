"""Phase 0: the AdaptSegNet warm-up, shared by every run with the same data, model and warm-up."""

from __future__ import annotations

import dataclasses
import json

from adeada.active.context import WARMUP_PRECISION, RunContext
from adeada.active.rundir import save_torch
from adeada.atomic import atomic_write_text


def warmup(ctx: RunContext) -> dict:
    """Train (or reuse) the warm-up model shared by every run with the same data, model and warm-up."""
    from adeada.training import warmup_adaptsegnet

    target = ctx.warmup_checkpoint
    if target.exists():
        return {"checkpoint": str(target), "reused": True, "files": [target]}
    if ctx.cfg.loop.warmup_checkpoint:
        raise FileNotFoundError(f"loop.warmup_checkpoint {target} does not exist")
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
