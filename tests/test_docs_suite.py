"""docs/benchmarks.md's suite section quotes the committed leaderboard, made by the code from the
committed results files (docs/benchmarks/suite/<shift>_results.csv)."""

from pathlib import Path

from adeada.active.suite import SUITE
from adeada.reports.leaderboard import (
    BASELINES, common_strategies, leaderboard_markdown, paired_overview, paired_rows, rank_markdown, rank_rows,
)
from adeada.fileformats import format_markdown_table
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


PROTOCOLS = {"protocol 1": ROOT / "docs" / "benchmarks" / "camvid_day_dusk" / "results.csv",
             "protocol 2": ROOT / "docs" / "benchmarks" / "camvid_day_dusk_fine" / "results.csv"}


# The strategies the suite's CamVid cells ran with the settings of the committed protocol results:
# the suite ran before ADeADA+ switched to the fast estimator (issue 24), which protocol 2's config
# already set for every density-aware strategy, so on protocol 1 only CONF and RIPU are the same.
SAME_SETTINGS = {"camvid_day_dusk": ["conf", "ripu"]}


def test_the_cross_cpu_check_counts_only_the_strategies_run_alike(tmp_path):
    mod = load_benchmark("suite_publish")
    src = SUITE_DIR / "camvid_day_dusk_results.csv"
    (tmp_path / "camvid_day_dusk_results.csv").write_bytes(src.read_bytes())
    every = mod.details(tmp_path, {"camvid_day_dusk": PROTOCOLS["protocol 1"]})["cross_cpu"]
    alike = mod.details(tmp_path, {"camvid_day_dusk": PROTOCOLS["protocol 1"]}, SAME_SETTINGS)["cross_cpu"]
    assert "adeada_plus" in every.split(" in both")[0]
    assert "36 seed-round values of conf, ripu in both" in alike


def _verdict():
    from adeada.fileformats import read_csv

    mod = load_benchmark("suite_publish")
    return mod.verdict(_results(), {name: read_csv(path) for name, path in PROTOCOLS.items()})


def test_the_front_pages_verdict_states_what_the_files_say():
    said = _verdict()
    text = quoted("verdict")
    assert text == " ".join(said[k] for k in ("protocols", "ranks", "vs_conf", "vs_ripu", "below_warmup"))
    front = (ROOT / "docs" / "benchmarks.md").read_text().splitlines()
    assert front.index("<!-- /table:verdict -->") < 80  # the verdict is on the first screen or two


def test_the_readmes_results_lines_are_the_verdicts():
    said = _verdict()
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- results -->\n", 1)[1].split("\n<!-- /results -->", 1)[0]
    assert len(block.splitlines()) <= 3 and "docs/benchmarks.md" in block
    for key in ("protocols", "ranks", "vs_conf"):
        assert said[key] in " ".join(block.split()), key


def test_the_suite_pages_measured_statements_are_the_files():
    mod = load_benchmark("suite_publish")
    det = mod.details(SUITE_DIR, {"camvid_day_dusk": PROTOCOLS["protocol 1"],
                                  "camvid_day_dusk_fine": PROTOCOLS["protocol 2"]}, same_settings=SAME_SETTINGS)
    assert {"time", "cross_cpu"} <= set(det)
    order = sorted(det, key=lambda k: ("time", "cross_cpu").index(k) if k in ("time", "cross_cpu") else 2)
    assert quoted("suite_details") == " ".join(det[k] for k in order)


def test_the_part_errors_table_is_the_committed_measurement():
    from adeada.fileformats import read_csv

    mod = load_benchmark("part_errors")
    rows = read_csv(SUITE_DIR / "part_errors.csv")
    assert {r["shift"] for r in rows} == set(SUITE)
    assert quoted("suite_part_errors") == format_markdown_table(mod.summary(rows), float_format="{:.3f}").strip()


def test_each_protocol_page_quotes_its_rerun_with_ripu():
    from adeada.reports.compare_tables import headline_markdown

    results = _results()
    for name, shift in (("suite_p1", "camvid_day_dusk"), ("suite_p2", "camvid_day_dusk_fine")):
        assert quoted(name) == headline_markdown(results[shift]).strip()
        assert "ripu" in quoted(name)


CANDIDATES_DIR = ROOT / "docs" / "benchmarks" / "suite_candidates"


def test_the_candidate_leaderboard_is_one_machines_cells_per_shift_and_the_doc_quotes_it():
    mod = load_benchmark("suite_candidates")
    results = mod.published(CANDIDATES_DIR)
    assert list(results) == list(SUITE)
    four = ("conf", "ripu", "adeada_plus", "adeada_plus_conf")
    for shift, rows in results.items():
        for s in four:
            for seed in ("0", "1", "2"):
                assert sorted(int(r["round"]) for r in rows if (r["strategy"], r["seed"]) == (s, seed)) == \
                    list(range(6)), (shift, s, seed)
        assert {r["strategy"] for r in rows} == set(four), shift
        warm = [float(r["miou"]) for r in rows if int(r["round"]) == 0]
        assert max(warm) - min(warm) < 1e-4, f"{shift}: cells of two warm-ups"
    # the shifts not rerun are the committed suite's cells, unchanged, beside the candidate's
    from adeada.fileformats import read_csv

    sources = read_csv(CANDIDATES_DIR / "sources.csv")
    assert [r["shift"] for r in sources] == list(SUITE)
    kinds = {r["shift"]: r["cells"].split(":")[0] for r in sources}
    # as docs/benchmarks/suite.md says: two shifts from the suite's machine, three rerun together
    assert sum(k == "committed" for k in kinds.values()) == 2
    assert sum(k.startswith("rerun together on ") for k in kinds.values()) == 3

    def cells(path, keep=lambda r: True):
        return {(r["strategy"], r["seed"], r["round"]): r["miou"] for r in read_csv(path) if keep(r)}

    for shift, kind in kinds.items():
        if kind == "committed":
            mine = cells(CANDIDATES_DIR / f"{shift}_results.csv", lambda r: r["strategy"] != "adeada_plus_conf")
            assert mine == cells(SUITE_DIR / f"{shift}_results.csv",
                                 lambda r: r["strategy"] in ("conf", "ripu", "adeada_plus")), shift
            assert cells(CANDIDATES_DIR / f"{shift}_results.csv", lambda r: r["strategy"] == "adeada_plus_conf") == \
                cells(SUITE_DIR / "candidates" / f"{shift}_adeada_plus_conf_results.csv"), shift
    assert (CANDIDATES_DIR / "leaderboard.md").read_text() == leaderboard_markdown(results)
    for name, text in mod.blocks(CANDIDATES_DIR).items():
        assert quoted(name) == text, name


def test_the_candidate_gathering_refuses_cells_of_another_warm_up():
    import pytest

    mod = load_benchmark("suite_candidates")
    rows = [{"strategy": "conf", "seed": 0, "round": 0, "labelled_percent": 0.0, "miou": 30.0},
            {"strategy": "ripu", "seed": 0, "round": 0, "labelled_percent": 0.0, "miou": 30.5}]
    with pytest.raises(ValueError, match="another warm-up"):
        mod.check_one_warmup(rows, "x")
    with pytest.raises(ValueError, match="no round-0 row"):
        mod.check_one_warmup([dict(rows[0], round=1)], "x")
    mod.check_one_warmup([rows[0], dict(rows[0], miou=30.00001)], "x")  # evaluation noise below 1e-4 points
