"""``adeada compare --executor ray``: each cell of a comparison is one Ray task.

Ray is an optional extra (``pip install -e ".[ray]"``) and is imported only here. The driver does
the shared work first (``adeada.active.compare.prepare_shared``); each task then runs one cell
exactly as a local worker does (``compare._run_cell``), with as many threads as CPUs it asked for.
The round-1 statistics and density fits are claimed through files in ``cache_dir``, as between
local workers, so on a cluster ``cache_dir`` and the comparison folder must be on a filesystem
that every node mounts at the same path.

A benchmark config's CPU kernel cap (``loop.cpu_isa: avx2``) travels with each task as Ray's
``runtime_env`` environment variables: Ray starts the task's worker process with them, so torch,
oneDNN, MKL, OpenBLAS and numpy load under the cap there as in a restarted ``adeada`` command,
on every node of an existing cluster too, without exporting anything on the nodes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Optional

from adeada.configtools import to_dict

log = logging.getLogger(__name__)


def require_ray():
    """The ``ray`` module, or one line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ImportError('--executor ray needs Ray: pip install -e ".[ray]" (or pip install ray)') from None
    return ray


def run_cells_on_ray(cells: list[Any], out: Path, run_cell: Callable[[dict, str, Any], float],
                     address: Optional[str] = None, cpus: int = 1, gpus: float = 0.0, progress: bool = True) -> None:
    """Run every cell (``adeada.active.compare.Cell``) as a Ray task of ``cpus`` CPUs and ``gpus``
    GPUs, the slowest first; a task calls ``run_cell(config dict, folder, strategy)`` (compare's
    own, handed in so that this module needs nothing of it).

    ``address``: an existing cluster (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``); None
    starts a local Ray here (stopped at the end). An already initialised Ray (a caller's
    ``ray.init``) is used as it is and left running.

    Raises:
        ValueError (or the cell's own error type): a cell failed; the message names it.
    """
    from tqdm import tqdm

    ray = require_ray()
    started = False
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        started = True
    try:
        task = ray.remote(**task_options(cells, cpus, gpus))(_ray_cell)
        order = sorted(cells, key=lambda c: not c.needs_source)  # density-aware cells first, as locally
        refs = {task.remote(to_dict(c.cfg), str(c.folder(out)), c.strategy, cpus, run_cell): c for c in order}
        pending = list(refs)
        with tqdm(total=len(refs), desc="compare (ray)", unit="cell", disable=not progress) as bar:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                cell = refs[done[0]]
                try:
                    seconds = ray.get(done[0])
                except Exception as err:
                    for ref in pending:  # a failed comparison stops: the cells not finished are resumed later
                        ray.cancel(ref, force=True)
                    cause = getattr(err, "cause", None) or err
                    where = f"compare cell {cell.name} seed {cell.seed} ({cell.folder(out)}, on Ray)"
                    # The worker's traceback is in err (ADEADA_DEBUG=1 shows the chain).
                    if isinstance(cause, (ValueError, OSError, KeyError)) and len(cause.args) == 1:
                        raise type(cause)(f"{where}: {cause.args[0]} (fix it, then rerun with --resume)") from err
                    raise ValueError(f"{where} failed: {type(cause).__name__}: {cause} "
                                     "(ADEADA_DEBUG=1 for the worker's traceback; rerun with --resume)") from err
                bar.update(1)
                bar.write(f"compare: {cell.name} seed {cell.seed} done in {seconds:.0f} s (ray)")
    finally:
        if started:
            ray.shutdown()


def task_options(cells: list[Any], cpus: int, gpus: float) -> dict[str, Any]:
    """The ``ray.remote`` options of the cells' task: its CPU and GPU request, no retries (a failed
    cell stops the comparison, to be resumed), and the environment of the CPU kernel cap the cells'
    configs pin (``loop.cpu_isa``; none for ``native``).

    Raises:
        ValueError: the cells pin two different caps.
    """
    from adeada.cpu_isa import isa_env, wanted_isa

    options: dict[str, Any] = {"num_cpus": cpus, "num_gpus": gpus, "max_retries": 0}
    env = isa_env(wanted_isa(c.cfg.loop.cpu_isa for c in cells))
    if env:
        # The variables act only when the libraries load, so they must be in the worker process's
        # environment from its start: setting them inside the task would be too late.
        options["runtime_env"] = {"env_vars": env}
    return options


def _ray_cell(cfg_dict: dict, folder: str, strategy: Any, threads: int, run_cell: Callable) -> float:
    """One cell inside a Ray worker: the thread limits of a local compare worker, then the run."""
    import os

    from threadpoolctl import threadpool_limits

    from adeada.parallel import CPU_SHARE_ENV

    os.environ[CPU_SHARE_ENV] = str(threads)
    import torch

    torch.set_num_threads(threads)
    logging.basicConfig(level=logging.WARNING, format="adeada: %(message)s")
    with threadpool_limits(limits=threads):
        return run_cell(cfg_dict, folder, strategy)
