import numpy as np
import pytest

from adeada.selection.category_budget import class_budgets, round_robin, sigma
from selection_testkit import time_limit


def test_eq6_three_classes_zero_sigma_and_redistribution():
    # KL = [2, -1, 1] -> relu sigma = [2, 0, 1]; B_d = 900 -> [600, 0, 300];
    # class 2 has only 200 pixels left, its 100 extra go to class 0 (the only other positive weight).
    w = sigma("relu", np.array([2.0, -1.0, 1.0]))
    assert w.tolist() == [2.0, 0.0, 1.0]
    budgets, leftover = class_budgets(w, 900, np.array([1000, 500, 200]))
    assert budgets.tolist() == [700, 0, 200]
    assert leftover == 0


def test_eq6_without_cap_is_proportional():
    budgets, leftover = class_budgets(np.array([1.0, 2.0, 1.0]), 1000, np.array([10_000] * 3))
    assert budgets.tolist() == [250, 500, 250] and leftover == 0


def test_eq6_all_sigma_zero_splits_evenly_over_classes_with_regions():
    budgets, leftover = class_budgets(np.zeros(3), 900, np.array([1000, 0, 1000]))
    assert budgets.tolist() == [450, 0, 450] and leftover == 0


def test_eq6_pool_too_small_reports_leftover():
    budgets, leftover = class_budgets(np.array([1.0, 1.0]), 1000, np.array([100, 300]))
    assert budgets.tolist() == [100, 300] and leftover == 600


def test_sigma_variants_and_nan():
    kl = np.array([np.nan, 0.0, 150.0, -20.0])
    assert sigma("relu", kl).tolist() == [0.0, 0.0, 150.0, 0.0]
    assert sigma("authors_log10", kl).tolist() == [0.0, 0.0, 2.0, 1.0]  # int(log10|KL|)
    assert sigma("softplus", kl)[1] == pytest.approx(np.log(2.0))
    with pytest.raises(ValueError, match="unknown sigma"):
        sigma("tanh", kl)


def test_round_robin_weighted_turns():
    lists = [np.array([0, 1, 2, 3]), np.array([4, 5, 6]), np.array([7, 8])]
    px = np.full(9, 10)
    # weights 2, 1, 0: turn 1 takes 0,1 then 4; turn 2 takes 2,3 then 5 -> 60 px reached at 5.
    assert round_robin(lists, np.array([2, 1, 0]), px, 60).tolist() == [0, 1, 4, 2, 3, 5]


def test_round_robin_never_loops_forever():
    lists = [np.array([0, 1]), np.array([2])]
    px = np.full(3, 10)
    with time_limit(5):
        # the authors' loop never ends when all weights are <= 0 or lists run out
        assert round_robin(lists, np.array([0, -1]), px, 10_000).tolist() == [0, 2, 1]
        assert round_robin(lists, np.array([3, 0]), px, 10_000).tolist() == [0, 1]
        assert round_robin([np.array([], np.int64)], np.array([5]), px, 100).tolist() == []
        assert round_robin(lists, np.array([1, 1]), np.zeros(3, np.int64), 5).tolist() == [0, 2, 1]
