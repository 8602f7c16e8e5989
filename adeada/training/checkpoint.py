"""Checkpoints: written atomically, carrying everything needed to resume a run exactly."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch

from adeada.atomic import atomic_open

# Settings that change the trajectory: a checkpoint saved under other values cannot be resumed.
TRAJECTORY_KEYS = ("iterations", "batch_size", "target_batch_size", "resize", "crop_size", "hflip", "lr",
                   "momentum", "weight_decay", "poly_power", "seed", "source_weight",
                   "method", "lambda_adv", "disc_lr", "disc_betas", "disc_channels", "average_last")


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not belong to the run that tries to resume from it."""


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Writes ``payload`` to a temporary file beside ``path`` and renames it over ``path``.

    A crash during the write leaves the previous checkpoint intact.
    """
    with atomic_open(path, "wb") as f:
        torch.save(payload, f)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Reads a checkpoint onto the CPU.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        CheckpointError: when it is not a training checkpoint of this package.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        # weights_only=False: the payload holds RNG states and config dicts, written by us.
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 - any unpickling failure means an unusable file
        raise CheckpointError(f"checkpoint {path} cannot be read: {e}") from e
    if not isinstance(ckpt, dict) or "model" not in ckpt or "iteration" not in ckpt:
        raise CheckpointError(f"checkpoint {path} has no 'model'/'iteration' entries: not written by adeada")
    return ckpt


def check_resumable(path: str | os.PathLike, ckpt: dict[str, Any], kind: str, cfg: dict[str, Any]) -> None:
    """Raises CheckpointError when ``ckpt`` was written by another stage or other trajectory settings."""
    if ckpt.get("kind") != kind:
        raise CheckpointError(f"checkpoint {path} is a {ckpt.get('kind')!r} checkpoint, expected {kind!r}")
    saved = _flatten(ckpt.get("config", {}))
    now = _flatten(cfg)
    for key in TRAJECTORY_KEYS:
        if key in now and key in saved and _norm(saved[key]) != _norm(now[key]):
            raise CheckpointError(f"checkpoint {path} was written with {key}={saved[key]!r}, this run has "
                                  f"{key}={now[key]!r}: use another checkpoint path or the same settings")


def model_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return getattr(model, "module", model).state_dict()


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[k if not prefix else f"{prefix}{k}"] = v
            out.setdefault(k, v)
    return out


def _norm(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def maybe_load(path: Optional[str | os.PathLike]) -> Optional[dict[str, Any]]:
    """The checkpoint at ``path`` when it exists, else None."""
    if path is None or not Path(path).is_file():
        return None
    return load_checkpoint(path)
