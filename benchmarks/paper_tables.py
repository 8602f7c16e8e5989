"""The paper's Tables 4 and 5 and its recall study, on CamVid protocol 2: publish the runs, make the tables.

The runs (3 seeds each, ``camvid_day_dusk_fine``, one warm-up shared through the cache)::

    adeada compare --config camvid_day_dusk_fine --strategies adeada --seeds 0,1,2 --jobs 2 \\
        --sweep selection.adeada.alpha=0,0.25,0.5,0.75,1 --out RUNS/alpha
    adeada compare --config camvid_day_dusk_fine --strategies rand,conf,ent --seeds 0,1,2 --jobs 2 --out RUNS/recall
    adeada compare --config camvid_day_dusk_fine --strategies adeada --seeds 0,1,2 --jobs 2 \\
        --sweep selection.adeada.schedule=even,linear_decay --out RUNS/schedule

Half decay, the default schedule, is the ``alpha=1`` row of the first comparison (the same config),
so it is not run twice. Then::

    python benchmarks/paper_tables.py RUNS docs/benchmarks/paper_tables --fill docs/benchmarks.md

copies each comparison's results.csv and timings.json to ``DEST/<name>_results.csv`` /
``<name>_timings.json`` and every cell's mispredicted_recall.csv into ``DEST/recall_cells.csv``
(one row per comparison row, seed and class), and writes the doc's blocks into its markers (or
prints them, without ``--fill``). The functions below make
those blocks from the published files alone; tests/test_docs_paper_tables.py checks that
docs/benchmarks.md quotes exactly them.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

from adeada.fileformats import emit_blocks, format_markdown_table, number, read_csv, write_csv

FOLDERS = ("alpha", "recall", "schedule")
ALPHAS = ("0", "0.25", "0.5", "0.75", "1")
# The paper's supplementary Tables 4 and 5 (DeepLabV3+; Table 4 at 1% of the target labels).
PAPER_T4 = {"GTA5 -> Cityscapes": (59.57, 61.95, 63.30, 63.73, 64.03),
            "SYNTHIA -> Cityscapes": (61.56, 61.98, 62.47, 62.07, 61.87)}
PAPER_T5 = {"even": (63.30, 69.66, 71.15), "linear_decay": (64.03, 69.49, 71.14), "half_decay": (64.03, 69.86, 71.25)}
SCHEDULES = ("even", "linear_decay", "half_decay")
# Rows of the recall study: the baselines of the paper's statement and ADeADA (alpha=1: the paper's
# GTA5 setting and this config's) beside its uncertainty part alone (alpha=0).
RECALL_ROWS = ("rand", "conf", "ent", "adeada[alpha=0]", "adeada[alpha=1]")


def publish(runs: Path, dest: Path) -> list[Path]:
    """Copy the three comparisons' results and timings and gather every cell's recall file."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    cells = []
    for name in FOLDERS:
        src = runs / name
        if not (src / "results.csv").exists():
            raise SystemExit(f"{src / 'results.csv'} does not exist: run the comparison first (see the docstring)")
        for what in ("results.csv", "timings.json"):
            if (src / what).exists():
                written.append(Path(shutil.copyfile(src / what, dest / f"{name}_{what}")))
        for path in sorted(src.glob("*/seed*/mispredicted_recall.csv")):
            for r in read_csv(path):
                cells.append({"strategy": path.parent.parent.name, "seed": path.parent.name[4:], **r})
    written.append(write_csv(cells, dest / "recall_cells.csv"))
    return written


def results(dest: Path) -> list[dict]:
    """Every row of the three published results files, each strategy once (mIoU in %)."""
    rows, seen = [], set()
    for name in FOLDERS:
        mine = [r for r in read_csv(dest / f"{name}_results.csv") if r["strategy"] not in seen]
        seen |= {r["strategy"] for r in mine}
        rows += mine
    return rows


def _headline(rows: list[dict], names: dict[str, str], first: str) -> list[dict]:
    """``headline_rows`` of the named strategies (bold: a round's best; ▼: decided behind it), the
    strategy column renamed ``first`` and given the names' labels, the warm-up column dropped."""
    from adeada.reports.compare_tables import headline_rows

    table = headline_rows([r for r in rows if r["strategy"] in names])
    out = []
    for r in sorted(table, key=lambda r: list(names).index(r["strategy"])):
        cells = {k: v for k, v in r.items() if k != "strategy" and "warm-up" not in k}
        out.append({first: names[r["strategy"]], **cells})
    return out


def table4(dest: Path) -> list[dict]:
    """Table 4: each alpha, the paper's two 1% columns beside ours at every budget."""
    names = {f"adeada[alpha={a}]": a for a in ALPHAS}
    ours = _headline(results(dest), names, "alpha")
    return [{"alpha": r["alpha"], **{f"paper {task}, 1%": f"{vals[i]:.2f}" for task, vals in PAPER_T4.items()},
             **{k: v for k, v in r.items() if k != "alpha"}} for i, r in enumerate(ours)]


def table5(dest: Path) -> list[dict]:
    """Table 5: each schedule, the paper's GTA5 columns (1, 3, 5%) beside ours at every budget."""
    names = {"adeada[schedule=even]": "even", "adeada[schedule=linear_decay]": "linear_decay",
             "adeada[alpha=1]": "half_decay"}
    ours = _headline(results(dest), names, "schedule")
    return [{"schedule": r["schedule"],
             **{f"paper GTA5, {b}": f"{v:.2f}" for b, v in zip(("1%", "3%", "5%"), PAPER_T5[r["schedule"]])},
             **{k: v for k, v in r.items() if k != "schedule"}} for r in ours]


def _recall(dest: Path) -> dict[tuple[str, str], list[dict]]:
    by: dict[tuple[str, str], list[dict]] = {}
    for r in read_csv(dest / "recall_cells.csv"):
        by.setdefault((r["strategy"], r["class"]), []).append(r)
    return by


def _mean_std(values: list[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "-"
    m = sum(finite) / len(finite)
    if len(finite) == 1:
        return f"{m:.1f}"
    sd = math.sqrt(sum((v - m) ** 2 for v in finite) / (len(finite) - 1))
    return f"{m:.1f} ± {sd:.1f}"


def recall_table(dest: Path) -> list[dict]:
    """Per recall row: the share (%) of the warm-up's mispredicted pool regions it bought by each
    round, mean ± std over seeds, every class together."""
    by = _recall(dest)
    rounds = sorted(int(k[len("bought_r"):]) for k in by[(RECALL_ROWS[0], "all")][0] if k.startswith("bought_r"))
    pct = {k: number(r["labelled_percent"]) for k, r in _labelled(dest).items()}
    out = []
    for name in RECALL_ROWS:
        cells = by[(name, "all")]
        out.append({"strategy": name, **{f"by {pct[k]:.2f}%": _mean_std([number(c[f"bought_r{k}"]) for c in cells])
                                          for k in rounds}})
    return out


def _labelled(dest: Path) -> dict[int, dict]:
    """Round -> {labelled_percent}: the mean labelled share over the recall rows' cells."""
    rows = [r for r in results(dest) if r["strategy"] in RECALL_ROWS and int(r["round"]) >= 1]
    out: dict[int, list[float]] = {}
    for r in rows:
        out.setdefault(int(r["round"]), []).append(number(r["labelled_percent"]))
    return {k: {"labelled_percent": sum(v) / len(v)} for k, v in sorted(out.items())}


def recall_classes(dest: Path) -> list[dict]:
    """Per true class: its pool regions, the share the warm-up mispredicted, and the share of those
    each recall row bought by the last round (mean over seeds)."""
    by = _recall(dest)
    first = by[(RECALL_ROWS[0], "all")][0]
    last = max(int(k[len("bought_r"):]) for k in first if k.startswith("bought_r"))
    classes = list(dict.fromkeys(c for (s, c) in by if s == RECALL_ROWS[0]))
    out = []
    for c in classes:
        cell = by[(RECALL_ROWS[0], c)][0]
        regions, wrong = int(cell["regions"]), int(cell["mispredicted"])
        row = {"class": c, "regions": regions, "mispredicted": f"{wrong} ({100.0 * wrong / regions:.0f}%)" if regions else "0"}
        for name in RECALL_ROWS:
            values = [number(x[f"bought_r{last}"]) for x in by[(name, c)]]
            finite = [v for v in values if math.isfinite(v)]
            row[name] = f"{sum(finite) / len(finite):.1f}" if finite else "-"
        out.append(row)
    return out


def _paired(rows: list[dict], reference: str, other: str) -> list[dict]:
    from adeada.reports.paired import paired_differences

    return [p for p in paired_differences([r for r in rows if r["strategy"] in (reference, other)], reference)
            if p["strategy"] == other]


def findings(dest: Path) -> dict[str, str]:
    """The section's sentences, made from the published files (the doc quotes them; a test checks)."""
    from adeada.reports import summary_table

    rows = results(dest)
    summary = [s for s in summary_table(rows) if int(number(s["round"])) >= 1]
    mean = {(s["strategy"], int(number(s["round"]))): float(s["miou_mean"]) for s in summary}
    rounds = sorted({k for _, k in mean})
    alphas = [f"adeada[alpha={a}]" for a in ALPHAS]
    best1 = max(alphas, key=lambda a: mean[(a, 1)])
    lowest = [k for k in rounds if min(alphas, key=lambda a: mean[(a, k)]) == "adeada[alpha=0]"]
    p10 = _paired(rows, "adeada[alpha=1]", "adeada[alpha=0]")
    ahead = [int(p["round"]) for p in p10 if p["verdict"] == "better"]
    behind = [int(p["round"]) for p in p10 if p["verdict"] == "worse"]
    diffs = ", ".join(f"{float(p['mean_diff']):+.2f}" for p in p10)
    ROOT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"
    warm = {name: sorted({round(number(r["miou"]), 3) for r in read_csv(path) if r["round"] == "0"})
            for name, path in (("here", dest / "alpha_results.csv"),
                               ("p2", ROOT / "camvid_day_dusk_fine" / "results.csv"),
                               ("suite", ROOT / "suite" / "camvid_day_dusk_fine_results.csv")) if path.exists()}
    out = {"setup": (
        f"The shared warm-up scores {', '.join(f'{w:.3f}' for w in warm['here'])} here"
        + (f", {', '.join(f'{w:.3f}' for w in warm['p2'])} in the protocol-2 comparison above" if "p2" in warm else "")
        + (f" and {', '.join(f'{w:.3f}' for w in warm['suite'])} in the suite's" if "suite" in warm else "")
        + ": the same warm-up settings, trained where each comparison was made."),
           "t4": (
        f"At the first budget the best alpha here is {best1[len('adeada[alpha='):-1]} "
        f"(the paper's: 1.0 on GTA5, 0.5 on SYNTHIA). alpha = 0, the uncertainty part alone, is the lowest of the five "
        f"at {len(lowest)} of {len(rounds)} budgets (the paper: the lowest on both tasks). alpha = 1 minus alpha = 0, "
        f"paired by seed: {diffs} at the {len(rounds)} budgets, "
        f"decided ahead at {len(ahead)}, decided behind at {len(behind)}.")}
    schedules = {"even": "adeada[schedule=even]", "linear_decay": "adeada[schedule=linear_decay]",
                 "half_decay": "adeada[alpha=1]"}
    best = {k: max(schedules, key=lambda s: mean[(schedules[s], k)]) for k in rounds}
    half_best = [k for k in rounds if best[k] == "half_decay"]
    decided = []
    for name in ("even", "linear_decay"):
        p = _paired(rows, "adeada[alpha=1]", schedules[name])
        decided.append(f"minus {name.replace('_', ' ')}: ahead at {sum(x['verdict'] == 'better' for x in p)}, "
                       f"behind at {sum(x['verdict'] == 'worse' for x in p)}")
    cell = {(r["strategy"], r["seed"]): number(r["miou"]) for r in rows if r["round"] == "1"}
    seeds = sorted({seed for _, seed in cell})
    same = [f"{a} and {b}" for a, b in (("even", "adeada[alpha=0.5]"), ("linear_decay", "half_decay"))
            if all(cell[(schedules.get(a, a), s_)] == cell[(schedules.get(b, b), s_)] for s_ in seeds)]
    out["t5"] = (
        f"Half decay has the highest mean at {len(half_best)} of {len(rounds)} budgets (the paper: at all three it "
        f"reports, tied with linear decay at 1%). Half decay, paired by seed, {'; '.join(decided)} of the "
        f"{len(rounds)} budgets. At the first budget, where they split alike, "
        + (", and ".join(same).replace("adeada[alpha=0.5]", "alpha = 0.5").replace("_", " ")
           + (", " if len(same) > 1 else " ") + "give the same mIoU in every cell"
           if same else "no two schedules give the same mIoU")
        + " (the paper: 63.30 for even and alpha = 0.5, 64.03 for linear and half decay).")
    by = _recall(dest)
    first_all = by[(RECALL_ROWS[0], "all")][0]
    last = max(int(k[len("bought_r"):]) for k in first_all if k.startswith("bought_r"))
    share = {name: sum(number(c[f"bought_r{last}"]) for c in by[(name, "all")]) / len(by[(name, "all")])
             for name in RECALL_ROWS}
    share1 = {name: sum(number(c["bought_r1"]) for c in by[(name, "all")]) / len(by[(name, "all")])
              for name in RECALL_ROWS}
    regions, wrong = int(first_all["regions"]), int(first_all["mispredicted"])
    classes = [c for (name, c) in by if name == RECALL_ROWS[0] and c != "all"]
    mostly = {c: by[(RECALL_ROWS[0], c)][0] for c in classes
              if int(by[(RECALL_ROWS[0], c)][0]["mispredicted"]) * 2 > int(by[(RECALL_ROWS[0], c)][0]["regions"])}
    bought = {(name, c): sum(number(x[f"bought_r{last}"]) for x in by[(name, c)]) / len(by[(name, c)])
              for name in ("ent", "adeada[alpha=1]") for c in mostly}
    more = [c for c in mostly if bought[("adeada[alpha=1]", c)] > bought[("ent", c)]]
    fewer = [c for c in mostly if bought[("adeada[alpha=1]", c)] < bought[("ent", c)]]
    out["recall"] = (
        f"The warm-up mispredicts {wrong} of the pool's {regions} regions ({100.0 * wrong / regions:.0f}%). "
        f"By the first budget ADeADA (alpha = 1) has bought {share1['adeada[alpha=1]']:.1f}% of them, CONF "
        f"{share1['conf']:.1f}%, ENT {share1['ent']:.1f}%, RAND {share1['rand']:.1f}%; by the last "
        f"{share['adeada[alpha=1]']:.1f}%, {share['conf']:.1f}%, {share['ent']:.1f}% and {share['rand']:.1f}% "
        f"(the paper, for Cityscapes' bus regions: ADeADA 25%, uncertainty methods 4%). Of the classes the warm-up "
        f"mispredicts in more than half of their regions, ADeADA has bought more of the mispredicted ones than ENT by "
        f"the last budget in {', '.join(more) or 'none'}, fewer in {', '.join(fewer) or 'none'}.")
    return out


def blocks(dest: Path) -> dict[str, str]:
    """The doc's tables and sentences by marker name."""
    out = {"paper_t4": format_markdown_table(table4(dest), join_mean_std=False).strip(),
           "paper_t5": format_markdown_table(table5(dest), join_mean_std=False).strip(),
           "paper_recall": format_markdown_table(recall_table(dest), join_mean_std=False).strip(),
           "paper_recall_classes": format_markdown_table(recall_classes(dest), join_mean_std=False).strip()}
    out.update({f"paper_{k}_text": v for k, v in findings(dest).items()})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", type=Path, help="the folder holding alpha/, recall/ and schedule/")
    parser.add_argument("dest", type=Path, help="where to publish (docs/benchmarks/paper_tables)")
    parser.add_argument("--fill", type=Path, metavar="DOC", help="write the blocks into DOC's markers (docs/benchmarks.md)")
    args = parser.parse_args(argv)
    for path in publish(args.runs, args.dest):
        print(f"wrote {path}")
    return emit_blocks(blocks(args.dest), args.fill)


if __name__ == "__main__":
    sys.exit(main())
