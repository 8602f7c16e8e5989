import numpy as np
import pytest

from adeada.selection.budget import (BudgetError, PoolExhaustedError, candidate_rows, density_share,
                                     ranked, round_budget, split_budget, take_until)


@pytest.mark.parametrize("alpha,expected", [
    (1.0, [1.0, 0.5, 0.25, 0.125, 0.0625]),
    (0.5, [0.5, 0.25, 0.125, 0.0625, 0.03125]),
])
def test_eq7_shares_rounds_1_to_5(alpha, expected):
    got = [density_share(k, alpha, beta=1.0) for k in range(1, 6)]
    assert got == pytest.approx(expected, abs=0, rel=0)


def test_eq7_share_is_clipped_and_k_starts_at_1():
    assert density_share(1, 2.0, 1.0) == 1.0  # never more than the whole budget
    assert density_share(1, -1.0, 1.0) == 0.0
    with pytest.raises(BudgetError):
        density_share(0, 1.0, 1.0)
    assert split_budget(1000, 0.25) == (250, 750)


def test_round_budget_fraction_of_pool():
    assert round_budget(123_456, 0.01) == 1235
    with pytest.raises(BudgetError, match="fraction"):
        round_budget(100, 0.0)


def test_take_until_overshoots_by_at_most_the_last_region():
    pixels = np.array([10, 20, 30, 40, 50])
    order = np.array([4, 3, 2, 1, 0])
    assert take_until(order, pixels, 50).tolist() == [4]          # exact
    assert take_until(order, pixels, 51).tolist() == [4, 3]       # 90 >= 51, 50 < 51
    assert take_until(order, pixels, 0).tolist() == []
    assert take_until(order, pixels, 10_000).tolist() == [4, 3, 2, 1, 0]
    rng = np.random.default_rng(0)
    for _ in range(50):
        px = rng.integers(1, 100, 30)
        b = int(rng.integers(1, px.sum()))
        rows = take_until(np.arange(30), px, b)
        taken = px[rows].sum()
        assert taken >= b and taken - px[rows[-1]] < b


def test_candidate_rows_and_exhaustion():
    assert candidate_rows(np.array([True, False, True]), 3).tolist() == [1]
    with pytest.raises(PoolExhaustedError, match="already labelled"):
        candidate_rows(np.ones(4, bool), 4)
    with pytest.raises(ValueError, match="expected \\(3,\\)"):
        candidate_rows(np.ones(4, bool), 3)


def test_ranked_is_stable_with_index_tiebreak_and_nan_last():
    s = np.array([1.0, 3.0, 3.0, np.nan, 2.0])
    assert ranked(s, np.arange(5)).tolist() == [1, 2, 4, 0, 3]
    assert ranked(s, np.arange(5), descending=False).tolist() == [0, 4, 1, 2, 3]


def test_the_schedules_by_the_papers_names_on_a_hand_computed_example():
    from adeada.selection.budget import schedule_share

    def shares(name, alpha=1.0, fixed=0.3):
        return [schedule_share(name, k, alpha, 1.0, fixed) for k in range(1, 7)]

    assert shares("linear_decay") == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2, 0.0])  # minus 0.2 a round
    assert shares("linear_decay", alpha=0.5) == pytest.approx([0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    assert shares("half_decay") == pytest.approx([1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125])  # Eq. 7
    assert shares("even") == [0.5] * 6 and shares("fixed") == [0.3] * 6
    with pytest.raises(BudgetError, match="expected one of half_decay, linear_decay, even, fixed"):
        schedule_share("cosine", 1, 1.0, 1.0)


def test_linear_decay_spends_its_round_budgets_as_computed_by_hand():
    from adeada.selection import SelectionConfig, SelectionContext, get_strategy
    from adeada.selection.config import AdeadaConfig, DensityConfig
    from selection_testkit import random_table

    tgt, src = random_table(1500, seed=21), random_table(1500, seed=22)
    cfg = SelectionConfig(adeada=AdeadaConfig(schedule="linear_decay"), density=DensityConfig(n_jobs=1, estimator="gmm_diag"))
    for k, b_d in ((1, 10_000), (3, 6_000), (5, 2_000)):  # 1.0, 0.6, 0.2 of 10,000 pixels
        sel = get_strategy("adeada", cfg).select(tgt, 10_000, SelectionContext(round=k, source=src))
        assert (sel.diagnostics["budget_density"], sel.diagnostics["budget_uncertainty"]) == (b_d, 10_000 - b_d)
