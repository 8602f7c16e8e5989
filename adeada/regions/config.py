"""Settings of the superpixel regions, as they appear in the run config (YAML)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from adeada.configtools import check_fields


@dataclass
class RegionsConfig:
    """How images are cut into regions (SLIC superpixels at label resolution).

    Attributes:
        method: the superpixel algorithm; only "slic" (scikit-image) for now.
        n_segments: an explicit number of SLIC segments per image; null = scale
            ``segments_per_reference`` by image area.
        segments_per_reference: segments asked on an image of ``reference_area`` pixels
            (the authors used 40 on 2048x1024 Cityscapes images).
        reference_area: the area (pixels) that ``segments_per_reference`` refers to.
        min_segments: the fewest segments asked, however small the image.
        compactness: SLIC's balance of colour against space (higher = squarer regions).
        sigma: Gaussian smoothing before SLIC (0 = none).
        max_num_iter: SLIC's k-means iterations.
        enforce_connectivity: merge disconnected bits so every region is one connected piece.
        count_retries: when SLIC returns fewer than 90% of the regions wanted, ask again with
            proportionally more seeds, at most this many times (0 = take what SLIC returns).
        workers: processes used by ``SuperpixelStore.prepare`` when none is given.
        timeout_s: the longest one image may take in a worker before prepare gives up.
    """

    method: Literal["slic"] = "slic"
    n_segments: Optional[int] = None
    segments_per_reference: int = 40
    reference_area: int = 2048 * 1024
    min_segments: int = 8
    compactness: float = 10.0
    sigma: float = 0.0
    max_num_iter: int = 10
    enforce_connectivity: bool = True
    count_retries: int = 3
    workers: int = 2
    timeout_s: float = 600.0

    SECTION = "regions"  # its place in the run config (messages name it)

    def __post_init__(self) -> None:
        check_fields(self, {"n_segments": (lambda v: v is None or v >= 1, "null or at least 1"),
                            "workers": (lambda v: v >= 1, "at least 1"), "compactness": (lambda v: v > 0, "> 0"),
                            "timeout_s": (lambda v: v > 0, "> 0 seconds")})
