"""Phase 4 of a round: fine-tune from the previous round's weights on source + every target pixel bought."""

from __future__ import annotations

import dataclasses

from adeada.active.context import RunContext
from adeada.active.labels import PartialLabelDataset, merged_labels
from adeada.active.rundir import save_torch
from adeada.config import RunConfig
from adeada.training.config import TrainConfig


def target_training_set(ctx: RunContext, k: int) -> PartialLabelDataset:
    """The target images with labels bought in rounds 1..k (255 elsewhere)."""
    return PartialLabelDataset(ctx.pool, merged_labels(ctx.run, ctx.pool, k))


def round_finetune_config(cfg: RunConfig, k: int) -> TrainConfig:
    """Round ``k``'s fine-tuning settings: a seed per (run seed, round), so rounds differ and a
    redone round repeats itself exactly."""
    return dataclasses.replace(cfg.finetune, seed=cfg.finetune.seed + 1000 * cfg.loop.seed + k,
                               device=cfg.loop.device)


def finetune(ctx: RunContext, k: int) -> dict:
    """Fine-tune from the previous round's weights on source + labelled target pixels."""
    from adeada.training import finetune as train_finetune

    model = ctx.load_model(ctx.round_checkpoint(k - 1))
    target = target_training_set(ctx, k)
    folder = ctx.run.round_dir(k)
    model = train_finetune(model, ctx.source, target, round_finetune_config(ctx.cfg, k),
                           ckpt_path=folder / "train_state.pth", progress=ctx.progress,
                           log_fn=ctx.log_fn(f"round{k:02d}"))
    save_torch({"model": model.state_dict()}, ctx.round_checkpoint(k))
    (folder / "train_state.pth").unlink(missing_ok=True)
    return {"target_images": len(target), "target_labelled_pixels": target.labelled_pixels(),
            "files": [ctx.round_checkpoint(k)]}
