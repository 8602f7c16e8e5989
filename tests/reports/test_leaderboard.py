"""The suite's leaderboard on hand-made results rows: ranks, paired differences, merging files."""

import pytest

from adeada.reports.leaderboard import (
    common_strategies, leaderboard_markdown, paired_overview, paired_rows, rank_rows, read_results,
)
from adeada.fileformats import write_csv


def _rows(table):
    """{strategy: {seed: [miou of round 0, 1, 2]}} -> results rows."""
    return [{"strategy": s, "seed": seed, "round": k, "labelled_percent": float(k), "miou": m}
            for s, seeds in table.items() for seed, mious in seeds.items() for k, m in enumerate(mious)]


A = _rows({"ours": {0: [30, 34, 36], 1: [30, 35, 37], 2: [30, 33, 38]},
           "conf": {0: [30, 33, 37], 1: [30, 34, 38], 2: [30, 32, 36]},
           "rand": {0: [30, 31, 35], 1: [30, 32, 35], 2: [30, 31, 34]}})
B = _rows({"ours": {0: [20, 22, 23], 1: [20, 22, 24], 2: [20, 23, 25]},
           "conf": {0: [20, 22, 23], 1: [20, 22, 24], 2: [20, 23, 25]},   # a tie with ours everywhere
           "rand": {0: [20, 25, 26], 1: [20, 25, 27], 2: [20, 25, 27]},
           "ripu": {0: [20, 21, 22], 1: [20, 21, 22], 2: [20, 21, 22]}})  # not on shift A: not ranked


def test_mean_rank_over_shifts_and_budgets_by_hand():
    results = {"A": A, "B": B}
    assert common_strategies(results) == ["ours", "conf", "rand"]
    ranks = {r["strategy"]: r for r in rank_rows(results)}
    # A round 1: ours 34, conf 33, rand 31.33 -> 1, 2, 3; round 2: ours 37, conf 37, rand 34.67 -> 1.5, 1.5, 3.
    # B: rand first in both rounds, ours and conf tied -> 2.5 each.
    assert ranks["ours"]["mean_rank"] == pytest.approx((1 + 1.5 + 2.5 + 2.5) / 4)
    assert ranks["conf"]["mean_rank"] == pytest.approx((2 + 1.5 + 2.5 + 2.5) / 4)
    assert ranks["rand"]["mean_rank"] == pytest.approx((3 + 3 + 1 + 1) / 4)
    assert ranks["ours"]["rank_A"] == pytest.approx(1.25) and ranks["rand"]["rank_B"] == 1.0
    # best means: ours in A round 1, ours and conf tied in A round 2 (each counts), rand in B
    assert (ranks["ours"]["firsts"], ranks["conf"]["firsts"], ranks["rand"]["firsts"], ranks["ours"]["cells"]) == (2, 1, 2, 4)
    assert [r["strategy"] for r in rank_rows(results)] == ["ours", "rand", "conf"]  # 1.875, 2.0, 2.125
    with pytest.raises(ValueError, match="shift 'A', round 1: no mIoU for ripu"):
        rank_rows(results, ["ours", "ripu"])


def test_paired_differences_per_shift_and_the_overview():
    results = {"A": A, "B": B}
    paired = paired_rows(results, ["ours"], ["conf", "rand"])
    a1 = next(p for p in paired if (p["shift"], p["strategy"], p["round"]) == ("A", "conf", 1))
    assert a1["mean_diff"] == pytest.approx(1.0) and a1["std_diff"] == pytest.approx(0.0)  # 1, 1, 1
    assert a1["verdict"] == "better" and a1["ci_low"] == pytest.approx(1.0)  # no spread: decided
    b_rand = [p for p in paired if (p["shift"], p["strategy"]) == ("B", "rand")]
    assert [p["mean_diff"] for p in b_rand] == pytest.approx([-8 / 3, -8 / 3])
    assert all(p["verdict"] == "worse" for p in b_rand)  # behind by 2-3 points at every seed
    over = {r["ours - baseline"]: r for r in paired_overview(paired, ["A", "B"])}
    assert over["ours - rand"]["B"] == "-2.67 ▲0 ▼2"
    a_rand = [p["mean_diff"] for p in paired if (p["shift"], p["strategy"]) == ("A", "rand")]
    assert over["ours - rand"]["A"].startswith(f"{sum(a_rand) / 2:+.2f}")


def test_the_page_holds_every_shift_and_the_ranks():
    page = leaderboard_markdown({"A": A, "B": B}, baselines=("conf", "rand", "ripu"))
    assert page.index("## Mean rank") < page.index("## Each of ours") < page.index("## A") < page.index("## B")
    assert "| ours | 1.88 | 2 of 4 | 1.25 | 2.50 |" in page
    assert "ours - conf" in page and "ripu" not in page.split("## A")[0]  # ripu: one shift only


def test_reading_two_results_files_of_one_shift(tmp_path):
    write_csv(A[:6], tmp_path / "a.csv")
    write_csv(A[3:], tmp_path / "b.csv")  # overlaps on three rows with equal values
    rows = read_results([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert len(rows) == len(A)
    bad = [dict(r) for r in A[:3]]
    bad[1]["miou"] = 99.0
    write_csv(bad, tmp_path / "c.csv")
    with pytest.raises(ValueError, match=r"c.csv and .*a.csv disagree on ours seed 0 round 1"):
        read_results([tmp_path / "a.csv", tmp_path / "c.csv"])
