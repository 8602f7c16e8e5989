"""The ablation tables of a comparison, from hand-made results."""

from __future__ import annotations

from adeada.active.report import _md_tables
from adeada.reports.compare_tables import ablation_markdown, plus_ablation_markdown
from adeada.reports.tables import summary_table


def results(means: dict[str, tuple[float, float]]) -> list[dict]:
    """Two seeds, rounds 0-2: round 2's mIoU is the given pair, round 1 is 1 point lower."""
    rows = []
    for strategy, (a, b) in means.items():
        for seed, last in enumerate((a, b)):
            for k, miou in ((0, 30.0), (1, last - 1.0), (2, last)):
                rows.append({"strategy": strategy, "seed": seed, "round": k, "labelled_percent": float(k), "miou": miou})
    return rows


def test_plus_rows_show_which_change_each_switches_off():
    md = plus_ablation_markdown(summary_table(results({"adeada_plus": (40.0, 42.0), "adeada_plus_dyn": (38.0, 38.0),
                                                        "adeada_plus_flat": (39.0, 41.0)})))
    rows = _md_tables(md)[0]
    assert [r["strategy"] for r in rows] == ["adeada_plus", "adeada_plus_dyn", "adeada_plus_flat"]
    assert [(r["fixed split"], r["confidence discount"]) for r in rows] == [("✓", "✓"), ("", "✓"), ("✓", "")]
    # round 2 = mean of (40, 42); the mean over rounds 1-2 is (40 + 41) / 2
    assert rows[0]["mIoU after round 2"] == "41.00 ± 1.41" and rows[0]["mean mIoU over rounds"] == "40.50"
    assert rows[1]["mIoU after round 2"] == "38.00 ± 0.00"


def test_row_d_stands_in_for_the_flat_row_only_when_that_did_not_run():
    both = summary_table(results({"adeada_plus": (40.0, 40.0), "adeada_plus_flat": (39.0, 39.0),
                                  "adeada_d": (35.0, 35.0)}))
    assert [r["strategy"] for r in _md_tables(plus_ablation_markdown(both))[0]] == ["adeada_plus", "adeada_plus_flat"]
    only_d = summary_table(results({"adeada_plus": (40.0, 40.0), "adeada_d": (35.0, 35.0)}))
    rows = _md_tables(plus_ablation_markdown(only_d))[0]
    assert [r["strategy"] for r in rows] == ["adeada_plus", "adeada_d"] and rows[1]["confidence discount"] == ""


def test_no_plus_table_without_adeada_plus_and_a_row_beside_it():
    assert plus_ablation_markdown(summary_table(results({"adeada_plus": (40.0, 40.0)}))) == ""
    assert plus_ablation_markdown(summary_table(results({"adeada_plus_dyn": (40.0, 40.0),
                                                         "adeada_d": (35.0, 35.0)}))) == ""


def test_the_paper_table_keeps_its_rows_and_ignores_plus():
    md = ablation_markdown(summary_table(results({"density": (36.0, 36.0), "adeada": (37.0, 39.0),
                                                  "adeada_plus": (40.0, 40.0)})))
    rows = _md_tables(md)[0]
    assert [(r["row"], r["strategy"]) for r in rows] == [("(b)", "density"), ("(e)", "adeada")]
    assert rows[1]["dynamic schedule"] == "✓" and rows[1]["mIoU after round 2"] == "38.00 ± 1.41"


def test_two_tables_in_one_file_are_read_apart():
    text = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\nheading:\n\n| c |\n| --- |\n| 3 |\n"
    assert _md_tables(text) == [[{"a": "1", "b": "2"}], [{"c": "3"}]]


def test_the_headline_table_bolds_each_rounds_best_and_marks_who_is_decided_behind():
    from adeada.reports.compare_tables import headline_markdown

    def rows(name, per_seed):
        return [{"strategy": name, "seed": s, "round": k, "labelled_percent": float(k), "miou": m}
                for s, mious in enumerate(per_seed) for k, m in enumerate(mious)]

    results = (rows("a", [[30, 36, 38], [30, 37, 39], [30, 35, 40]])      # best in both rounds
               + rows("b", [[30, 33, 38], [30, 34, 38.5], [30, 32, 39]])  # 3 behind in round 1 at every seed
               + rows("c", [[30, 37, 30], [30, 35, 41], [30, 35, 36]]))   # too noisy to be decided
    table = headline_markdown(results).splitlines()
    assert table[0] == "| strategy | 0% (warm-up) | 1.00% | 2.00% |"
    assert table[2] == "| a | 30.00 ± 0.00 | **36.00 ± 1.00** | **39.00 ± 1.00** |"
    assert table[3] == "| b | 30.00 ± 0.00 | 33.00 ± 1.00 ▼ | 38.50 ± 0.50 |"
    assert table[4].startswith("| c | 30.00 ± 0.00 | 35.67 ± 1.15 | 35.67 ± 5.51 |")
