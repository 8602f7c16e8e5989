"""docs/benchmarks.md's ADeADA+ tables are what benchmarks/paired_against.py makes of the committed results."""

from pathlib import Path

import pytest
from tests.scripts import load_benchmark

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "benchmarks" / "camvid_day_dusk"


def _paired_against():
    return load_benchmark("paired_against")


FINE = ROOT / "docs" / "benchmarks" / "camvid_day_dusk_fine"


@pytest.mark.parametrize("files, reference, shown", [
    ([RESULTS / "results.csv"], "adeada_plus", (0, 1)),
    ([FINE / "results.csv"], "adeada_plus", (0, 1)),  # protocol 2
    # the diagonal-mixture candidate: only its paired table (its means are the rows above plus one)
    ([RESULTS / "adeada_plus_diag_results.csv", RESULTS / "results.csv"], "adeada_plus_diag", (1,)),
    ([FINE / "adeada_plus_diag_results.csv", FINE / "results.csv"], "adeada_plus_diag", (1,)),
    # ADeADA+ with the fast estimator on protocol 1 (issue 24's candidate default; density_scale.md;
    # protocol 2's config runs it already), and the authors' recipe with another k-means seed, its floor
    ([RESULTS / "adeada_plus_fast_results.csv", RESULTS / "results.csv"], "adeada_plus_fast", (1,)),
    ([RESULTS / "adeada_plus_recipe_seed1_results.csv", RESULTS / "results.csv"], "adeada_plus_recipe_seed1", (1,)),
    # the candidates measured and dropped: the same
    ([RESULTS / "adeada_plus_margin_results.csv", RESULTS / "results.csv"], "adeada_plus_margin", (1,)),
    ([FINE / "adeada_plus_margin_results.csv", FINE / "results.csv"], "adeada_plus_margin", (1,)),
    ([RESULTS / "adeada_plus_relmass_results.csv", RESULTS / "results.csv"], "adeada_plus_relmass", (1,)),
    ([FINE / "adeada_plus_relmass_results.csv", FINE / "results.csv"], "adeada_plus_relmass", (1,)),
])
def test_the_docs_quote_the_tables_exactly(capsys, files, reference, shown):
    mod = _paired_against()
    assert mod.main([str(f) for f in files] + ["--reference", reference]) == 0
    tables = [t.strip() for t in capsys.readouterr().out.strip().split("\n\n")]
    from tests.test_docs_benchmarks import pages_text

    doc = pages_text()
    assert len(tables) == 2 and all(t.startswith("| strategy |") for t in tables)
    for i in shown:
        assert tables[i] in doc


def test_runs_that_disagree_on_a_shared_cell_are_refused(tmp_path):
    mod = _paired_against()
    a = tmp_path / "a.csv"
    a.write_text("strategy,seed,round,labelled_percent,miou\nadeada_d,0,1,1.0,34.0\n")
    b = tmp_path / "b.csv"
    b.write_text("strategy,seed,round,labelled_percent,miou\nadeada_d,0,1,1.0,35.0\n")
    try:
        mod.read_union([str(a), str(b)])
    except SystemExit as e:
        assert "not comparable" in str(e)
    else:
        raise AssertionError("two different mIoU values for one cell were accepted")
