"""The steps of a run, each writing its files atomically before the loop records it as done."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from adeada.active.context import RunContext, config_hash
from adeada.active.labels import PartialLabelDataset, merged_labels
from adeada.active.oracle import GroundTruthOracle
from adeada.active.rundir import RunDir, read_csv, save_label_png
from adeada.atomic import atomic_write_bytes, atomic_write_text
from adeada.reports.tables import write_csv

log = logging.getLogger(__name__)

SELECTION_COLUMNS = ["row", "image", "image_id", "region", "pixels", "class", "score", "part"]


def save_torch(obj: Any, path: Path) -> None:
    """torch.save through a temporary file and a rename."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


# ----------------------------------------------------------------------------------- warm-up
def warmup(ctx: RunContext) -> dict:
    """Train (or reuse) the warm-up model shared by every run with the same data, model and warm-up."""
    from adeada.training import warmup_adaptsegnet

    target = ctx.warmup_checkpoint
    if target.exists():
        return {"checkpoint": str(target), "reused": True, "files": [target]}
    if ctx.cfg.loop.warmup_checkpoint:
        raise FileNotFoundError(f"loop.warmup_checkpoint {target} does not exist")
    model = ctx.new_model()
    cfg = dataclasses.replace(ctx.cfg.warmup, train=dataclasses.replace(ctx.cfg.warmup.train, device=ctx.cfg.loop.device))
    model, discriminator = warmup_adaptsegnet(
        model, ctx.source, ctx.pool, cfg, ckpt_path=target.with_name("train_state.pth"),
        progress=ctx.progress, num_classes=ctx.num_classes, log_fn=ctx.log_fn("warmup"),
    )
    state = {"model": model.state_dict()}
    if discriminator is not None:
        state["discriminator"] = discriminator.state_dict()
    save_torch(state, target)
    target.with_name("train_state.pth").unlink(missing_ok=True)
    return {"checkpoint": str(target), "reused": False, "files": [target]}


# ----------------------------------------------------------------------------------- statistics
def _strategy_needs(ctx: RunContext) -> dict[str, bool]:
    """Which extra statistics the configured strategy reads."""
    requires = ctx.strategy.requires
    return {name: name in requires for name in ("source", "edge", "domain_score")}


def region_stats(ctx: RunContext, k: int) -> dict:
    """Score every target-pool region (and source regions when the strategy needs them)."""
    from adeada.selection import compute_region_stats

    needs = _strategy_needs(ctx)
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
    target = _shared_stats(ctx, k, "target_pool", flags, lambda: stats_of(ctx.pool, **flags))
    target.save(folder / "stats_target.npz")
    info = {"target_regions": len(target)}
    if needs.get("source"):
        source = _shared_stats(ctx, k, "source", {}, lambda: stats_of(ctx.source))
        source.save(folder / "stats_source.npz")
        info["source_regions"] = len(source)
    return info


# Bump when compute_region_stats starts producing different numbers: old cache entries then miss.
STATS_CACHE_VERSION = 1


def _shared_stats(ctx: RunContext, k: int, dataset: str, flags: dict, compute):
    """Round 1 scores the pool with the warm-up model, which every run of the same setup shares:
    its statistics are kept in ``cache_dir/region_stats`` and reused by every strategy and seed.
    Later rounds use the run's own model, so they are computed (and not cached: nobody else
    would read them)."""
    from adeada.selection import RegionStats

    if k != 1:
        return compute()
    cfg = ctx.cfg
    key = config_hash(STATS_CACHE_VERSION, file_digest(ctx.warmup_checkpoint), getattr(cfg.data, dataset),
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
    import hashlib

    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


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


# ----------------------------------------------------------------------------------- selection
def labelled_regions(run: RunDir, before_round: int) -> set[tuple[int, int]]:
    """(image, region) pairs bought in rounds 1..before_round-1: the labelled part of the pool."""
    taken: set[tuple[int, int]] = set()
    for j in range(1, before_round):
        path = run.round_dir(j) / "selection.csv"
        if path.exists():
            taken.update((int(r["image"]), int(r["region"])) for r in read_csv(path))
    return taken


def select(ctx: RunContext, k: int) -> dict:
    """Run the strategy on this round's statistics and write ``selection.csv``."""
    from adeada.selection import RegionStats, SelectionContext

    folder = ctx.run.round_dir(k)
    target = RegionStats.load(folder / "stats_target.npz")
    source_path = folder / "stats_source.npz"
    source = RegionStats.load(source_path) if source_path.exists() else None
    taken = labelled_regions(ctx.run, k)
    labelled = np.fromiter(
        ((int(i), int(r)) in taken for i, r in zip(target.image, target.region)), dtype=bool, count=len(target)
    )
    budget = int(round(ctx.cfg.selection.budget_fraction * ctx.pool_pixels))
    # Only round 1's fits (made on the shared warm-up's features) can be read by another run.
    fits = ctx.cache_dir / "density_fits" if k == 1 else None
    if labelled.all():
        # The load-time check (rounds x budget_fraction <= 1) leaves only the overshoot of the
        # last region of each round to reach this.
        raise ValueError(
            f"round {k}: rounds 1..{k - 1} labelled the whole target pool, nothing is left to select; "
            f"lower loop.rounds ({ctx.cfg.loop.rounds}) or selection.budget_fraction ({ctx.cfg.selection.budget_fraction})")
    sel = ctx.strategy.select(target, budget, SelectionContext(round=k, rng=ctx.rng(k), labelled=labelled, source=source,
                                                            cache_dir=fits))
    rows = []
    for row, score, part in zip(sel.rows, sel.scores, sel.part):
        img = int(target.image[row])
        rows.append({
            "row": int(row), "image": img, "image_id": ctx.pool.image_id(img), "region": int(target.region[row]),
            "pixels": int(target.pixels[row]), "class": ctx.classes[int(target.pred[row])],
            "score": float(score), "part": str(part),
        })
    write_csv(rows, folder / "selection.csv", SELECTION_COLUMNS)
    diagnostics = getattr(sel, "diagnostics", None) or {}
    atomic_write_text(folder / "selection_info.json", json.dumps(
        {"budget_pixels": budget, "pixels_taken": int(sel.pixels_taken), "regions": len(rows),
         "diagnostics": _jsonable(diagnostics)}, indent=1))
    return {"regions": len(rows), "pixels": int(sel.pixels_taken), "budget": budget}


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def read_selection(run: RunDir, k: int) -> list[dict]:
    return read_csv(run.round_dir(k) / "selection.csv")


# ----------------------------------------------------------------------------------- labelling
def write_round_labels(ctx: RunContext, k: int, labels: dict[int, np.ndarray], log_rows: list[dict]) -> dict:
    """Store a round's acquired labels and the oracle's log (the labels first, the log last)."""
    folder = ctx.run.labels_dir(k)
    files = []
    for img, label in labels.items():
        files.append(folder / f"{ctx.pool.image_id(img)}.png")
        save_label_png(files[-1], label)
    write_csv(log_rows, ctx.run.round_dir(k) / "oracle_log.csv",
              ["image", "image_id", "region", "pixels", "labelled_pixels"])
    return {"images": len(labels), "labelled_pixels": int(sum((l != 255).sum() for l in labels.values())),
            "files": files}


def label_with_ground_truth(ctx: RunContext, k: int) -> dict:
    """Ask the ground-truth oracle for this round's regions."""
    rows = read_selection(ctx.run, k)
    oracle = GroundTruthOracle(ctx.pool, ctx.prepared_store(ctx.pool))
    revealed = oracle.reveal([int(r["image"]) for r in rows], [int(r["region"]) for r in rows])
    return write_round_labels(ctx, k, revealed.labels, revealed.log)


def annotation_items(ctx: RunContext, k: int, with_images: bool = True) -> list[dict]:
    """The round's selection as items for an annotation job (image, regions to label).

    ``with_images=False`` skips decoding the images (reading labels back needs only the regions).
    """
    from adeada.active.oracle import regions_by_image

    rows = read_selection(ctx.run, k)
    store = ctx.prepared_store(ctx.pool)
    items = []
    for img, regs in regions_by_image([int(r["image"]) for r in rows], [int(r["region"]) for r in rows]).items():
        item = {"image_id": ctx.pool.image_id(img), "segments": store.get(ctx.pool, img), "region_ids": regs}
        if with_images:
            item["image"] = ctx.pool.load_image(img)
        items.append(item)
    return items


def export_for_annotators(ctx: RunContext, k: int, fmt: str = "folder", out: Path | None = None,
                          image_url_prefix: str | None = None) -> Path:
    """Write round ``k``'s selection as an annotation job (default: a folder inside the round)."""
    from adeada.annotation import export_job

    out = out or ctx.run.round_dir(k) / "annotation_job"
    return export_job(annotation_items(ctx, k), ctx.classes, fmt, out, progress=ctx.progress,
                      image_url_prefix=image_url_prefix)


# ----------------------------------------------------------------------------------- training
def target_training_set(ctx: RunContext, k: int) -> PartialLabelDataset:
    """The target images with labels bought in rounds 1..k (255 elsewhere)."""
    return PartialLabelDataset(ctx.pool, merged_labels(ctx.run, ctx.pool, k))


def finetune(ctx: RunContext, k: int) -> dict:
    """Fine-tune from the previous round's weights on source + labelled target pixels."""
    from adeada.training import finetune as train_finetune

    model = ctx.load_model(ctx.round_checkpoint(k - 1))
    target = target_training_set(ctx, k)
    folder = ctx.run.round_dir(k)
    # A seed per (run seed, round): rounds differ, and a redone round repeats itself exactly.
    cfg = dataclasses.replace(ctx.cfg.finetune, seed=ctx.cfg.finetune.seed + 1000 * ctx.cfg.loop.seed + k,
                              device=ctx.cfg.loop.device)
    model = train_finetune(model, ctx.source, target, cfg, ckpt_path=folder / "train_state.pth",
                           progress=ctx.progress, log_fn=ctx.log_fn(f"round{k:02d}"))
    save_torch({"model": model.state_dict()}, ctx.round_checkpoint(k))
    (folder / "train_state.pth").unlink(missing_ok=True)
    return {"target_images": len(target), "target_labelled_pixels": target.labelled_pixels(),
            "files": [ctx.round_checkpoint(k)]}


# ----------------------------------------------------------------------------------- evaluation
def labelled_pixels_after(ctx: RunContext, k: int) -> int:
    return sum(int(r["pixels"]) for j in range(1, k + 1) for r in read_selection(ctx.run, j))


def evaluate_round(ctx: RunContext, k: int) -> dict:
    """Evaluate the weights after round ``k`` on the target test set and refresh metrics.csv."""
    from adeada.evaluation import evaluate

    model = ctx.load_model(ctx.round_checkpoint(k))
    ev = ctx.cfg.evaluation
    result = evaluate(model, ctx.test, ctx.num_classes, device=str(ctx.device), normalize=model.normalize,
                      batch_size=ev.batch_size, resize=ev.resize, progress=ctx.progress,
                      eval_classes=ev.eval_classes, bf16=ev.bf16, num_workers=ev.num_workers)
    pixels = labelled_pixels_after(ctx, k)
    row = {"round": k, "labelled_pixels": pixels, "labelled_percent": 100.0 * pixels / ctx.pool_pixels}
    row.update(result.to_row())
    if ctx.num_classes == 16:  # SYNTHIA -> Cityscapes also reports the 13-class mIoU*
        from adeada.data import SYNTHIA13_EVAL_CLASSES

        row["miou13"] = result.miou_over(SYNTHIA13_EVAL_CLASSES)
    folder = ctx.run.round_dir(k)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "metrics.json", json.dumps(_jsonable(row), indent=1))
    refresh_metrics_csv(ctx.run)
    log_eval = ctx.log_fn("eval")
    if log_eval is not None:
        log_eval(k, {"miou": row["miou"], "labelled_percent": row["labelled_percent"]})
    if k > 0:
        draw_round(ctx, k)
    return {"miou": float(result.miou)}


def round_metrics(run: RunDir, k: int) -> dict:
    """The metrics.json row of round ``k`` (0 = the warm-up)."""
    return json.loads((run.round_dir(k) / "metrics.json").read_text())


def refresh_metrics_csv(run: RunDir) -> list[dict]:
    """Rebuild metrics.csv from the per-round metrics.json files (derivable, so never stale)."""
    rows = []
    for path in sorted((run.root / "rounds").glob("*/metrics.json")):
        rows.append(json.loads(path.read_text()))
    rows.sort(key=lambda r: r["round"])
    if rows:
        write_csv(rows, run.metrics_csv)
    return rows


# ----------------------------------------------------------------------------------- pictures
def draw_round(ctx: RunContext, k: int, max_images: int | None = None) -> list[Path]:
    """Overlays of round ``k``'s selected regions, coloured by the part that chose them."""
    from adeada.reports import class_palette, overlay_selection

    max_images = ctx.cfg.loop.overlays_per_round if max_images is None else max_images
    rows = read_selection(ctx.run, k)
    per_image: dict[int, dict[int, str]] = {}
    pixels: dict[int, int] = {}
    for r in rows:
        img = int(r["image"])
        per_image.setdefault(img, {})[int(r["region"])] = r["part"]
        pixels[img] = pixels.get(img, 0) + int(r["pixels"])
    chosen = sorted(pixels, key=lambda i: (-pixels[i], i))[:max_images]
    store = ctx.prepared_store(ctx.pool)
    labels = merged_labels(ctx.run, ctx.pool, k, images=chosen)
    paths = []
    for img in chosen:
        out = ctx.run.plots / "overlays" / f"round{k:02d}_{ctx.pool.image_id(img)}.png"
        parts = list(per_image[img].values())
        why = ", ".join(f"{parts.count(p)} {p}" for p in dict.fromkeys(sorted(parts)))
        title = (f"round {k} ({ctx.cfg.selection.strategy}), {ctx.pool.image_id(img)}: "
                 f"{len(parts)} regions bought ({why})")
        overlay_selection(ctx.pool.load_image(img), store.get(ctx.pool, img), per_image[img], out,
                          label=labels.get(img), class_colors=class_palette(ctx.num_classes), min_width=384,
                          title=title, class_names=ctx.classes, label_caption=f"labels bought in rounds 1-{k} "
                          "(black: not labelled)" if k > 1 else "labels bought in round 1 (black: not labelled)")
        paths.append(out)
    return paths
