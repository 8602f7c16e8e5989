import math

import pytest

from adeada.reports.paired import paired_differences, paired_markdown, seed_spread


def rows(strategy, values):
    """values: {round: [miou per seed 0, 1, 2]}; round 0 (the warm-up) is always left out."""
    out = [{"strategy": strategy, "seed": s, "round": 0, "miou": 30.0} for s in range(3)]
    for rnd, per_seed in values.items():
        out += [{"strategy": strategy, "seed": s, "round": rnd, "miou": v} for s, v in enumerate(per_seed)]
    return out


def test_paired_difference_and_t_interval_by_hand():
    results = (rows("adeada", {1: [41.0, 42.0, 43.0], 2: [50.0, 50.1, 49.9]})
               + rows("rand", {1: [40.0, 40.0, 40.0], 2: [48.0, 48.0, 48.0]}))
    p = paired_differences(results, "adeada")
    assert [(r["strategy"], r["round"], r["n"]) for r in p] == [("rand", 1, 3), ("rand", 2, 3)]
    r1, r2 = p
    # diffs 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.3027 -> half width 4.3027 / sqrt(3) = 2.4842
    assert r1["mean_diff"] == pytest.approx(2.0) and r1["std_diff"] == pytest.approx(1.0)
    assert r1["ci_low"] == pytest.approx(2.0 - 2.4842, abs=1e-3)
    assert r1["ci_high"] == pytest.approx(2.0 + 2.4842, abs=1e-3)
    assert r1["verdict"] == "undecided"
    # diffs 2.0, 2.1, 1.9: sd 0.1 -> [1.75, 2.25], clearly above 0
    assert r2["verdict"] == "better" and r2["ci_low"] == pytest.approx(2.0 - 0.24842, abs=1e-3)


def test_pairs_only_common_seeds_and_reports_worse():
    results = rows("adeada", {1: [30.0, 31.0, 30.5]}) + [
        {"strategy": "conf", "seed": s, "round": 1, "miou": v} for s, v in ((0, 35.0), (1, 36.2))]
    (p,) = paired_differences(results, "adeada")
    assert p["n"] == 2 and p["mean_diff"] == pytest.approx(-5.1)
    assert p["verdict"] == "worse" and p["ci_high"] < 0
    assert "▼" in paired_markdown([p], {1: "1.02%"}) and "1.02%" in paired_markdown([p], {1: "1.02%"})


def test_one_seed_has_no_interval_and_unknown_reference_is_an_error():
    results = [{"strategy": n, "seed": 0, "round": 1, "miou": v} for n, v in (("adeada", 40.0), ("ent", 39.0))]
    (p,) = paired_differences(results, "adeada")
    assert math.isnan(p["ci_low"]) and p["verdict"] == "undecided"
    assert paired_differences(results, "adeada", exclude=["ent"]) == []
    with pytest.raises(ValueError, match="reference strategy 'clue'"):
        paired_differences(results, "clue")


def test_seed_spread_means_the_std_over_rounds_after_the_warmup():
    summary = [
        {"strategy": "rand", "round": 0, "miou_std": 0.0},
        {"strategy": "rand", "round": 1, "miou_std": 1.0},
        {"strategy": "rand", "round": 2, "miou_std": 3.0},
        {"strategy": "ent", "round": 1, "miou_std": 0.5},
        {"strategy": "full_supervision", "round": 1, "miou_std": 9.0},
        {"strategy": "one_seed", "round": 1, "miou_std": float("nan")},
    ]
    by = {r["strategy"]: r for r in seed_spread(summary, exclude=["full_supervision"])}
    assert set(by) == {"rand", "ent", "all"}
    assert by["rand"]["mean_std"] == pytest.approx(2.0) and by["rand"]["max_std"] == 3.0
    assert by["all"]["mean_std"] == pytest.approx(1.5) and by["all"]["rounds"] == 3
