"""Superpixel regions: SLIC at label resolution, cached on disk, with per-region pixel counts."""

from adeada.regions.config import RegionsConfig
from adeada.regions.slic import compute_superpixels, n_segments_for, relabel_consecutive
from adeada.regions.store import SuperpixelStore, params_hash

__all__ = [
    "RegionsConfig", "SuperpixelStore", "compute_superpixels", "n_segments_for", "params_hash",
    "relabel_consecutive",
]
