"""Phase 2 of a round: the strategy spends the round's budget; ``selection.csv`` and
``selection_info.json`` say what it bought and why."""

from __future__ import annotations

import json

import numpy as np

from adeada.active.context import RunContext
from adeada.active.rundir import RunDir, jsonable
from adeada.fileformats import read_csv
from adeada.atomic import atomic_write_text
from adeada.fileformats import write_csv

SELECTION_COLUMNS = ["row", "image", "image_id", "region", "pixels", "class", "score", "part"]


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
    from adeada.selection import RegionStats, SelectionContext, round_budget

    folder = ctx.run.round_dir(k)
    target = RegionStats.load(folder / "stats_target.npz")
    source_path = folder / "stats_source.npz"
    source = RegionStats.load(source_path) if source_path.exists() else None
    taken = labelled_regions(ctx.run, k)
    labelled = np.fromiter(
        ((int(i), int(r)) in taken for i, r in zip(target.image, target.region)), dtype=bool, count=len(target)
    )
    budget = round_budget(ctx.pool_pixels, ctx.cfg.selection.budget_fraction)
    # Only round 1's fits (made on the shared warm-up's features) can be read by another run.
    fits = ctx.cache_dir / "density_fits" if k == 1 else None
    if labelled.all():
        # The load-time check (rounds x budget_fraction <= 1) leaves only the overshoot of the
        # last region of each round to reach this.
        raise ValueError(
            f"round {k}: rounds 1..{k - 1} labelled the whole target pool, nothing is left to select; "
            f"lower loop.rounds ({ctx.cfg.loop.rounds}) or selection.budget_fraction ({ctx.cfg.selection.budget_fraction})")
    errors = part_errors(ctx, k - 1) if k > 1 and "part_errors" in ctx.strategy.requires else None
    sel = ctx.strategy.select(target, budget, SelectionContext(round=k, rng=ctx.rng(k), labelled=labelled, source=source,
                                                            cache_dir=fits, part_errors=errors))
    rows = [{"row": r["row"], "image": r["image"], "image_id": ctx.pool.image_id(r["image"]), "region": r["region"],
             "pixels": r["pixels"], "class": ctx.classes[r["pred"]], "score": r["score"], "part": r["part"]}
            for r in sel.to_records(target)]
    write_csv(rows, folder / "selection.csv", SELECTION_COLUMNS)  # the one writer of selection.csv
    diagnostics = getattr(sel, "diagnostics", None) or {}
    atomic_write_text(folder / "selection_info.json", json.dumps(
        {"budget_pixels": budget, "pixels_taken": int(sel.pixels_taken), "regions": len(rows),
         **({"previous_round_part_errors": errors} if errors is not None else {}),
         "diagnostics": jsonable(diagnostics)}, indent=1))
    return {"regions": len(rows), "pixels": int(sel.pixels_taken), "budget": budget}


def part_errors(ctx: RunContext, j: int) -> dict[str, float]:
    """Per part of round ``j``'s selection: the share of the pixels it bought whose label is not the
    class the model predicted for their region when it chose them (void pixels left out).

    Reads round ``j``'s selection.csv and the labels it bought (``rounds/jj/labels/``), nothing
    else of the pool: what a strategy learns from it, it paid for.
    """
    from adeada.fileformats import load_label_png

    index = {name: c for c, name in enumerate(ctx.classes)}
    store = ctx.prepared_store(ctx.pool)
    wrong: dict[str, int] = {}
    seen: dict[str, int] = {}
    rows = read_selection(ctx.run, j)
    for img in sorted({int(r["image"]) for r in rows}):
        label = load_label_png(ctx.run.labels_dir(j) / f"{ctx.pool.image_id(img)}.png")
        sp = store.get(ctx.pool, img)
        for r in (r for r in rows if int(r["image"]) == img):
            got = label[sp == int(r["region"])]
            got = got[got != 255]
            part = str(r["part"])
            seen[part] = seen.get(part, 0) + int(got.size)
            wrong[part] = wrong.get(part, 0) + int((got != index[r["class"]]).sum())
    return {part: wrong[part] / seen[part] for part in seen if seen[part]}


def read_selection(run: RunDir, k: int) -> list[dict]:
    """The rows of round ``k``'s selection.csv."""
    return read_csv(run.round_dir(k) / "selection.csv")
