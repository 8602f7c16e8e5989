"""A process pool that never forks and never leaves workers behind.

Superpixels and per-class density fits both run in worker processes. Spawned (not forked)
workers start with a clean BLAS/OpenMP state, so they cannot inherit a lock and hang (the authors'
forked GMM fits sometimes did). On any error, a timeout or Ctrl-C, running workers are terminated:
``cancel()`` alone does not stop a task that has started.
"""

from __future__ import annotations

import multiprocessing as mp
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
