"""The run config: old flat selection keys still load, at their new place, with a warning."""

import logging
from pathlib import Path

import pytest

from adeada.config import load_run_config
from adeada.configtools import ConfigError, to_dict
from adeada.config import RunConfig


def test_old_flat_baseline_keys_load_at_their_new_place(tmp_path, caplog):
    path = tmp_path / "old.yaml"
    path.write_text("selection: {strategy: redal, redal_decay: 0.5, kmeans_iter: 7, badge_max_candidates: 9}\n")
    with caplog.at_level(logging.WARNING):
        cfg = load_run_config(path, ["selection.clue_clusters=4"])
    sel = cfg.selection
    assert (sel.redal.decay, sel.redal.kmeans_iter, sel.clue.kmeans_iter) == (0.5, 7, 7)
    assert (sel.badge.max_candidates, sel.clue.clusters) == (9, 4)
    text = caplog.text
    assert "selection.redal_decay -> selection.redal.decay" in text and "selection.clue.clusters" in text


def test_a_run_folder_config_of_the_old_layout_resumes_unchanged(tmp_path):
    """Every config.yaml an older adeada wrote holds all the flat keys, with their defaults."""
    data = to_dict(RunConfig())
    sel = data["selection"]
    for section, old in (("redal", "redal_"), ("badge", "badge_"), ("clue", "clue_")):
        for key, value in sel.pop(section).items():
            sel[key if key in ("edge_weight", "kmeans_iter") else old + key] = value
    data["warmup"]["train"]["freeze_bn"] = data["finetune"]["freeze_bn"] = True  # per-phase BN flags
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_run_config(path) == RunConfig()


def test_a_misspelt_section_key_is_one_line_naming_the_section():
    with pytest.raises(ConfigError, match="unknown config key selection.redal.decai; ReDALConfig has"):
        load_run_config(None, ["selection.redal.decai=0.5"])


def test_old_per_phase_batchnorm_flags_load_where_they_agree_with_the_model(tmp_path, caplog):
    path = tmp_path / "old.yaml"
    path.write_text("model: {arch: tiny}\nwarmup: {train: {freeze_bn: false}}\nfinetune: {freeze_bn: false}\n")
    with caplog.at_level(logging.WARNING):
        cfg = load_run_config(path)
    assert cfg.model.bn_frozen is False
    assert "warmup.train.freeze_bn is no longer read" in caplog.text and "finetune.freeze_bn" in caplog.text


@pytest.mark.parametrize("where, overrides", [("file", []), ("set", ["finetune.freeze_bn=true"])])
def test_a_per_phase_batchnorm_flag_the_model_contradicts_is_one_line_naming_the_new_key(tmp_path, where, overrides):
    path = tmp_path / "old.yaml"
    path.write_text("model: {arch: tiny}\n" + ("finetune: {freeze_bn: true}\n" if where == "file" else ""))
    with pytest.raises(ConfigError) as err:
        load_run_config(path, overrides)
    text = str(err.value)
    assert "\n" not in text and "finetune.freeze_bn: True is no longer read" in text
    assert "set model.freeze_bn: true instead" in text and (str(path) in text) == (where == "file")


def test_the_warm_up_cache_key_outlives_the_per_phase_batchnorm_flags(monkeypatch):
    """The warm-up's key hashes the flag's value it had to have: caches made before stay valid.

    The expected keys were computed by the code before the flags went (commit 371109c); if this
    fails, every user's cached warm-up is retrained: change the key only on purpose. (Changed on
    purpose once: camvid_day_dusk pins float32, `cpu_bf16: false`, where it said `auto`, whose
    warm-ups could have run in bf16 or float32 depending on the CPU; its key was 86c2cd78827c.)
    """
    from adeada import cpu_isa
    from adeada.active.context import RunContext

    monkeypatch.setattr(cpu_isa, "computed_isa", lambda: "AVX2")  # what these keys were made under
    keys = {name: RunContext(load_run_config(name), run=None).warmup_key for name in ("demo", "camvid_day_dusk")}
    assert keys == {"demo": "4713f40f497a", "camvid_day_dusk": "9895f9f15336"}


def test_the_old_schedule_switch_loads_as_the_schedules_name_with_one_warning(tmp_path, caplog):
    path = tmp_path / "old.yaml"
    path.write_text("selection: {dynamic_schedule: false, density_fraction: 0.3}\n")
    with caplog.at_level("WARNING"):
        cfg = load_run_config(path)
    assert cfg.selection.adeada.schedule == "fixed" and cfg.selection.adeada.density_fraction == 0.3
    lines = [r.getMessage() for r in caplog.records]  # one line per key moved
    assert len(lines) == 2 and "selection.dynamic_schedule: false -> selection.adeada.schedule: fixed" in lines[0]
    assert "selection.density_fraction -> selection.adeada.density_fraction" in lines[1]
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert load_run_config(None, ["selection.dynamic_schedule=true"]).selection.adeada.schedule == "half_decay"
    assert ["selection.adeada.schedule=half_decay" in r.getMessage() for r in caplog.records] == [True]
    with pytest.raises(ConfigError, match="selection.adeada.schedule"):
        load_run_config(None, ["selection.adeada.schedule=cosine"])


def test_both_schedule_keys_keep_the_new_one_and_a_non_boolean_old_one_is_refused(tmp_path, caplog):
    path = tmp_path / "both.yaml"
    path.write_text("selection: {dynamic_schedule: false, schedule: even}\n")
    with caplog.at_level("WARNING"):
        assert load_run_config(path).selection.adeada.schedule == "even"
    assert "selection.dynamic_schedule: false ignored, selection.adeada.schedule is given" in caplog.text
    bad = tmp_path / "bad.yaml"
    bad.write_text("selection: {dynamic_schedule: maybe}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml.*'maybe' is not true or false"):
        load_run_config(bad)
    with pytest.raises(ConfigError, match="not true or false"):
        load_run_config(None, ["selection.dynamic_schedule=maybe"])


@pytest.mark.parametrize("override, message", [
    ("loop.rounds=0", "--set override: loop.rounds=0; expected at least 1"),
    ("finetune.lr=0", "--set override: finetune.lr=0.0; expected a learning rate > 0"),
    ("warmup.train.crop_size=[0, 4]", "--set override: warmup.train.crop_size=[0, 4]; expected null or [H, W] with H, W >= 1"),
    ("evaluation.batch_size=0", "--set override: evaluation.batch_size=0; expected at least 1"),
    ("regions.compactness=0", "--set override: regions.compactness=0.0; expected > 0"),
    ("loop.device=tpu", "--set override: loop.device='tpu'; expected auto, cpu, cuda, cuda:N or mps"),
])
def test_each_section_refuses_its_own_bad_value_in_one_line(override, message):
    with pytest.raises(ConfigError) as err:
        load_run_config(None, [override])
    assert str(err.value) == message


def test_a_phase_device_that_the_runs_one_device_would_replace_is_refused():
    with pytest.raises(ConfigError) as err:
        load_run_config(None, ["finetune.device=cuda:1"])
    assert str(err.value) == ("config: finetune.device='cuda:1' is not read in a run: loop.device ('auto') is the "
                              "run's one device; set loop.device: cuda:1 instead")
    # the default and the run's own device are what every run folder's config.yaml holds: read as before
    cfg = load_run_config(None, ["loop.device=cpu", "finetune.device=cpu", "warmup.train.device=auto"])
    assert cfg.loop.device == "cpu"


def test_run_folder_configs_written_before_the_sections_load_to_the_same_settings(caplog):
    """Two config.yaml files written by adeada before each kind had its section (copied from real
    run folders: the demo run, and a cell of a protocol-2 sweep) load to the settings the current
    configs give, each moved key named once."""
    fixtures = Path(__file__).parent / "fixtures"
    with caplog.at_level("WARNING"):
        demo = load_run_config(fixtures / "old_layout_demo_run_config.yaml")
    # they ran ADeADA+ on the config's estimator (estimator: null), not on its later default
    assert demo == load_run_config("demo", ["selection.adeada_plus.estimator=null",
                                            "selection.adeada_plus.uncertainty=entropy"])
    moved = [r.getMessage() for r in caplog.records]
    assert len(moved) == len(set(moved)) and any("selection.alpha -> selection.adeada.alpha" in m for m in moved)
    cell = load_run_config(fixtures / "old_layout_camvid_cell_config.yaml")
    expected = load_run_config("camvid_day_dusk_fine", ["selection.adeada.alpha=0", "name=" + cell.name,
                                                        "selection.adeada_plus.estimator=null",
                                                        "selection.adeada_plus.uncertainty=entropy",
                                                        # written before the cap: it ran on the CPU's own kernels
                                                        "loop.cpu_isa=native"])
    assert cell == expected
    assert cell.data.source.flat_settings()["preset"] == "day_train"  # what the cache keys hash


def test_the_warm_up_cache_key_of_a_benchmark_config_is_the_one_made_before_the_sections(monkeypatch):
    """camvid_day_dusk's warm-up key as adeada computed it before each dataset layout had its
    section (measured with that code on 2026-12-04): the warm-ups cached under it stay valid.
    Its precision is pinned (float32) and its CPU kernels capped at AVX2 (loop.cpu_isa), so under
    the cap the key does not depend on the CPU."""
    from adeada import cpu_isa
    from adeada.active.context import RunContext

    monkeypatch.setattr(cpu_isa, "computed_isa", lambda: "AVX2")

    assert RunContext(load_run_config("camvid_day_dusk"), None, progress=False).warmup_key == "9895f9f15336"
    assert RunContext(load_run_config("camvid_day_dusk_fine"), None, progress=False).warmup_key == "9895f9f15336"


def test_a_run_folder_written_before_adeada_plus_had_an_estimator_keeps_the_configs(tmp_path, caplog):
    """A config.yaml dumped before selection.adeada_plus.estimator existed (its section holds the
    three first keys, every dump does) ran ADeADA+ on the config's estimator: it loads as null, not
    as the later default; a user's file that names only some keys gets the default."""
    old = tmp_path / "config.yaml"
    old.write_text("selection:\n  adeada_plus: {fixed_split: true, density_fraction: 0.5, learnt_discount: true}\n")
    with caplog.at_level("WARNING"):
        assert load_run_config(old).selection.adeada_plus.estimator is None
    assert any("selection.adeada_plus has no estimator key" in r.getMessage() for r in caplog.records)
    mine = tmp_path / "mine.yaml"
    mine.write_text("selection:\n  adeada_plus: {density_fraction: 0.6}\n")
    assert load_run_config(mine).selection.adeada_plus.estimator == "gmm_full_fast"


def test_a_run_folder_written_before_adeada_plus_had_an_uncertainty_ranking_ranks_by_entropy(tmp_path, caplog):
    """ADeADA+ ranked its uncertainty part by entropy until least confidence became its default
    (issue 23): a dumped section without the key ran entropy and resumes so; one written since says
    which it ran; a user's file that names only some keys gets the default."""
    old = tmp_path / "config.yaml"
    old.write_text("selection:\n  adeada_plus: {fixed_split: true, density_fraction: 0.5, learnt_discount: true}\n")
    with caplog.at_level("WARNING"):
        assert load_run_config(old).selection.adeada_plus.uncertainty == "entropy"
    assert any("selection.adeada_plus has no uncertainty key" in r.getMessage() for r in caplog.records)
    said = tmp_path / "said.yaml"
    said.write_text("selection:\n  adeada_plus: {fixed_split: true, density_fraction: 0.5, learnt_discount: true, "
                    "uncertainty: margin}\n")
    assert load_run_config(said).selection.adeada_plus.uncertainty == "margin"
    mine = tmp_path / "mine.yaml"
    mine.write_text("selection:\n  adeada_plus: {density_fraction: 0.6}\n")
    assert load_run_config(mine).selection.adeada_plus.uncertainty == "confidence"
    assert load_run_config("camvid_day_dusk").selection.adeada_plus.uncertainty == "confidence"
