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


def native_cpu_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX tiles).

    Without either, torch emulates bf16 on the CPU: the CamVid head's training step took 6.9 s in
    bf16 against 0.55 s in float32 on an AVX2-only EPYC, where an AVX-512 EPYC gains from it.
    """
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)


def use_bf16(setting: bool | str, device_type: str) -> bool:
    """A bf16 setting (True, False or "auto") for a device type: "auto" means on CUDA, and on a
    CPU only where bf16 is native. An explicit True on a CPU without native bf16 is obeyed,
    with a warning (once) that it is emulated there."""
    if setting == "auto":
        return device_type == "cuda" or (device_type == "cpu" and native_cpu_bf16())
    if setting is True and device_type == "cpu" and not native_cpu_bf16():
        _warn_emulated()
    return bool(setting)


def train_precision(cfg, device_type: str) -> str:
    """What a training phase computes in: "bfloat16" / "float16" under autocast, else "float32".

    ``cfg``: a ``TrainConfig`` (``amp`` and ``amp_dtype`` on CUDA, ``cpu_bf16`` on the CPU).
    """
    if device_type == "cuda":
        return cfg.amp_dtype if cfg.amp else "float32"
    return "bfloat16" if device_type == "cpu" and use_bf16(cfg.cpu_bf16, "cpu") else "float32"


def eval_precision(setting: bool | str, device_type: str) -> str:
    """What evaluation computes in for ``evaluation.bf16`` on a device type."""
    return "bfloat16" if use_bf16(setting, device_type) else "float32"


def _warn_emulated() -> None:
    global _WARNED
    if not _WARNED:
        import warnings

        warnings.warn("bf16 is on, but this CPU has no native bfloat16 (AVX512-BF16 or AMX): torch emulates it, "
                      "about 12x slower than float32 here; set cpu_bf16/bf16 to auto", stacklevel=3)
        _WARNED = True


_WARNED = False
