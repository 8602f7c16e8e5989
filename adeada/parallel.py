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


# Set in every ``spawn_pool`` worker (e.g. the N workers of ``adeada compare --jobs N``): the cores
# one process may use. Pools opened inside a worker (density fits, superpixels) stay within it
# instead of each spawning as many processes as the machine has cores.
CPU_SHARE_ENV = "ADEADA_CPUS"


@contextmanager
def spawn_pool(workers: int, initializer: Optional[Callable[..., Any]] = None, initargs: tuple = (),
               threads: int = 1, torch_threads: bool = False) -> Iterator[ProcessPoolExecutor]:
    """A spawn-context ``ProcessPoolExecutor`` whose workers are terminated if the block raises.

    Every worker starts limited to ``threads`` BLAS/OpenMP threads (and, with ``torch_threads``,
    as many torch intra-op threads; off by default so that workers that never use torch never
    import it), with ``$ADEADA_CPUS`` set to match, then runs ``initializer(*initargs)``. The
    processes are the parallelism: a pool of N workers with 2 threads each on 2 cores only makes
    them wait for each other.

    concurrent.futures rather than multiprocessing.Pool: a worker that dies raises
    BrokenProcessPool in the caller instead of being silently replaced while its task hangs.
    """
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                               initializer=_start_worker, initargs=(threads, torch_threads, initializer, initargs))
    try:
        yield pool
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


_LIMITS: Optional[object] = None  # kept alive for the worker's lifetime


def _start_worker(threads: int, torch_threads: bool, initializer: Optional[Callable[..., Any]],
                  initargs: tuple) -> None:
    from threadpoolctl import threadpool_limits

    global _LIMITS
    os.environ[CPU_SHARE_ENV] = str(threads)
    _LIMITS = threadpool_limits(limits=threads)
    if torch_threads:
        import torch

        torch.set_num_threads(threads)
    if initializer is not None:
        initializer(*initargs)


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
