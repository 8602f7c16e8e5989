"""A process pool that never forks and never leaves workers behind.

Superpixels and per-class density fits both run in worker processes. Spawned (not forked)
workers start with a clean BLAS/OpenMP state, so they cannot inherit a lock and hang (the authors'
forked GMM fits sometimes did). On any error, a timeout or Ctrl-C, running workers are terminated:
``cancel()`` alone does not stop a task that has started.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional


@contextmanager
def spawn_pool(workers: int, initializer: Optional[Callable[..., Any]] = None,
               initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """A spawn-context ``ProcessPoolExecutor`` whose workers are terminated if the block raises.

    concurrent.futures rather than multiprocessing.Pool: a worker that dies raises
    BrokenProcessPool in the caller instead of being silently replaced while its task hangs.
    """
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                               initializer=initializer, initargs=initargs)
    try:
        yield pool
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


# Set by ``adeada compare --jobs N`` in each of its worker processes: the cores one process may
# use. Pools inside a worker (density fits, superpixels) stay within it instead of each spawning
# as many processes as the machine has cores (N x 2 processes on 2 cores is slower than N).
CPU_SHARE_ENV = "ADEADA_CPUS"


def cpu_share() -> int:
    """Cores this process may use: ``$ADEADA_CPUS`` when set, else the cores it may run on."""
    value = os.environ.get(CPU_SHARE_ENV)
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(f"{CPU_SHARE_ENV}={value!r}: expected a whole number of cores") from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def capped_workers(wanted: int) -> int:
    """``wanted`` processes, at most this process's cpu share (never below 1)."""
    return max(1, min(int(wanted), cpu_share()))
