"""Settings of evaluation (composed into the run config by adeada.config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Union

from adeada.configtools import SIZE, check_fields, is_size


@dataclass
class EvalConfig:
    """How a model is scored on a labelled dataset.

    Attributes:
        batch_size: images per forward pass (images of one batch must share a size: set resize).
        resize: [H, W] the network input size; None feeds images at their own size. Predictions
            are always scored at the LABEL resolution (logits upsampled bilinearly).
        num_workers: DataLoader worker processes (0 = load in the main process).
        bf16: bfloat16 autocast for the forward pass: true, false, or "auto" (on CUDA, and on a
            CPU only where bf16 is native).
        eval_classes: train ids that enter the headline mIoU (None = all), e.g. SYNTHIA's 13 or 16.
    """

    batch_size: int = 1
    resize: Optional[list[int]] = None
    num_workers: int = 0
    bf16: Union[bool, Literal["auto"]] = False
    eval_classes: Optional[list[int]] = None

    SECTION = "evaluation"  # its place in the run config (messages name it)

    def __post_init__(self) -> None:
        check_fields(self, {"batch_size": (lambda v: v >= 1, "at least 1"), "num_workers": (lambda v: v >= 0, ">= 0"),
                            "resize": (lambda v: v is None or is_size(v), SIZE)})
