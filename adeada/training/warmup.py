"""Warm-up before the first round: AdaptSegNet (single-level, output-space adversarial) or source-only.

Labels: source = 0, target = 1 for the discriminator. The generator (the segmentation network)
minimises CE on source + lambda_adv * BCE(D(softmax(target)), source label), i.e. it learns to
make target predictions look like source ones. The discriminator then learns to tell the two
apart on detached predictions. Target labels are never read: target samples are loaded with
``with_labels=False``.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any, Optional

import torch
import torch.nn.functional as F

from adeada import distributed as D
from adeada.models.normalization import resolve_normalize
from adeada.training.config import WarmupConfig
from adeada.training.samples import IndexStream, TrainSamples
from adeada.training.discriminator import OutputSpaceDiscriminator
from adeada.training.engine import LogFn, prepare_stage, run_stage
from adeada.training.feature_cache import remember_backbone
from adeada.training.optim import autocast
from adeada.training.steps import forward_logits, loaded_batches, seg_loss, sync_context, upsample
from adeada.training.supervised import SOURCE_STREAM, TARGET_STREAM, train_source_only

SOURCE_LABEL, TARGET_LABEL = 0.0, 1.0


def warmup_adaptsegnet(model: torch.nn.Module, source: Any, target: Any, cfg: WarmupConfig,
                       ckpt_path: Optional[str | os.PathLike] = None, progress: bool = True,
                       log_fn: Optional[LogFn] = None, normalize: Optional[Any] = None,
                       num_classes: Optional[int] = None
                       ) -> tuple[torch.nn.Module, Optional[OutputSpaceDiscriminator]]:
    """Trains ``model`` on labelled source + unlabelled target (``cfg.method``), in place.

    Args:
        model: returns (logits, features).
        source: labelled contract dataset.
        target: contract dataset; only ``load_image`` is ever called on it.
        cfg: WarmupConfig (generator settings in ``cfg.train``).
        ckpt_path: checkpoint (model, discriminator, both optimisers, ...); resumed when present.
        progress, log_fn, normalize: as ``train_source_only``.
        num_classes: C for the discriminator (default: ``len(source.classes)``).

    Returns:
        (model, discriminator); the discriminator is None for ``method="source_only"``.
    """
    if cfg.method == "source_only":
        return train_source_only(model, source, cfg.train, ckpt_path, progress, log_fn, normalize), None
    if cfg.method != "adaptsegnet":
        raise ValueError(f"WarmupConfig.method must be 'adaptsegnet' or 'source_only', got {cfg.method!r}")
    tc = cfg.train
    c = num_classes or len(source.classes)
    torch.manual_seed(tc.seed)  # the same discriminator on every rank and every fresh start
    disc = OutputSpaceDiscriminator(c, cfg.disc_channels)
    d_opt = torch.optim.Adam(disc.parameters(), lr=cfg.disc_lr, betas=tuple(cfg.disc_betas))
    stage = prepare_stage(model, tc, "warmup", asdict(cfg), ckpt_path,
                          extras={"discriminator": {"module": disc, "optimizer": d_opt}})
    norm = resolve_normalize(model, normalize)
    stage.model.train()  # BatchNorm stays frozen where model.freeze_bn says so (SegModel.train)
    if tc.cache_backbone_features:
        remember_backbone(model, tc.cache_max_mb)
    disc.train()
    src = loaded_batches(stage, TrainSamples(source, tc.resize, tc.crop_size, tc.hflip),
                         IndexStream(len(source), tc.seed, SOURCE_STREAM), tc.batch_size)
    tgt = loaded_batches(stage, TrainSamples(target, tc.resize, tc.crop_size, tc.hflip, with_labels=False),
                         IndexStream(len(target), tc.seed, TARGET_STREAM), tc.target_batch_size or tc.batch_size)
    ignore = int(getattr(source, "ignore_index", 255))

    def step(batches):
        b_src, b_tgt = batches
        stage.optimizer.zero_grad(set_to_none=True)
        d_opt.zero_grad(set_to_none=True)
        # 1) generator: D is only a critic here, its weights stay put.
        disc.requires_grad_(False)
        with sync_context(stage, last=False):
            logits_s = forward_logits(stage, b_src, norm)
            loss_seg = seg_loss(logits_s, b_src[2], None, ignore)
            stage.scaler.scale(loss_seg).backward()
        logits_t = forward_logits(stage, b_tgt, norm)
        prob_t = F.softmax(upsample(logits_t, tuple(b_tgt[1].shape[-2:])), dim=1)
        with autocast(stage.device, tc):
            d_t = disc(prob_t)
        loss_adv = F.binary_cross_entropy_with_logits(d_t.float(), torch.full_like(d_t.float(), SOURCE_LABEL))
        stage.scaler.scale(cfg.lambda_adv * loss_adv).backward()
        # 2) discriminator on detached predictions: source -> 0, target -> 1.
        disc.requires_grad_(True)
        prob_s = F.softmax(upsample(logits_s.detach(), tuple(b_src[2].shape[-2:])), dim=1)
        loss_d = 0.0
        for prob, lab in ((prob_s, SOURCE_LABEL), (prob_t.detach(), TARGET_LABEL)):
            with autocast(stage.device, tc):
                out = disc(prob)
            part = F.binary_cross_entropy_with_logits(out.float(), torch.full_like(out.float(), lab)) / 2
            stage.scaler.scale(part).backward()
            loss_d = loss_d + float(part.detach())
        D.average_gradients(disc.parameters())
        stage.scaler.step(stage.optimizer)
        stage.scaler.step(d_opt)
        stage.scaler.update()
        return {"loss_seg": float(loss_seg.detach()), "loss_adv": float(loss_adv.detach()), "loss_d": loss_d}

    run_stage(stage, zip(src, tgt), step, ckpt_path, progress, log_fn, desc="warmup")
    return model, disc


warmup = warmup_adaptsegnet
