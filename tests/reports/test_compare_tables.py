"""The ablation tables of a comparison, from hand-made results."""

from __future__ import annotations

from adeada.fileformats import format_markdown_table, markdown_rows
from adeada.reports.compare_tables import ablation_markdown, ablation_rows, plus_ablation_markdown, plus_ablation_rows
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
    summary = summary_table(results({"adeada_plus": (40.0, 42.0), "adeada_plus_dyn": (38.0, 38.0),
                                     "adeada_plus_flat": (39.0, 41.0)}))
    rows = plus_ablation_rows(summary)
    assert plus_ablation_markdown(summary) == format_markdown_table(rows, join_mean_std=False)
    assert [r["strategy"] for r in rows] == ["adeada_plus", "adeada_plus_dyn", "adeada_plus_flat"]
    assert [(r["fixed split"], r["confidence discount"]) for r in rows] == [("✓", "✓"), ("", "✓"), ("✓", "")]
    # round 2 = mean of (40, 42); the mean over rounds 1-2 is (40 + 41) / 2
    assert rows[0]["mIoU after round 2"] == "41.00 ± 1.41" and rows[0]["mean mIoU over rounds"] == "40.50"
    assert rows[1]["mIoU after round 2"] == "38.00 ± 0.00"


def test_row_d_never_stands_in_for_the_flat_row():
    # ADeADA+ fits its own mixtures (issue 24), so row (d) is not its no-discount row in general
    both = summary_table(results({"adeada_plus": (40.0, 40.0), "adeada_plus_flat": (39.0, 39.0),
                                  "adeada_d": (35.0, 35.0)}))
    assert [r["strategy"] for r in plus_ablation_rows(both)] == ["adeada_plus", "adeada_plus_flat"]
    only_d = summary_table(results({"adeada_plus": (40.0, 40.0), "adeada_d": (35.0, 35.0)}))
    assert plus_ablation_rows(only_d) == []
    with_dyn = summary_table(results({"adeada_plus": (40.0, 40.0), "adeada_plus_dyn": (38.0, 38.0),
                                      "adeada_d": (35.0, 35.0)}))
    assert [r["strategy"] for r in plus_ablation_rows(with_dyn)] == ["adeada_plus", "adeada_plus_dyn"]


def test_no_plus_table_without_adeada_plus_and_a_row_beside_it():
    assert plus_ablation_markdown(summary_table(results({"adeada_plus": (40.0, 40.0)}))) == ""
    assert plus_ablation_markdown(summary_table(results({"adeada_plus_dyn": (40.0, 40.0),
                                                         "adeada_d": (35.0, 35.0)}))) == ""


def test_the_paper_table_keeps_its_rows_and_ignores_plus():
    summary = summary_table(results({"density": (36.0, 36.0), "adeada": (37.0, 39.0), "adeada_plus": (40.0, 40.0)}))
    rows = ablation_rows(summary)
    assert ablation_markdown(summary) == format_markdown_table(rows, join_mean_std=False)
    assert [(r["row"], r["strategy"]) for r in rows] == [("(b)", "density"), ("(e)", "adeada")]
    assert rows[1]["dynamic schedule"] == "✓" and rows[1]["mIoU after round 2"] == "38.00 ± 1.41"


def test_the_check_marks_come_from_each_strategys_own_preset(monkeypatch):
    """Table 2's marks are read from the strategies, not restated: change row (d)'s preset and its
    row changes with it."""
    from adeada.selection.strategies.density_aware import AblationD

    summary = summary_table(results({"adeada_a": (35.0, 35.0), "adeada_d": (36.0, 36.0)}))
    marks = lambda: [tuple(r[c] for c in ("uncertainty", "density", "category balance", "dynamic schedule"))  # noqa: E731
                     for r in ablation_rows(summary)]
    assert marks() == [("✓", "", "", ""), ("✓", "✓", "✓", "")]
    monkeypatch.setattr(AblationD, "preset", dict(AblationD.preset, schedule="half_decay", category_balance=False))
    assert marks() == [("✓", "", "", ""), ("✓", "✓", "", "✓")]


def test_markdown_rows_are_the_cells_of_the_markdown_table():
    rows = [{"strategy": "a", "miou_mean": 40.0, "miou_std": 1.5, "n": 3}, {"strategy": "b", "miou_mean": 38.25,
                                                                          "miou_std": float("nan"), "n": 1}]
    cells = markdown_rows(rows)
    assert cells == [{"strategy": "a", "miou": "40.00 ± 1.50", "n": "3"}, {"strategy": "b", "miou": "38.25", "n": "1"}]
    assert format_markdown_table(rows).splitlines()[2:] == ["| a | 40.00 ± 1.50 | 3 |", "| b | 38.25 | 1 |"]


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
