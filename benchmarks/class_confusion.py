"""Where one class's test pixels go, and what a model calls that class, for finished runs.

    python benchmarks/class_confusion.py fence runs/camvid_benchmark/adeada_plus/seed0 \
        runs/camvid_benchmark/clue/seed0 [--round 5]

Per run: the round's confusion matrix on the run's target test set (rounds/KK/confusion.csv,
which runs write since it was added; for an older run, the round's weights rounds/KK/model.pth
evaluated again with the run's own evaluation settings), then one line: the class's IoU, how
many pixels the model predicts as the class against how many carry it, the four classes its
pixels are predicted as most (in % of its pixels), and the four true classes of the pixels
predicted as it (in % of those). Reads no pool label; the test labels are what the mIoU of the
run was computed on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from adeada.reports.class_errors import class_errors, shares_text


def line(run: str, s: dict, name: str) -> str:
    return (f"{run}: {name} IoU {s['iou']:.1f}; predicted on {s['predicted']:,} px, carried by {s['pixels']:,}; "
            f"its pixels predicted as: {shares_text(s['predicted_as'])}; predicted {name} is truly: {shares_text(s['truly'])}")


def reevaluate(ctx, k: int):
    """Round ``k``'s weights on the run's test set: its confusion matrix (None without weights)."""
    import torch

    from adeada.active.phases.evaluate import test_result

    path = ctx.round_checkpoint(k)
    if not path.exists():
        return None
    torch.set_num_threads(1)
    return test_result(ctx, ctx.load_model(path)).confusion


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", help="a class name of the runs' dataset, e.g. fence")
    ap.add_argument("runs", nargs="+", help="run folders (a comparison's <strategy>/seed<N>)")
    ap.add_argument("--round", type=int, default=None, help="the round to read (default: the last done)")
    args = ap.parse_args(argv)

    from adeada.active.context import open_run
    from adeada.fileformats import read_confusion_csv

    for run in args.runs:
        ctx = open_run(run)
        ctx.progress = False
        k = args.round if args.round is not None else max(ctx.run.completed_rounds(), default=0)
        saved = ctx.run.round_dir(k) / "confusion.csv"
        try:
            if saved.exists():
                confusion, names = read_confusion_csv(saved)
            else:
                confusion, names = reevaluate(ctx, k), ctx.classes
                if confusion is None:
                    print(f"{run}: no confusion.csv and no weights for round {k} "
                          f"({ctx.round_checkpoint(k)} is missing)", file=sys.stderr)
                    return 2
            summary = class_errors(confusion, names, args.name)
        except ValueError as e:
            print(f"{run}: {e}", file=sys.stderr)
            return 2
        print(line(f"{run} (round {k})", summary, args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
