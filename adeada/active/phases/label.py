"""Phase 3 of a round: the labels of the selected regions, from the ground-truth oracle or (for
human annotators) exported as an annotation job and imported back by ``adeada import``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adeada.active.context import RunContext
from adeada.active.oracle import GroundTruthOracle
from adeada.active.phases.select import read_selection
from adeada.fileformats import save_label_png
from adeada.fileformats import write_csv


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
