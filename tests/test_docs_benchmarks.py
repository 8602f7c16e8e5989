"""docs/benchmarks.md quotes the committed results file, not numbers typed by hand."""

import re
from pathlib import Path

import pytest

from adeada.reports.compare_tables import (
    FULL, ablation_markdown, headline_markdown, plus_ablation_markdown, round_names, table_markdown,
)
from adeada.fileformats import read_csv
from adeada.reports import summary_table
from adeada.reports.paired import paired_differences, paired_markdown, seed_spread
from tests.scripts import load_benchmark

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
# Row (a) of the ablation is ENT (the same regions) and is not run again.
PAPER = ["rand", "ent", "conf", "mar", "badge", "redal", "aada", "clue", "density", "adeada"]
# ADeADA+ and its rows; the _ent rows are the same three as they ran before least confidence became
# the default (issue 23), merged in with benchmarks/compare_analysis.py --into.
PLUS = ["adeada_plus", "adeada_plus_dyn", "adeada_plus_flat", "adeada_plus_ent", "adeada_plus_ent_dyn", "adeada_plus_ent_flat"]
# Protocol -> (committed folder, strategies run, prefix of its table markers in the doc).
PROTOCOLS = {
    "camvid_day_dusk": (ROOT / "docs" / "benchmarks" / "camvid_day_dusk",
                        PAPER + ["ripu", "adeada_c", "adeada_d"] + PLUS, ""),
    "camvid_day_dusk_fine": (ROOT / "docs" / "benchmarks" / "camvid_day_dusk_fine",
                             PAPER + ["adeada_d"] + PLUS, "fine_"),
}


# The front page and the pages it links to (docs/benchmarks/*.md), where the details live.
PAGES = [DOC] + sorted((ROOT / "docs" / "benchmarks").glob("*.md"))


def pages_text() -> str:
    return "\n".join(p.read_text() for p in PAGES)


def quoted(name: str) -> str:
    """The markdown between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->`` on the benchmark pages."""
    found = re.findall(rf"<!-- table:{name} -->\n(.*?)\n<!-- /table:{name} -->", pages_text(), re.S)
    assert len(found) == 1, f"{len(found)} tables '{name}' between markers on {[str(p) for p in PAGES]}"
    return found[0].strip()


@pytest.fixture(scope="module", params=list(PROTOCOLS))
def protocol(request):
    folder, strategies, prefix = PROTOCOLS[request.param]
    rows = read_csv(folder / "results.csv")
    return {"rows": rows, "summary": summary_table(rows), "strategies": strategies, "prefix": prefix}


def test_the_results_file_holds_every_cell(protocol):
    rows = protocol["rows"]
    cells = {(r["strategy"], r["seed"]) for r in rows}
    assert cells == {(s, str(seed)) for s in protocol["strategies"] + [FULL] for seed in range(3)}
    for s in protocol["strategies"]:
        assert sorted(int(r["round"]) for r in rows if r["strategy"] == s and r["seed"] == "0") == list(range(6))


def test_the_main_table_is_the_results_file(protocol):
    assert quoted(protocol["prefix"] + "main") == table_markdown(protocol["summary"]).strip()


def test_the_front_pages_headline_table_is_the_results_file(protocol):
    assert quoted(protocol["prefix"] + "headline") == headline_markdown(protocol["rows"]).strip()
    front = DOC.read_text().splitlines()
    marker = f"<!-- /table:{protocol['prefix']}headline -->"
    assert marker in front and front.index(marker) < 80  # the tables come first, within a screen or two


def test_the_ablation_tables_are_the_results_file(protocol):
    assert quoted(protocol["prefix"] + "ablation") == ablation_markdown(protocol["summary"]).strip()
    assert quoted(protocol["prefix"] + "plus_ablation") == plus_ablation_markdown(protocol["summary"]).strip()


def test_the_doc_is_linked_from_the_readme_and_its_files_exist():
    assert "docs/benchmarks.md" in (ROOT / "README.md").read_text()
    for page in PAGES:
        for name in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / name).exists(), f"{page}: {name}"
    front = DOC.read_text()
    for page in PAGES[1:]:  # every detail page is reachable from the front page
        assert f"(benchmarks/{page.name})" in front, page.name


def test_the_protocol_blocks_script_makes_the_quoted_blocks():
    made = load_benchmark("protocol_blocks").blocks()
    for name in ("main", "headline", "paired", "ablation", "plus_ablation", "spread"):
        for prefix in ("", "fine_"):
            assert quoted(prefix + name) == made[prefix + name], prefix + name


def test_the_protocol_blocks_script_refuses_a_doc_without_the_markers(tmp_path, capsys):
    doc = tmp_path / "page.md"
    doc.write_text("<!-- table:main -->\nold\n<!-- /table:main -->\n")
    assert load_benchmark("protocol_blocks").main(["--fill", str(doc)]) == 1
    assert "no markers for" in capsys.readouterr().err and "old" in doc.read_text()


def test_the_paired_differences_are_the_results_file(protocol):
    paired = paired_differences(protocol["rows"], "adeada", exclude=[FULL])
    assert quoted(protocol["prefix"] + "paired") == paired_markdown(paired, round_names(protocol["summary"])).strip()


def test_the_quoted_spread_is_the_results_file(protocol):
    every = {r["strategy"]: r for r in seed_spread(protocol["summary"], exclude=[FULL])}["all"]
    assert f"{every['mean_std']:.2f} mIoU points" in quoted(protocol["prefix"] + "spread")


def _recipe_noise():
    return load_benchmark("recipe_noise")


def recipe_tables() -> dict[str, str]:
    """The recipe-2 section's tables, made from its committed files by benchmarks/recipe_noise.py."""
    from adeada.fileformats import format_markdown_table

    mod, folder = _recipe_noise(), ROOT / "docs" / "benchmarks" / "recipe2"
    split = [dict(protocol=p, **mod.split_row(read_csv(folder / f"rand_selections_{p}.csv"))) for p in ("p1", "p2")]
    return {"recipe_noise": mod.summary(read_csv(folder / "recipe_noise.csv")).strip(),
            "rand_split": format_markdown_table(split).strip()}


@pytest.mark.parametrize("name", ["recipe_noise", "rand_split"])
def test_the_recipe_tables_are_the_committed_measurements(name):
    assert quoted(name) == recipe_tables()[name]
