"""Publish an ``adeada compare`` folder: its tables and plot, plus the data behind a "why" study.

    python benchmarks/compare_analysis.py RUNS/camvid_benchmark docs/benchmarks/camvid_day_dusk

copies results.csv, summary.csv, table.md, ablation.md, miou_vs_labels.png and timings.json from
the comparison folder into the destination, and writes there:

- per_class_iou.csv: per strategy and round, each class's IoU (mean and std over seeds);
- labelled_classes.csv: per strategy and round, the share of the labelled pixels bought so far
  that belongs to each TRUE class (read from the labels the oracle revealed), mean over seeds;
- density_diagnostics.csv: per density-aware cell and round, each class's KL estimate (Eq. 5),
  mixture size, budget weight and pixel budget (from the selections' diagnostics).

and prints the markdown tables that docs/benchmarks.md quotes. Reads only files: nothing is
recomputed, so it runs in seconds on the folder of a finished comparison.

    python benchmarks/compare_analysis.py RUNS/plus_rows docs/benchmarks/camvid_day_dusk --into \
        --rename adeada_plus=adeada_plus_ent

publishes a later comparison of a few rows INTO an already published folder (a change that
touches only those rows need not rerun the other strategies): the published rows are renamed
first (``--rename OLD=NEW``, repeatable: a setting's old default keeps its cells under the name of
the row that now runs it), then the comparison's strategies replace the published rows of the
same names (a name freed by a rename takes its place in the tables, the renamed rows go last).
Every other published cell is kept byte for byte; the tables, plot, paired differences and spread
are made again from the merged results.csv, and the per-class files get the comparison's rows in
place of the replaced ones. The comparison's timings are kept as ``timings_<its folder>.json``
beside the published timings.json, and ``merged.json`` records each merge (its strategies, the
renames, its timings file), so that what the first run's timings.json covers stays known. Refused, leaving the folder as it was, when the merged rows do
not share one warm-up (round 0 within 1e-4 points), when they do not share the seeds, or when a
--rename names a row that is not there or a name already taken.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from adeada.active.compare import FULL
from adeada.fileformats import read_csv
from adeada.config import load_run_config
from adeada.fileformats import format_markdown_table, write_csv

# What --into merged into a published folder, in order: each later comparison's strategies, the
# renames applied before it and its timings file (the published timings.json stays the first run's).
MERGED = "merged.json"
COPIED = ("results.csv", "summary.csv", "table.md", "ablation.md", "paired.csv", "paired.md", "spread.csv",
          "miou_vs_labels.png", "timings.json")


def cells(root: Path) -> list[tuple[str, int, Path]]:
    """(strategy, seed, folder) of every finished cell, in a stable order."""
    out = []
    for cell in sorted(root.glob("*/seed*")):
        if (cell / "metrics.csv").exists():
            out.append((cell.parent.name, int(cell.name[4:]), cell))
    return out


def classes_of(root: Path) -> list[str]:
    cfg = load_run_config(root / "config.yaml")
    from adeada.data import build_dataset

    return list(build_dataset(cfg.data.target_pool).classes)


def _mean_std(values: list[float]) -> tuple[float, float]:
    a = np.array([v for v in values if math.isfinite(v)], float)
    if a.size == 0:
        return math.nan, math.nan
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else math.nan


def per_class_iou(root: Path, classes: list[str]) -> list[dict]:
    groups: dict[tuple[str, int, str], list[float]] = defaultdict(list)
    for strategy, _, cell in cells(root):
        for r in read_csv(cell / "metrics.csv"):
            for c in classes:
                value = r.get(f"iou_{c}", "")
                groups[strategy, int(r["round"]), c].append(float(value) * 100 if value not in ("", "nan") else math.nan)
    rows = []
    for (strategy, k, c), values in groups.items():
        mean, std = _mean_std(values)
        rows.append({"strategy": strategy, "round": k, "class": c, "iou_mean": mean, "iou_std": std, "n": len(values)})
    return rows


def labelled_classes(root: Path, classes: list[str]) -> list[dict]:
    """Share of the pixels labelled after each round per true class (void excluded), mean over seeds."""
    shares: dict[tuple[str, int], list[np.ndarray]] = defaultdict(list)
    for strategy, _, cell in cells(root):
        if strategy == FULL:
            continue
        total = np.zeros(len(classes), np.int64)
        for round_dir in sorted((cell / "rounds").glob("[0-9][0-9]")):
            for png in sorted((round_dir / "labels").glob("*.png")):
                lab = np.asarray(Image.open(png))
                total += np.bincount(lab[lab < len(classes)].ravel(), minlength=len(classes))[: len(classes)]
            if (round_dir / "labels").exists():
                shares[strategy, int(round_dir.name)].append(total / max(total.sum(), 1))
    rows = []
    for (strategy, k), per_seed in shares.items():
        mean = np.mean(per_seed, axis=0)
        rows += [{"strategy": strategy, "round": k, "class": c, "share_mean": float(mean[i]), "n": len(per_seed)}
                 for i, c in enumerate(classes)]
    return rows


def density_diagnostics(root: Path, classes: list[str]) -> list[dict]:
    rows = []
    for strategy, seed, cell in cells(root):
        for info_path in sorted((cell / "rounds").glob("*/selection_info.json")):
            diag = json.loads(info_path.read_text()).get("diagnostics", {})
            if "kl" not in diag:
                continue
            for i, c in enumerate(classes):
                def at(key):
                    values = diag.get(key) or []
                    return values[i] if i < len(values) and values[i] is not None else math.nan
                rows.append({"strategy": strategy, "seed": seed, "round": int(info_path.parent.name), "class": c,
                             "kl": at("kl"), "n_components": at("n_components"), "weight": at("class_weights"),
                             "class_budget": at("class_budgets"), "density_pixels": at("density_pixels_by_class"),
                             "density_share": diag.get("density_share")})
    return rows


def iou_table(rows: list[dict], strategies: list[str], k: int, classes: list[str]) -> str:
    """Markdown: one row per strategy, per-class IoU (mean over seeds) after round ``k``."""
    by = {(r["strategy"], r["round"], r["class"]): r["iou_mean"] for r in rows}
    out = [{"strategy": s, **{c: by.get((s, k if s != FULL else 1, c), math.nan) for c in classes}}
           for s in strategies]
    return format_markdown_table(out, float_format="{:.1f}")


def share_table(rows: list[dict], strategies: list[str], k: int, classes: list[str]) -> str:
    by = {(r["strategy"], r["round"], r["class"]): 100 * r["share_mean"] for r in rows}
    out = [{"strategy": s, **{c: by.get((s, k, c), math.nan) for c in classes}} for s in strategies]
    return format_markdown_table(out, float_format="{:.1f}")


def kl_table(rows: list[dict], strategy: str, classes: list[str]) -> str:
    """Markdown: the KL estimate of each class per round (mean over seeds) for one strategy."""
    groups: dict[tuple[int, str], list[float]] = defaultdict(list)
    budgets: dict[tuple[int, str], list[float]] = defaultdict(list)
    for r in rows:
        if r["strategy"] == strategy:
            groups[r["round"], r["class"]].append(r["kl"])
            budgets[r["round"], r["class"]].append(r["class_budget"])
    rounds = sorted({k for k, _ in groups})
    out = []
    for k in rounds:
        row = {"round": k}
        for c in classes:
            kl, _ = _mean_std(groups[k, c])
            budget, _ = _mean_std(budgets[k, c])
            row[c] = "-" if math.isnan(kl) else f"{kl:.0f} ({budget / 1000:.0f}k)" if not math.isnan(budget) else f"{kl:.0f}"
        out.append(row)
    return format_markdown_table(out)


def concentration_table(rows: list[dict], strategies: list[str]) -> str:
    """Markdown: per density-aware strategy and round, the largest share of the density part's
    pixels that went to one predicted class (mean over seeds), and that class."""
    out = []
    for strategy in strategies:
        per_round: dict[int, list[tuple[float, str]]] = defaultdict(list)
        cells_rows: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for r in rows:
            if r["strategy"] == strategy and math.isfinite(r["density_pixels"]):
                cells_rows[r["seed"], r["round"]].append(r)
        for (_, k), rs in cells_rows.items():
            total = sum(r["density_pixels"] for r in rs)
            if total > 0:
                top = max(rs, key=lambda r: r["density_pixels"])
                per_round[k].append((top["density_pixels"] / total, top["class"]))
        if not per_round:
            continue
        row = {"strategy": strategy}
        for k in sorted(per_round):
            shares = per_round[k]
            names = sorted({c for _, c in shares})
            row[f"round {k}"] = f"{100 * np.mean([v for v, _ in shares]):.0f}% ({'/'.join(names)})"
        out.append(row)
    return format_markdown_table(out)


def merged_order(published: list[str], renames: dict[str, str], added: list[str]) -> list[str]:
    """The merged tables' row order: the published order, a renamed-away name kept for the added
    rows of that name, the renamed rows after it all, then added rows that are new."""
    order = [n for n in published if n not in renames or n in added]
    order += [renames[n] for n in published if n in renames]
    order += [n for n in added if n not in order]
    return order


def _by_strategy(rows: list[dict], renames: dict[str, str], replaced: set[str]) -> list[dict]:
    """``rows`` renamed, without those of the replaced strategies (after renaming)."""
    out = []
    for r in rows:
        name = renames.get(r["strategy"], r["strategy"])
        if name not in replaced:
            out.append({**r, "strategy": name})
    return out


def merge_into(root: Path, dest: Path, renames: dict[str, str], later: list[dict]) -> dict[str, list[dict]]:
    """The files of ``dest`` with ``root``'s rows (``later``, its results.csv) merged in (see the
    module docstring), as rows per file name; ValueError when they cannot be merged."""
    from suite_publish import check_one_warmup, check_renames

    published = read_csv(dest / "results.csv")
    names = list(dict.fromkeys(r["strategy"] for r in published))
    check_renames(names, renames, str(dest / "results.csv"))
    added = list(dict.fromkeys(r["strategy"] for r in later))
    if FULL in added:
        raise ValueError(f"{root}: --into adds strategies' rows; publish a comparison with full supervision whole")
    clash = [n for n in added if n in renames.values()]
    if clash:
        raise ValueError(f"{root} runs {', '.join(clash)}, the name a --rename gives published rows")
    seeds = sorted({r["seed"] for r in published if r["strategy"] != FULL})
    if sorted({r["seed"] for r in later}) != seeds:
        raise ValueError(f"{root} ran seeds {', '.join(sorted({r['seed'] for r in later}))}, "
                         f"the published rows seeds {', '.join(seeds)}: paired differences need the same seeds")
    replaced = set(added)
    order = merged_order(names, renames, added)
    kept = _by_strategy(published, renames, replaced)
    rows = sorted(kept + later, key=lambda r: order.index(r["strategy"]))  # stable: cells keep their order
    check_one_warmup(rows, f"{dest / 'results.csv'} with the rows of {root / 'results.csv'}")
    out = {"results.csv": rows}
    classes = classes_of(root)
    made = {"per_class_iou.csv": per_class_iou(root, classes), "labelled_classes.csv": labelled_classes(root, classes),
            "density_diagnostics.csv": density_diagnostics(root, classes)}
    for name, new_rows in made.items():
        old_rows = read_csv(dest / name) if (dest / name).exists() else []
        merged = _by_strategy(old_rows, renames, replaced) + new_rows
        if name != "density_diagnostics.csv":
            merged.sort(key=lambda r: (r["strategy"], int(r["round"])))
        out[name] = merged
    return out


def publish_into(root: Path, dest: Path, renames: dict[str, str]) -> int:
    """``--into``: ``root``'s rows merged into the published ``dest``, its tables made again."""
    import tempfile

    from adeada.active.report import write_result_tables

    if not (dest / "results.csv").exists():
        print(f"compare_analysis: --into {dest}: no results.csv there to merge into", file=sys.stderr)
        return 2
    later = read_csv(root / "results.csv")
    added = list(dict.fromkeys(r["strategy"] for r in later))
    try:
        files = merge_into(root, dest, renames, later)
    except ValueError as err:
        print(f"compare_analysis: {err}", file=sys.stderr)
        return 2
    rows = files.pop("results.csv")
    strategies = list(dict.fromkeys(r["strategy"] for r in rows if r["strategy"] != FULL))
    seeds = sorted({int(r["seed"]) for r in rows})
    with tempfile.TemporaryDirectory() as tmp:  # DEST changes only once everything is made
        stage = Path(tmp)
        write_result_tables(stage, [r for r in rows if r["strategy"] != FULL], [r for r in rows if r["strategy"] == FULL],
                            strategies, seeds)
        for name, merged in files.items():
            write_csv(merged, stage / name)
        for name in COPIED + tuple(files):
            if name != "timings.json" and (stage / name).exists():
                shutil.copyfile(stage / name, dest / name)
            elif name in ("ablation.md", "paired.csv", "paired.md"):  # no longer made from these rows
                (dest / name).unlink(missing_ok=True)
    if (root / "timings.json").exists():
        shutil.copyfile(root / "timings.json", dest / f"timings_{root.name}.json")
    record = json.loads((dest / MERGED).read_text()) if (dest / MERGED).exists() else []
    record.append({"comparison": root.name, "strategies": added, "renamed": renames,
                   "timings": f"timings_{root.name}.json"})
    (dest / MERGED).write_text(json.dumps(record, indent=1) + "\n")
    print(f"merged {', '.join(added)} into {dest}"
          + (f" (renamed {', '.join(f'{a} -> {b}' for a, b in renames.items())})" if renames else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("comparison", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--into", action="store_true",
                        help="merge the comparison's rows into the comparison already published in DEST")
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                        help="with --into: rename DEST's rows OLD to NEW first (repeatable)")
    args = parser.parse_args(argv)
    root, dest = args.comparison, args.dest
    if not (root / "results.csv").exists():
        print(f"{root} has no results.csv: is it a finished `adeada compare` folder?", file=sys.stderr)
        return 2
    if args.rename and not args.into:
        print("compare_analysis: --rename renames published rows: it needs --into", file=sys.stderr)
        return 2
    if args.into:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from suite_publish import parse_renames

        try:
            renames = parse_renames(args.rename)
        except ValueError as err:
            print(f"compare_analysis: {err}", file=sys.stderr)
            return 2
        return publish_into(root, dest, renames)
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if (root / name).exists():
            shutil.copyfile(root / name, dest / name)
    classes = classes_of(root)
    iou = per_class_iou(root, classes)
    shares = labelled_classes(root, classes)
    dens = density_diagnostics(root, classes)
    write_csv(sorted(iou, key=lambda r: (r["strategy"], r["round"])), dest / "per_class_iou.csv")
    write_csv(sorted(shares, key=lambda r: (r["strategy"], r["round"])), dest / "labelled_classes.csv")
    write_csv(dens, dest / "density_diagnostics.csv")
    strategies = list(dict.fromkeys(r["strategy"] for r in read_csv(root / "results.csv")))
    last = max(int(r["round"]) for r in read_csv(root / "results.csv"))
    active = [s for s in strategies if s != FULL]
    print(f"## per-class IoU after round {last}\n\n" + iou_table(iou, strategies, last, classes))
    print("\n## per-class IoU of the warm-up (round 0)\n\n" + iou_table(iou, active[:1], 0, classes))
    print(f"\n## share of labelled pixels per true class after round {last} (%)\n\n"
          + share_table(shares, active, last, classes))
    print("\n## largest share of the density part's pixels given to one predicted class (mean over seeds)\n\n"
          + concentration_table(dens, active))
    for s in ("adeada", "density"):
        if any(r["strategy"] == s for r in dens):
            print(f"\n## {s}: KL per class (class budget in pixels) per round, mean over seeds\n\n"
                  + kl_table(dens, s, classes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
