"""The layout registry ``LAYOUTS`` and ``build_dataset(cfg)``: one dataset object from a DatasetConfig.

``LAYOUTS`` is a plain dict, ``kind`` -> the layout module's ``from_config``; a new on-disk
layout is one module (a dataset class and its ``from_config``) plus one line here. The config
check of ``data.*.kind`` and the error for an unknown kind read it.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np

from adeada.data import camvid, cityscapes, demo, folder, gta5, synthia
from adeada.data.base import PairedFileDataset
from adeada.data.config import DatasetConfig
from adeada.data.demo import DemoDataset
from adeada.data.errors import DatasetError

Dataset = Union[PairedFileDataset, DemoDataset]

LAYOUTS: dict[str, Callable[[DatasetConfig], Dataset]] = {
    "cityscapes": cityscapes.from_config,
    "gta5": gta5.from_config,
    "synthia": synthia.from_config,
    "camvid": camvid.from_config,
    "folder": folder.from_config,
    "demo": demo.from_config,
}


def build_dataset(cfg: DatasetConfig) -> Dataset:
    """Build the dataset a config describes.

    Args:
        cfg: the dataset settings (see DatasetConfig for each field).

    Returns:
        an object following the Dataset contract of docs/architecture.md.

    Raises:
        DatasetError (and its subclasses): a missing setting, folder or file, or bad values.
    """
    if cfg.max_images is not None and cfg.max_images < 1:
        raise DatasetError(f"max_images={cfg.max_images}; expected >= 1 or null")
    if cfg.kind not in LAYOUTS:
        raise DatasetError(f"unknown dataset kind {cfg.kind!r}; expected one of {', '.join(LAYOUTS)}")
    ds = LAYOUTS[cfg.kind](cfg)
    if cfg.max_images is not None and cfg.max_images < len(ds):
        # Evenly spaced rather than the first N: neighbouring frames are near-duplicates.
        idx = np.linspace(0, len(ds) - 1, cfg.max_images).round().astype(int)
        ds = ds.select(np.unique(idx))
    return ds
