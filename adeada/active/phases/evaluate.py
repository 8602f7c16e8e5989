"""Phase 5 of a round: mIoU on the target test set, confusion.csv, metrics.json and metrics.csv, the
round's overlays."""

from __future__ import annotations

import json
from pathlib import Path

from adeada.active.context import RunContext
from adeada.active.phases.select import read_selection
from adeada.active.rundir import jsonable, refresh_metrics_csv
from adeada.fileformats import write_confusion_csv
from adeada.atomic import atomic_write_text


def labelled_pixels_after(ctx: RunContext, k: int) -> int:
    """Target pixels bought in rounds 1..k."""
    return sum(int(r["pixels"]) for j in range(1, k + 1) for r in read_selection(ctx.run, j))


def test_result(ctx: RunContext, model, dataset=None, indices=None):
    """``model`` on the run's target test set (or on ``indices`` of ``dataset``), with the run's
    evaluation settings."""
    from adeada.evaluation import evaluate

    ev = ctx.cfg.evaluation
    return evaluate(model, ctx.test if dataset is None else dataset, ctx.num_classes, device=str(ctx.device),
                    normalize=model.normalize, batch_size=ev.batch_size, resize=ev.resize, progress=ctx.progress,
                    eval_classes=ev.eval_classes, bf16=ev.bf16, num_workers=ev.num_workers,
                    indices=None if indices is None else list(indices))


def evaluate_round(ctx: RunContext, k: int) -> dict:
    """Evaluate the weights after round ``k`` on the target test set and refresh metrics.csv."""
    result = test_result(ctx, ctx.load_model(ctx.round_checkpoint(k)))
    pixels = labelled_pixels_after(ctx, k)
    row = {"round": k, "labelled_pixels": pixels, "labelled_percent": 100.0 * pixels / ctx.pool_pixels}
    row.update(result.to_row())
    row["precision"] = ctx.precision  # what this machine really ran (`auto` resolved)
    if ctx.num_classes == 16:  # SYNTHIA -> Cityscapes also reports the 13-class mIoU*
        from adeada.data import SYNTHIA13_EVAL_CLASSES

        row["miou13"] = result.miou_over(SYNTHIA13_EVAL_CLASSES)
    folder = ctx.run.round_dir(k)
    folder.mkdir(parents=True, exist_ok=True)
    # Kept so that a class's errors (what its pixels are called, what is called it) can be read
    # without evaluating the weights again; written first: metrics.json marks the phase done.
    write_confusion_csv(folder / "confusion.csv", result.confusion, list(result.classes))
    atomic_write_text(folder / "metrics.json", json.dumps(jsonable(row), indent=1))
    refresh_metrics_csv(ctx.run)
    log_eval = ctx.log_fn("eval")
    if log_eval is not None:
        log_eval(k, {"miou": row["miou"], "labelled_percent": row["labelled_percent"]})
    if k > 0:
        draw_round(ctx, k)
    return {"miou": float(result.miou)}


def draw_round(ctx: RunContext, k: int, max_images: int | None = None) -> list[Path]:
    """Overlays of round ``k``'s selected regions, coloured by the part that chose them."""
    from adeada.active.labels import merged_labels
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
