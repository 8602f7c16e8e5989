"""Publish an ``adeada suite`` folder: each shift's results and timings, and the leaderboard made of them.

    python benchmarks/suite_publish.py RUNS/suite docs/benchmarks/suite --machine "2 vCPU AMD EPYC (AVX2), float32" \\
        --fill docs/benchmarks.md --fill docs/benchmarks/suite.md \\
        --fill docs/benchmarks/protocol1.md --fill docs/benchmarks/protocol2.md

copies ``<shift>/results.csv`` and ``<shift>/timings.json`` of every shift (in the suite's order, then
any other shift folder by name) to ``DEST/<shift>_results.csv`` and ``DEST/<shift>_timings.json``,
writes ``DEST/machine.txt`` (``--machine``: where the suite ran, which no results file records)
and ``DEST/leaderboard.md``, ``leaderboard.csv`` and ``paired.csv`` from the copies, as ``adeada
suite`` does; with ``--fill``, writes the generated blocks into the docs' markers. Every cell of a
shift must start from one warm-up (its round 0 agrees to 1e-4 points), and so must a published
``fs_<shift>_metrics.csv``: cells whose warm-up scores differently are refused, not paired. Any
error leaves DEST and the docs as they were. Reads only files: it runs in seconds on a finished suite.

    python benchmarks/suite_publish.py docs/benchmarks/suite docs/benchmarks/suite --beside RUNS/suite2 \
        --beside-machine "..." --fill ...

publishes the committed suite again with the rows of a later suite of other strategies added to
each shift (``--beside``; a strategy already there is refused, never replaced), its timings kept
as ``DEST/<shift>_timings_beside.json`` and its strategies and machine in ``DEST/beside.json`` (a
second later suite: ``_timings_beside2.json`` and a second record in the list, and so on).
The later cells are paired with the earlier ones only if every shift's round 0 still agrees to
1e-4 points, which is the case when both ran the same kernels (``loop.cpu_isa``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Sequence

from adeada.active.suite import SUITE, write_leaderboard
from adeada.reports.leaderboard import read_results


def shift_files(root: Path) -> dict[str, tuple[Path, Path]]:
    """shift -> (its results.csv, its timings.json), the suite's order first, then by name: from an
    ``adeada suite`` folder (``<shift>/results.csv``) or from a published one
    (``<shift>_results.csv``, to publish it again with rows run beside it)."""
    found = {p.parent.name: (p, p.with_name("timings.json")) for p in root.glob("*/results.csv")}
    if not found:
        found = {p.name[: -len("_results.csv")]: (p, p.with_name(p.name.replace("_results.csv", "_timings.json")))
                 for p in root.glob("*_results.csv")}
    order = [s for s in SUITE if s in found] + sorted(set(found) - set(SUITE))
    return {s: found[s] for s in order}


def add_beside(results: Path, beside: Path, where: str) -> str:
    """The text of ``results`` (one shift's results.csv) with the rows of ``beside`` (the same
    shift in a later suite of other strategies) appended, byte for byte. Another header, or a
    strategy in both, is refused: rows are added, never replaced; whether they started from the
    same warm-up is check_one_warmup's to say."""
    from adeada.fileformats import read_csv

    text = results.read_text()
    other, *rows = beside.read_text().splitlines()
    if other != text.splitlines()[0]:
        raise ValueError(f"{where}: columns {other!r}, the suite's {text.splitlines()[0]!r}")
    both = sorted({r["strategy"] for r in read_csv(beside)} & {r["strategy"] for r in read_csv(results)})
    if both:
        raise ValueError(f"{where}: {', '.join(both)} in both; rows are added, not replaced")
    return text + ("" if text.endswith("\n") else "\n") + "".join(r + "\n" for r in rows)


def parse_renames(pairs: list[str]) -> dict[str, str]:
    """``--rename OLD=NEW`` pairs as a dict; ValueError naming a malformed one or a name given twice."""
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new or old == new:
            raise ValueError(f"--rename {pair!r}: expected OLD=NEW with two different strategy names")
        if old in out:
            raise ValueError(f"--rename {old} given twice")
        if new in out.values():
            raise ValueError(f"--rename: two rows renamed {new}")
        out[old] = new
    return out


def check_renames(names: list[str], renames: dict[str, str], where: str) -> None:
    """Every OLD of ``renames`` is a row of ``names`` and no NEW is a row that stays (renames apply
    at once, so a row may take the name of one renamed away); ValueError otherwise."""
    for old, new in renames.items():
        if old not in names:
            raise ValueError(f"--rename {old}={new}: {where} has no row {old} (it has {', '.join(names)})")
        if new in names and new not in renames:
            raise ValueError(f"--rename {old}={new}: {where} already has a row {new}")


def renamed_text(text: str, renames: dict[str, str], where: str) -> str:
    """A results.csv's text with its strategy column renamed (every other byte kept)."""
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].startswith("strategy,"):
        raise ValueError(f"{where}: the first column is not strategy")
    names = list(dict.fromkeys(line.split(",", 1)[0] for line in lines[1:] if line.strip()))
    check_renames(names, renames, where)
    out = [lines[0]]
    for line in lines[1:]:
        name, sep, rest = line.partition(",")
        out.append(renames.get(name, name) + sep + rest)
    return "".join(out)


def published_results(dest: Path) -> dict[str, list[dict]]:
    """shift -> its rows, from the ``<shift>_results.csv`` files of a published folder (suite order)."""
    names = {p.name[: -len("_results.csv")] for p in dest.glob("*_results.csv")}
    order = [s for s in SUITE if s in names] + sorted(names - set(SUITE))
    return {s: read_results([dest / f"{s}_results.csv"]) for s in order}


def check_one_warmup(rows: list[dict], where: str, tol: float = 1e-4) -> None:
    """Every cell's round 0 (the shared warm-up, evaluated by each cell) must agree to ``tol`` points:
    cells of another warm-up, or evaluated in other arithmetic, must not be paired."""
    values = sorted({float(r["miou"]) for r in rows if int(r["round"]) == 0})
    if not values:
        raise ValueError(f"{where}: no round-0 row, so nothing shows which warm-up its cells started from")
    if values[-1] - values[0] > tol:
        raise ValueError(f"{where}: round 0 ranges from {values[0]} to {values[-1]}: another warm-up or "
                         "evaluation among its cells, not one machine's")


def _best_rounds(rows: list[dict], strategy: str) -> tuple[list[int], dict[int, str]]:
    """Rounds >= 1 where ``strategy`` has the highest mean mIoU, and each round's best strategy."""
    from adeada.reports import summary_table
    from adeada.reports.compare_tables import FULL

    summary = [s for s in summary_table(rows) if s["strategy"] != FULL and int(s["round"]) >= 1]
    best = {}
    for k in sorted({int(s["round"]) for s in summary}):
        cells = [s for s in summary if int(s["round"]) == k]
        best[k] = str(max(cells, key=lambda s: s["miou_mean"])["strategy"])
    return [k for k, b in best.items() if b == strategy], best


def versus(results: dict[str, list[dict]], ours: str, base: str) -> str:
    """One sentence: ``ours`` minus ``base`` per shift (mean over the budgets, paired by seed), on how
    many shifts it is positive, and at which budgets it is decided ahead and behind (95% interval)."""
    from adeada.reports.leaderboard import by_shift, paired_rows

    shifts = list(results)
    per_shift = by_shift(paired_rows(results, [ours], [base]), ours, base, shifts)
    missing = [sh for sh in shifts if sh not in per_shift]
    if missing:
        raise ValueError(f"no paired difference of {ours} and {base} on {', '.join(missing)}")
    ahead = [sh for sh, (m, _, _) in per_shift.items() if m > 0]

    def decided(counts: list[tuple[str, int]]) -> str:
        found = [f"{n} budget{'s' if n > 1 else ''} of {sh}" for sh, n in counts if n]
        return ", ".join(found) if found else "no budget of any shift"

    up = decided([(sh, u) for sh, (_, u, _) in per_shift.items()])
    down = decided([(sh, d) for sh, (_, _, d) in per_shift.items()])
    return (f"{ours} minus {base}, the mean over the budgets, is positive on {len(ahead)} of {len(shifts)} shifts "
            f"({', '.join(ahead) or 'none'}); decided ahead at {up}, behind at {down}.")


def verdict(results: dict[str, list[dict]], protocols: dict[str, list[dict]], ours: str = "adeada_plus") -> dict[str, str]:
    """The numbers the front page's verdict and the README state, made from the committed files.

    ``results``: the suite's shifts (published); ``protocols``: the committed main comparisons
    (protocol 1 and 2, every strategy). Returns sentences keyed by name; the doc and the README
    quote them and a test checks that they are these.
    """
    from adeada.reports.leaderboard import BASELINES, common_strategies, rank_rows
    from adeada.reports import summary_table

    out = {}
    parts = []
    for name, rows in protocols.items():
        mine, best = _best_rounds(rows, ours)
        others = sorted({b for k, b in best.items() if b != ours})
        n = len({r["strategy"] for r in rows if r["strategy"] != "full_supervision"})
        parts.append(f"{name}: {len(mine)} of {len(best)} budgets among the {n} strategies of its main comparison"
                     + (f" ({', '.join(others)} at the others)" if others else ""))
    out["protocols"] = f"{ours} has the best mean at " + "; ".join(parts) + "."
    names = common_strategies(results)
    ranks = rank_rows(results, names)
    cells = ranks[0]["cells"] if ranks else 0
    out["ranks"] = (f"Over the suite's {len(results)} shifts x {cells // max(len(results), 1)} budgets the mean ranks "
                    f"(1 = best of {len(names)}) are " + ", ".join(f"{r['strategy']} {r['mean_rank']:.2f}" for r in ranks) + ".")
    for base in [s for s in names if s in BASELINES]:
        out[f"vs_{base}"] = versus(results, ours, base)
    below = []
    for shift, rows in results.items():
        summary = summary_table([r for r in rows if r["strategy"] in names])
        warm = next(s["miou_mean"] for s in summary if int(s["round"]) == 0)
        last = max(int(s["round"]) for s in summary)
        if all(s["miou_mean"] < warm for s in summary if int(s["round"]) == last):
            below.append(f"{shift} (warm-up {warm:.2f}, best at the last budget "
                         f"{max(s['miou_mean'] for s in summary if int(s['round']) == last):.2f})")
    out["below_warmup"] = ("Every strategy ends below the warm-up on " + "; ".join(below) + "."
                           if below else "Every shift ends above its warm-up for some strategy.")
    return out


def candidates(results: dict[str, list[dict]], default: str = "adeada_plus") -> str:
    """The suite page's sentences on each other row of ours in the suite: it minus each baseline
    and minus ``default`` (ADeADA+ as it ships)."""
    from adeada.reports.leaderboard import BASELINES, common_strategies

    names = common_strategies(results)
    bases = [s for s in names if s in BASELINES]
    return " ".join(versus(results, row, base) for row in names if row not in BASELINES and row != default
                    for base in bases + [default])


def details(dest: Path, protocols: dict[str, Sequence[Path]]) -> dict[str, str]:
    """The suite page's measured statements, from the published folder ``dest``: where and how long
    the suite ran, a reproduction check of its CamVid cells against ``protocols`` (shift -> the
    committed results files of the same config; every strategy in both is compared), and full
    supervision on a shift where every strategy ends below its warm-up (``fs_<shift>_metrics.csv``,
    when published)."""
    from adeada.fileformats import read_csv
    from adeada.reports.leaderboard import value_agreement

    out = {}
    if (dest / "machine.txt").exists():
        machine = (dest / "machine.txt").read_text().strip()
        which = "the first suite" if beside_records(dest) else "the suite"
        out["machine"] = f"Every cell of {which} ran on one kind of machine: {machine}."
    found = {p.name[: -len("_timings.json")]: p for p in dest.glob("*_timings.json")}
    walls = {s: json.loads(found[s].read_text())["wall_seconds"]
             for s in [s for s in SUITE if s in found] + sorted(set(found) - set(SUITE))}
    if walls:
        out["time"] = (f"The last invocation of compare on each of the {len(walls)} shifts took "
                       f"{sum(walls.values()) / 60:.0f} min of wall time in all on the 2 cores with 2 workers ("
                       + ", ".join(f"{k} {v / 60:.0f}" for k, v in walls.items()) + " min; each shift's "
                       "timings.json, which leaves out cells and warm-ups finished by an earlier invocation).")
    shifts = sorted({p.name[: -len("_results.csv")] for p in dest.glob("*_results.csv")})
    said = []
    for k, record in enumerate(beside_records(dest)):
        suffix = beside_timings_suffix(k)
        later = {p.name[: -len(suffix)]: json.loads(p.read_text())["wall_seconds"]
                 for p in sorted(dest.glob("*" + suffix))}
        took = (f": {sum(later.values()) / 60:.0f} min of wall time on its {len(later)} shifts ("
                + ", ".join(f"{s} {v / 60:.0f}" for s, v in later.items()) + " min, <shift>" + suffix + ")"
                if later else "")
        same = 0
        for shift in shifts:
            rows = [r for r in read_csv(dest / f"{shift}_results.csv") if int(r["round"]) == 0]
            later_rows = {r["miou"] for r in rows if r["strategy"] in record["strategies"]}
            first_rows = {r["miou"] for r in rows if r["strategy"] not in record["strategies"]}
            same += len(later_rows | first_rows) == 1
        said.append(f"The rows of {', '.join(record['strategies'])} were added later by another suite, on "
                    f"{record['machine']}, from the same warm-ups: every cell's round 0 is one value, to the "
                    f"last digit, across the suites on {same} of {len(shifts)} shifts (the publish script "
                    f"refuses a gap over 1e-4 points){took}.")
    if said:
        out["beside"] = " ".join(said)
    checks = []
    for name, committed in protocols.items():
        mine = dest / f"{name}_results.csv"
        if not mine.exists():
            continue
        a = value_agreement(read_csv(mine), [r for path in committed for r in read_csv(path)])
        if not a["values"]:
            continue
        checks.append(f"{name}: {a['values']} seed-round values of {', '.join(a['strategies'])} in "
                      f"both, {a['equal']} equal, mean |difference| {a['mean']:.3f} and largest "
                      f"{a['largest']:.3f} mIoU points")
    if checks:
        out["reproduction"] = "Against the committed results of the same config: " + "; ".join(checks) + "."
    for path in sorted(dest.glob("fs_*_metrics.csv")):
        rows = {int(r["round"]): float(r["miou"]) * 100 for r in read_csv(path)}
        shift = path.name[3: -len("_metrics.csv")]
        if (dest / f"{shift}_results.csv").exists():
            check_one_warmup(read_csv(dest / f"{shift}_results.csv") + [{"round": 0, "miou": rows[0]}],
                             f"{path.name} beside {shift}_results.csv")
        where = (f"below the warm-up's {rows[0]:.2f}: there the recipe, not the selection, loses what the labels "
                 "bring." if rows[1] < rows[0] else f"above the warm-up's {rows[0]:.2f}.")
        out[f"full_{shift}"] = (f"On {shift} full supervision (the whole pool labelled, 100 steps of the same recipe "
                                f"from the same warm-up, seed 0) ends at {rows[1]:.2f}, {where}")
    return out


# A --beside suite's own records (its cells' wall time is not the suite's).
BESIDE_TIMINGS = "_timings_beside.json"
BESIDE_RECORD = "beside.json"  # its strategies and machine (a list: one record per later suite)


def beside_records(dest: Path) -> list[dict]:
    """The later suites published beside the first, in order (``beside.json``: one record, as the
    first --beside wrote it, or a list of them)."""
    if not (dest / BESIDE_RECORD).exists():
        return []
    data = json.loads((dest / BESIDE_RECORD).read_text())
    return data if isinstance(data, list) else [data]


def beside_timings_suffix(k: int) -> str:
    """The timings file suffix of the k-th later suite (0: ``_timings_beside.json``, then ``_timings_beside2.json``...)."""
    return BESIDE_TIMINGS if k == 0 else BESIDE_TIMINGS.replace(".json", f"{k + 1}.json")
ROOT = Path(__file__).resolve().parents[1]
# The committed main comparisons, for the front page's verdict and the suite's reproduction check.
PROTOCOLS = {"protocol 1": ROOT / "docs" / "benchmarks" / "camvid_day_dusk" / "results.csv",
             "protocol 2": ROOT / "docs" / "benchmarks" / "camvid_day_dusk_fine" / "results.csv"}
SHIFT_OF = {"protocol 1": "camvid_day_dusk", "protocol 2": "camvid_day_dusk_fine"}
# Every committed result of the suite's CamVid configs (protocol 2's RIPU was run after its
# comparison, so it has a file of its own).
COMMITTED = {SHIFT_OF["protocol 1"]: [PROTOCOLS["protocol 1"]],
             SHIFT_OF["protocol 2"]: [PROTOCOLS["protocol 2"], PROTOCOLS["protocol 2"].with_name("ripu_results.csv")]}


def blocks(dest: Path) -> dict[str, str]:
    """Every generated block the docs quote from the published suite ``dest`` (the front page's
    verdict, ranks and paired overview; the suite page's statements and its part-errors table;
    each protocol page's table of its suite cells)."""
    from adeada.fileformats import format_markdown_table, read_csv
    from adeada.reports.compare_tables import headline_markdown
    from adeada.reports.leaderboard import (BASELINES, common_strategies, paired_overview, paired_rows, rank_markdown,
                                             rank_rows)

    results = published_results(dest)
    names = common_strategies(results)
    said = verdict(results, {name: read_csv(path) for name, path in PROTOCOLS.items()})
    paired = paired_rows(results, [s for s in names if s not in BASELINES], [s for s in names if s in BASELINES])
    det = details(dest, COMMITTED)
    out = {"verdict": " ".join(said[k] for k in ("protocols", "ranks", "vs_conf", "vs_ripu", "below_warmup")),
           "suite_ranks": rank_markdown(rank_rows(results, names), list(results)).strip(),
           "suite_paired": format_markdown_table(paired_overview(paired, list(results)), join_mean_std=False).strip(),
           "suite_details": " ".join(det.values()),
           "suite_candidates": candidates(results)}
    for block, shift in (("suite_p1", SHIFT_OF["protocol 1"]), ("suite_p2", SHIFT_OF["protocol 2"])):
        if shift in results:
            out[block] = headline_markdown(results[shift]).strip()
    if (dest / "part_errors.csv").exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from part_errors import summary

        out["suite_part_errors"] = format_markdown_table(summary(read_csv(dest / "part_errors.csv")),
                                                         float_format="{:.3f}").strip()
    return out


# What publishing replaces in DEST; anything else there (fs_<shift>_metrics.csv, part_errors.csv) is kept.
# (A --beside suite's own records are replaced only by another --beside: publishing the folder again
# without one keeps them with the rows they describe.)
MADE_HERE = ("*_results.csv", "*_timings.json", "machine.txt", "leaderboard.md", "leaderboard.csv", "paired.csv")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", type=Path, help="the --out folder of `adeada suite`")
    ap.add_argument("dest", type=Path)
    ap.add_argument("--machine", metavar="TEXT", help="where the suite ran (CPU, precision), kept in DEST/machine.txt")
    ap.add_argument("--beside", type=Path, metavar="SUITE",
                    help="a later `adeada suite` folder of other strategies on the same shifts: its rows are added to "
                         "each shift's (never replacing one), its timings kept as DEST/<shift>" + BESIDE_TIMINGS)
    ap.add_argument("--beside-machine", metavar="TEXT", default="a machine not recorded",
                    help="where the --beside suite ran, kept with its strategies in DEST/" + BESIDE_RECORD)
    ap.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                    help="rename the suite's rows OLD to NEW on every shift (and in DEST/" + BESIDE_RECORD
                         + "), before any --beside rows are added: a setting's old default keeps its cells under "
                         "the name of the row that now runs it (repeatable; applied at once, so two rows may swap)")
    ap.add_argument("--fill", type=Path, action="append", default=[], metavar="DOC",
                    help="write the generated blocks into DOC's markers (repeatable)")
    args = ap.parse_args(argv)
    shifts = shift_files(args.suite)
    if not shifts:
        print(f"suite_publish: no <shift>/results.csv or <shift>_results.csv in {args.suite}", file=sys.stderr)
        return 2
    beside = shift_files(args.beside) if args.beside else {}
    if args.beside and set(beside) != set(shifts):
        print(f"suite_publish: --beside {args.beside}: shifts {', '.join(beside) or 'none'}; the suite has "
              f"{', '.join(shifts)}", file=sys.stderr)
        return 2
    try:
        renames = parse_renames(args.rename)
    except ValueError as err:
        print(f"suite_publish: {err}", file=sys.stderr)
        return 2
    absent = [str(d) for d in args.fill if not d.is_file()]
    if absent:
        print(f"suite_publish: --fill {', '.join(absent)}: no such file", file=sys.stderr)
        return 2
    import tempfile

    from adeada.fileformats import fill_markers, missing_markers

    # Everything is made in a staging folder first: an error (two warm-ups, a missing marker, a
    # sentence that cannot be made) leaves DEST and the docs as they were.
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        kept = [f for f in (args.dest.iterdir() if args.dest.is_dir() else [])
                if f.is_file() and not any(f.match(pat) for pat in MADE_HERE)]
        for f in kept:
            shutil.copyfile(f, stage / f.name)
        for name, (results, timings) in shifts.items():
            if results.resolve() != (stage / f"{name}_results.csv").resolve():
                shutil.copyfile(results, stage / f"{name}_results.csv")
            if timings.exists():
                shutil.copyfile(timings, stage / f"{name}_timings.json")
        if args.machine:
            (stage / "machine.txt").write_text(args.machine.strip() + "\n")
        elif (args.suite / "machine.txt").exists():  # a published folder again: where it ran stays said
            shutil.copyfile(args.suite / "machine.txt", stage / "machine.txt")
        try:
            if renames:
                for name in shifts:
                    path = stage / f"{name}_results.csv"
                    path.write_text(renamed_text(path.read_text(), renames, f"{shifts[name][0]}"))
                records = beside_records(stage)
                if records:  # the strategies they name are renamed too
                    for record in records:
                        record["strategies"] = sorted(renames.get(s, s) for s in record.get("strategies", []))
                    (stage / BESIDE_RECORD).write_text(json.dumps(records[0] if len(records) == 1 else records) + "\n")
            if beside:  # after the renames: they are the published rows', not these
                from adeada.fileformats import read_csv

                added = sorted({r["strategy"] for results, _ in beside.values() for r in read_csv(results)})
                records = beside_records(stage) + [{"machine": args.beside_machine.strip(), "strategies": added}]
                suffix = beside_timings_suffix(len(records) - 1)
                (stage / BESIDE_RECORD).write_text(json.dumps(records[0] if len(records) == 1 else records) + "\n")
            for name, (results, timings) in beside.items():
                merged = add_beside(stage / f"{name}_results.csv", results, f"--beside {results}")
                (stage / f"{name}_results.csv").write_text(merged)
                if timings.exists():
                    shutil.copyfile(timings, stage / f"{name}{suffix}")
            for name, (results, _) in shifts.items():
                # the rows beside included: a later run must have started from the same warm-up
                check_one_warmup(read_results([stage / f"{name}_results.csv"]), f"{name}_results.csv"
                                 + (f" with the rows of {beside[name][0]}" if name in beside else f" ({results})"))
            write_leaderboard(stage, published_results(stage))
            made = blocks(stage) if args.fill else {}
        except (ValueError, KeyError) as err:
            print(f"suite_publish: {err}", file=sys.stderr)
            return 2
        missing = missing_markers(args.fill, list(made))
        if missing:
            print(f"suite_publish: no markers for {', '.join(missing)} in {', '.join(map(str, args.fill))}",
                  file=sys.stderr)
            return 1
        args.dest.mkdir(parents=True, exist_ok=True)
        for pat in MADE_HERE:
            for f in args.dest.glob(pat):
                f.unlink()
        for f in stage.iterdir():
            shutil.copyfile(f, args.dest / f.name)
    print((args.dest / "leaderboard.md").read_text())
    for doc in args.fill:
        print(f"filled {len(fill_markers(doc, made))} blocks of {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
