"""docs/benchmarks.md's suite section quotes the committed leaderboard, made by the code from the
committed results files (docs/benchmarks/suite/<shift>_results.csv)."""

from pathlib import Path

from adeada.active.suite import SUITE
from adeada.reports.leaderboard import (
    BASELINES, common_strategies, leaderboard_markdown, paired_overview, paired_rows, rank_markdown, rank_rows,
)
from adeada.reports.tables import format_markdown_table
from tests.scripts import load_benchmark
from tests.test_docs_benchmarks import quoted

ROOT = Path(__file__).resolve().parents[1]
SUITE_DIR = ROOT / "docs" / "benchmarks" / "suite"


def _results():
    return load_benchmark("suite_publish").published_results(SUITE_DIR)


def test_every_shift_of_the_suite_is_committed_with_every_cell():
    results = _results()
    assert list(results) == list(SUITE)
    names = common_strategies(results)
    assert {"conf", "ripu", "adeada_plus"} <= set(names)
    for shift, rows in results.items():
        cells = {(r["strategy"], r["seed"]) for r in rows if r["strategy"] in names}
        assert cells == {(s, seed) for s in names for seed in ("0", "1", "2")}, shift
        for s in names:
            assert sorted(int(r["round"]) for r in rows if (r["strategy"], r["seed"]) == (s, "0")) == list(range(6))


def test_the_committed_leaderboard_is_what_the_code_makes_of_the_results():
    assert (SUITE_DIR / "leaderboard.md").read_text() == leaderboard_markdown(_results())


def test_the_doc_quotes_the_ranks_and_the_paired_overview():
    results = _results()
    names = common_strategies(results)
    assert quoted("suite_ranks") == rank_markdown(rank_rows(results, names), list(results)).strip()
    paired = paired_rows(results, [s for s in names if s not in BASELINES], [s for s in names if s in BASELINES])
    assert quoted("suite_paired") == format_markdown_table(paired_overview(paired, list(results)),
                                                           join_mean_std=False).strip()
