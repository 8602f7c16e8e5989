"""Settings beside the kind that reads them: ADeADA's section, each estimator's section, presets
that never rewrite the run's settings, and a misplaced key refused in one line."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from adeada.config import load_run_config
from adeada.configtools import ConfigError
from adeada.selection import get_strategy
from adeada.selection.config import (
    ESTIMATOR_SECTIONS, AdeadaConfig, DensityConfig, GmmFullFastOptions, GmmFullOptions, PcaGmmOptions, SelectionConfig,
)
from adeada.selection.density import ESTIMATORS, density_scores
from tests.recording import recording

SECTIONS = {"gmm_full": GmmFullOptions, "gmm_full_fast": GmmFullFastOptions, "pca_gmm": PcaGmmOptions}


def _toy(seed: int = 0):
    from selection_testkit import random_table

    return random_table(600, seed=seed, D=6), random_table(600, seed=seed + 1, D=6)


def test_every_estimator_reads_the_common_fields_alike_and_only_its_own_sections():
    """Walk the registry: run each estimator on a toy table with a config that notes what is
    read. A common field is read by every estimator or by none; a section's fields are read by
    exactly the estimators ESTIMATOR_SECTIONS names (so no field is read by only some kinds)."""
    from typing import get_args

    from adeada.selection.config import EstimatorName

    assert set(ESTIMATOR_SECTIONS) == set(ESTIMATORS) == set(get_args(EstimatorName))
    tgt, src = _toy()
    reads = {}
    for name in ESTIMATORS:
        seen: set[str] = set()
        cfg = recording(DensityConfig(estimator=name, n_jobs=1), seen)
        seen.clear()  # the sections' own checks read every field; what counts is what the fit reads
        density_scores(tgt, src, None, cfg)
        reads[name] = seen
    common = [f.name for f in dataclasses.fields(DensityConfig) if f.name not in SECTIONS]
    for field in common:
        readers = {name for name, seen in reads.items() if field in seen}
        assert readers in (set(), set(ESTIMATORS)), f"selection.density.{field} is read only by {sorted(readers)}"
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            readers = {name for name, seen in reads.items() if f"{section}.{f.name}" in seen}
            expected = {name for name, secs in ESTIMATOR_SECTIONS.items() if section in secs}
            assert readers <= expected, f"{section}.{f.name} is read by {sorted(readers - expected)} too"


def test_a_setting_of_an_estimator_that_is_not_chosen_is_one_line_naming_the_kind():
    with pytest.raises(ConfigError) as err:
        load_run_config(None, ["selection.adeada_plus.estimator=null", "selection.density.gmm_full_fast.max_iter=5"])
    assert str(err.value) == ("--set override: selection.density.gmm_full_fast.max_iter=5 is read only by estimator "
                              "gmm_full_fast, not by estimator 'gmm_full'")
    # by default ADeADA+ runs gmm_full_fast beside the run's gmm_full: both read their sections
    with pytest.raises(ConfigError) as err:
        load_run_config(None, ["selection.density.pca_gmm.dim=8"])
    assert str(err.value) == ("--set override: selection.density.pca_gmm.dim=8 is read only by estimator "
                              "pca_gmm, not by estimator 'gmm_full' or 'gmm_full_fast'")
    assert load_run_config(None, ["selection.density.gmm_full_fast.max_iter=5"]).selection.density.gmm_full_fast.max_iter == 5
    with pytest.raises(ConfigError, match="selection.density.pca_gmm.dim=8 is read only by estimator pca_gmm"):
        SelectionConfig(density=DensityConfig(estimator="gmm_diag", pca_gmm=PcaGmmOptions(dim=8)))
    # pca_gmm fits gmm_full's mixture in its subspace: it reads that section too
    both = SelectionConfig(density=DensityConfig(estimator="pca_gmm", gmm_full=GmmFullOptions(backend="torch")))
    assert both.density.gmm_full.backend == "torch"
    # ADeADA+'s own estimator reads its section too, and its preset leaves the run's sections be
    plus = load_run_config(None, ["selection.strategy=adeada_plus", "selection.adeada_plus.estimator=gmm_full_fast",
                                  "selection.density.gmm_full_fast.max_iter=5"])
    assert get_strategy("adeada_plus", plus.selection).density.gmm_full_fast.max_iter == 5
    torch_diag = load_run_config(None, ["selection.strategy=adeada_plus_diag", "selection.density.gmm_full.backend=torch"])
    assert get_strategy("adeada_plus_diag", torch_diag.selection).density.estimator == "gmm_diag"
    cfg = load_run_config(None, ["selection.density.estimator=gmm_full_fast", "selection.density.gmm_full_fast.max_iter=5"])
    assert cfg.selection.density.gmm_full_fast.max_iter == 5


def test_each_section_checks_itself_wherever_it_is_made():
    with pytest.raises(ConfigError, match=r"^selection\.adeada\.alpha=-1; expected >= 0$"):
        AdeadaConfig(alpha=-1)
    with pytest.raises(ConfigError, match=r"^--set override: selection\.adeada\.density_fraction=2\.0; expected a share"):
        load_run_config(None, ["selection.adeada.density_fraction=2"])
    with pytest.raises(ConfigError, match=r"selection\.density\.gmm_full_fast\.max_iter=0; expected at least 1"):
        GmmFullFastOptions(max_iter=0)
    with pytest.raises(ConfigError, match=r"selection\.budget_fraction=0\.0; expected a fraction"):
        SelectionConfig(budget_fraction=0.0)


def test_a_preset_reads_the_runs_settings_and_never_rewrites_them():
    cfg = SelectionConfig(adeada=AdeadaConfig(alpha=0.5, sigma="relu"))
    d, plus = get_strategy("adeada_d", cfg), get_strategy("adeada_plus", cfg)
    assert d.cfg is cfg and plus.cfg is cfg and cfg.adeada.schedule == "half_decay"  # untouched
    assert (d.opts.schedule, d.opts.alpha, d.opts.sigma) == ("even", 0.5, "relu")
    assert (plus.opts.schedule, plus.opts.density_fraction) == ("fixed", cfg.adeada_plus.density_fraction)
    assert plus.runs_with().adeada == plus.opts and get_strategy("conf", cfg).runs_with() is cfg


def test_a_value_the_strategys_preset_replaces_is_refused_when_a_run_starts(tmp_path, capsys):
    from adeada.cli import main
    from adeada.config_checks import check_presets

    cfg = load_run_config(None, ["selection.strategy=adeada_plus", "selection.adeada.schedule=even"])  # reads
    with pytest.raises(ConfigError) as err:
        check_presets(cfg.selection, get_strategy("adeada_plus", cfg.selection))
    assert str(err.value) == ("config: selection.adeada.schedule='even' is not what strategy 'adeada_plus' runs with "
                              "(its preset sets 'fixed'); remove the key or choose another strategy")
    out = tmp_path / "r"
    assert main(["--quiet", "run", "--set", "selection.strategy=adeada_plus_diag", "--set",
                 "selection.density.estimator=gmm_full_fast", "--out", str(out)]) == 2
    assert "selection.density.estimator='gmm_full_fast' is not what strategy 'adeada_plus_diag'" in capsys.readouterr().err
    assert not out.exists()
    # what the preset does not touch is read: alpha under row (d), every key under adeada itself
    d = load_run_config(None, ["selection.strategy=adeada_d", "selection.adeada.alpha=0.5"])
    check_presets(d.selection, get_strategy("adeada_d", d.selection))
    # a comparison's cell of that row (its config.yaml) loads as written, to be resumed and reported
    from adeada.active.compare import variant_config
    from adeada.config import dump_config

    cell = variant_config(load_run_config("camvid_day_dusk_fine"), "adeada_plus_diag", 0)
    dump_config(cell, tmp_path / "cell.yaml")
    assert load_run_config(tmp_path / "cell.yaml") == cell


def test_old_flat_keys_load_at_their_new_place_with_one_line_each(tmp_path, caplog):
    path = tmp_path / "old.yaml"
    path.write_text("selection:\n  alpha: 0.5\n  sigma: relu\n"
                    "  density: {estimator: gmm_full_fast, fast_max_iter: 3, backend: sklearn, pca_dim: 32}\n")
    with caplog.at_level("WARNING"):
        cfg = load_run_config(path)
    assert (cfg.selection.adeada.alpha, cfg.selection.adeada.sigma) == (0.5, "relu")
    assert cfg.selection.density.gmm_full_fast.max_iter == 3
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 5 and all("rename it" in ln for ln in lines)
    assert any("selection.density.fast_max_iter -> selection.density.gmm_full_fast.max_iter" in ln for ln in lines)
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert load_run_config(None, ["selection.alpha=0.25"]).selection.adeada.alpha == 0.25
    assert len(caplog.records) == 1 and "selection.adeada.alpha" in caplog.records[0].getMessage()


def test_the_fit_cache_keys_hash_the_flat_layout_so_old_fits_stay_valid():
    """The keys of fits cached before the sections existed: the flat dict of the old layout."""
    from adeada.selection.density.fit_cache import fit_key

    cfg = DensityConfig(estimator="gmm_full_fast", gmm_full_fast=GmmFullFastOptions(fit_regions=500))
    flat = cfg.flat_settings()
    assert flat["fast_fit_regions"] == 500 and flat["fast_max_iter"] == 2 and flat["backend"] == "sklearn"
    assert not {"gmm_full", "gmm_full_fast", "pca_gmm"} & set(flat)
    a, b = np.ones((3, 2), np.float32), np.zeros((2, 2), np.float32)
    assert fit_key(a, b, cfg) != fit_key(a, b, dataclasses.replace(cfg, gmm_full_fast=GmmFullFastOptions(fit_regions=400)))
