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
    assert [(r["fixed split"], r["learnt discount"]) for r in rows] == [("✓", "✓"), ("", "✓"), ("✓", "")]
    # round 2 = mean of (40, 42); the mean over rounds 1-2 is (40 + 41) / 2
    assert rows[0]["mIoU after round 2"] == "41.00 ± 1.41" and rows[0]["mean mIoU over rounds"] == "40.50"
    assert rows[1]["mIoU after round 2"] == "38.00 ± 0.00"


def test_row_d_stands_in_for_the_flat_row_only_when_that_did_not_run():
    both = summary_table(results({"adeada_plus": (40.0, 40.0), "adeada_plus_flat": (39.0, 39.0),
                                  "adeada_d": (35.0, 35.0)}))
    assert [r["strategy"] for r in _md_tables(plus_ablation_markdown(both))[0]] == ["adeada_plus", "adeada_plus_flat"]
    only_d = summary_table(results({"adeada_plus": (40.0, 40.0), "adeada_d": (35.0, 35.0)}))
    rows = _md_tables(plus_ablation_markdown(only_d))[0]
    assert [r["strategy"] for r in rows] == ["adeada_plus", "adeada_d"] and rows[1]["learnt discount"] == ""


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
