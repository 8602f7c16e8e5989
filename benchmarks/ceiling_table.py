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
import statistics
import sys
from pathlib import Path

from adeada.config import load_run_config
from adeada.fileformats import fill_markers, format_markdown_table, number, read_csv, write_csv

ROOT = Path(__file__).resolve().parents[1]
FULL = "full_supervision"
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
    values = [float(r["test_miou"]) for r in finals]
    info = dict(infos[0], seeds=seeds, steps=[int(r["steps"]) for r in finals],
                ceiling_miou=round(statistics.fmean(values), 4),
                ceiling_std=round(statistics.stdev(values), 4) if len(values) > 1 else 0.0)
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


def _means(results: list[dict]) -> tuple[list[str], dict[str, dict[int, float]], dict[int, float],
                                          dict[str, dict[int, float]]]:
    """(strategies, strategy -> round -> mean mIoU over seeds, round -> mean labelled % over the
    active strategies, strategy -> round -> its own mean labelled %)."""
    strategies = list(dict.fromkeys(r["strategy"] for r in results))
    means: dict[str, dict[int, float]] = {}
    own: dict[str, dict[int, float]] = {}
    shares: dict[int, list[float]] = {}
    for s in strategies:
        by_round: dict[int, list[float]] = {}
        pct: dict[int, list[float]] = {}
        for r in results:
            if r["strategy"] == s:
                by_round.setdefault(int(r["round"]), []).append(number(r["miou"]))
                pct.setdefault(int(r["round"]), []).append(number(r["labelled_percent"]))
                if s != FULL:
                    shares.setdefault(int(r["round"]), []).append(number(r["labelled_percent"]))
        means[s] = {k: statistics.fmean(v) for k, v in by_round.items()}
        own[s] = {k: statistics.fmean(v) for k, v in pct.items()}
    return strategies, means, {k: statistics.fmean(v) for k, v in shares.items()}, own


def share_table(results: list[dict], top: float) -> list[dict]:
    """Each strategy's mean mIoU as a % of the ceiling ``top`` at each budget (a column per round,
    headed by the mean labelled share of the active strategies, as the doc's other tables), the
    same-cost reference's in the last column; every share that rounds to the round's best in bold."""
    strategies, means, shares, _ = _means(results)
    rounds = sorted(k for k in shares if k > 0)
    active = [s for s in strategies if s != FULL]
    best = {k: max(100.0 * means[s][k] / top for s in active) for k in rounds}
    rows = []
    for s in active:
        row = {"strategy": s}
        for k in rounds:
            pct = 100.0 * means[s][k] / top
            row[f"{shares[k]:.2f}%"] = f"**{pct:.1f}**" if round(pct, 1) == round(best[k], 1) else f"{pct:.1f}"
        row["100%, same cost"] = "-"
        rows.append(row)
    if FULL in means:
        rows.append({"strategy": f"{FULL} (same cost)", **{f"{shares[k]:.2f}%": "-" for k in rounds},
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
        if r["stopped_by"] != "max_steps":
            continue
        mine = [x for x in search if x["seed"] == r["seed"]]
        if len(mine) < 2:
            continue
        a, b = mine[-2], mine[-1]
        gain = number(b["heldout_miou"]) - number(a["heldout_miou"])
        moved = number(b["test_miou"]) - number(a["test_miou"])
        text.append(f"So by its own rule seed {r['seed']}'s ceiling is not converged: the held-out block still "
                    f"gained {gain:.2f} points from {a['steps']} to {b['steps']} steps, and a longer search "
                    f"(--max-steps) may end higher; over the same doubling the test mIoU of the searched models, "
                    f"which chooses nothing, moved {moved:+.2f}.")
    for name, rows in results.items():
        strategies, means, shares, own = _means(rows)
        last = max(shares)
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
    made = blocks(args.dest)
    if args.fill:
        found = fill_markers(args.fill, made)
        missing = sorted(set(made) - set(found))
        print(f"filled {len(found)} blocks of {args.fill}" + (f"; no markers for {', '.join(missing)}" if missing else ""))
        return 1 if missing else 0
    for name, text in made.items():
        print(f"\n<!-- table:{name} -->\n{text}\n<!-- /table:{name} -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
