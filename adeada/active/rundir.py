"""The run folder: a run's whole memory, written so that a kill at any moment loses nothing.

Layout (see docs/architecture.md)::

    RUN/config.yaml  state.json  metrics.csv  warmup/  rounds/01/  plots/

Every file goes through a temporary name and a rename. ``state.json`` lists the steps that are
complete, and it is written only after the files of a step exist, so resume simply redoes the
first step that is not listed.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from adeada.atomic import atomic_write_bytes, atomic_write_text


class RunFolderError(ValueError):
    """A run folder that is missing, foreign, or asked for something it does not hold."""


class RunFolderBusy(RunFolderError):
    """Another live process holds the run folder's lock."""


class IntegrityError(RunFolderError):
    """A file a finished step wrote no longer has the bytes that step recorded."""


def hash_file(path: str | os.PathLike, h=None) -> str:
    """Hex digest of a file's bytes: SHA-256, or the hashlib object ``h`` when given."""
    h = hashlib.sha256() if h is None else h
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


class RunLock:
    """An exclusive lock on a run folder: ``RUN/.lock``, held with ``flock`` and naming its pid.

    ``flock`` is released by the kernel when its process dies, so a lock file left behind by a
    killed run is simply taken over; the file is removed on release. A process that opened the
    file just before it was removed would lock a file no longer in the folder, so after locking
    we check that the path still names the locked file, and retry otherwise.
    """

    NAME = ".lock"

    def __init__(self, root: Path):
        self.path = Path(root) / self.NAME
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        for _ in range(50):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                os.close(fd)
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise RunFolderBusy(f"run folder {self.path.parent} is in use by process {self._holder()}; "
                                    "wait for it to finish (or stop it), then try again") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if not same:  # removed (or replaced) by the previous holder between our open and lock
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return self
        raise RunFolderBusy(f"run folder {self.path.parent}: could not take its lock (it keeps changing hands)")

    def _holder(self) -> str:
        try:
            return self.path.read_text().strip() or "unknown"
        except OSError:
            return "unknown"

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


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

    def mark_done(self, step: str, files: list[Path] | None = None, **info: Any) -> None:
        """Record ``step`` as complete. Call only after every file of the step is on disk.

        ``files`` (checkpoints, label files) get their SHA-256 recorded with the step, so that a
        resume can tell a damaged file from the one the step wrote.
        """
        state = self.read_state()
        if step not in state["done"]:
            state["done"].append(step)
        state.setdefault("info", {})[step] = info
        if files:
            state.setdefault("sha256", {})[step] = {self._name(p): hash_file(p) for p in sorted(map(Path, files))}
        atomic_write_text(self.root / self.STATE, json.dumps(state, indent=1))

    def _name(self, path: Path) -> str:
        """A file's key in state.json: relative to the run folder when inside it."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(Path(path).resolve())

    def verify(self, steps: list[str] | None = None) -> None:
        """Check the recorded SHA-256 of every file of the given (default: all) finished steps.

        Raises:
            IntegrityError: a file is missing or has other bytes; names the file and the step.
        """
        for name, path in self.damaged(steps):
            what = "is missing" if not path.is_file() else f"has changed since step {name} wrote it (SHA-256 mismatch)"
            raise IntegrityError(f"{path} {what}; redo that step and the ones after it: "
                                 f"adeada run --resume --redo {name} --out {self.root}")

    def damaged(self, steps: list[str] | None = None) -> list[tuple[str, Path]]:
        """(step, file) of every recorded file that is missing or has other bytes than recorded."""
        bad = []
        for name, files in self.read_state().get("sha256", {}).items():
            if steps is not None and name not in steps:
                continue
            for rel, digest in files.items():
                path = Path(rel) if Path(rel).is_absolute() else self.root / rel
                if not path.is_file() or hash_file(path) != digest:
                    bad.append((name, path))
        return bad

    def forget_from(self, step: str) -> list[str]:
        """Mark ``step`` and every step after it as not done (``--redo``); returns them."""
        state = self.read_state()
        if step not in state["done"]:
            done = ", ".join(state["done"]) or "none"
            raise RunFolderError(f"--redo {step}: {self.root} has no finished step {step!r} (finished: {done})")
        at = state["done"].index(step)
        dropped = state["done"][at:]
        state["done"] = state["done"][:at]
        for name in dropped:
            state.get("info", {}).pop(name, None)
            state.get("sha256", {}).pop(name, None)
        atomic_write_text(self.root / self.STATE, json.dumps(state, indent=1))
        return dropped

    def remove_temporaries(self) -> list[Path]:
        """Delete the temporary files of writes that a killed process never renamed.

        Call only while holding the lock: a live writer's temporary file looks the same.
        """
        stale = [p for p in self.root.rglob(".*.tmp") if p.is_file()]
        for path in stale:
            path.unlink(missing_ok=True)
        return stale

    def lock(self) -> RunLock:
        """The folder's lock, not yet taken (use as a context manager)."""
        return RunLock(self.root)

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


def save_torch(obj: Any, path: Path) -> None:
    """torch.save through a temporary file and a rename."""
    import torch  # here: the run folder's other readers (report, import) need no torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy values turned into JSON ones (NaN and infinities become null)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def round_metrics(run: "RunDir", k: int) -> dict:
    """The metrics.json row of round ``k`` (0 = the warm-up)."""
    return json.loads((run.round_dir(k) / "metrics.json").read_text())


def refresh_metrics_csv(run: "RunDir") -> list[dict]:
    """Rebuild metrics.csv from the per-round metrics.json files (derivable, so never stale)."""
    rows = []
    for path in sorted((run.root / "rounds").glob("*/metrics.json")):
        rows.append(json.loads(path.read_text()))
    rows.sort(key=lambda r: r["round"])
    if rows:
        from adeada.fileformats import write_csv

        # One number per column: what is not (the precision record) stays in metrics.json.
        write_csv([{k: v for k, v in r.items() if not isinstance(v, dict)} for r in rows], run.metrics_csv)
    return rows
