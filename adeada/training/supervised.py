"""Supervised stages: source-only training and fine-tuning on source + partially labelled target."""

from __future__ import annotations

import os
import warnings
from dataclasses import asdict
from typing import Any, Optional

import numpy as np
import torch
from tqdm import tqdm

from adeada import distributed as D
from adeada.models.normalization import resolve_normalize
from adeada.training.config import TrainConfig
from adeada.training.samples import IndexStream, TrainSamples
from adeada.training.engine import LogFn, prepare_stage, run_stage
from adeada.training.feature_cache import can_cache, head_inputs
from adeada.training.steps import Criterion, cached_batches, forward_logits, loaded_batches, seg_loss, sync_context

SOURCE_STREAM, TARGET_STREAM = 0, 1


def train_source_only(model: torch.nn.Module, source: Any, cfg: TrainConfig,
                      ckpt_path: Optional[str | os.PathLike] = None, progress: bool = True,
                      log_fn: Optional[LogFn] = None, normalize: Optional[Any] = None,
                      criterion: Optional[Criterion] = None) -> torch.nn.Module:
    """Cross-entropy on the labelled source set only.

    Args:
        model: returns (logits, features); trained in place.
        source: a contract dataset (labels read).
        cfg: TrainConfig.
        ckpt_path: checkpoint file; resumed from when it exists, written every
            cfg.checkpoint_every steps and at the end.
        progress: tqdm bar on rank 0.
        log_fn: called as log_fn(step, {"loss_source": ..., "lr": ...}) every cfg.log_every steps.
        normalize: input normalisation (see adeada.models.normalization.resolve_normalize).
        criterion: loss(logits at label size, labels); default cross-entropy ignoring 255.

    Returns:
        The trained model (the same object).
    """
    return _supervised(model, [(source, None, 1.0, cfg.batch_size, "source", SOURCE_STREAM)], cfg,
                       "source_only", ckpt_path, progress, log_fn, normalize, criterion)


def finetune(model: torch.nn.Module, source: Any, target_labelled: Any, cfg: TrainConfig,
             ckpt_path: Optional[str | os.PathLike] = None, progress: bool = True,
             log_fn: Optional[LogFn] = None, normalize: Optional[Any] = None,
             criterion: Optional[Criterion] = None) -> torch.nn.Module:
    """Fine-tunes from the model's current weights on source + the labelled pixels of the target set.

    Every step takes one source batch (cfg.batch_size) and one target batch
    (cfg.target_batch_size) and minimises the sum CE_target + cfg.source_weight * CE_source (the
    authors train on both domains). Target pixels labelled 255 never contribute; target images
    without any labelled pixel are dropped before training and their images are never loaded
    (found through ``target_labelled.labelled_indices()`` when the dataset has it, else by
    reading every label once). With no labelled target image, training falls back to the source
    set with a warning.

    Args: as ``train_source_only``, plus ``target_labelled``: a contract dataset whose labels are
        255 except on bought regions.

    Returns:
        The fine-tuned model (the same object).
    """
    parts = []
    keep = labelled_indices(target_labelled, progress and D.info().is_main)
    if keep:
        parts.append((target_labelled, keep, 1.0, cfg.target_batch_size or cfg.batch_size, "target", TARGET_STREAM))
    else:
        warnings.warn(f"no image of the target set ({len(target_labelled)} images) has a labelled pixel: "
                      "fine-tuning on the source set only")
    if cfg.source_weight > 0 or not keep:
        parts.insert(0, (source, None, cfg.source_weight if keep else 1.0, cfg.batch_size, "source", SOURCE_STREAM))
    return _supervised(model, parts, cfg, "finetune", ckpt_path, progress, log_fn, normalize, criterion)


def labelled_indices(dataset: Any, progress: bool = False) -> list[int]:
    """Indices of the images with at least one label other than ignore_index."""
    if hasattr(dataset, "labelled_indices"):
        return [int(i) for i in dataset.labelled_indices()]
    ignore = int(getattr(dataset, "ignore_index", 255))
    return [i for i in tqdm(range(len(dataset)), desc="find labelled", disable=not progress, leave=False)
            if bool(np.any(dataset.load_label(i) != ignore))]


def _supervised(model, parts, cfg: TrainConfig, kind, ckpt_path, progress, log_fn, normalize, criterion):
    stage = prepare_stage(model, cfg, kind, asdict(cfg), ckpt_path)
    norm = resolve_normalize(model, normalize)
    stage.model.train()  # BatchNorm stays frozen where model.freeze_bn says so (SegModel.train)
    random_aug = cfg.hflip or cfg.crop_size is not None
    use_cache = cfg.cache_backbone_features and can_cache(stage.model, random_aug)
    streams = []
    for dataset, indices, weight, bs, name, sid in parts:
        samples = TrainSamples(dataset, cfg.resize, cfg.crop_size, cfg.hflip)
        stream = IndexStream(len(dataset), cfg.seed, sid, indices)
        batches = (cached_batches(stage, samples, stream, bs, head_inputs(stage.model, cfg.cache_max_mb), norm)
                   if use_cache
                   else loaded_batches(stage, samples, stream, bs))
        streams.append((name, weight, batches, int(getattr(dataset, "ignore_index", 255))))

    def step(batch_tuple):
        stage.optimizer.zero_grad(set_to_none=True)
        logs = {}
        for k, ((name, weight, _, ignore), batch) in enumerate(zip(streams, batch_tuple)):
            with sync_context(stage, last=k == len(streams) - 1):
                loss = seg_loss(forward_logits(stage, batch, norm), batch[2], criterion, ignore) * weight
                stage.scaler.scale(loss).backward()
            logs[f"loss_{name}"] = float(loss.detach())
        if use_cache:  # the head ran outside DDP: average its gradients by hand
            D.average_gradients(p for p in stage.model.parameters() if p.requires_grad)
        stage.scaler.step(stage.optimizer)
        stage.scaler.update()
        logs["loss"] = sum(v for key, v in logs.items())
        return logs

    run_stage(stage, zip(*[s[2] for s in streams]), step, ckpt_path, progress, log_fn, desc=kind)
    return model
