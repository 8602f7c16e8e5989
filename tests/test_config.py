"""The run config: old flat selection keys still load, at their new place, with a warning."""

import logging

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
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_run_config(path) == RunConfig()


def test_a_misspelt_section_key_is_one_line_naming_the_section():
    with pytest.raises(ConfigError, match="unknown config key selection.redal.decai; ReDALConfig has"):
        load_run_config(None, ["selection.redal.decai=0.5"])
