"""Atomic file writes: a temporary file beside the target, then a rename.

A run killed at any moment (power cut, OOM killer, ``kill -9``) must leave every file either as
it was or complete, never half written; the run folder, caches and checkpoints all rely on it.
"""

from __future__ import annotations

import os
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, Optional, Union

PathLike = Union[str, os.PathLike]


class Journal:
    """What the atomic writes of one step changed, so that a failed step can be undone.

    A step that fails half way (a full disk, a permission error) must leave the run folder as it
    was before the step: every file it created is removed, every file it replaced gets its old
    bytes back, and folders it created are removed when empty again.
    """

    def __init__(self) -> None:
        self.created: list[Path] = []
        self.replaced: dict[Path, bytes] = {}
        self.dirs: list[Path] = []

    def before_replace(self, path: Path) -> None:
        if path in self.replaced or path in self.created:
            return
        if path.exists():
            self.replaced[path] = path.read_bytes()
        else:
            self.created.append(path)

    def rollback(self) -> None:
        """Undo every recorded write (best effort: called while handling another error)."""
        for path in reversed(self.created):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
        for path, data in self.replaced.items():
            try:
                path.write_bytes(data)
            except OSError:
                pass
        for folder in reversed(self.dirs):
            try:
                folder.rmdir()
            except OSError:
                pass


_journal: Optional[Journal] = None


@contextmanager
def journal() -> Iterator[Journal]:
    """Record the atomic writes made inside the block; the caller decides whether to roll back."""
    global _journal
    outer, _journal = _journal, Journal()
    try:
        yield _journal
    finally:
        _journal = outer


@contextmanager
def undone_on_error() -> Iterator[Journal]:
    """:func:`journal`, rolled back when the block raises (the error then goes on): a step that
    fails half way leaves every file as it was before the step."""
    with journal() as changes:
        try:
            yield changes
        except Exception:
            changes.rollback()
            raise


def _mkdirs(folder: Path) -> None:
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    if _journal is not None:
        _journal.dirs.extend(reversed(missing))


_write_events = 0


def _chaos_point() -> None:
    """Test hook: ``ADEADA_KILL_AT_WRITE=N`` SIGKILLs the process at the N-th write event.

    Each atomic write has two events: its temporary file is complete but not renamed yet, and it
    is renamed. The chaos test draws N at random over a whole run to kill it between any two.
    """
    global _write_events
    target = os.environ.get("ADEADA_KILL_AT_WRITE")
    if not target:
        return
    _write_events += 1
    if _write_events == int(target):
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    _mkdirs(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp makes 0600 files; give the result the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        _chaos_point()
        if _journal is not None:
            _journal.before_replace(path)
        os.replace(tmp, path)
        _chaos_point()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(path: PathLike, mode: str = "wb", **kwargs) -> Iterator[IO]:
    """``open`` for writing that replaces ``path`` only once the file is complete and synced."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))
