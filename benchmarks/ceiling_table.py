"""The converged full-supervision ceiling on CamVid day -> dusk, and each strategy's share of it.

The measurement (one folder per seed, or one folder for all; each is ``adeada ceiling``'s output)::

    adeada ceiling --config camvid_day_dusk --seeds 0 --out RUNS/ceiling/seed0

Regions play no part in it (every pool label is used), so one ceiling serves both protocols:
camvid_day_dusk_fine has the same data, model, warm-up and fine-tuning recipe. Then::

    python benchmarks/ceiling_table.py RUNS/ceiling docs/benchmarks/ceiling --fill docs/benchmarks.md

copies every ``search.csv`` / ``ceiling.csv`` under RUNS/ceiling into DEST (rows of all folders,
by seed) with the first folder's ``ceiling.json`` (its rule, config and precision; the mean is
recomputed over all seeds), and writes the doc's blocks into its markers (or prints them).
The blocks are made from DEST and the committed results of both protocols alone;
tests/test_docs_ceiling.py checks that docs/benchmarks.md quotes exactly them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from adeada.active.ceiling import ceiling_of
from adeada.config import load_run_config
from adeada.fileformats import emit_blocks, format_markdown_table, number, read_csv, write_csv
from adeada.reports import summary_table
from adeada.reports.compare_tables import FULL, round_names

ROOT = Path(__file__).resolve().parents[1]
PROTOCOLS = {"camvid_day_dusk": "protocol 1", "camvid_day_dusk_fine": "protocol 2"}


def publish(runs: Path, dest: Path) -> list[Path]:
    """Gather every seed's files of the measurement folders under ``runs`` into ``dest``."""
    folders = sorted({p.parent for p in runs.rglob("ceiling.csv")})
    if not folders:
        raise FileNotFoundError(f"no ceiling.csv under {runs}: run `adeada ceiling --out {runs}/...` first")
    dest.mkdir(parents=True, exist_ok=True)
    search = sorted((r for f in folders for r in read_csv(f / "search.csv")), key=lambda r: (int(r["seed"]), int(r["steps"])))
    finals = sorted((r for f in folders for r in read_csv(f / "ceiling.csv")), key=lambda r: int(r["seed"]))
    seeds = [int(r["seed"]) for r in finals]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seed(s) measured twice under {runs}: {sorted(s for s in set(seeds) if seeds.count(s) > 1)}")
    infos = [json.loads((f / "ceiling.json").read_text()) for f in folders]
    configs = [load_run_config(f / "config.yaml") for f in folders]
    for cfg, folder in zip(configs[1:], folders[1:]):
        if cfg != configs[0]:  # a --set keeps the config's name: compare the settings themselves
            raise ValueError(f"{folder}/config.yaml differs from {folders[0]}/config.yaml: one ceiling is one recipe")
    for other, folder in zip(infos[1:], folders[1:]):
        for key in ("config", "rule", "precision", "pool_images", "same_cost_steps"):
            if other.get(key) != infos[0].get(key):
                raise ValueError(f"{folder}/ceiling.json has another {key} than {folders[0]}: "
                                 f"{other.get(key)} vs {infos[0].get(key)}")
    info = dict(infos[0], seeds=seeds, steps=[int(r["steps"]) for r in finals], **ceiling_of(finals))
    out = [write_csv(search, dest / "search.csv"), write_csv(finals, dest / "ceiling.csv")]
    (dest / "ceiling.json").write_text(json.dumps(info, indent=1) + "\n")
    return out + [dest / "ceiling.json"]


def ceiling(dest: Path) -> dict:
    """ceiling.json as published."""
    return json.loads((dest / "ceiling.json").read_text())


def search_table(dest: Path) -> list[dict]:
    """A row per seed and searched length: held-out and test mIoU (only the held-out one chooses)."""
    finals = {r["seed"]: int(r["steps"]) for r in read_csv(dest / "ceiling.csv")}
    return [{"seed": r["seed"], "steps": r["steps"], "held-out block mIoU": f"{number(r['heldout_miou']):.2f}",
             "test mIoU (not used to choose)": f"{number(r['test_miou']):.2f}",
             "chosen": "yes" if finals.get(r["seed"]) == int(r["steps"]) else "",
             "seconds": r["seconds"]} for r in read_csv(dest / "search.csv")]


def _means(results: list[dict]) -> tuple[list[str], dict[str, dict[int, float]], dict[int, str],
                                          dict[str, dict[int, float]]]:
    """(strategies, strategy -> round -> mean mIoU over seeds, round -> its column name (the mean
    labelled share of the active strategies, as every table of the doc), strategy -> round -> its
    own mean labelled %)."""
    summary = summary_table(results)
    strategies = list(dict.fromkeys(str(row["strategy"]) for row in summary))
    means: dict[str, dict[int, float]] = {s: {} for s in strategies}
    own: dict[str, dict[int, float]] = {s: {} for s in strategies}
    for row in summary:
        k = int(number(row["round"]))
        means[str(row["strategy"])][k] = number(row["miou_mean"])
        own[str(row["strategy"])][k] = number(row["labelled_percent_mean"])
    return strategies, means, round_names(summary), own


def share_table(results: list[dict], top: float) -> list[dict]:
    """Each strategy's mean mIoU as a % of the ceiling ``top`` at each budget (a column per round,
    headed by the mean labelled share of the active strategies, as the doc's other tables), the
    same-cost reference's in the last column; every share that rounds to the round's best in bold."""
    strategies, means, names, _ = _means(results)
    rounds = sorted(k for k in names if k > 0)
    active = [s for s in strategies if s != FULL]
    best = {k: max(100.0 * means[s][k] / top for s in active) for k in rounds}
    rows = []
    for s in active:
        row = {"strategy": s}
        for k in rounds:
            pct = 100.0 * means[s][k] / top
            row[names[k]] = f"**{pct:.1f}**" if round(pct, 1) == round(best[k], 1) else f"{pct:.1f}"
        row["100%, same cost"] = "-"
        rows.append(row)
    if FULL in means:
        rows.append({"strategy": f"{FULL} (same cost)", **{names[k]: "-" for k in rounds},
                     "100%, same cost": f"{100.0 * means[FULL][1] / top:.1f}"})
    return rows


def findings(dest: Path, results: dict[str, list[dict]]) -> str:
    """The sentences under the tables, every number made here."""
    info = ceiling(dest)
    top = info["ceiling_miou"]
    finals = read_csv(dest / "ceiling.csv")
    rule = info["rule"]
    why = {"plateau": f"ended at the first doubling that gained under {rule['min_gain']:g} held-out points",
           "max_steps": "reached its longest length still gaining"}
    per_seed = "; ".join(f"seed {r['seed']}: {int(r['steps'])} steps, the best held-out score of a search that "
                         f"{why[r['stopped_by']]}; {number(r['test_miou']):.2f} on the test set" for r in finals)
    held = info["pool_images"]
    text = [f"The ceiling is **{top:.2f}** mIoU ({per_seed}); the held-out block is the pool's last "
            f"{held['heldout_block']} of {held['heldout_block'] + held['training_block']} frames."]
    search = read_csv(dest / "search.csv")
    for r in finals:
        mine = [x for x in search if x["seed"] == r["seed"]]
        if len(mine) < 2:
            continue
        a, b = mine[-2], mine[-1]
        gain = number(b["heldout_miou"]) - number(a["heldout_miou"])
        moved = number(b["test_miou"]) - number(a["test_miou"])
        also = (f"over the same doubling the test mIoU of the searched models, which chooses nothing, "
                f"moved {moved:+.2f}")
        if r["stopped_by"] == "max_steps":
            text.append(f"By its own rule seed {r['seed']}'s ceiling is not converged: the held-out block still "
                        f"gained {gain:.2f} points from {a['steps']} to {b['steps']} steps, and a longer search "
                        f"(--max-steps) may end higher; {also}.")
        else:
            text.append(f"Seed {r['seed']}'s search converged by its rule: the held-out block gained {gain:.2f} "
                        f"points from {a['steps']} to {b['steps']} steps, under {rule['min_gain']:g}; {also}.")
    for name, rows in results.items():
        strategies, means, names, own = _means(rows)
        last = max(names)
        active = [s for s in strategies if s != FULL]
        best = max(active, key=lambda s: means[s][last])
        reach = (f"the best strategy after round {last} ({best}, {means[best][last]:.2f} at {own[best][last]:.2f}% of "
                 f"the pool's pixels) reaches {100 * means[best][last] / top:.1f}% of it")
        if FULL in means:
            same = means[FULL][1]
            above = [s for s in active if any(v > same for k, v in means[s].items() if k > 0)]
            passing = (f"{len(above)} of its {len(active)} strategies pass the same-cost reference at some budget "
                       f"({', '.join(above)})" if above else "no strategy passes the same-cost reference")
            text.append(f"On {PROTOCOLS.get(name, name)} the same-cost reference ({same:.2f}) is {100 * same / top:.1f}% "
                        f"of the ceiling, and {reach} ({100 * means[best][last] / same:.1f}% of the same-cost "
                        f"reference); {passing}.")
        else:
            text.append(f"On {PROTOCOLS.get(name, name)} {reach}.")
    return " ".join(text)


def committed_results() -> dict[str, list[dict]]:
    return {name: read_csv(ROOT / "docs" / "benchmarks" / name / "results.csv") for name in PROTOCOLS}


def blocks(dest: Path, results: dict[str, list[dict]] | None = None) -> dict[str, str]:
    """The doc's tables and sentences by marker name."""
    results = committed_results() if results is None else results
    top = ceiling(dest)["ceiling_miou"]
    out = {"ceiling_search": format_markdown_table(search_table(dest), join_mean_std=False).strip(),
           "ceiling_text": findings(dest, results)}
    for name, rows in results.items():
        out[f"ceiling_{name}"] = format_markdown_table(share_table(rows, top), join_mean_std=False).strip()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", type=Path, help="the folder holding the `adeada ceiling` output folder(s)")
    parser.add_argument("dest", type=Path, help="where to publish (docs/benchmarks/ceiling)")
    parser.add_argument("--fill", type=Path, metavar="DOC", help="write the blocks into DOC's markers (docs/benchmarks.md)")
    args = parser.parse_args(argv)
    for path in publish(args.runs, args.dest):
        print(f"wrote {path}")
    return emit_blocks(blocks(args.dest), args.fill)


if __name__ == "__main__":
    sys.exit(main())
