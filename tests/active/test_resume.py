"""A run killed with SIGKILL anywhere, then resumed, ends exactly like an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adeada.fileformats import read_csv
from adeada.cli import main
from tests.forking import forked

pytestmark = pytest.mark.slow


def _run(cfg: Path, out: Path, resume: bool = False, kill_at: str | None = None):
    """``adeada run`` in a forked process (a real one that SIGKILL ends, without a Python start-up)."""
    cmd = ["--quiet", "run", "--out", str(out)]
    cmd += ["--resume"] if resume else ["--config", str(cfg)]
    return forked(cmd, env={"ADEADA_KILL_AT": kill_at} if kill_at else None)


def _outcome(out: Path) -> dict:
    """What must not change: each round's selection and the labels bought."""
    result = {}
    for k in (1, 2):
        result[f"sel{k}"] = read_csv(out / "rounds" / f"{k:02d}" / "selection.csv")
        result[f"log{k}"] = read_csv(out / "rounds" / f"{k:02d}" / "oracle_log.csv")
        result[f"labels{k}"] = {p.name: p.read_bytes() for p in sorted((out / "rounds" / f"{k:02d}" / "labels").glob("*.png"))}
    return result


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    import yaml
    from tests.tiny_run import CHAOS  # the smallest run that still trains, selects and checkpoints

    root = tmp_path_factory.mktemp("resume")
    cfg = root / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(dict(CHAOS, cache_dir=str(root / "cache"))))
    # In this process: the libraries it imports are then already loaded in every forked run.
    assert main(["--quiet", "run", "--config", str(cfg), "--out", str(root / "reference")]) == 0
    return cfg, _outcome(root / "reference")


@pytest.mark.parametrize("kill_at", ["r01.select:files", "r01.label:before", "r02.stats:files", "r02.train:files"])
def test_sigkill_at_a_step_then_resume(reference, tmp_path, kill_at):
    cfg, expected = reference
    out = tmp_path / "run"
    assert _run(cfg, out, kill_at=kill_at) == -signal.SIGKILL
    assert _run(cfg, out, resume=True) == 0
    assert _outcome(out) == expected


def test_sigkill_in_the_middle_of_fine_tuning_then_resume(reference, tmp_path):
    cfg, expected = reference
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.Popen([sys.executable, "-m", "adeada.cli", "--quiet", "run", "--config", str(cfg),
                             "--out", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = out / "rounds" / "01" / "train_state.pth"
    deadline = time.time() + 240
    while not state.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert state.exists(), "the run ended before its first training checkpoint: nothing was interrupted"
    assert _run(cfg, out, resume=True) == 0
    assert _outcome(out) == expected
