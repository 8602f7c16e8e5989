import numpy as np
import pytest

from adeada.selection import RegionStats, SelectionConfig, SelectionContext
from adeada.selection.stats import uncertainty_from_probs
from adeada.selection.strategies import get_strategy


def test_eqs_8_to_10_on_a_two_pixel_region():
    p = np.array([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2]])
    ent, conf, mar = uncertainty_from_probs(p)
    # Eq. 9: (0.7 + 0.4) / 2; Eq. 8: ((0.7 - 0.2) + (0.4 - 0.4)) / 2
    assert conf.mean() == pytest.approx(0.55)
    assert mar.mean() == pytest.approx(0.25)
    # Eq. 10 (natural log): H1 = 0.801819, H2 = 1.054920 -> mean 0.928369
    assert ent.tolist() == pytest.approx([0.801819, 1.054920], abs=1e-6)
    assert ent.mean() == pytest.approx(0.928369, abs=1e-6)


def _table(entropy, confidence, margin, pixels):
    n = len(entropy)
    prob = np.full((n, 2), 0.5, np.float32)
    return RegionStats(image=np.zeros(n), region=np.arange(n), pixels=pixels, feature=np.zeros((n, 4)),
                       prob=prob, pred=np.zeros(n), entropy=entropy, confidence=confidence, margin=margin)


@pytest.mark.parametrize("name,expected", [
    ("ent", [2, 0, 3, 1]),    # largest entropy first
    ("conf", [1, 3, 0, 2]),   # lowest confidence first
    ("mar", [3, 2, 1, 0]),    # smallest margin first
])
def test_baseline_rankings(name, expected):
    t = _table(entropy=[0.5, 0.1, 0.9, 0.3], confidence=[0.6, 0.2, 0.9, 0.4],
               margin=[0.4, 0.3, 0.2, 0.1], pixels=[10, 10, 10, 10])
    sel = get_strategy(name, SelectionConfig()).select(t, 40, SelectionContext())
    assert sel.rows.tolist() == expected
    assert sel.pixels_taken == 40 and set(sel.part) == {"uncertainty"}


def test_labelled_rows_are_skipped_and_budget_respected():
    t = _table(entropy=[0.5, 0.1, 0.9, 0.3], confidence=[0.6, 0.2, 0.9, 0.4],
               margin=[0.4, 0.3, 0.2, 0.1], pixels=[10, 20, 30, 40])
    ctx = SelectionContext(labelled=np.array([False, False, True, False]))
    sel = get_strategy("ent", SelectionConfig()).select(t, 15, ctx)
    assert sel.rows.tolist() == [0, 3]  # 10 < 15, then 10 + 40 = 50 >= 15
    assert sel.pixels_taken == 50


def test_aada_weight_times_entropy():
    t = _table(entropy=[1.0, 1.0, 0.5], confidence=[0.5] * 3, margin=[0.1] * 3, pixels=[1, 1, 1])
    t.extras["domain_score"] = np.array([0.5, 0.8, 0.9], np.float32)
    # w = s / (1 - s): 1, 4, 9 -> scores 1, 4, 4.5
    sel = get_strategy("aada", SelectionConfig()).select(t, 3, SelectionContext())
    assert sel.rows.tolist() == [2, 1, 0]
    assert sel.scores.tolist() == pytest.approx([4.5, 4.0, 1.0], rel=1e-5)
