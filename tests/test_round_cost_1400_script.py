"""benchmarks/round_cost_1400.py: one run gives the density-aware/CONF round ratio and the fast
estimator's agreement with the authors' recipe beside the recipe's own floor; the doc quotes the
committed run."""

import json
from pathlib import Path

import pytest

from adeada.fileformats import read_csv
from tests.scripts import load_benchmark
from tests.test_docs_benchmarks import quoted
from tests.tiny_run import write_tiny_config

ROOT = Path(__file__).resolve().parents[1]
COST = ROOT / "docs" / "benchmarks" / "round_cost"


@pytest.mark.slow
def test_one_run_prints_the_ratio_and_the_overlaps_and_writes_what_it_printed(tmp_path, capsys):
    mod = load_benchmark("round_cost_1400")
    out, js, csv = tmp_path / "run", tmp_path / "r.json", tmp_path / "r.csv"
    args = ["--config", str(write_tiny_config(tmp_path)), "--out", str(out), "--seeds", "0", "--jobs", "1",
            "--n-jobs", "1", "--json", str(js), "--csv", str(csv)]
    assert mod.main(args) == 0
    printed = capsys.readouterr().out
    result = json.loads(js.read_text())
    # round 2 of each of the two cells (round 1 is the shared cache's), and a ratio made of them
    rows = read_csv(csv)
    assert sorted((r["strategy"], r["seed"], r["round"]) for r in rows) == [
        ("adeada_plus_fast", "0", "2"), ("conf", "0", "2")]
    seconds = result["round_seconds"]
    ratio = seconds["adeada_plus_fast"] / seconds["conf"]
    assert f"density-aware / CONF round time: {ratio:.2f}x" in printed
    # the tables the overlaps were measured on are the run's round-1 statistics
    assert result["target_regions"] > 12 and result["source_regions"] > 6
    step = result["density_step"]
    for key in ("floor_top10", "fast_other_seed_top10", "floor_adeada_plus_selection"):
        assert 0.0 <= step[key] <= 1.0
    plus = next(r for r in rows if r["strategy"] == "adeada_plus_fast")
    assert result["select_seconds"]["adeada_plus_fast"] == float(plus["select"])
    assert mod.report(result) in printed
    mod.main(["--from-json", str(js)])
    assert capsys.readouterr().out.strip() == mod.report(result)


def test_the_doc_quotes_what_the_script_makes_of_the_committed_run():
    mod = load_benchmark("round_cost_1400")
    cost = load_benchmark("round_cost")
    assert quoted("round_cost_pool1400") == cost.cost_table(read_csv(COST / "pool1400.csv"), "conf")
    result = json.loads((COST / "pool1400.json").read_text())
    assert quoted("round_cost_pool1400_report") == "```\n" + mod.report(result) + "\n```"
    # the ratio in the JSON is the committed seconds' ratio
    rows = read_csv(COST / "pool1400.csv")
    assert cost.round_means(rows) == pytest.approx(result["round_seconds"])
    assert {n: st["select"] for n, st in cost.stage_means(rows).items()} == pytest.approx(result["select_seconds"])
    assert {r["seed"] for r in rows} == {str(s) for s in result["seeds"]}


def test_the_prose_figures_are_those_of_the_committed_run():
    cost = load_benchmark("round_cost")
    rows = read_csv(COST / "pool1400.csv")
    result = json.loads((COST / "pool1400.json").read_text())
    text = " ".join((ROOT / "docs" / "benchmarks" / "density_scale.md").read_text().split())

    def ratio(keep):
        means = cost.round_means([r for r in rows if keep(r)])
        return means["adeada_plus_fast"] / means["conf"]

    assert (f"Its round 2 is {ratio(lambda r: r['round'] == '2'):.2f}x and its round 3 "
            f"{ratio(lambda r: r['round'] == '3'):.2f}x") in text
    assert f"is {ratio(lambda r: True):.2f}x a CONF round" in text
    stats = {(r["strategy"], r["round"]): [] for r in rows}
    for r in rows:
        stats[r["strategy"], r["round"]].append(float(r["stats"]))
    lo2, hi2 = min(stats["adeada_plus_fast", "2"]), max(stats["adeada_plus_fast", "2"])
    lo3, hi3 = min(stats["adeada_plus_fast", "3"]), max(stats["adeada_plus_fast", "3"])
    assert f"statistics took {lo2:.0f}-{hi2:.0f} s against {lo3:.0f}-{hi3:.0f} s in round 3" in text
    s = result["density_step"]
    assert (f"{s['fast_other_seed_top10']:.1%} against {s['floor_top10']:.1%}, "
            f"ADeADA's round-1 selection {s['fast_other_seed_adeada_selection']:.1%} against "
            f"{s['floor_adeada_selection']:.1%}, ADeADA+'s {s['fast_other_seed_adeada_plus_selection']:.1%} "
            f"against {s['floor_adeada_plus_selection']:.1%}") in text
    assert (f"({s['fast_same_seed_top10']:.1%}, {s['fast_same_seed_adeada_selection']:.1%}, "
            f"{s['fast_same_seed_adeada_plus_selection']:.1%})") in text
