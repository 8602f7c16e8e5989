"""``adeada report``: the plots, tables and report.html of a run or a comparison."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from adeada.active.recall import RECALL_CSV, RECALL_TEXT, compare_recall, write_mispredicted_recall
from adeada.active.rundir import RunDir, RunFolderError, refresh_metrics_csv
from adeada.atomic import atomic_write_text
from adeada.fileformats import read_confusion_csv, read_csv, read_metrics_csv
from adeada.reports.compare_tables import FULL


def report(folder: str | Path) -> list[Path]:
    """Plots and tables for a run folder, or for a comparison folder (one subfolder per strategy)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"{folder} does not exist")
    run = RunDir(folder)
    if (folder / "state.json").exists():
        from adeada.active.context import open_run
        from adeada.active.phases.evaluate import draw_round

        ctx = open_run(folder)
        with run.lock():
            paths = []
            for k in run.completed_rounds():
                if (run.labels_dir(k)).exists():
                    paths.extend(draw_round(ctx, k))
            recall = write_mispredicted_recall(ctx)
            paths += ([recall] if recall else []) + write_run_report(run, ctx.classes, ctx.cfg.selection.strategy,
                                                                       ctx.cfg.loop.rounds)
        return paths
    cells = sorted(p.parent.parent for p in folder.glob("*/seed*/config.yaml"))
    if not cells:
        raise RunFolderError(f"{folder} holds neither a run (state.json) nor a comparison (<strategy>/seed<N>/)")
    found = {c.name for c in cells} - {FULL}  # the reference is read separately
    # Keep the order the comparison was run in (its results.csv), new strategies after it.
    known = []
    if (folder / "results.csv").exists():
        known = [s for s in dict.fromkeys(r["strategy"] for r in read_csv(folder / "results.csv")) if s in found]
    strategies = known + sorted(found - set(known))
    seeds = sorted({int(p.name[4:]) for p in folder.glob("*/seed*") if p.name[4:].isdigit()})
    write_compare_report(folder, strategies, seeds)
    return [folder / "summary.md", folder / "table.md", folder / "miou_vs_labels.png", folder / "report.html"]


def _overlay_figures(run: RunDir, k: int):
    from adeada.reports.html import Figure

    return [Figure(p, f"round {k}: {p.stem.split('_', 1)[1]}")
            for p in sorted((run.plots / "overlays").glob(f"round{k:02d}_*.png"))]


def write_run_report(run: RunDir, classes: Sequence[str], strategy: str, rounds: int) -> list[Path]:
    """Plots, summary.csv/.md, table.md (the comparison's tables, for one run) and report.html."""
    from adeada.reports import summary_table
    from adeada.fileformats import format_markdown_table, write_csv
    from adeada.reports.compare_tables import table_markdown
    from adeada.reports.html import Figure, Section, Table, write_html_report
    from adeada.reports.summary import round_line, run_summary

    rows = refresh_metrics_csv(run)
    paths = write_run_plots(run, list(classes), name=strategy, rows=rows)
    if not rows:
        return paths
    cells = [{"strategy": strategy, "seed": 0, "round": int(r["round"]),
              "labelled_percent": float(r["labelled_percent"]), "miou": 100.0 * float(r["miou"])} for r in rows]
    summary = summary_table(cells)
    write_csv(summary, run.root / "summary.csv")
    atomic_write_text(run.root / "summary.md", format_markdown_table(summary) + "\n")
    atomic_write_text(run.root / "table.md", table_markdown(summary))
    warm = rows[0]
    per_round = [{"round": int(r["round"]), "labelled %": float(r["labelled_percent"]),
                  "mIoU": 100.0 * float(r["miou"]), "vs warm-up": 100.0 * (float(r["miou"]) - float(warm["miou"]))}
                 for r in rows]
    per_class = [{"round": int(r["round"]), **{c: 100.0 * float(r[f"iou_{c}"]) for c in classes if f"iou_{c}" in r}}
                 for r in rows]
    lines = [round_line(int(r["round"]), rounds, r, warm) for r in rows[1:]] + [run_summary(run.root, where=False, rows=rows)]
    sections = [
        Section("What happened", lines, [Table(per_round)]),
        Section("Curves", [], [Figure(run.plots / "miou_vs_labels.png", "mIoU vs labelled target pixels"),
                               Figure(run.plots / "per_class.png", "IoU per class and round")]),
        Section("IoU per class (%)", [], [Table(per_class, "{:.1f}")]),
    ]
    last = int(rows[-1]["round"])
    saved = run.round_dir(last) / "confusion.csv"
    if saved.exists():  # runs from before confusion.csv was kept have none
        from adeada.reports.class_errors import class_error_rows

        confusion, names = read_confusion_csv(saved)
        sections.append(Section(
            f"Where each class's test pixels go (round {last})",
            ["What the model calls each class's test pixels, and what the pixels it calls that class "
             "truly are (largest shares first), from the round's confusion matrix (confusion.csv)."],
            [Table(class_error_rows(confusion, names), "{:.1f}")]))
    if (run.root / RECALL_CSV).exists():
        sections.append(Section("The warm-up's mispredicted regions: how many were bought", [RECALL_TEXT],
                                [Table(read_metrics_csv(run.root / RECALL_CSV), "{:.1f}")]))
    for r in rows[1:]:
        k = int(r["round"])
        sections.append(Section(f"Round {k}: what was selected", [round_line(k, rounds, r, warm)],
                                _overlay_figures(run, k)))
    html = write_html_report(run.root / "report.html", f"adeada run {run.root.name} ({strategy})", sections)
    return paths + [run.root / "summary.csv", run.root / "summary.md", run.root / "table.md", html]


HEADLINE_HEADING = ("mIoU (%) per round, mean ± std over seeds (when several ran: each round's best in bold, "
                    "▼ decided behind it, i.e. its 95% paired interval excludes zero)")


def write_compare_html(out: Path, strategies: Sequence[str], seeds: Sequence[int],
                       tables: Sequence[tuple[str, Sequence[Sequence[dict]]]] = (),
                       recall: Sequence[dict] = ()) -> Path:
    """report.html of a comparison: ``tables`` (heading, the rows of each table under it: the data
    its markdown files were written from), ``recall`` (the mispredicted-region rows of every class
    together), its curve, and each strategy's overlays per round (those of its first seed)."""
    from adeada.reports.html import Figure, Section, Table, write_html_report

    sections = [Section(heading, [], [Table(rows) for rows in blocks if rows]) for heading, blocks in tables if any(blocks)]
    if recall:
        sections.append(Section("The warm-up's mispredicted regions: how many each strategy bought",
                                [RECALL_TEXT + " Mean over seeds, every class together; per class in " + RECALL_CSV + "."],
                                [Table(recall, "{:.1f}")]))
    sections.append(Section("Curves", [], [Figure(out / "miou_vs_labels.png",
                                                 "mIoU vs labelled target pixels (mean, 95% interval over seeds)")]))
    for strategy in strategies:
        run = next((RunDir(out / strategy / f"seed{s}") for s in seeds
                    if (out / strategy / f"seed{s}" / "plots" / "overlays").is_dir()), None)
        if run is None:
            continue
        for k in range(1, 1 + max(run.completed_rounds(), default=0)):
            figures = _overlay_figures(run, k)
            if figures:
                sections.append(Section(f"{strategy}, round {k} ({run.root.name})", [], figures))
    return write_html_report(out / "report.html", f"adeada comparison {out.name}", sections)


def collect_rows(out: Path, strategies: Sequence[str], seeds: Sequence[int]) -> list[dict]:
    """One row per (strategy, seed, round) from each cell's metrics.csv."""
    rows = []
    for strategy in strategies:
        for seed in seeds:
            path = RunDir(out / strategy / f"seed{seed}").metrics_csv
            if not path.exists():
                continue
            for r in read_csv(path):
                rows.append({"strategy": strategy, "seed": seed, "round": int(r["round"]),
                             "labelled_percent": float(r["labelled_percent"]), "miou": 100.0 * float(r["miou"])})
    return rows


def check_one_precision(out: Path, strategies: Sequence[str], seeds: Sequence[int]) -> dict | None:
    """The precision every cell recorded (metrics.json), or an error naming two cells that differ.

    Cells run on machines whose ``auto`` resolved differently (bf16 on one CPU, float32 on
    another) do not give comparable numbers, and a comparison must not average them silently: the
    seeds of one row must share a precision. Rows that differ (a sweep of the precision itself)
    are kept, with a warning. So are the CPU kernels' vector code (``cpu_kernels``: AVX2 or
    AVX-512 add in different orders). Cells from before the record (no ``precision`` in
    metrics.json, or no such field) are not checked on it.

    Raises:
        ValueError: two cells of one row ran in different precisions.
    """
    import json

    import logging

    first: tuple[dict, Path] | None = None
    for strategy in strategies:
        seen: tuple[dict, Path] | None = None  # a row's seeds are averaged and paired: one precision
        for seed in seeds:
            for path in sorted((out / strategy / f"seed{seed}" / "rounds").glob("*/metrics.json")):
                precision = json.loads(path.read_text()).get("precision")
                if precision is None:
                    continue
                cell = path.parent.parent.parent
                if seen is None:
                    seen = (precision, cell)
                elif _differ(precision, seen[0]):
                    raise ValueError(
                        f"{cell} ran in {precision}, {seen[1]} in {seen[0]}: a comparison does not pool cells of "
                        "different precisions; rerun one of them on the other's machine, or pin the precision "
                        "(on the CPU cpu_bf16 / evaluation.bf16: false and loop.cpu_isa: avx2; on a GPU finetune.amp / "
                        "warmup.train.amp) and rerun")
        if seen is not None and first is None:
            first = seen
        elif seen is not None and _differ(seen[0], first[0]):  # rows of their own, e.g. a sweep of the precision
            logging.getLogger(__name__).warning("%s ran in %s, %s in %s: compare those rows knowing it",
                                                seen[1].parent, seen[0], first[1].parent, first[0])
    return None if first is None else first[0]


def _differ(a: dict, b: dict) -> bool:
    """Two precision records disagree on a field both have (a cell recorded before a field, such
    as ``cpu_kernels``, existed is not refused for lacking it)."""
    return any(a[k] != b[k] for k in a.keys() & b.keys())


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def write_compare_report(out: Path, strategies: Sequence[str], seeds: Sequence[int],
                         reference: str = "adeada") -> list[dict]:
    """results.csv (every cell), summary.csv/.md (mean +- std per strategy and round), the plot,
    spread.csv (the mean std over seeds per strategy) and, when ``reference`` ran with several
    seeds, paired.csv/.md (its paired difference to every other strategy with a 95% interval).

    The warm-up (round 0, shared) and, when present, the full-supervision cells are drawn as
    reference lines.
    """
    from adeada.fileformats import format_markdown_table, write_csv

    check_one_precision(out, list(strategies) + [FULL], seeds)
    rows = collect_rows(out, strategies, seeds)
    if not rows:
        return []
    full = [r for r in collect_rows(out, [FULL], seeds) if r["round"] == 1]
    summary, tables = write_result_tables(out, rows, full, strategies, seeds, reference)
    recall = compare_recall(out, strategies, seeds)
    every = [{k: v for k, v in r.items() if k != "class"} for r in recall if r["class"] == "all"]
    if recall:
        write_csv(recall, out / RECALL_CSV)
        atomic_write_text(out / "mispredicted.md", format_markdown_table(every, float_format="{:.1f}"))
    write_compare_html(out, strategies, seeds, tables, every)
    return summary


def write_result_tables(out: Path, rows: list[dict], full: list[dict], strategies: Sequence[str],
                        seeds: Sequence[int], reference: str = "adeada") -> tuple[list[dict], list]:
    """What a comparison's results rows make, into ``out``: results.csv, summary.csv/.md, table.md,
    headline.md, ablation.md, spread.csv, paired.csv/.md (``reference`` minus every other row,
    when it ran with several seeds) and the plot. ``rows`` are the active cells' rows (as
    ``collect_rows`` makes them, or as read back from a results.csv), ``full`` the
    full-supervision cells' one row each. Returns the summary and the tables for report.html."""
    from adeada.reports import summary_table
    from adeada.fileformats import format_markdown_table, write_csv
    from adeada.fileformats import markdown_rows
    from adeada.reports.compare_tables import (
        ablation_file_markdown, ablation_rows, headline_rows, plus_ablation_rows, round_names, table_markdown,
    )
    from adeada.reports.paired import paired_differences, paired_markdown, seed_spread

    write_csv(rows + full, out / "results.csv")
    summary = summary_table(rows + full)
    write_csv(summary, out / "summary.csv")
    atomic_write_text(out / "summary.md", format_markdown_table(summary) + "\n")
    atomic_write_text(out / "table.md", table_markdown(summary))
    headline = headline_rows(rows + full)
    atomic_write_text(out / "headline.md", format_markdown_table(headline, join_mean_std=False))
    tables = [(HEADLINE_HEADING, [headline]), ("Summary per strategy and round", [markdown_rows(summary)])]
    ablation = ablation_file_markdown(summary)
    # Table 2 only when an ablation row ran: "adeada" alone is not an ablation.
    if ablation and any(s.startswith("adeada_") for s in strategies):
        atomic_write_text(out / "ablation.md", ablation)
        tables.append(("Ablation (Table 2)", [ablation_rows(summary), plus_ablation_rows(summary)]))
    else:
        (out / "ablation.md").unlink(missing_ok=True)  # left by an earlier report of other strategies
    write_csv(seed_spread(summary, exclude=[FULL]), out / "spread.csv")
    if reference in strategies and len(seeds) > 1:
        paired = paired_differences(rows, reference)
        write_csv(paired, out / "paired.csv")
        atomic_write_text(out / "paired.md", paired_markdown(paired, round_names(summary)))
    else:  # left by an earlier report of other rows
        (out / "paired.csv").unlink(missing_ok=True)
        (out / "paired.md").unlink(missing_ok=True)
    plot_results(rows + full, out / "miou_vs_labels.png")
    return summary, tables


def plot_results(results: Sequence[dict], path: Path, level: float = 0.95) -> Path:
    """A comparison's figure from its results rows: per strategy the mean mIoU over seeds against
    the labelled share, with a band of its ``level`` Student-t interval over the seeds (none with
    one seed); the warm-up and, when present, full supervision as reference lines."""
    import math

    from scipy import stats

    from adeada.reports import plot_miou_vs_labels, summary_table
    from adeada.fileformats import number

    results = [dict(r, round=int(number(r["round"])), miou=number(r["miou"])) for r in results]
    active = [r for r in results if r["strategy"] != FULL]
    full = [r["miou"] for r in results if r["strategy"] == FULL and r["round"] == 1]
    curves: dict[str, list[tuple[float, float, float]]] = {}
    finite = [r for r in active if math.isfinite(r["miou"])]  # the seeds the mean and std are over
    for s in summary_table(finite):
        n, std = int(s["n"]), float(s["miou_std"])
        half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / math.sqrt(n) if n > 1 else math.nan
        curves.setdefault(s["strategy"], []).append((float(s["labelled_percent_mean"]), float(s["miou_mean"]), half))
    return plot_miou_vs_labels(
        curves, path, title=f"mIoU vs labelled target pixels (mean, {int(level * 100)}% interval over seeds)",
        warmup=_mean([r["miou"] for r in active if r["round"] == 0]), full_supervision=_mean(full) if full else None)


def write_run_plots(run: RunDir, classes: list[str], name: str, rows: list[dict] | None = None) -> list[Path]:
    """A run's mIoU curve and per-class IoU plot, from its metrics rows (``rows``, or metrics.csv
    refreshed here)."""
    from adeada.reports import plot_miou_vs_labels, plot_per_class_iou

    rows = refresh_metrics_csv(run) if rows is None else rows
    if not rows:
        return []
    curve = [(float(r["labelled_percent"]), 100.0 * float(r["miou"]), 0.0) for r in rows]
    return [
        plot_miou_vs_labels({name: curve}, run.plots / "miou_vs_labels.png", title=f"{name}: mIoU vs labelled target pixels"),
        plot_per_class_iou(rows, classes, run.plots / "per_class.png"),
    ]


