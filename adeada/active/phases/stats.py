"""Phase 1 of a round: region statistics of the target pool (and of the source when the strategy
reads them), with the round-1 tables shared through ``cache_dir`` by every run of one warm-up."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import torch

from adeada.active.context import RunContext, config_hash
from adeada.active.rundir import hash_file

log = logging.getLogger(__name__)


def strategy_needs(ctx: RunContext) -> dict[str, bool]:
    """Which extra statistics the configured strategy reads."""
    requires = ctx.strategy.requires
    return {name: name in requires for name in ("source", "edge", "domain_score", "impurity")}


def region_stats(ctx: RunContext, k: int) -> dict:
    """Score every target-pool region (and source regions when the strategy needs them)."""
    from adeada.selection import compute_region_stats

    needs = strategy_needs(ctx)
    model = None

    def stats_of(dataset, **extra):
        nonlocal model
        if model is None:
            model = ctx.load_model(ctx.round_checkpoint(k - 1))
        if extra.pop("domain_score", False):
            extra["discriminator"] = _load_discriminator(ctx)
        return compute_region_stats(
            model, dataset, ctx.prepared_store(dataset), device=ctx.device,
            feature_dtype=np.dtype(ctx.cfg.selection.feature_dtype), num_classes=ctx.num_classes,
            progress=ctx.progress, resize=ctx.cfg.loop.stats_resize, **extra,
        )

    folder = ctx.run.round_dir(k)
    flags = {"edges": needs.get("edge", False), "domain_score": needs.get("domain_score", False)}
    if needs["impurity"]:  # only then: the round-1 cache keys of every other strategy stay as they were
        flags["impurity"] = True
    # Round 1's tables are keyed by the warm-up's bytes: read the checkpoint once for both.
    warmup = file_digest(ctx.warmup_checkpoint) if k == 1 else None
    target = _shared_stats(ctx, warmup, "target_pool", flags, lambda: stats_of(ctx.pool, **flags))
    target.save(folder / "stats_target.npz")
    info = {"target_regions": len(target)}
    if needs.get("source"):
        source = _shared_stats(ctx, warmup, "source", {}, lambda: stats_of(ctx.source))
        source.save(folder / "stats_source.npz")
        info["source_regions"] = len(source)
    return info


# Bump when compute_region_stats starts producing different numbers: old cache entries then miss.
STATS_CACHE_VERSION = 1


def _shared_stats(ctx: RunContext, warmup: str | None, dataset: str, flags: dict, compute):
    """Round 1 scores the pool with the warm-up model, which every run of the same setup shares:
    its statistics are kept in ``cache_dir/region_stats`` and reused by every strategy and seed.
    Later rounds use the run's own model, so they are computed (and not cached: nobody else
    would read them). ``warmup``: the warm-up checkpoint's digest in round 1, else None."""
    from adeada.selection import RegionStats

    if warmup is None:
        return compute()
    cfg = ctx.cfg
    key = config_hash(STATS_CACHE_VERSION, warmup, getattr(cfg.data, dataset).flat_settings(),
                      cfg.regions, cfg.model, cfg.loop.stats_resize, cfg.selection.feature_dtype, flags, length=20)
    path = ctx.cache_dir / "region_stats" / f"{dataset}-{key}.npz"
    if path.exists():
        try:
            return RegionStats.load(path)
        except Exception as err:  # a damaged entry is recomputed and rewritten
            log.warning("ignoring unreadable cached statistics %s (%s)", path, err)
    stats = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    stats.save(path)
    return stats


def file_digest(path: Path) -> str:
    """blake2b of a file's bytes (a checkpoint's identity, whatever its name)."""
    return hash_file(path, hashlib.blake2b(digest_size=20))


def _load_discriminator(ctx: RunContext):
    from adeada.training import OutputSpaceDiscriminator

    state = torch.load(ctx.warmup_checkpoint, map_location=ctx.device, weights_only=False)
    if "discriminator" not in state:
        raise ValueError(
            f"strategy {ctx.cfg.selection.strategy!r} needs the warm-up discriminator, but "
            f"{ctx.warmup_checkpoint} has none (was the warm-up source-only?)"
        )
    disc = OutputSpaceDiscriminator(ctx.num_classes, channels=ctx.cfg.warmup.disc_channels).to(ctx.device)
    disc.load_state_dict(state["discriminator"])
    return disc.eval()
