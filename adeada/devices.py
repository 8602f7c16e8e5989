"""What a device setting means: ``"auto"`` is the GPU when one is visible, else the CPU."""

from __future__ import annotations


def resolve_device(device: str) -> str:
    """``"auto"`` = ``"cuda"`` when a GPU is visible, else ``"cpu"``; anything else as given.

    A string, and torch is imported only for ``"auto"``: density-fit workers that never use
    torch can call it.
    """
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
