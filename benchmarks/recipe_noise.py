"""The fine-tuning recipe's own noise: the same start weights and the same bought labels, several seeds.

A comparison's spread over seeds mixes two things: runs of a strategy buy different regions, and
fine-tuning on the same regions ends in different places depending on the batch order. This holds
the first fixed and measures the second. A *condition* is a finished run folder and a round k:
start from the run's weights after round k-1, train on the labels it bought in rounds 1..k, and
evaluate on its test set, exactly as the round's train and evaluate steps do. Each *recipe*
(fine-tuning fields over the run's config) is trained with every seed of ``--seeds``; with the
run's own recipe and seed it gives the run's round-k mIoU to the last digit.

    python benchmarks/recipe_noise.py OUT.csv \
        --condition ent_r1=runs/camvid_fine/ent/seed0:1 --condition rand_r1=runs/camvid_fine/rand/seed0:1 \
        --recipe base --recipe avg100:average_last=1.0 --recipe lr1:lr=0.001,average_last=1.0 \
        [--seeds 0,1,2,3] [--jobs 2]

With ``--split`` it also separates, under each recipe, the std that comes from fine-tuning
from the std that comes from which regions were bought, when the conditions are the same round
of runs of one strategy that bought different regions (RAND's seeds, say).

OUT.csv gets a row per (condition, recipe, seed) as it finishes; rows already in it are kept and
not trained again, so a stopped measurement resumes. It prints, per recipe, the standard
deviation over seeds of each condition and their mean, and the mean mIoU (a recipe that is steady
but trains less shows there). Never reads a target label that the run did not buy.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from adeada.fileformats import format_markdown_table

FIELDS = ["condition", "recipe", "seed", "miou", "train_seconds"]
_CONTEXTS: dict[str, Any] = {}


def parse_condition(text: str) -> tuple[str, Path, int]:
    """NAME=FOLDER:ROUND -> (name, folder, round)."""
    name, sep, rest = text.partition("=")
    folder, sep2, k = rest.rpartition(":")
    if not (sep and sep2 and name and folder and k.isdigit() and int(k) >= 1):
        raise ValueError(f"--condition {text!r}: expected NAME=RUN_FOLDER:ROUND with ROUND >= 1")
    return name, Path(folder), int(k)


def parse_recipe(text: str) -> tuple[str, dict[str, str]]:
    """NAME[:field=value,...] -> (name, {field: value}); values are typed by the config loader."""
    name, _, sets = text.partition(":")
    pairs = [p for p in sets.split(",") if p]
    bad = [p for p in pairs if "=" not in p]
    if not name or bad:
        raise ValueError(f"--recipe {text!r}: expected NAME or NAME:field=value,field=value (finetune fields)")
    return name, dict(p.split("=", 1) for p in pairs)


def _context(folder: Path, recipe: dict[str, str]):
    from adeada.active.context import RunContext
    from adeada.active.rundir import RunDir
    from adeada.config import load_run_config

    # One context per run folder and recipe: its datasets and backbone memo serve every seed.
    key = f"{folder}|{sorted(recipe.items())}"
    if key not in _CONTEXTS:
        config = folder / "config.yaml"
        if not config.is_file():
            raise FileNotFoundError(f"{config}: not a run folder (no config.yaml)")
        cfg = load_run_config(config, [f"finetune.{k}={v}" for k, v in recipe.items()])
        _CONTEXTS[key] = RunContext(cfg, RunDir(folder), progress=False)
    return _CONTEXTS[key]


def train_and_evaluate(folder: Path, k: int, recipe: dict[str, str], seed: int) -> tuple[float, float]:
    """(mIoU in %, training seconds) of round ``k`` of the run in ``folder`` redone with ``recipe`` and ``seed``."""
    from adeada.active.phases.evaluate import test_result
    from adeada.active.phases.train import round_finetune_config, target_training_set
    from adeada.training import finetune

    ctx = _context(folder, recipe)
    start = ctx.round_checkpoint(k - 1)
    if not start.is_file():
        raise FileNotFoundError(f"{start}: round {k - 1} of {folder} has no weights")
    cfg = round_finetune_config(dataclasses.replace(ctx.cfg, loop=dataclasses.replace(ctx.cfg.loop, seed=seed)), k)
    t0 = time.perf_counter()
    model = finetune(ctx.load_model(start), ctx.source, target_training_set(ctx, k), cfg, progress=False)
    took = time.perf_counter() - t0
    return 100.0 * float(test_result(ctx, model).miou), took


def _job(args: tuple) -> list:
    import torch

    torch.set_num_threads(1)
    name, folder, k, rname, recipe, seed = args
    miou, took = train_and_evaluate(folder, k, recipe, seed)
    return [name, rname, seed, miou, round(took, 1)]


def by_condition(rows: list[dict]) -> dict[str, list[float]]:
    """mIoU values per condition, in the rows' order."""
    by: dict[str, list[float]] = {}
    for r in rows:
        by.setdefault(r["condition"], []).append(float(r["miou"]))
    return by


def summary(rows: list[dict]) -> str:
    """Markdown: per recipe, std over seeds for each condition and their mean, and the mean mIoU."""
    conds = list(dict.fromkeys(r["condition"] for r in rows))
    out = []
    for rname in dict.fromkeys(r["recipe"] for r in rows):
        by = {c: v for c, v in by_condition([r for r in rows if r["recipe"] == rname]).items() if len(v) >= 2}
        stds = {c: statistics.stdev(v) for c, v in by.items()}
        line: dict[str, Any] = {"recipe": rname, **{c: f"{stds[c]:.2f}" if c in stds else "-" for c in conds}}
        line["mean std"] = f"{statistics.fmean(stds.values()):.2f}" if stds else "-"
        line["mean mIoU"] = f"{statistics.fmean(statistics.fmean(v) for v in by.values()):.2f}" if by else "-"
        out.append(line)
    return format_markdown_table(out)


def split_noise(rows: list[dict]) -> tuple[float, float]:
    """(training std, selection std) when every condition is another selection of one strategy.

    The training variance is the pooled variance within a condition (same regions, other seeds);
    the selection variance is what the spread of the conditions' means has beyond it (variance of
    the means minus the training variance over the seeds per condition, floored at 0).
    """
    by = by_condition(rows)
    if len(by) < 2 or min(len(v) for v in by.values()) < 2:
        raise ValueError("the split needs at least 2 conditions with at least 2 seeds each")
    within = statistics.fmean(statistics.variance(v) for v in by.values())
    n = min(len(v) for v in by.values())
    between = statistics.variance([statistics.fmean(v) for v in by.values()]) - within / n
    return within ** 0.5, max(between, 0.0) ** 0.5


def split_row(rows: list[dict]) -> dict[str, str]:
    """One table row of ``split_noise``: each selection's mean mIoU over seeds, and the two stds."""
    train, select = split_noise(rows)
    by = by_condition(rows)
    return {"selections": str(len(by)), "seeds each": str(min(len(v) for v in by.values())),
            "mean mIoU of each selection": ", ".join(f"{statistics.fmean(v):.2f}" for v in by.values()),
            "std from fine-tuning": f"{train:.2f}", "std from the selection": f"{select:.2f}"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="CSV of every (condition, recipe, seed): appended to, resumable")
    ap.add_argument("--condition", action="append", default=[],
                    help="NAME=RUN_FOLDER:ROUND (repeatable; none: only summarise OUT)")
    ap.add_argument("--recipe", action="append", default=None,
                    help="NAME[:field=value,...] of finetune fields (repeatable; default: the run's own, 'base')")
    ap.add_argument("--seeds", default="0,1,2,3", help="comma-separated run seeds (default 0,1,2,3)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes, one thread each (default 1)")
    ap.add_argument("--split", action="store_true",
                    help="also print the training / selection split of the std (the conditions being other "
                         "selections of one strategy, under one recipe)")
    args = ap.parse_args(argv)
    try:
        conditions = [parse_condition(c) for c in args.condition]
        recipes = [parse_recipe(r) for r in (args.recipe or ["base"])]
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError as err:
        print(f"recipe_noise: {err}", file=sys.stderr)
        return 2
    if not conditions and not args.out.is_file():
        print(f"recipe_noise: {args.out} does not exist and no --condition was given: nothing to summarise",
              file=sys.stderr)
        return 2
    done: set[tuple[str, str, int]] = set()
    if args.out.is_file():
        with open(args.out, newline="") as f:
            done = {(r["condition"], r["recipe"], int(r["seed"])) for r in csv.DictReader(f)}
    jobs = [(name, folder, k, rname, recipe, seed) for rname, recipe in recipes for name, folder, k in conditions
            for seed in seeds if (name, rname, seed) not in done]
    if conditions:
        print(f"recipe_noise: {len(jobs)} fine-tunings to run ({len(done)} already in {args.out})", flush=True)
        _train_all(args.out, jobs, args.jobs)
    with open(args.out, newline="") as f:
        rows = list(csv.DictReader(f))
    print(summary(rows))
    if args.split:
        for rname in dict.fromkeys(r["recipe"] for r in rows):
            try:
                row = split_row([r for r in rows if r["recipe"] == rname])
            except ValueError as err:
                print(f"{rname}: {err}")
                continue
            print(f"{rname}: std from fine-tuning {row['std from fine-tuning']}, from the selection "
                  f"{row['std from the selection']} (mean mIoU of each selection: {row['mean mIoU of each selection']})")
    return 0


def _train_all(out: Path, jobs: list[tuple], workers: int) -> None:
    """Runs the fine-tunings, appending each row to ``out`` as it finishes."""
    from contextlib import nullcontext
    from multiprocessing import get_context

    new = not out.is_file()
    parallel = workers > 1 and len(jobs) > 1
    if parallel:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    with open(out, "a", newline="") as f, (get_context("spawn").Pool(workers) if parallel else nullcontext()) as pool:
        writer = csv.writer(f)
        if new:
            writer.writerow(FIELDS)
        for n, row in enumerate(pool.imap_unordered(_job, jobs) if parallel else map(_job, jobs), 1):
            writer.writerow(row)
            f.flush()
            print(f"[{n}/{len(jobs)}]", *row, flush=True)


if __name__ == "__main__":
    sys.exit(main())
