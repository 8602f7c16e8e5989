"""Chaos: a run SIGKILLed at 20 seeded random points, each resumed, ends byte for byte like an
uninterrupted run.

The kill points are write events (``ADEADA_KILL_AT_WRITE=N``: every atomic write has one before
its rename and one after), drawn over the whole run: warm-up, statistics, selection, labels,
fine-tuning checkpoints, evaluation, plots, reports. The runs are forked from this process (the
libraries are already imported, so a case costs its work, not a Python start-up) and the kill is
a real SIGKILL of that process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from adeada import atomic
from adeada.cli import main
from tests.tiny_run import TINY

pytestmark = pytest.mark.slow

KILLS = 20
SEED = 15

# Smaller than the tiny config, with a training checkpoint every step so that kills also land
# between the checkpoints of a warm-up or a fine-tuning.
_DEMO = {"n_source": 6, "n_pool": 6, "n_test": 3, "size": [32, 48]}
CHAOS = dict(
    TINY,
    data={name: {"kind": "demo", "demo": dict(_DEMO, which=which)}
          for name, which in (("source", "source"), ("target_pool", "pool"), ("target_test", "test"))},
    regions={"n_segments": 8, "workers": 1},
    warmup={"method": "adaptsegnet", "train": {"iterations": 3, "batch_size": 3, "lr": 0.01, "freeze_bn": False,
                                               "checkpoint_every": 1, "log_every": 1}},
    finetune={"iterations": 3, "batch_size": 3, "lr": 0.005, "freeze_bn": False, "checkpoint_every": 1, "log_every": 1},
    selection={"strategy": "adeada", "budget_fraction": 0.05, "density": {"n_jobs": 1}},
    evaluation={"batch_size": 3},
    loop={"rounds": 2, "device": "cpu", "overlays_per_round": 1},
)


def _forked(argv: list[str], kill_at: int | None, timeout: float = 120.0) -> int:
    """Run ``adeada argv`` in a forked child; its exit status, or -signal if it was killed."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.environ.pop("ADEADA_KILL_AT_WRITE", None)
            if kill_at is not None:
                os.environ["ADEADA_KILL_AT_WRITE"] = str(kill_at)
            atomic._write_events = 0
            code = main(argv)
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"adeada {' '.join(argv)} did not finish in {timeout} s")
        time.sleep(0.02)


def _without_timings(obj):
    if isinstance(obj, dict):
        return {k: _without_timings(v) for k, v in obj.items() if not k.endswith("seconds")}
    return obj


def _files(root: Path) -> dict[str, bytes]:
    """Every file of a run folder, byte for byte, except wall-clock timings: state.json is
    compared by its steps and SHA-256 records, selection_info.json without its ``*seconds``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    state = json.loads(out.pop("state.json"))
    out["state.json"] = json.dumps({"done": state["done"], "sha256": state.get("sha256")}, sort_keys=True).encode()
    for name in [n for n in out if n.endswith("selection_info.json")]:
        out[name] = json.dumps(_without_timings(json.loads(out[name])), sort_keys=True).encode()
    return out


def _fresh(root: Path) -> None:
    """The run folder gone and the cache reduced to its superpixels (a cache, not the run)."""
    shutil.rmtree(root / "run", ignore_errors=True)
    for name in ("warmups", "region_stats", "density_fits"):
        shutil.rmtree(root / "cache" / name, ignore_errors=True)


def test_twenty_random_kills_each_resume_to_the_uninterrupted_run(tmp_path):
    import yaml

    cfg = tmp_path / "chaos.yaml"
    cfg.write_text(yaml.safe_dump(dict(CHAOS, cache_dir=str(tmp_path / "cache"))))
    run = ["--quiet", "run", "--out", str(tmp_path / "run")]
    start = time.perf_counter()
    assert _forked(run + ["--config", str(cfg)], None) == 0  # fills the superpixel cache
    _fresh(tmp_path)
    os.environ["ADEADA_KILL_AT_WRITE"] = str(10**9)  # count this process's write events, kill none
    try:
        atomic._write_events = 0
        assert main(run + ["--config", str(cfg)]) == 0
        events = atomic._write_events
    finally:
        os.environ.pop("ADEADA_KILL_AT_WRITE")
    reference = _files(tmp_path / "run")
    assert events > 40, events

    points = sorted(np.random.default_rng(SEED).choice(np.arange(1, events + 1), size=KILLS, replace=False).tolist())
    for n in points:
        _fresh(tmp_path)
        assert _forked(run + ["--config", str(cfg)], kill_at=n) == -signal.SIGKILL, f"kill point {n} not reached"
        assert _forked(run + ["--resume"] if (tmp_path / "run" / "config.yaml").exists()
                       else run + ["--config", str(cfg)], None) == 0, f"resume after kill point {n} failed"
        got = _files(tmp_path / "run")
        assert sorted(got) == sorted(reference), f"kill point {n}: files differ"
        changed = [name for name in reference if got[name] != reference[name]]
        assert not changed, f"kill point {n} of {events}: {changed} differ from the uninterrupted run"
    print(f"chaos: {KILLS} kills over {events} write events, {time.perf_counter() - start:.1f} s")
