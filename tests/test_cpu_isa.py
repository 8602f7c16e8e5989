"""loop.cpu_isa: the CPU kernels capped at AVX2 so that benchmark results reproduce on AVX-512 CPUs."""

import json
import os
import subprocess
import sys

import pytest

from adeada import cpu_isa
from adeada.active.report import check_one_precision
from adeada.config import load_run_config
from tests.tiny_run import TINY, write_tiny_config


def test_the_avx2_cap_names_every_library_and_native_names_none():
    env = cpu_isa.isa_env("avx2")
    assert env["ATEN_CPU_CAPABILITY"] == "avx2" and env["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    assert env["OPENBLAS_CORETYPE"] == "Zen" and "X86_V4" in env["NPY_DISABLE_CPU_FEATURES"]
    assert env[cpu_isa.MARK] == "avx2"
    assert cpu_isa.isa_env("native") == {}
    with pytest.raises(ValueError, match=r"cpu_isa='avx512'; expected one of native, avx2"):
        cpu_isa.isa_env("avx512")
    assert cpu_isa.applied("avx2", cpu_isa.AVX2_ENV) and not cpu_isa.applied("avx2", {})
    assert not cpu_isa.applied("avx2", dict(cpu_isa.AVX2_ENV, ONEDNN_MAX_CPU_ISA="AVX512_CORE"))


def test_a_wrong_value_in_a_config_is_refused_naming_the_field(tmp_path):
    path = write_tiny_config(tmp_path, loop=dict(TINY["loop"], cpu_isa="avx512"))
    with pytest.raises(Exception, match=r"cpu_isa"):
        load_run_config(path)


def test_one_command_runs_one_cap():
    assert cpu_isa.wanted_isa(["native", "avx2", "avx2"]) == "avx2"
    assert cpu_isa.wanted_isa(["native"]) == "native"
    # the suite's shifts are one process: two caps cannot both hold
    with pytest.raises(ValueError, match="different loop.cpu_isa"):
        cpu_isa.wanted_isa(["avx2", "other"])


class Restarted(Exception):
    pass


def test_the_command_restarts_itself_with_the_caps_environment_once(monkeypatch):
    calls = []

    def execve(path, argv, env):
        calls.append((path, argv, env))
        raise Restarted

    monkeypatch.setattr(os, "execve", execve)
    monkeypatch.setattr(cpu_isa, "cpu_has_avx2", lambda: True)
    for key in cpu_isa.isa_env("avx2"):
        monkeypatch.delenv(key, raising=False)
    cpu_isa.reexec_with_isa("native", ["run"])  # nothing to cap
    assert calls == []
    with pytest.raises(Restarted):
        cpu_isa.reexec_with_isa("avx2", ["compare", "--config", "camvid_day_dusk"])
    (path, argv, env), = calls
    assert path == sys.executable and argv[-3:] == ["compare", "--config", "camvid_day_dusk"]
    assert all(env[k] == v for k, v in cpu_isa.isa_env("avx2").items())
    # the restarted process (every variable in place) runs on
    for key, value in cpu_isa.isa_env("avx2").items():
        monkeypatch.setenv(key, value)
    cpu_isa.reexec_with_isa("avx2", ["run"])
    # a restart that lost a variable does not restart forever: it warns and runs
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    cpu_isa.reexec_with_isa("avx2", ["run"])
    assert len(calls) == 1


def test_a_cpu_without_avx2_is_warned_not_restarted(monkeypatch, caplog):
    monkeypatch.setattr(os, "execve", lambda *a: pytest.fail("restarted on a CPU the cap cannot apply to"))
    monkeypatch.setattr(cpu_isa, "cpu_has_avx2", lambda: False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    with caplog.at_level("WARNING"):
        cpu_isa.reexec_with_isa("avx2", ["run"])
    assert any("has none" in r.getMessage() for r in caplog.records)


def test_the_warm_up_key_keeps_its_avx2_value_and_moves_for_other_kernels(monkeypatch):
    """Every cached warm-up was made under AVX2 kernels: their key stays; an AVX-512 process (or a
    cap of another width) must not read them, nor they its."""
    from adeada.active.context import RunContext

    cfg = load_run_config("camvid_day_dusk")
    monkeypatch.setattr(cpu_isa, "computed_isa", lambda: "AVX2")
    assert RunContext(cfg, None, progress=False).warmup_key == "9895f9f15336"
    monkeypatch.setattr(cpu_isa, "computed_isa", lambda: "AVX512")
    assert RunContext(cfg, None, progress=False).warmup_key != "9895f9f15336"


def test_cells_of_two_kernel_widths_are_refused_and_older_records_are_not(tmp_path):
    f32 = {"warmup": "float32", "finetune": "float32", "evaluation": "float32"}

    def cell(strategy, seed, precision):
        folder = tmp_path / strategy / f"seed{seed}" / "rounds" / "01"
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps({"round": 1, "miou": 0.3, "precision": precision}))

    cell("conf", 0, dict(f32, cpu_kernels="AVX2"))
    cell("conf", 1, f32)  # recorded before the field: not refused for lacking it
    assert check_one_precision(tmp_path, ["conf"], [0, 1])["cpu_kernels"] == "AVX2"
    cell("conf", 2, dict(f32, cpu_kernels="AVX512"))
    with pytest.raises(ValueError, match=r"conf/seed2 ran in .*AVX512.*loop.cpu_isa: avx2"):
        check_one_precision(tmp_path, ["conf"], [0, 1, 2])


@pytest.mark.skipif(not cpu_isa.cpu_has_avx2(), reason="the AVX2 cap needs an x86-64 CPU with AVX2")
def test_a_pinned_run_of_the_adeada_command_computes_with_avx2_kernels(tmp_path):
    """Through the command line (python -m adeada.cli, as the console script runs it): the run restarts under the cap, and every record says so
    (on an AVX-512 CPU, without the restart, they would say AVX512)."""
    path = write_tiny_config(tmp_path, loop=dict(TINY["loop"], rounds=1, cpu_isa="avx2"))
    env = {k: v for k, v in os.environ.items() if k not in cpu_isa.isa_env("avx2")}
    done = subprocess.run([sys.executable, "-m", "adeada.cli", "--quiet", "run", "--config", str(path), "--out", str(tmp_path / "run")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for k in (0, 1):
        record = json.loads((tmp_path / "run" / "rounds" / f"{k:02d}" / "metrics.json").read_text())["precision"]
        assert record["cpu_kernels"] == "AVX2" and record["warmup_cpu_kernels"] == "AVX2"
    (made,) = (tmp_path / "cache" / "warmups").glob("*/precision.json")
    assert json.loads(made.read_text()) == {"warmup": "float32", "cpu_kernels": "AVX2"}
