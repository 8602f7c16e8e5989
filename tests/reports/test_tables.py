"""Summary tables: mean and sample std over seeds equal hand-computed values; CSV in and out."""

from __future__ import annotations

import math

import pytest

from adeada.reports.tables import pivot_table, summary_table
from adeada.fileformats import format_markdown_table, read_metrics_csv, write_csv

RESULTS = [
    {"strategy": "ADeADA", "seed": 0, "round": 1, "miou": 64.0, "labelled_percent": 1.0},
    {"strategy": "ADeADA", "seed": 1, "round": 1, "miou": 66.0, "labelled_percent": 1.0},
    {"strategy": "ADeADA", "seed": 2, "round": 1, "miou": 62.0, "labelled_percent": 1.0},
    {"strategy": "ADeADA", "seed": 0, "round": 2, "miou": "70", "labelled_percent": 2.0},
    {"strategy": "ADeADA", "seed": 1, "round": 2, "miou": "71", "labelled_percent": 2.0},
    {"strategy": "RAND", "seed": 0, "round": 1, "miou": 58.81, "labelled_percent": 1.0},
]


def test_summary_mean_and_std_are_hand_computed():
    rows = summary_table(RESULTS)
    assert [(r["strategy"], r["round"], r["n"]) for r in rows] == [("ADeADA", 1, 3), ("ADeADA", 2, 2), ("RAND", 1, 1)]
    # (64 + 66 + 62) / 3 = 64; sample variance ((0)^2 + 2^2 + 2^2) / 2 = 4 -> std 2
    assert rows[0]["miou_mean"] == pytest.approx(64.0) and rows[0]["miou_std"] == pytest.approx(2.0)
    # 70.5; variance (0.25 + 0.25) / 1 = 0.5 -> std sqrt(0.5)
    assert rows[1]["miou_mean"] == pytest.approx(70.5) and rows[1]["miou_std"] == pytest.approx(math.sqrt(0.5))
    assert rows[2]["miou_mean"] == pytest.approx(58.81) and math.isnan(rows[2]["miou_std"])
    assert rows[1]["labelled_percent_mean"] == pytest.approx(2.0)


def test_rounds_sort_numerically_and_missing_values_are_skipped():
    results = [{"strategy": "s", "round": r, "miou": v} for r, v in ((10, 1.0), (2, 2.0), (2, ""), (2, 4.0))]
    rows = summary_table(results)
    assert [r["round"] for r in rows] == [2, 10]
    assert rows[0]["n"] == 3 and rows[0]["miou_mean"] == pytest.approx(3.0)
    assert "labelled_percent_mean" not in rows[0]


def test_markdown_joins_mean_and_std():
    text = format_markdown_table(summary_table(RESULTS), columns=["strategy", "round", "n", "miou_mean", "miou_std"])
    lines = text.splitlines()
    assert lines[0] == "| strategy | round | n | miou |"
    assert lines[1] == "| --- | --- | --- | --- |"
    assert lines[2] == "| ADeADA | 1 | 3 | 64.00 ± 2.00 |"
    assert lines[3] == "| ADeADA | 2 | 2 | 70.50 ± 0.71 |"
    assert lines[4] == "| RAND | 1 | 1 | 58.81 |"
    assert format_markdown_table([]) == ""


def test_pivot_is_the_paper_table_layout():
    table = pivot_table(summary_table(RESULTS))
    assert table == [
        {"strategy": "ADeADA", "1": "64.00 ± 2.00", "2": "70.50 ± 0.71"},
        {"strategy": "RAND", "1": "58.81", "2": "-"},
    ]


def test_csv_round_trip_keeps_types_and_nan(tmp_path):
    rows = [{"round": 1, "miou": 64.25, "strategy": "ADeADA", "iou_road": math.nan},
            {"round": 2, "miou": 70.0, "strategy": "ENT", "extra": "x"}]
    path = write_csv(rows, tmp_path / "sub" / "metrics.csv")
    back = read_metrics_csv(path)
    assert back[0]["round"] == 1 and isinstance(back[0]["round"], int)
    assert back[0]["miou"] == 64.25 and back[0]["strategy"] == "ADeADA"
    assert math.isnan(back[0]["iou_road"]) and math.isnan(back[0]["extra"])
    assert back[1]["extra"] == "x"
    assert [p.name for p in path.parent.iterdir()] == ["metrics.csv"]


def test_csv_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        read_metrics_csv(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match=r"empty\.csv: empty CSV"):
        read_metrics_csv(tmp_path / "empty.csv")
    (tmp_path / "long.csv").write_text("a,b\n1,2,3\n")
    with pytest.raises(ValueError, match=r"long\.csv: line 2 has more cells"):
        read_metrics_csv(tmp_path / "long.csv")
