"""Settings of training: fine-tuning / source-only (TrainConfig) and the adversarial warm-up (WarmupConfig)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

from adeada.configtools import DEVICE, SIZE, check_fields, is_size


@dataclass
class TrainConfig:
    """One supervised training run (source-only, or fine-tuning on source + labelled target).

    Attributes:
        iterations: optimiser steps. Each step sees one source batch (and, when fine-tuning,
            one target batch: the two cross-entropies are summed).
        batch_size: images per batch per process (per domain).
        target_batch_size: target images per step when fine-tuning (None = batch_size).
        resize: [H, W] every image/label is resized to this first (None = keep the label size).
        crop_size: [H, W] random crop after resize (None = whole image; smaller images are padded
            with label 255).
        hflip: random horizontal flip.
        lr: base SGD learning rate (backbone); the classifier/head gets 10x via model.param_groups.
            2.5e-4 is the authors' value for DeepLab at 1024x2048 with 100k (warm-up) steps. Short
            CPU-scale runs of small models (a few hundred steps) need about 1e-2: set it in the config.
        momentum, weight_decay: SGD settings (authors: 0.9, 5e-4).
        poly_power: lr = base * (1 - it / iterations) ** poly_power.
        amp: autocast on CUDA (amp_dtype); ignored on CPU.
        amp_dtype: "bfloat16" (no loss scaling needed) or "float16" (with a GradScaler).
        cpu_bf16: bfloat16 autocast on CPU: true, false, or "auto" (only where the CPU has native
            bf16, AVX512-BF16 or AMX: faster there, about 12x slower where it is emulated).
        seed: fixes the data order, augmentations and initial torch RNG.
        log_every: calls log_fn (and updates the progress bar) every this many steps.
        checkpoint_every: saves ckpt_path every this many steps (0 = only at the end).
        num_workers: DataLoader worker processes (spawned); 0 loads in the main process.
        cache_backbone_features: when the backbone is frozen, run it once per image and keep
            its output in the backbone memo (``adeada.models.backbone_memo``: the one store of
            every phase; the model is memoised here if the run has not done it). Fine-tuning and
            source-only training (when no random augmentation is on) then train the head only,
            without reloading an image; the AdaptSegNet warm-up, whose discriminator needs the
            whole forward, lets the memo serve its backbone.
        cache_max_mb: the memo's memory cap when this phase is the one that creates it (a run's
            memo is capped by ``loop.backbone_memo_mb``); outputs beyond it are recomputed.
        source_weight: weight of the source loss when fine-tuning (0 = target pixels only;
            the source set is then never read).
        device: "auto" (CUDA when available), "cpu", "cuda", ... (under torchrun: the local GPU).
        average_last: share of the steps at the end whose weights are averaged into the final
            model (uniform mean of the iterates, as stochastic weight averaging; 0 = off, the
            last iterate). Removes most of the batch-order noise of short fine-tuning runs.
    """

    iterations: int = 2000
    batch_size: int = 2
    target_batch_size: Optional[int] = None
    resize: Optional[list[int]] = None
    crop_size: Optional[list[int]] = None
    hflip: bool = True
    lr: float = 2.5e-4
    momentum: float = 0.9
    weight_decay: float = 5e-4
    poly_power: float = 0.9
    amp: bool = True
    amp_dtype: Literal["bfloat16", "float16"] = "bfloat16"
    cpu_bf16: Union[bool, Literal["auto"]] = False
    seed: int = 0
    log_every: int = 10
    checkpoint_every: int = 500
    num_workers: int = 0
    cache_backbone_features: bool = False
    cache_max_mb: int = 2048
    source_weight: float = 1.0
    device: str = "auto"
    average_last: float = 0.0

    def __post_init__(self) -> None:
        # used twice in a run config (finetune, warmup.train): the loader puts the path in front
        check_fields(self, {
            "iterations": (lambda v: v >= 1, "at least 1"),
            "batch_size": (lambda v: v >= 1, "at least 1"),
            "target_batch_size": (lambda v: v is None or v >= 1, "null or at least 1"),
            "lr": (lambda v: v > 0, "a learning rate > 0"),
            "log_every": (lambda v: v >= 1, "at least 1"),
            "checkpoint_every": (lambda v: v >= 0, ">= 0 (0 = only at the end)"),
            "num_workers": (lambda v: v >= 0, ">= 0"),
            "resize": (lambda v: v is None or is_size(v), SIZE),
            "crop_size": (lambda v: v is None or is_size(v), SIZE),
            "average_last": (lambda v: 0 <= v <= 1, "a share of the steps in [0, 1]"),
            "device": (lambda v: bool(DEVICE.match(v)), "auto, cpu, cuda, cuda:N or mps"),
        })


@dataclass
class WarmupConfig:
    """The warm-up before the first round.

    Attributes:
        method: "adaptsegnet" (source CE + single-level output-space adversarial loss; target
            labels are never read) or "source_only" (source CE only).
        train: the generator's settings (iterations, lr, batch, crops... ); authors: 100k steps.
        lambda_adv: weight of the adversarial loss on the generator (authors: 0.0005).
        disc_lr: Adam learning rate of the discriminator (poly-decayed like the generator).
        disc_betas: Adam betas (authors: 0.9, 0.99).
        disc_channels: width of the discriminator's first conv (AdaptSegNet: 64).
    """

    method: Literal["adaptsegnet", "source_only"] = "adaptsegnet"
    train: TrainConfig = field(default_factory=TrainConfig)
    lambda_adv: float = 0.0005
    disc_lr: float = 2.5e-4
    disc_betas: list[float] = field(default_factory=lambda: [0.9, 0.99])
    disc_channels: int = 64

    SECTION = "warmup"  # its place in the run config (messages name it)

    def __post_init__(self) -> None:
        check_fields(self, {"lambda_adv": (lambda v: v >= 0, ">= 0")})
