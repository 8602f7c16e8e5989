"""Human annotators in the loop: a round's selection out as a job, their labels back in."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from adeada.active.context import RunContext
from adeada.active.rundir import RunDir, RunFolderError, step
from adeada.active.steps import annotation_items, export_for_annotators, write_round_labels
from adeada.config import load_run_config


def open_run(run_dir: str | Path) -> RunContext:
    """A RunContext over an existing run folder (its own config)."""
    run = RunDir(run_dir)
    run.require_exists()
    return RunContext(load_run_config(run.config_path), run, progress=False)


def export_round(run_dir: str | Path, k: int, fmt: str, out: str | Path, image_url_prefix: Optional[str] = None) -> Path:
    """Write round ``k``'s selection as an annotation job in format ``fmt`` at ``out`` (a zip if it
    ends in ``.zip``); ``image_url_prefix`` sets the label_studio tasks' image URLs."""
    ctx = open_run(run_dir)
    ctx.run.require_round(k)
    return export_for_annotators(ctx, k, fmt, Path(out), image_url_prefix=image_url_prefix)


def import_round(run_dir: str | Path, k: int, labels_path: str | Path, fmt: Optional[str] = None) -> dict:
    """Read annotators' labels for round ``k``, check them, store them as the round's labels.

    Everything is checked before anything is written, so a bad file leaves the run untouched.

    Raises:
        RunFolderError: no such run or round, or the round already has labels.
        AnnotationError: labels of the wrong size, unknown classes, a missing image.
    """
    from adeada.reports import read_labels

    ctx = open_run(run_dir)
    ctx.run.require_round(k)
    if not Path(labels_path).exists():
        raise FileNotFoundError(f"labels {labels_path} do not exist")
    if ctx.run.is_done(step(k, "label")):
        raise RunFolderError(f"round {k} of {ctx.run.root} already has its labels; nothing imported")
    items = annotation_items(ctx, k, with_images=False)
    expected = {it["image_id"]: (it["segments"], it["region_ids"]) for it in items}
    labels, warnings = read_labels(labels_path, fmt, expected, ctx.classes, progress=False)
    index_of = {ctx.pool.image_id(i): i for i in range(len(ctx.pool))}
    by_index = {index_of[image_id]: lab for image_id, lab in labels.items()}
    log_rows = []
    for it in items:
        lab = labels[it["image_id"]]
        for reg in it["region_ids"]:
            mask = it["segments"] == reg
            log_rows.append({"image": index_of[it["image_id"]], "image_id": it["image_id"], "region": reg,
                             "pixels": int(mask.sum()), "labelled_pixels": int((lab[mask] != 255).sum())})
    info = write_round_labels(ctx, k, by_index, log_rows)
    ctx.run.mark_done(step(k, "label"), source=str(labels_path), **info)
    info["warnings"] = list(warnings)
    return info
