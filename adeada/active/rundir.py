"""The run folder: a run's whole memory, written so that a kill at any moment loses nothing.

Layout (see docs/architecture.md)::

    RUN/config.yaml  state.json  metrics.csv  warmup/  rounds/01/  plots/

Every file goes through a temporary name and a rename. ``state.json`` lists the steps that are
complete, and it is written only after the files of a step exist, so resume simply redoes the
first step that is not listed.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from adeada.atomic import atomic_write_bytes, atomic_write_text


class RunFolderError(ValueError):
    """A run folder that is missing, foreign, or asked for something it does not hold."""


def save_label_png(path: str | os.PathLike, label: np.ndarray) -> None:
    """Save a uint8 label map as PNG, atomically."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(label, dtype=np.uint8), mode="L").save(buf, format="PNG")
    atomic_write_bytes(path, buf.getvalue())


def load_label_png(path: str | os.PathLike) -> np.ndarray:
    """Read a uint8 label PNG written by :func:`save_label_png`."""
    with Image.open(path) as img:
        return np.asarray(img, dtype=np.uint8).copy()


def read_csv(path: str | os.PathLike) -> list[dict]:
    """Read a CSV (values stay strings)."""
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


class RunDir:
    """Paths and atomic state of one run folder."""

    STATE = "state.json"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    # ----- paths
    @property
    def config_path(self) -> Path:
        return self.root / "config.yaml"

    @property
    def metrics_csv(self) -> Path:
        return self.root / "metrics.csv"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    def round_dir(self, k: int) -> Path:
        return self.root / "rounds" / f"{k:02d}"

    def labels_dir(self, k: int) -> Path:
        return self.round_dir(k) / "labels"

    # ----- state
    def read_state(self) -> dict[str, Any]:
        path = self.root / self.STATE
        if not path.exists():
            return {"done": []}
        try:
            state = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise RunFolderError(f"{path} is not valid JSON ({err}); the run folder was edited by hand?") from None
        state.setdefault("done", [])
        return state

    def is_done(self, step: str) -> bool:
        return step in self.read_state()["done"]

    def mark_done(self, step: str, **info: Any) -> None:
        """Record ``step`` as complete. Call only after every file of the step is on disk."""
        state = self.read_state()
        if step not in state["done"]:
            state["done"].append(step)
        state.setdefault("info", {})[step] = info
        atomic_write_text(self.root / self.STATE, json.dumps(state, indent=1))

    def completed_rounds(self) -> list[int]:
        """Rounds whose selection exists (these define the labelled pool)."""
        return sorted(int(s.split(".")[0][1:]) for s in self.read_state()["done"] if s.endswith(".select"))

    def require_exists(self) -> None:
        if not self.root.is_dir():
            raise RunFolderError(f"run folder {self.root} does not exist")
        if not self.config_path.is_file():
            raise RunFolderError(f"{self.root} is not an adeada run folder (no config.yaml)")

    def require_round(self, k: int) -> None:
        """Fail clearly unless round ``k`` has a selection."""
        self.require_exists()
        have = self.completed_rounds()
        if k not in have:
            listing = ", ".join(map(str, have)) if have else "none yet"
            raise RunFolderError(f"round {k} has no selection in {self.root} (rounds with a selection: {listing})")


def step(k: int, name: str) -> str:
    """The state.json name of step ``name`` in round ``k`` (e.g. ``r01.select``)."""
    return f"r{k:02d}.{name}"
