"""Chaos: a run SIGKILLed at 20 seeded random points, each resumed, ends byte for byte like an
uninterrupted run.

The kill points are write events (``ADEADA_KILL_AT_WRITE=N``: every atomic write has one before
its rename and one after), drawn over the whole run: warm-up, statistics, selection, labels,
fine-tuning checkpoints, evaluation, plots, reports. The runs are forked from this process (the
libraries are already imported, so a case costs its work, not a Python start-up) and the kill is
a real SIGKILL of that process.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from adeada import atomic
from adeada.cli import main
from tests.forking import forked
from tests.tiny_run import CHAOS, run_files as _files

pytestmark = pytest.mark.slow

KILLS = 20
SEED = 15

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
    assert forked(run + ["--config", str(cfg)], None) == 0  # fills the superpixel cache
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
        assert forked(run + ["--config", str(cfg)], kill_at=n) == -signal.SIGKILL, f"kill point {n} not reached"
        assert forked(run + ["--resume"] if (tmp_path / "run" / "config.yaml").exists()
                       else run + ["--config", str(cfg)], None) == 0, f"resume after kill point {n} failed"
        got = _files(tmp_path / "run")
        assert sorted(got) == sorted(reference), f"kill point {n}: files differ"
        changed = [name for name in reference if got[name] != reference[name]]
        assert not changed, f"kill point {n} of {events}: {changed} differ from the uninterrupted run"
    print(f"chaos: {KILLS} kills over {events} write events, {time.perf_counter() - start:.1f} s")
