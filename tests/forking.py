"""Run ``adeada`` in a process forked from the test: a real process that can be SIGKILLed, without
the seconds a fresh Python needs to import torch."""

from __future__ import annotations

import os
import resource
import signal
import sys
import time

from adeada import atomic
from adeada.cli import main


def forked(argv: list[str], kill_at: int | None = None, env: dict | None = None, fsize: int | None = None,
           stderr: str | os.PathLike | None = None, timeout: float = 120.0) -> int:
    """Run ``adeada argv`` in a forked child; its exit status, or -signal if it was killed.

    ``kill_at``: SIGKILL at that write event (``ADEADA_KILL_AT_WRITE``); ``env``: more variables
    (``ADEADA_KILL_AT`` ...); ``fsize``: a file-size limit in bytes, so that a larger write fails
    with a real ``OSError`` (EFBIG) from the kernel, as on a full disk; ``stderr``: a file that
    receives the child's standard error.
    """
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            if stderr is not None:
                sys.stderr = open(stderr, "w", buffering=1)
            os.environ.pop("ADEADA_KILL_AT_WRITE", None)
            os.environ.update(env or {})
            if kill_at is not None:
                os.environ["ADEADA_KILL_AT_WRITE"] = str(kill_at)
            if fsize is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing us
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
            atomic._write_events = 0
            code = main(argv)
        finally:
            sys.stderr.flush()
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"adeada {' '.join(argv)} did not finish in {timeout} s")
        time.sleep(0.02)
