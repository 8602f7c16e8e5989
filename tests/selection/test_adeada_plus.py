import dataclasses

import numpy as np
import pytest

from adeada.selection import SelectionConfig, SelectionContext
from adeada.selection.config import AdeadaConfig, AdeadaPlusConfig, DensityConfig
from adeada.selection.stats import RegionStats
from adeada.selection.strategies import get_strategy
from adeada.selection.strategies.adeada_plus import relative_mass_class, unsureness_by_class


def _table(feat, pred, conf, C=2, pixels=100):
    n = len(feat)
    prob = np.full((n, C), 0.0, np.float32)
    prob[np.arange(n), pred] = conf
    prob[np.arange(n), (pred + 1) % C] = 1 - conf
    ent = -(prob * np.log(np.clip(prob, 1e-9, 1))).sum(1)
    return RegionStats(image=np.arange(n), region=np.zeros(n), pixels=np.full(n, pixels), feature=feat.astype(np.float32),
                       prob=prob, pred=pred, entropy=ent.astype(np.float32), confidence=np.asarray(conf, np.float32),
                       margin=np.abs(2 * np.asarray(conf) - 1).astype(np.float32))


def two_classes(seed=0, D=4):
    """Class 0 strongly shifted but predicted with confidence 0.99; class 1 mildly shifted, 0.6."""
    rng = np.random.default_rng(seed)
    t0 = np.concatenate([rng.normal(0, 1, (100, D)), rng.normal(12, 0.5, (100, D))])  # far from its source
    t1 = rng.normal(2.5, 1, (200, D)) + 20
    s0, s1 = rng.normal(0, 1, (300, D)), rng.normal(0, 1, (300, D)) + 20
    tgt = _table(np.concatenate([t0, t1]), np.repeat([0, 1], 200), np.repeat([0.99, 0.6], 200))
    src = _table(np.concatenate([s0, s1]), np.repeat([0, 1], 300), np.full(600, 0.9))
    return tgt, src


def _cfg(**plus):
    return SelectionConfig(density=DensityConfig(n_jobs=1), adeada_plus=AdeadaPlusConfig(**plus))


def test_unsureness_is_the_mean_of_one_minus_confidence_per_predicted_class():
    tgt, _ = two_classes()
    u = unsureness_by_class(tgt, np.arange(len(tgt)))
    np.testing.assert_allclose(u, [0.01, 0.4], rtol=1e-5)
    u = unsureness_by_class(tgt, np.arange(200))  # no row of class 1: 0, not NaN
    np.testing.assert_allclose(u, [0.01, 0.0], rtol=1e-5)


def test_the_confidence_discount_moves_density_budget_from_a_confident_class_to_an_unsure_one():
    tgt, src = two_classes()
    ctx = SelectionContext(round=1, source=src)
    budget = 40 * 100
    paper = get_strategy("adeada_plus_flat", _cfg()).select(tgt, budget, ctx)
    plus = get_strategy("adeada_plus", _cfg()).select(tgt, budget, ctx)

    def density_pixels(sel):
        return np.asarray(sel.diagnostics["density_pixels_by_class"])

    assert paper.diagnostics["kl"][0] > paper.diagnostics["kl"][1]  # class 0 is the more shifted one ...
    assert density_pixels(paper)[0] > density_pixels(paper)[1]  # ... so Eq. 6 gives it more
    assert density_pixels(plus)[1] > density_pixels(plus)[0]  # but the model is sure of it already
    w_paper, w_plus = np.asarray(paper.diagnostics["class_weights"]), np.asarray(plus.diagnostics["class_weights"])
    np.testing.assert_allclose(w_plus, w_paper * [0.01, 0.4], rtol=1e-5)


def test_fixed_split_gives_round_one_half_to_each_part_and_the_paper_schedule_all_to_density():
    tgt, src = two_classes()
    ctx = SelectionContext(round=1, source=src)
    plus = get_strategy("adeada_plus", _cfg()).select(tgt, 4000, ctx)
    dyn = get_strategy("adeada_plus_dyn", _cfg()).select(tgt, 4000, ctx)
    assert plus.diagnostics["density_share"] == 0.5 and dyn.diagnostics["density_share"] == 1.0
    assert set(plus.part) == {"density", "uncertainty"} and set(dyn.part) == {"density"}
    third = get_strategy("adeada_plus", _cfg(density_fraction=0.25)).select(tgt, 4000, ctx)
    assert third.diagnostics["density_share"] == 0.25


def test_without_its_changes_it_is_the_papers_row_d():
    tgt, src = three_class_pool(seed=3)
    ctx = SelectionContext(round=2, source=src, labelled=np.arange(len(tgt)) % 17 == 0)
    # with the mixtures of the config's estimator too (estimator null; its default is its own fast fit)
    flat = get_strategy("adeada_plus_flat", _cfg(estimator=None)).select(tgt, 5000, ctx)
    row_d = get_strategy("adeada_d", _cfg()).select(tgt, 5000, ctx)
    np.testing.assert_array_equal(flat.rows, row_d.rows)
    # ... but not with a candidate setting on: each changes a half of the selection
    for cand in (dict(grouping="relative_mass"), dict(uncertainty="margin")):
        other = get_strategy("adeada_plus", _cfg(learnt_discount=False, estimator=None, **cand)).select(tgt, 5000, ctx)
        assert not np.array_equal(other.rows, row_d.rows), cand


def _three_class_table(prob, feat, pixels=100):
    prob = np.asarray(prob, np.float32)
    n = len(prob)
    p = np.clip(prob, 1e-12, 1)
    top2 = np.sort(prob, axis=1)[:, -2:]
    return RegionStats(image=np.arange(n), region=np.zeros(n), pixels=np.full(n, pixels), feature=feat.astype(np.float32),
                       prob=prob, pred=prob.argmax(1), entropy=-(prob * np.log(p)).sum(1).astype(np.float32),
                       confidence=top2[:, 1], margin=(top2[:, 1] - top2[:, 0]).astype(np.float32))


def three_class_pool(seed=0, D=4):
    """Three predicted classes, where a row's entropy and margin rank it differently."""
    rng = np.random.default_rng(seed)
    n = 300
    # a near tie between two classes (small margin, middling entropy) or mass spread over three
    # (larger margin, larger entropy), at random
    tie = rng.random(n) < 0.5
    top = rng.integers(0, 3, n)
    prob = np.zeros((n, 3))
    a = rng.uniform(0.45, 0.55, n)
    prob[np.arange(n), top] = np.where(tie, a, rng.uniform(0.4, 0.6, n))
    prob[np.arange(n), (top + 1) % 3] = np.where(tie, 1 - a - 0.02, (1 - prob[np.arange(n), top]) / 2)
    prob[np.arange(n), (top + 2) % 3] = 1 - prob.sum(1)
    feat = rng.normal(0, 1, (n, D)) + 8 * prob.argmax(1)[:, None]
    s_prob = np.eye(3)[np.repeat(np.arange(3), 100)] * 0.9 + 0.1 / 3
    s_feat = rng.normal(0, 1, (300, D)) + 8 * np.repeat(np.arange(3), 100)[:, None] + 1.5
    return _three_class_table(prob, feat), _three_class_table(s_prob, s_feat)


def test_the_uncertainty_part_ranks_by_smallest_margin_where_entropy_ranks_otherwise():
    # row 0: a tie between two classes (margin 0, entropy ln 2 = 0.69)
    # row 1: mass over three classes (margin 0.1, entropy 1.09): entropy's first pick, margin's second
    # row 2: sure (margin 0.8)
    prob = [[0.5, 0.5, 0.0], [0.4, 0.3, 0.3], [0.9, 0.1, 0.0]]
    tgt = _three_class_table(prob, np.zeros((3, 2)))
    ctx = SelectionContext(round=1)
    only_u = dict(density_fraction=0.0)  # the whole budget to the uncertainty part: no source needed
    margin = get_strategy("adeada_plus_margin", _cfg(**only_u)).select(tgt, 100, ctx)
    ent = get_strategy("adeada_plus", _cfg(**only_u)).select(tgt, 100, ctx)
    assert margin.rows.tolist() == [0] and ent.rows.tolist() == [1]
    assert set(margin.part) == {"uncertainty"}
    two = get_strategy("adeada_plus_margin", _cfg(**only_u)).select(tgt, 200, ctx)
    assert sorted(two.rows.tolist()) == [0, 1]


def test_the_margin_row_is_adeada_plus_with_the_margin_ranking():
    tgt, src = three_class_pool(seed=5)
    ctx = SelectionContext(round=2, source=src, labelled=np.arange(len(tgt)) % 11 == 0)
    row = get_strategy("adeada_plus_margin", _cfg()).select(tgt, 6000, ctx)
    same = get_strategy("adeada_plus", _cfg(uncertainty="margin")).select(tgt, 6000, ctx)
    np.testing.assert_array_equal(row.rows, same.rows)
    plus = get_strategy("adeada_plus", _cfg()).select(tgt, 6000, ctx)
    assert not np.array_equal(row.rows, plus.rows)
    # only the uncertainty half moves: the density half reads neither ranking
    np.testing.assert_array_equal(np.sort(row.rows[row.part == "density"]), np.sort(plus.rows[plus.part == "density"]))


def test_an_unknown_uncertainty_ranking_is_refused_naming_the_key():
    with pytest.raises(ValueError, match="selection.adeada_plus.uncertainty='bald'; expected entropy, margin, confidence or ripu"):
        get_strategy("adeada_plus", _cfg(uncertainty="bald"))


def test_the_diag_row_is_adeada_plus_with_diagonal_mixtures_and_null_keeps_the_runs_estimator():
    tgt, src = two_classes(seed=4)
    ctx = SelectionContext(round=2, source=src, labelled=np.arange(len(tgt)) % 13 == 0)
    plus = get_strategy("adeada_plus", _cfg())
    diag = get_strategy("adeada_plus_diag", _cfg())
    assert (plus.density.estimator, diag.density.estimator) == ("gmm_full_fast", "gmm_diag")
    assert diag.cfg.density.estimator == "gmm_full"  # the row's preset sits beside the run's settings
    assert diag.runs_with().density.estimator == "gmm_diag"
    # the row is exactly "ADeADA+ following the run's estimator, with selection.density.estimator: gmm_diag"
    same = get_strategy("adeada_plus", SelectionConfig(density=DensityConfig(n_jobs=1, estimator="gmm_diag"),
                                                       adeada_plus=AdeadaPlusConfig(estimator=None)))
    assert same.density.estimator == "gmm_diag"
    a, b = diag.select(tgt, 5000, ctx), same.select(tgt, 5000, ctx)
    np.testing.assert_array_equal(a.rows, b.rows)
    assert not np.array_equal(a.rows, plus.select(tgt, 5000, ctx).rows)
    # the run-wide setting alone does not move ADeADA+ off its own default; the paper's ADeADA follows it
    run_wide = SelectionConfig(density=DensityConfig(n_jobs=1, estimator="gmm_diag"))
    assert get_strategy("adeada_plus", run_wide).density.estimator == "gmm_full_fast"
    assert get_strategy("adeada", run_wide).density.estimator == "gmm_diag"
    assert get_strategy("adeada", _cfg()).density.estimator == "gmm_full"


def test_an_unknown_estimator_is_refused_naming_the_key():
    with pytest.raises(ValueError, match="selection.adeada_plus.estimator='gmm_ful'; expected null or one of gmm_full"):
        get_strategy("adeada_plus", _cfg(estimator="gmm_ful"))


def test_a_density_fraction_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="selection.adeada_plus.density_fraction"):
        get_strategy("adeada_plus", _cfg(density_fraction=1.5))


def test_relative_mass_gives_a_row_to_the_class_it_holds_most_of_its_mass_for():
    # mass per class: (0.9 + 0.6 + 0.7) / 3 = 0.733 and 0.267; argmax says class 0 everywhere
    prob = np.array([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3]])
    # ratios: row 0 1.23 vs 0.38 -> 0; row 1 0.82 vs 1.50 -> 1; row 2 0.95 vs 1.13 -> 1
    assert relative_mass_class(prob).tolist() == [0, 1, 1]
    # a class with no mass anywhere takes no row (its ratio is undefined, not a division by 0)
    assert relative_mass_class(np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0]])).tolist() == [0, 1]


def _small_class_pool(seed=0, D=4):
    """Class 2 is never anyone's argmax (at most 0.4 of a region) but holds most of its mass in 30 rows."""
    rng = np.random.default_rng(seed)

    def table(n_big, n_small, shift):
        n = n_big + n_small
        prob = np.zeros((n, 3))
        big = rng.integers(0, 2, n_big)
        prob[np.arange(n_big), big] = rng.uniform(0.8, 0.95, n_big)
        prob[np.arange(n_big), 1 - big] = 1 - prob[np.arange(n_big), big] - 0.01
        prob[:n_big, 2] = 0.01
        top = rng.integers(0, 2, n_small)
        prob[n_big + np.arange(n_small), top] = 0.6
        prob[n_big:, 2] = 0.4
        cls = np.concatenate([big, np.full(n_small, 2)])
        feat = rng.normal(0, 1, (n, D)) + 6 * cls[:, None] + shift * (cls == 2)[:, None]
        return _three_class_table(prob, feat)

    return table(270, 30, 4.0), table(270, 30, 0.0)


def test_relative_mass_grouping_lets_the_density_part_buy_a_class_never_ranked_first():
    tgt, src = _small_class_pool()
    assert (tgt.pred != 2).all()  # nobody's argmax ...
    ctx = SelectionContext(round=1, source=src)
    plus = get_strategy("adeada_plus_relmass", _cfg()).select(tgt, 6000, ctx)
    argmax = get_strategy("adeada_plus", _cfg()).select(tgt, 6000, ctx)
    assert argmax.diagnostics["density_pixels_by_class"][2] == 0  # ... so ADeADA never scores it
    assert plus.diagnostics["density_pixels_by_class"][2] > 0
    assert np.isfinite(plus.diagnostics["kl"][2]) and not np.isfinite(argmax.diagnostics["kl"][2])
    bought = plus.rows[plus.part == "density"]
    assert np.isin(np.arange(270, 300), bought).any()  # the small class's own regions
    same = get_strategy("adeada_plus", _cfg(grouping="relative_mass")).select(tgt, 6000, ctx)
    np.testing.assert_array_equal(plus.rows, same.rows)


def test_an_unknown_grouping_is_refused_naming_the_key():
    with pytest.raises(ValueError, match="selection.adeada_plus.grouping='soft'; expected argmax or relative_mass"):
        get_strategy("adeada_plus", _cfg(grouping="soft"))


def test_the_confidence_and_ripu_rankings_of_the_uncertainty_part_by_hand():
    # row 0: a two-class tie (confidence 0.5, entropy 0.69); row 1: mass over three classes
    # (confidence 0.55, entropy 1.00); row 2: sure (confidence 0.9). Entropy buys row 1 first,
    # least confidence row 0.
    prob = [[0.5, 0.5, 0.0], [0.55, 0.225, 0.225], [0.9, 0.1, 0.0]]
    tgt = _three_class_table(prob, np.zeros((3, 2)))
    # RIPU's terms: row 2 sits on a boundary (impurity 1.0), the others inside one predicted class.
    tgt.extras.update(impurity=np.array([0.0, 0.1, 1.0], np.float32),
                      nbr_entropy=np.array([0.9, 0.9, 0.5], np.float32))
    ctx = SelectionContext(round=1)
    only_u = dict(density_fraction=0.0)
    picks = {name: get_strategy(name, _cfg(**only_u)).select(tgt, 200, ctx).rows.tolist()
             for name in ("adeada_plus", "adeada_plus_ent", "adeada_plus_conf", "adeada_plus_ripu")}
    # least confidence is ADeADA+'s default (issue 23); adeada_plus_conf stays as its other name
    assert picks == {"adeada_plus": [0, 1], "adeada_plus_ent": [1, 0], "adeada_plus_conf": [0, 1],
                     "adeada_plus_ripu": [2, 1]}  # impurity x uncertainty: 0.5, 0.09, 0
    assert get_strategy("adeada_plus_ripu").requires == {"source", "impurity"}
    assert get_strategy("adeada_plus_conf").requires == {"source"}
    # a config's own setting still wins where the row does not set one
    assert get_strategy("adeada_plus", _cfg(uncertainty="entropy", **only_u)).select(tgt, 200, ctx).rows.tolist() == [1, 0]


def test_the_conf_and_ripu_rows_are_adeada_plus_with_their_setting():
    tgt, src = three_class_pool(seed=6)
    rng = np.random.default_rng(0)
    tgt.extras.update(impurity=rng.random(len(tgt)).astype(np.float32), nbr_entropy=tgt.entropy.copy())
    tgt.confidence = rng.uniform(0.4, 0.6, len(tgt)).astype(np.float32)  # ranks unlike entropy
    ctx = SelectionContext(round=2, source=src, labelled=np.arange(len(tgt)) % 11 == 0)
    plus = get_strategy("adeada_plus", _cfg()).select(tgt, 6000, ctx)
    for row, setting in (("adeada_plus_ent", "entropy"), ("adeada_plus_ripu", "ripu")):
        a = get_strategy(row, _cfg()).select(tgt, 6000, ctx)
        b = get_strategy("adeada_plus", _cfg(uncertainty=setting)).select(tgt, 6000, ctx)
        np.testing.assert_array_equal(a.rows, b.rows)
        assert not np.array_equal(a.rows, plus.rows), row
        np.testing.assert_array_equal(np.sort(a.rows[a.part == "density"]), np.sort(plus.rows[plus.part == "density"]))
    # the old name of the default row picks what the default picks
    np.testing.assert_array_equal(get_strategy("adeada_plus_conf", _cfg()).select(tgt, 6000, ctx).rows, plus.rows)


def test_the_gain_split_follows_last_rounds_error_rates_within_its_bounds():
    from adeada.selection.strategies.adeada_plus import gain_share

    assert gain_share({"density": 0.6, "uncertainty": 0.2}, 0.2, 0.5) == pytest.approx(0.75)
    assert gain_share({"density": 0.9, "uncertainty": 0.0}, 0.2, 0.5) == pytest.approx(0.8)  # bounded
    assert gain_share({"density": 0.0, "uncertainty": 0.5}, 0.2, 0.5) == pytest.approx(0.2)
    for missing in (None, {}, {"density": 0.3}, {"density": 0.0, "uncertainty": 0.0}):
        assert gain_share(missing, 0.2, 0.5) == 0.5  # round 1, one part bought nothing, no signal
    tgt, src = two_classes(seed=3)
    budget = 40 * 100
    ctx = SelectionContext(round=2, source=src, part_errors={"density": 0.6, "uncertainty": 0.2})
    gain = get_strategy("adeada_plus_gain", _cfg()).select(tgt, budget, ctx)
    assert gain.diagnostics["density_share"] == pytest.approx(0.75)
    assert gain.diagnostics["budget_density"] == pytest.approx(0.75 * budget)
    fixed = get_strategy("adeada_plus", _cfg()).select(tgt, budget, ctx)  # reads no errors
    assert fixed.diagnostics["density_share"] == 0.5
    first = get_strategy("adeada_plus_gain", _cfg()).select(tgt, budget, SelectionContext(round=1, source=src))
    np.testing.assert_array_equal(first.rows, get_strategy("adeada_plus", _cfg()).select(
        tgt, budget, SelectionContext(round=1, source=src)).rows)
    assert get_strategy("adeada_plus_gain").requires == {"source", "part_errors"}
    # a row with one part has nothing to split: the measurement does not move its share
    only_density = dataclasses.replace(_cfg(gain_split=True), adeada=AdeadaConfig(use_uncertainty=False))
    assert get_strategy("adeada_plus", only_density).select(tgt, budget, ctx).diagnostics["density_share"] == 1.0
    with pytest.raises(ValueError, match="selection.adeada_plus.gain_split=True; expected false unless fixed_split is true"):
        get_strategy("adeada_plus_gain", _cfg(fixed_split=False))


def test_adeada_plus_defaults_to_the_fast_fit_and_its_recipe_row_keeps_the_authors_recipe():
    tgt, src = two_classes(seed=5)
    ctx = SelectionContext(round=2, source=src, labelled=np.arange(len(tgt)) % 11 == 0)
    plus, fast, recipe = (get_strategy(n, _cfg()) for n in ("adeada_plus", "adeada_plus_fast", "adeada_plus_recipe"))
    assert fast.cfg.density.estimator == "gmm_full" and fast.runs_with().density.estimator == "gmm_full_fast"
    assert plus.runs_with().adeada_plus.estimator == "gmm_full_fast"
    assert recipe.runs_with().density.estimator == "gmm_full"
    a, b = fast.select(tgt, 5000, ctx), plus.select(tgt, 5000, ctx)
    np.testing.assert_array_equal(a.rows, b.rows)
    np.testing.assert_array_equal(a.part, b.part)
    # the recipe row is "ADeADA+ following the run's estimator" on a run with the authors' recipe
    null = get_strategy("adeada_plus", _cfg(estimator=None))
    r, n = recipe.select(tgt, 5000, ctx), null.select(tgt, 5000, ctx)
    np.testing.assert_array_equal(r.rows, n.rows)
    np.testing.assert_array_equal(r.diagnostics["kl"], n.diagnostics["kl"])
    # and it is another fit: the two estimators do not pick the same regions here
    assert not np.array_equal(r.rows, b.rows)
