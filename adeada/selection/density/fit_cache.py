"""A disk cache of per-class density fits, keyed by exactly what a fit reads.

A fit is a pure function of one class's target and source features and the estimator settings
(its random state included). Runs that share a model see the same features: every cell of a
comparison selects its first round with the shared warm-up model, so without this cache
``adeada compare`` fits the same mixtures once per density-aware strategy and seed (12 times on
the CamVid benchmark). A changed feature, class membership or setting changes the key, and so
does a new scikit-learn / torch version or a change of ``FORMAT_VERSION`` (bump it whenever
``fit_class`` or the estimators start computing different numbers).

Workers of a comparison that reach round 1 together would all miss the cache and fit the same
classes at once. So a fit is claimed first (``<key>.claim``, created exclusively, holding the
claimer's host and pid): the claimer fits and writes the entry, the others wait for it. A claim
whose process has died (same host) or that is older than the waiter's patience is taken over.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from pathlib import Path
from typing import Optional

import numpy as np

from adeada.atomic import atomic_open

from ..config import DensityConfig
from .estimators import uses_torch

# Settings that change how a fit is run, not what it returns.
_NOT_IN_KEY = ("n_jobs", "timeout_s")
FORMAT_VERSION = 2  # 2: gmm_full_fast became the sampled mixed-precision mixture


def _code_versions(cfg: DensityConfig) -> dict:
    import sklearn

    versions = {"format": FORMAT_VERSION, "sklearn": sklearn.__version__}
    if uses_torch(cfg):
        import torch

        versions["torch"] = torch.__version__
    return versions


def fit_key(target: np.ndarray, source: np.ndarray, cfg: DensityConfig) -> str:
    """A hash of one class's fit inputs: both feature arrays (values, dtype, shape) and the settings."""
    # The flat layout the settings had when the cache was first keyed: older fits stay valid.
    settings = {k: v for k, v in cfg.flat_settings().items() if k not in _NOT_IN_KEY}
    h = hashlib.blake2b(digest_size=20)
    h.update(json.dumps([settings, _code_versions(cfg)], sort_keys=True, default=str).encode())
    for arr in (target, source):
        a = np.ascontiguousarray(arr)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


class FitCache:
    """``<folder>/<key>.npz`` per fitted class."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def get(self, key: str) -> Optional[dict]:
        path = self.folder / f"{key}.npz"
        if not path.exists():
            return None
        try:
            with np.load(path) as z:
                return {
                    "log_dt": z["log_dt"],
                    "log_ds": z["log_ds"] if bool(z["has_source"]) else None,
                    "n_components": int(z["n_components"]),
                    "n_source_components": int(z["n_source_components"]),
                }
        except (OSError, KeyError, ValueError):  # a damaged entry is refitted and rewritten
            return None

    def put(self, key: str, result: dict) -> None:
        has_source = result["log_ds"] is not None
        with atomic_open(self.folder / f"{key}.npz") as f:
            np.savez(f, log_dt=np.asarray(result["log_dt"], np.float64),
                     log_ds=np.asarray(result["log_ds"] if has_source else [], np.float64),
                     has_source=has_source, n_components=int(result["n_components"]),
                     n_source_components=int(result["n_source_components"]))

    # --- claims: one process fits a class, the others wait for its entry ----------------------
    def _claim_path(self, key: str) -> Path:
        return self.folder / f"{key}.claim"

    def claim(self, key: str) -> bool:
        """Try to become the one process that fits ``key``; False if a live process holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._claim_path(key)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if not self._claim_is_stale(path):
                    return False
                path.unlink(missing_ok=True)  # its owner died: take it over
                continue
            with os.fdopen(fd, "w") as f:
                f.write(f"{socket.gethostname()} {os.getpid()}\n")
            return True
        return False

    def release(self, key: str) -> None:
        self._claim_path(key).unlink(missing_ok=True)

    @staticmethod
    def _claim_is_stale(path: Path) -> bool:
        try:
            host, pid = path.read_text().split()
        except (OSError, ValueError):  # being written this very moment, or gone: not stale
            return False
        if host != socket.gethostname():
            return False  # another machine's process: only the waiter's patience can end it
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, ValueError):
            return False
        return False

    def wait_for(self, key: str, timeout_s: float, poll_s: float = 0.5) -> Optional[dict]:
        """The entry of ``key`` once its claimer has written it.

        Returns None when the claim disappears without an entry (the claimer failed) or goes
        stale, so that the caller fits the class itself; raises TimeoutError after ``timeout_s``.
        """
        deadline = time.monotonic() + timeout_s
        path = self._claim_path(key)
        while True:
            hit = self.get(key)
            if hit is not None:
                return hit
            if not path.exists() or self._claim_is_stale(path):
                return self.get(key)
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout_s:.0f} s for another process's density fit {path}; "
                                   "remove that claim file if no run is using this cache")
            time.sleep(poll_s)
