"""Optimiser, poly schedule, mixed precision and BatchNorm handling shared by all training stages."""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, ContextManager

import torch

from adeada.devices import use_bf16
from adeada.training.config import TrainConfig


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The user's module inside a DistributedDataParallel wrapper (or the module itself)."""
    return getattr(model, "module", model)


def param_groups(model: torch.nn.Module, lr: float) -> list[dict[str, Any]]:
    """``model.param_groups(lr)`` (backbone at lr, head/classifier at 10x) without frozen parameters.

    A model without ``param_groups`` gets its ``classifier`` at 10x and everything else at lr.
    """
    m = unwrap(model)
    if hasattr(m, "param_groups"):
        groups = [dict(g) for g in m.param_groups(lr)]
    else:
        head = list(m.classifier.parameters()) if hasattr(m, "classifier") else []
        head_ids = {id(p) for p in head}
        groups = [{"params": [p for p in m.parameters() if id(p) not in head_ids], "lr": lr},
                  {"params": head, "lr": 10 * lr}]
    out = []
    for g in groups:
        g["params"] = [p for p in g["params"] if p.requires_grad]
        if g["params"]:
            g.setdefault("lr", lr)
            out.append(g)
    if not out:
        raise ValueError("the model has no trainable parameter (is everything frozen?)")
    return out


def build_sgd(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.SGD:
    return torch.optim.SGD(param_groups(model, cfg.lr), lr=cfg.lr, momentum=cfg.momentum,
                           weight_decay=cfg.weight_decay)


def poly_scheduler(optimizer: torch.optim.Optimizer, iterations: int, power: float
                   ) -> torch.optim.lr_scheduler.LambdaLR:
    """lr_k = lr_0 * (1 - k / iterations) ** power, stepped once per iteration."""
    total = max(int(iterations), 1)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: max(0.0, 1.0 - k / total) ** power)


def autocast(device: torch.device, cfg: TrainConfig) -> ContextManager:
    if device.type == "cuda" and cfg.amp:
        return torch.autocast("cuda", dtype=getattr(torch, cfg.amp_dtype))
    if device.type == "cpu" and use_bf16(cfg.cpu_bf16, "cpu"):
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def grad_scaler(device: torch.device, cfg: TrainConfig) -> torch.amp.GradScaler:
    """Loss scaling only for float16 on CUDA (bfloat16 has float32's range)."""
    enabled = device.type == "cuda" and cfg.amp and cfg.amp_dtype == "float16"
    return torch.amp.GradScaler("cuda", enabled=enabled)


def resolve_train_device(device: str, local_rank: int = 0) -> torch.device:
    if device == "auto":
        return torch.device("cuda", local_rank) if torch.cuda.is_available() else torch.device("cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(f"device {device!r} asked but CUDA is not available: training on the CPU")
        return torch.device("cpu")
    return dev
