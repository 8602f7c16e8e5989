"""Reading local weight files with errors that say which file and what was wrong."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import torch
from torch import nn


class WeightsError(ValueError):
    """A weight file exists but does not fit the network."""


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Load a state dict from a local file, unwrapping ``{'state_dict': ...}`` / ``{'model': ...}``.

    Raises:
        FileNotFoundError: the file does not exist.
        WeightsError: the file is not a state dict of tensors.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"weights file {str(p)!r} does not exist (adeada never downloads "
                                f"weights: point model.weights_path at a local file)")
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a corrupt / foreign file
        raise WeightsError(f"could not read weights file {str(p)!r} with torch.load: {exc}") from exc
    for key in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsError(f"weights file {str(p)!r} does not hold a state dict of tensors")
    # DataParallel / DDP checkpoints prefix every key with 'module.'.
    return {k[7:] if k.startswith("module.") else k: v for k, v in obj.items()}


def load_strict(module: nn.Module, state: dict[str, torch.Tensor], source: str,
                rename: Optional[Callable[[str], str]] = None) -> None:
    """Load ``state`` into ``module`` with every key and shape matching, or explain what does not.

    Args:
        module: the network.
        state: the state dict (checkpoint key names).
        source: where the state came from (a path), for messages.
        rename: maps a checkpoint key to the module's key.

    Raises:
        WeightsError: listing missing / unexpected keys and mismatched shapes.
    """
    if rename is not None:
        state = {rename(k): v for k, v in state.items()}
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [f"{k}: file {tuple(state[k].shape)} vs network {tuple(own[k].shape)}"
              for k in own if k in state and state[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        raise WeightsError(
            f"weights {source!r} do not fit {type(module).__name__}: "
            f"{len(missing)} missing (e.g. {missing[:3]}), {len(unexpected)} unexpected "
            f"(e.g. {unexpected[:3]}), {len(shapes)} shape mismatches (e.g. {shapes[:2]})")
    module.load_state_dict(state, strict=True)
