from dataclasses import dataclass, field
from typing import Literal, Optional

import pytest

from adeada.configtools import ConfigError, apply_overrides, from_dict, merge, parse_override, to_dict


@dataclass
class Inner:
    alpha: float = 1.0
    mode: Literal["a", "b"] = "a"
    sizes: Optional[list[int]] = None


@dataclass
class Outer:
    name: str = "x"
    rounds: int = 5
    inner: Inner = field(default_factory=Inner)
    remap: dict[int, int] = field(default_factory=dict)


def test_round_trip_through_dict():
    cfg = Outer(name="y", rounds=3, inner=Inner(alpha=0.5, mode="b", sizes=[2, 3]), remap={1: 255})
    assert from_dict(Outer, to_dict(cfg)) == cfg


def test_unknown_key_names_the_path_and_the_known_keys():
    with pytest.raises(ConfigError, match=r"inner\.alhpa.*alpha, mode, sizes"):
        from_dict(Outer, {"inner": {"alhpa": 0.5}})


@pytest.mark.parametrize(
    "data, message",
    [
        ({"rounds": "five"}, "rounds: expected an integer"),
        ({"rounds": 2.5}, "rounds: expected an integer"),
        ({"inner": {"alpha": "x"}}, r"inner\.alpha: expected a number"),
        ({"inner": {"mode": "c"}}, r"inner\.mode: 'c' is not one of 'a', 'b'"),
        ({"inner": {"sizes": 3}}, r"inner\.sizes"),
        ({"inner": 3}, "inner: expected a mapping"),
    ],
)
def test_wrong_types_are_errors(data, message):
    with pytest.raises(ConfigError, match=message):
        from_dict(Outer, data)


def test_int_is_accepted_for_float_and_converted():
    cfg = from_dict(Outer, {"inner": {"alpha": 1}})
    assert cfg.inner.alpha == 1.0 and isinstance(cfg.inner.alpha, float)


def test_overrides_parse_yaml_values_and_create_sections():
    data = apply_overrides(to_dict(Outer()), ["inner.alpha=0.25", "inner.sizes=[4, 5]", "name=demo"])
    cfg = from_dict(Outer, data)
    assert cfg.inner.alpha == 0.25 and cfg.inner.sizes == [4, 5] and cfg.name == "demo"
    assert parse_override("a.b=null") == (["a", "b"], None)


def test_malformed_override_is_an_error():
    with pytest.raises(ConfigError, match="section.key=value"):
        apply_overrides({}, ["inner.alpha"])
    with pytest.raises(ConfigError, match="is a value"):
        apply_overrides({"name": "x"}, ["name.sub=1"])


def test_merge_is_recursive_and_does_not_mutate():
    base = {"a": {"b": 1, "c": 2}, "d": 3}
    out = merge(base, {"a": {"b": 5}})
    assert out == {"a": {"b": 5, "c": 2}, "d": 3} and base["a"]["b"] == 1


def test_floats_in_exponent_form_are_numbers():
    # YAML 1.1 reads "1e-4" (no dot) as a string; a learning rate written so must still work
    assert from_dict(Outer, apply_overrides(to_dict(Outer()), ["inner.alpha=1e-4"])).inner.alpha == 1e-4
    with pytest.raises(ConfigError, match="expected a number"):
        from_dict(Outer, {"inner": {"alpha": "fast"}})


def test_a_config_can_name_a_base_and_state_only_what_it_changes(tmp_path):
    from adeada.config import load_run_config

    (tmp_path / "a.yaml").write_text("name: a\nloop: {rounds: 7}\nregions: {n_segments: 50}\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\nregions: {n_segments: 99}\n")
    cfg = load_run_config(tmp_path / "b.yaml")
    assert (cfg.name, cfg.loop.rounds, cfg.regions.n_segments) == ("b", 7, 99)
    fine = load_run_config("camvid_day_dusk_fine")  # a built-in variant of a built-in config
    plain = load_run_config("camvid_day_dusk")
    assert fine.regions.n_segments == 200 and plain.regions.n_segments == 40
    assert fine.finetune == plain.finetune and fine.data == plain.data


def test_a_base_that_leads_back_to_itself_is_refused(tmp_path):
    from adeada.config import ConfigError, load_run_config

    (tmp_path / "a.yaml").write_text("base: b.yaml\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(ConfigError, match="leads back to itself"):
        load_run_config(tmp_path / "a.yaml")
