"""torchrun support: process-group set-up from the environment, DDP wrapping, reductions.

Launch any entry point with ``torchrun --nproc_per_node N ...``; the training functions call
``init_from_env()`` themselves, so the same code runs single-process when the torchrun
variables (RANK, WORLD_SIZE, LOCAL_RANK) are absent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterable, Optional

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def is_initialized() -> bool:
    return dist.is_available() and dist.is_initialized()


def info() -> DistInfo:
    """Rank / world size of the current process group (single process when there is none)."""
    if not is_initialized():
        return DistInfo()
    return DistInfo(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)))


def init_from_env(backend: Optional[str] = None, timeout_s: int = 1800) -> DistInfo:
    """Joins the process group described by torchrun's environment, once; no-op without it.

    Args:
        backend: "nccl" when CUDA is available, else "gloo" (default).
        timeout_s: collective timeout, so that a dead peer fails the run instead of hanging it.
    """
    if is_initialized():
        return info()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or "RANK" not in os.environ:
        return DistInfo()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend=backend, timeout=timedelta(seconds=timeout_s))
    return info()


def cleanup() -> None:
    """Leave the process group: wait for every rank, free what still holds the group, destroy it.

    Without the barrier and the collection, a rank could tear the group down while DDP objects
    from finished training stages were still alive; under load both ranks then aborted at
    interpreter exit ("terminate called without an active exception", 1 run in 8 here).
    """
    if is_initialized():
        import gc

        dist.barrier()
        gc.collect()
        dist.destroy_process_group()


def barrier() -> None:
    if is_initialized():
        dist.barrier()


def _device_for_collectives() -> torch.device:
    if is_initialized() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_reduce_sum(t: torch.Tensor) -> torch.Tensor:
    """Sum of ``t`` over all processes (a copy; ``t`` itself is left alone)."""
    if not is_initialized():
        return t.clone()
    buf = t.detach().to(_device_for_collectives()).clone()
    dist.all_reduce(buf)
    return buf.to(t.device)


def all_reduce_mean(values: dict[str, float]) -> dict[str, float]:
    """Mean of scalar metrics over all processes (for logging)."""
    if not is_initialized() or not values:
        return dict(values)
    keys = sorted(values)
    t = all_reduce_sum(torch.tensor([float(values[k]) for k in keys], dtype=torch.float64))
    return {k: float(v) / dist.get_world_size() for k, v in zip(keys, t.tolist())}


def all_gather_objects(obj: Any) -> list:
    """Every rank's ``obj``, in rank order (``[obj]`` when not distributed)."""
    if not is_initialized():
        return [obj]
    gathered: list = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, obj)
    return gathered


def broadcast_module(module: torch.nn.Module, src: int = 0) -> None:
    """Copies rank ``src``'s parameters and buffers to every rank (identical starting weights)."""
    if not is_initialized():
        return
    dev = _device_for_collectives()
    for t in list(module.parameters()) + list(module.buffers()):
        buf = t.data.to(dev)
        dist.broadcast(buf, src)
        t.data.copy_(buf.to(t.device))


def average_gradients(params: Iterable[torch.nn.Parameter]) -> None:
    """Averages .grad over processes, for modules not wrapped in DDP (discriminator, cached head)."""
    if not is_initialized():
        return
    world = dist.get_world_size()
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads]).to(_device_for_collectives())
    dist.all_reduce(flat)
    flat /= world
    offset = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[offset:offset + n].view_as(g).to(g.device))
        offset += n


def wrap_ddp(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """DistributedDataParallel around ``model`` when running under torchrun, else ``model``."""
    if not is_initialized() or dist.get_world_size() == 1:
        return model
    ids = [device.index] if device.type == "cuda" else None
    # broadcast_buffers=False: BatchNorm is frozen (or absent), buffers do not move.
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)
