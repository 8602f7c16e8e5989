"""docs/benchmarks.md quotes the committed results file, not numbers typed by hand."""

import re
from pathlib import Path

import pytest

from adeada.reports.compare_tables import FULL, ablation_markdown, round_names, table_markdown
from adeada.active.rundir import read_csv
from adeada.reports import summary_table
from adeada.reports.paired import paired_differences, paired_markdown, seed_spread

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
DATA = ROOT / "docs" / "benchmarks" / "camvid_day_dusk"
# Row (a) of the ablation is ENT (the same regions) and is not run again.
STRATEGIES = ["rand", "ent", "conf", "mar", "badge", "redal", "aada", "clue", "density", "adeada",
              "adeada_c", "adeada_d"]


def quoted(name: str) -> str:
    """The markdown between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` in the doc."""
    text = DOC.read_text()
    found = re.search(rf"<!-- table:{name} -->\n(.*?)\n<!-- /table:{name} -->", text, re.S)
    assert found, f"{DOC} has no table '{name}' between markers"
    return found.group(1).strip()


@pytest.fixture(scope="module")
def summary():
    return summary_table(read_csv(DATA / "results.csv"))


def test_the_results_file_holds_every_cell():
    rows = read_csv(DATA / "results.csv")
    cells = {(r["strategy"], r["seed"]) for r in rows}
    assert cells == {(s, str(seed)) for s in STRATEGIES + [FULL] for seed in range(3)}
    for s in STRATEGIES:
        assert sorted(int(r["round"]) for r in rows if r["strategy"] == s and r["seed"] == "0") == list(range(6))


def test_the_main_table_is_the_results_file(summary):
    assert quoted("main") == table_markdown(summary).strip()


def test_the_ablation_table_is_the_results_file(summary):
    assert quoted("ablation") == ablation_markdown(summary).strip()


def test_the_doc_is_linked_from_the_readme_and_its_files_exist():
    assert "docs/benchmarks.md" in (ROOT / "README.md").read_text()
    for name in re.findall(r"\]\((benchmarks/camvid_day_dusk/[^)]+)\)", DOC.read_text()):
        assert (DOC.parent / name).exists(), name


def test_the_paired_differences_are_the_results_file(summary):
    paired = paired_differences(read_csv(DATA / "results.csv"), "adeada", exclude=[FULL])
    assert quoted("paired") == paired_markdown(paired, round_names(summary)).strip()


def test_the_quoted_spread_is_the_results_file(summary):
    every = {r["strategy"]: r for r in seed_spread(summary, exclude=[FULL])}["all"]
    assert f"{every['mean_std']:.2f} mIoU points" in quoted("spread")
