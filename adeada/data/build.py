"""``build_dataset(cfg)``: one dataset object from a DatasetConfig."""

from __future__ import annotations

from typing import Any, Union

import numpy as np

from adeada.data.base import PairedFileDataset
from adeada.data.camvid import CamVidDataset, camvid_preset
from adeada.data.cityscapes import CityscapesDataset
from adeada.data.config import DatasetConfig
from adeada.data.demo import DemoDataset, make_demo_domains
from adeada.data.errors import DatasetError
from adeada.data.folder import FolderDataset
from adeada.data.gta5 import GTA5Dataset
from adeada.data.synthia import SynthiaDataset

Dataset = Union[PairedFileDataset, DemoDataset]


def _need(cfg: DatasetConfig, attr: str) -> Any:
    value = getattr(cfg, attr)
    if value in (None, "", []):
        raise DatasetError(f"dataset kind {cfg.kind!r} needs '{attr}' to be set")
    return value


def _build_demo(cfg: DatasetConfig) -> DemoDataset:
    d = cfg.demo
    if len(d.size) != 2:
        raise DatasetError(f"demo.size {d.size}; expected [H, W]")
    domains = make_demo_domains(
        seed=d.seed, n_source=d.n_source, n_pool=d.n_pool, n_test=d.n_test,
        size=(int(d.size[0]), int(d.size[1])), n_source_test=d.n_source_test,
    )
    if d.which not in ("source", "pool", "test", "source_test"):
        raise DatasetError(f"demo.which {d.which!r}; expected source, pool, test or source_test")
    ds = getattr(domains, d.which)
    if cfg.max_images is not None and cfg.max_images < len(ds):
        # Demo images depend only on their index, so the first N are a fair subsample.
        ds = DemoDataset(ds.domain, ds.split, cfg.max_images, ds.seed, ds.size)
    return ds


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
    size_kw = {} if cfg.on_size_mismatch is None else {"on_size_mismatch": cfg.on_size_mismatch}
    if cfg.kind == "demo":
        return _build_demo(cfg)
    if cfg.kind == "cityscapes":
        ds: PairedFileDataset = CityscapesDataset(_need(cfg, "root"), cfg.split, cfg.classes16)
    elif cfg.kind == "gta5":
        ds = GTA5Dataset(_need(cfg, "root"), cfg.list_file, **size_kw)
    elif cfg.kind == "synthia":
        ds = SynthiaDataset(_need(cfg, "root"), cfg.list_file, **size_kw)
    elif cfg.kind == "camvid":
        root = _need(cfg, "root")
        ds = camvid_preset(root, cfg.preset) if cfg.preset else CamVidDataset(root, cfg.split, cfg.prefixes)
    elif cfg.kind == "folder":
        ds = FolderDataset(
            _need(cfg, "images_dir"), _need(cfg, "labels_dir"), _need(cfg, "classes"),
            image_suffix=cfg.image_suffix, label_suffix=cfg.label_suffix,
            image_exts=cfg.image_exts, label_exts=cfg.label_exts,
            ignore_value=cfg.ignore_value, remap=cfg.remap, label_channel=cfg.label_channel,
            name=cfg.name, **size_kw,
        )
    else:
        raise DatasetError(
            f"unknown dataset kind {cfg.kind!r}; expected cityscapes, gta5, synthia, camvid, folder or demo"
        )
    if cfg.max_images is not None and cfg.max_images < len(ds):
        # Evenly spaced rather than the first N: neighbouring frames are near-duplicates.
        idx = np.linspace(0, len(ds) - 1, cfg.max_images).round().astype(int)
        ds = ds.select(np.unique(idx))
    return ds
