"""The built-in demo domains: generated street scenes, no files needed.

Sample i of a split is a pure function of (seed, domain, split, i, size): nothing is stored, so
the datasets are tiny to pickle and identical in every process.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from dataclasses import dataclass
from typing import Literal

import numpy as np

from adeada.data.classes import IGNORE_INDEX
from adeada.data.config import DatasetConfig
from adeada.data.demo_scene import render_scene
from adeada.data.demo_style import DEMO_CLASSES, STYLES
from adeada.data.errors import DatasetError

DemoDomain = Literal["source", "target"]
# Fixed codes so that adding a split never changes the images of the others.
_DOMAIN_CODE = {"source": 1, "target": 2}
_SPLIT_CODE = {"train": 1, "pool": 2, "test": 3, "val": 4}
# Bump when the renderer changes what a given seed draws: cache keys then change too.
RENDERER_VERSION = 1


class DemoDataset:
    """One split of one demo domain.

    Args:
        domain: "source" (clean, synthetic look) or "target" (noisy, real look, dusk, new car colours).
        split: "train", "pool", "test" or "val"; each split draws different scenes.
        n: number of images.
        seed: global seed.
        size: (H, W) of every image.
    """

    ignore_index: int = IGNORE_INDEX

    def __init__(
        self,
        domain: DemoDomain,
        split: str,
        n: int,
        seed: int = 0,
        size: tuple[int, int] = (96, 128),
    ) -> None:
        if domain not in _DOMAIN_CODE:
            raise ValueError(f"demo domain {domain!r}; expected one of {sorted(_DOMAIN_CODE)}")
        if split not in _SPLIT_CODE:
            raise ValueError(f"demo split {split!r}; expected one of {sorted(_SPLIT_CODE)}")
        if int(n) < 1:
            raise ValueError(f"demo dataset size n={n}; expected >= 1")
        h, w = (int(v) for v in size)
        if h < 16 or w < 16:
            raise ValueError(f"demo image size {size}; expected at least 16x16")
        self.domain, self.split, self.n, self.seed, self.size = domain, split, int(n), int(seed), (h, w)
        self.name = f"demo-{domain}-{split}"
        self.classes = list(DEMO_CLASSES)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"DemoDataset({self.domain!r}, {self.split!r}, n={self.n}, seed={self.seed}, size={self.size})"

    def _check(self, i: int) -> int:
        if not 0 <= int(i) < self.n:
            raise IndexError(f"index {i} out of range for {self.name} of {self.n} images")
        return int(i)

    def _render(self, i: int) -> tuple[np.ndarray, np.ndarray, dict]:
        """Scene ``i`` (fresh arrays). Loaders read an image and then its label: the scene is drawn
        once for both (drawing it is the whole cost of loading a demo sample)."""
        image, label, info = _render_cached(self.seed, self.domain, self.split, self._check(i), self.size)
        return image.copy(), label.copy(), copy.deepcopy(info)

    def image_id(self, i: int) -> str:
        return f"{self.domain}_{self.split}_{self._check(i):06d}"

    def load_image(self, i: int) -> np.ndarray:
        return self._render(i)[0]

    def load_label(self, i: int) -> np.ndarray:
        return self._render(i)[1]

    def scene_info(self, i: int) -> dict:
        """How scene i was drawn: ``dusk``, ``car_colours``, ``target_only_cars``."""
        return self._render(i)[2]

    def label_size(self, i: int) -> tuple[int, int]:
        self._check(i)
        return self.size

    def cache_key(self, i: int) -> str:
        text = f"demo:v{RENDERER_VERSION}:{self.seed}:{self.domain}:{self.split}:{self._check(i)}:{self.size}"
        return hashlib.sha1(text.encode()).hexdigest()


@functools.lru_cache(maxsize=2)
def _render_cached(seed: int, domain: str, split: str, i: int, size: tuple[int, int]):
    rng = np.random.default_rng([seed, _DOMAIN_CODE[domain], _SPLIT_CODE[split], i])
    return render_scene(STYLES[domain], rng, size)


@dataclass
class DemoDomains:
    """The three datasets of the demo benchmark, plus a source test split for reference."""

    source: DemoDataset
    pool: DemoDataset
    test: DemoDataset
    source_test: DemoDataset


def make_demo_domains(
    seed: int = 0,
    n_source: int = 200,
    n_pool: int = 100,
    n_test: int = 50,
    size: tuple[int, int] = (96, 128),
    n_source_test: int = 50,
) -> DemoDomains:
    """Build the demo benchmark: labelled source train, target pool, target test (and source test)."""
    return DemoDomains(
        source=DemoDataset("source", "train", n_source, seed, size),
        pool=DemoDataset("target", "pool", n_pool, seed, size),
        test=DemoDataset("target", "test", n_test, seed, size),
        source_test=DemoDataset("source", "test", n_source_test, seed, size),
    )


def from_config(cfg: DatasetConfig) -> DemoDataset:
    """``kind: demo``: the generated domains of ``cfg.demo``; ``max_images`` keeps the first N
    (demo images depend only on their index, so the first N are a fair subsample)."""
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
        ds = DemoDataset(ds.domain, ds.split, cfg.max_images, ds.seed, ds.size)
    return ds
