"""Human annotators in the loop: a round's selection out as a job, their labels back in."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from adeada import atomic
from adeada.active.context import RunContext, open_run
from adeada.active.rundir import RunFolderError, step
from adeada.active.phases.label import annotation_items, export_for_annotators, write_round_labels


def export_round(run_dir: str | Path, k: int, fmt: str, out: str | Path, image_url_prefix: Optional[str] = None) -> Path:
    """Write round ``k``'s selection as an annotation job in format ``fmt`` at ``out`` (a zip if it
    ends in ``.zip``); ``image_url_prefix`` sets the label_studio tasks' image URLs."""
    ctx = open_run(run_dir)
    ctx.run.require_round(k)
    return export_for_annotators(ctx, k, fmt, Path(out), image_url_prefix=image_url_prefix)


def import_round(run_dir: str | Path, k: int, labels_path: str | Path, fmt: Optional[str] = None,
                 replace: bool = False, allow_empty: bool = False) -> dict:
    """Read annotators' labels for round ``k``, check them, store them as the round's labels.

    Everything is checked before anything is written, so a bad file leaves the run untouched.
    Labels with no labelled pixel in the requested regions (a job sent back untouched) are
    refused unless ``allow_empty``: storing them would spend the round's budget on nothing.
    ``replace`` overwrites a round's imported labels, until its fine-tuning has started.

    Raises:
        RunFolderError: no such run or round, the round already has labels (without ``replace``),
            its fine-tuning has started, or the labels are empty (without ``allow_empty``).
        AnnotationError: labels of the wrong size, unknown classes, a missing image.
    """
    from adeada.annotation import read_labels

    ctx = open_run(run_dir)
    with ctx.run.lock():
        ctx.run.require_round(k)
        if not Path(labels_path).exists():
            raise FileNotFoundError(f"labels {labels_path} do not exist")
        _check_replaceable(ctx, k, replace)
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
        labelled = sum(r["labelled_pixels"] for r in log_rows)
        if labelled == 0 and not allow_empty:
            raise RunFolderError(
                f"{labels_path} has no labelled pixel in the {len(log_rows)} regions of round {k} (a job sent back "
                f"unannotated?); nothing imported. Import the annotated export, or pass --allow-empty to spend "
                f"the round's budget on no labels")
        replaced = ctx.run.is_done(step(k, "label"))
        with atomic.undone_on_error():  # a full disk half way leaves the round as it was
            info = write_round_labels(ctx, k, by_index, log_rows)
        files = info.pop("files")
        for stale in set(ctx.run.labels_dir(k).glob("*.png")) - set(files):  # a replaced import's extra files
            stale.unlink()
        ctx.run.mark_done(step(k, "label"), files=files, source=str(labels_path), **info)
    return dict(info, warnings=list(warnings), replaced=replaced)


def _check_replaceable(ctx: RunContext, k: int, replace: bool) -> None:
    """Refuse a second import, unless ``replace`` and the round has not started training on it."""
    run = ctx.run
    if not run.is_done(step(k, "label")):
        return
    started = run.is_done(step(k, "train")) or (run.round_dir(k) / "train_state.pth").exists() \
        or (run.round_dir(k) / "model.pth").exists()
    if started:
        raise RunFolderError(
            f"round {k} of {run.root} already fine-tuned on its labels, so they can no longer be replaced; "
            f"to relabel it, run `adeada run --resume --redo r{k:02d}.label --out {run.root}` (forgets round {k}'s "
            f"labels and everything after them), then import again")
    if not replace:
        raise RunFolderError(f"round {k} of {run.root} already has its labels; nothing imported "
                             "(pass --replace to replace them: allowed until the round's fine-tuning starts)")
