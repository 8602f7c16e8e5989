"""Phase 5 of a round: mIoU on the target test set, confusion.csv, metrics.json and metrics.csv, the
round's overlays."""

from __future__ import annotations

import json

from adeada.active.context import RunContext
from adeada.active.phases.select import read_selection
from adeada.active.report import draw_round
from adeada.active.rundir import jsonable, refresh_metrics_csv, write_confusion_csv
from adeada.atomic import atomic_write_text


def labelled_pixels_after(ctx: RunContext, k: int) -> int:
    """Target pixels bought in rounds 1..k."""
    return sum(int(r["pixels"]) for j in range(1, k + 1) for r in read_selection(ctx.run, j))


def test_result(ctx: RunContext, model):
    """``model`` on the run's target test set, with the run's evaluation settings."""
    from adeada.evaluation import evaluate

    ev = ctx.cfg.evaluation
    return evaluate(model, ctx.test, ctx.num_classes, device=str(ctx.device), normalize=model.normalize,
                    batch_size=ev.batch_size, resize=ev.resize, progress=ctx.progress,
                    eval_classes=ev.eval_classes, bf16=ev.bf16, num_workers=ev.num_workers)


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
