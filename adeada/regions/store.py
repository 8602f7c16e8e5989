"""On-disk cache of superpixels: computed once per (image, parameters), in parallel processes.

Layout: ``<cache_dir>/slic-<params hash>/<dataset name>/<image_id>.npz`` holding ``segments``
(uint16 or int32), ``counts`` (int64) and ``key``. The folder name changes with any parameter,
and ``key`` (parameters + the dataset's cache_key) is checked on load, so a changed parameter or
a changed image is never served a stale file. Files are written to a temporary name and renamed,
so a killed run leaves either the old file or the new one; an unreadable file is recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path
from typing import Any, Optional

import numpy as np
from tqdm.auto import tqdm

from adeada.atomic import atomic_open, atomic_write_bytes
from adeada.parallel import capped_workers, spawn_pool
from adeada.regions import slic as slic_module
from adeada.regions.config import RegionsConfig

FORMAT_VERSION = 1
# Settings that change regions; workers and timeout do not, so they stay out of the hash.
_NOT_IN_HASH = {"workers", "timeout_s"}
_UNSAFE = str.maketrans({c: "_" for c in '/\\:*?"<>| '})


def params_hash(cfg: RegionsConfig) -> str:
    """Short hash of the settings that determine the regions."""
    params = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in _NOT_IN_HASH}
    params["format"] = FORMAT_VERSION
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


class SuperpixelStore:
    """Superpixels of dataset images, cached on disk.

    Args:
        cache_dir: root folder of the cache (created when needed).
        cfg: region settings.
    """

    def __init__(self, cache_dir: str | Path, cfg: Optional[RegionsConfig] = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.cfg = cfg if cfg is not None else RegionsConfig()
        self.params_hash = params_hash(self.cfg)
        self.folder = self.cache_dir / f"{self.cfg.method}-{self.params_hash}"

    def path(self, dataset: Any, i: int) -> Path:
        """The cache file of image ``i`` of ``dataset``."""
        return self.folder / str(dataset.name).translate(_UNSAFE) / f"{dataset.image_id(i)}.npz"

    def key(self, dataset: Any, i: int) -> str:
        """What a valid cache file must hold: parameters + the image's own cache key."""
        text = f"{self.params_hash}|{dataset.cache_key(i)}"
        return hashlib.sha1(text.encode()).hexdigest()

    def _read(self, dataset: Any, i: int, members: tuple[str, ...]) -> Optional[dict]:
        """The cached arrays, or None if the file is missing, unreadable or stale."""
        path = self.path(dataset, i)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                if str(npz["key"]) != self.key(dataset, i):
                    return None
                return {m: npz[m] for m in members}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None

    def _write_params(self) -> None:
        info = self.folder / "params.json"
        if not info.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(info, json.dumps(dataclasses.asdict(self.cfg), indent=2).encode())

    def compute(self, dataset: Any, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Compute regions of image ``i`` and write them to the cache; returns (segments, counts)."""
        segments, counts = slic_module.compute_superpixels(
            dataset.load_image(i), dataset.label_size(i), self.cfg
        )
        self._write_params()
        path = self.path(dataset, i)
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = segments.astype(np.uint16) if counts.size <= 65536 else segments
        with atomic_open(path, "wb") as f:
            np.savez(f, segments=stored, counts=counts, key=np.array(self.key(dataset, i)))
        return segments, counts

    def is_cached(self, dataset: Any, i: int) -> bool:
        """True if a valid, current cache file exists for image ``i``."""
        return self._read(dataset, i, ()) is not None

    def segments_and_counts(self, dataset: Any, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(segments int32 (H, W), counts int64 (R,)) from one read of the cache file (computed
        and cached if missing): what a statistics pass needs for every image."""
        cached = self._read(dataset, i, ("segments", "counts"))
        if cached is None:
            return self.compute(dataset, i)
        return cached["segments"].astype(np.int32), cached["counts"].astype(np.int64)

    def get(self, dataset: Any, i: int) -> np.ndarray:
        """int32 (H, W) region ids 0..R-1 at label resolution (computed and cached if missing)."""
        cached = self._read(dataset, i, ("segments",))
        if cached is None:
            return self.compute(dataset, i)[0]
        return cached["segments"].astype(np.int32)

    def pixel_counts(self, dataset: Any, i: int) -> np.ndarray:
        """int64 (R,) pixels per region, read from the cache (computed first if missing)."""
        cached = self._read(dataset, i, ("counts",))
        if cached is None:
            return self.compute(dataset, i)[1]
        return cached["counts"].astype(np.int64)

    def _prepare_parallel(self, dataset: Any, missing: list[int], workers: int, bar: tqdm) -> None:
        with spawn_pool(min(workers, len(missing)), _init_worker, (self, dataset)) as pool:
            pending = {pool.submit(_compute_in_worker, i) for i in missing}
            while pending:
                done, pending = wait(pending, timeout=self.cfg.timeout_s, return_when=FIRST_COMPLETED)
                if not done:
                    raise TimeoutError(
                        f"superpixels of {dataset.name}: no image finished in {self.cfg.timeout_s} s"
                    )
                for fut in done:
                    fut.result()  # re-raises a worker's error here
                    bar.update(1)

    def prepare(self, dataset: Any, workers: Optional[int] = None, progress: bool = True) -> int:
        """Compute every missing image's regions, in ``workers`` spawned processes.

        Args:
            dataset: any dataset of the contract; it is pickled to each worker once.
            workers: processes (None = ``cfg.workers``; 1 = in this process).
            progress: show a tqdm bar.

        Returns:
            the number of images computed.

        Raises:
            TimeoutError: no image finished within ``cfg.timeout_s`` seconds.
        """
        workers = self.cfg.workers if workers is None else int(workers)
        if workers < 1:
            raise ValueError(f"prepare workers={workers}; expected >= 1")
        workers = capped_workers(workers)
        missing = [i for i in range(len(dataset)) if not self.is_cached(dataset, i)]
        if not missing:
            return 0
        bar = tqdm(total=len(missing), desc=f"superpixels {dataset.name}", disable=not progress)
        try:
            if workers == 1 or len(missing) == 1:
                for i in missing:
                    self.compute(dataset, i)
                    bar.update(1)
                return len(missing)
            self._prepare_parallel(dataset, missing, workers, bar)
            return len(missing)
        finally:
            bar.close()


_WORKER: dict[str, Any] = {}


def _init_worker(store: SuperpixelStore, dataset: Any) -> None:
    _WORKER["store"], _WORKER["dataset"] = store, dataset


def _compute_in_worker(i: int) -> int:
    _WORKER["store"].compute(_WORKER["dataset"], i)
    return i
