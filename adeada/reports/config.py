"""Settings of the reports package (plots, overlays, annotation jobs), composed by adeada/config.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass
class ReportsConfig:
    """What a run draws and how it exports annotation jobs.

    Attributes:
        plots: draw miou_vs_labels.png and per_class.png after each round.
        overlays_per_round: how many target images get a selection overlay per round (0 = none).
        overlay_alpha: opacity of the part colour over a selected region, in [0, 1].
        overlay_show_label: add the acquired ground truth as a side panel of each overlay.
        dpi: resolution of the matplotlib figures.
        annotation_format: layout of exported annotation jobs.
    """

    plots: bool = True
    overlays_per_round: int = 4
    overlay_alpha: float = 0.5
    overlay_show_label: bool = True
    dpi: int = 120
    annotation_format: Literal["folder", "cvat_mask", "cityscapes"] = "folder"

    def __post_init__(self) -> None:
        if not 0.0 <= self.overlay_alpha <= 1.0:
            raise ValueError(f"reports.overlay_alpha must be in [0, 1], got {self.overlay_alpha}")
        if self.overlays_per_round < 0:
            raise ValueError(f"reports.overlays_per_round must be >= 0, got {self.overlays_per_round}")
        if self.dpi < 10:
            raise ValueError(f"reports.dpi must be >= 10, got {self.dpi}")
        if self.annotation_format not in ("folder", "cvat_mask", "cityscapes"):
            raise ValueError(
                f"reports.annotation_format must be 'folder', 'cvat_mask' or 'cityscapes', got {self.annotation_format!r}"
            )
