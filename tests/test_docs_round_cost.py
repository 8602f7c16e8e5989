"""density_scale.md's round-cost tables are what benchmarks/round_cost.py makes of the committed
per-round seconds, and the cells rerun on the machine that measured them gave the committed
protocol results back exactly (so its new cells pair with the committed ones)."""

from pathlib import Path

import pytest

from adeada.fileformats import read_csv
from tests.scripts import load_benchmark
from tests.test_docs_benchmarks import quoted

ROOT = Path(__file__).resolve().parents[1]
COST = ROOT / "docs" / "benchmarks" / "round_cost"
PROTOCOLS = {"protocol1": ROOT / "docs" / "benchmarks" / "camvid_day_dusk" / "results.csv",
             "protocol2": ROOT / "docs" / "benchmarks" / "camvid_day_dusk_fine" / "results.csv"}


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_the_round_cost_table_is_what_the_script_makes_of_the_committed_seconds(name):
    mod = load_benchmark("round_cost")
    assert quoted(f"round_cost_{name}") == mod.cost_table(read_csv(COST / f"{name}.csv"), "conf")


# The timings' ADeADA+ cells on protocol 1 ran the authors' recipe, ADeADA+'s estimator before issue
# 24; those committed cells are now row adeada_plus_recipe's file (protocol 2's config ran the fast
# estimator all along, so its adeada_plus is unchanged).
# Protocol 2's ranked its uncertainty part by entropy, ADeADA+'s default until issue 23: results.csv
# keeps those cells as row adeada_plus_ent.
RECIPE = {"protocol1": (ROOT / "docs" / "benchmarks" / "camvid_day_dusk" / "adeada_plus_recipe_results.csv",
                        "adeada_plus_recipe"),
          "protocol2": (ROOT / "docs" / "benchmarks" / "camvid_day_dusk_fine" / "results.csv", "adeada_plus_ent")}


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_the_cells_rerun_for_the_timings_gave_the_committed_values_back(name):
    committed = {(r["strategy"], r["seed"], r["round"]): float(r["miou"]) for r in read_csv(PROTOCOLS[name])}
    if name in RECIPE:
        path, row = RECIPE[name]
        committed.update({("adeada_plus", r["seed"], r["round"]): float(r["miou"])
                          for r in read_csv(path) if r["strategy"] == row})
    rerun = read_csv(COST / f"reproduced_{name}.csv")
    # the cells density_scale.md names: CONF seeds 0-2 on each protocol, ADeADA+ seed 0 on protocol 1
    # and seeds 0-2 on protocol 2, each with its 6 seed-round values (60 in all)
    plus_seeds = {"protocol1": {"0"}, "protocol2": {"0", "1", "2"}}[name]
    cells = {(r["strategy"], r["seed"]) for r in rerun}
    assert cells == {("conf", s) for s in "012"} | {("adeada_plus", s) for s in plus_seeds}
    assert len(rerun) == 6 * len(cells)
    for r in rerun:
        key = (r["strategy"], r["seed"], r["round"])
        assert key in committed, key
        assert float(r["miou"]) == committed[key], key  # exactly: the same float32 computation


def test_the_round_one_overlaps_quoted_are_those_of_the_committed_selections():
    folder = COST / "round1_selections"

    def regions(name):
        return {(r["image"], r["region"]) for r in read_csv(folder / f"{name}.csv")}

    recipe = regions("adeada_plus_recipe")  # the recipe's cells, seed 0: ADeADA+ before issue 24's switch
    fast, seed1 = regions("adeada_plus_fast"), regions("adeada_plus_recipe_seed1")
    text = (ROOT / "docs" / "benchmarks" / "density_scale.md").read_text()
    quoted_text = " ".join(text.split())
    assert (f"the fast estimator's shares {len(fast & recipe)} of its {len(fast)} regions with the recipe's (seed 0), "
            f"the recipe's own seed 1 {len(seed1 & recipe)} of {len(seed1)}") in quoted_text


def test_the_alone_cells_ratio_quoted_is_that_of_the_committed_seconds():
    cost = load_benchmark("round_cost")
    rows = read_csv(COST / "protocol1.csv")
    alone = cost.round_means([r for r in rows if (r["strategy"], r["seed"]) == ("adeada_plus_fast", "2")])
    ratio = alone["adeada_plus_fast"] / cost.round_means(rows)["conf"]
    text = " ".join((ROOT / "docs" / "benchmarks" / "density_scale.md").read_text().split())
    assert f"is about {ratio:.1f}x" in text


def test_the_protocol_one_comparisons_cost_is_its_committed_timings():
    import json

    mod = load_benchmark("round_cost")
    assert quoted("round_cost_comparison_protocol1") == mod.cost_table(
        read_csv(COST / "comparison_protocol1.csv"), "conf")
    # timings.json is the whole comparison's run: rows merged in later (merged.json) are not in it,
    # the rows they renamed are
    merged = json.loads((PROTOCOLS["protocol1"].parent / "merged.json").read_text())
    later = {s for m in merged for s in m["strategies"]}
    back = {new: old for m in merged for old, new in m["renamed"].items()}
    cells = {(back.get(r["strategy"], r["strategy"]), r["seed"]) for r in read_csv(PROTOCOLS["protocol1"])
             if r["strategy"] not in later}
    timings = json.loads((PROTOCOLS["protocol1"].parent / "timings.json").read_text())
    assert quoted("p1_stage_totals") == mod.stage_totals(timings, len(cells))
    # the cost rows are the comparison's cells, every strategy but full supervision, rounds 2-5
    rows = read_csv(COST / "comparison_protocol1.csv")
    assert {(r["strategy"], r["seed"]) for r in rows} == {k for k in cells if k[0] != "full_supervision"}


@pytest.mark.parametrize("page, timings", [
    ("protocol1.md", "camvid_day_dusk/timings.json"),
    ("adeada_plus.md", "camvid_day_dusk/margin_relmass_timings.json"),
    ("protocol2.md", "camvid_day_dusk_fine/ripu_timings.json"),
])
def test_the_run_times_quoted_are_the_committed_timings(page, timings):
    import json

    docs = ROOT / "docs" / "benchmarks"
    wall = json.loads((docs / timings).read_text())["wall_seconds"]
    text = " ".join((docs / page).read_text().split())
    assert f"{wall / 60:.1f} min" in text, (page, wall)
