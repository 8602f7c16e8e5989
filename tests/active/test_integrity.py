"""What resume may trust: recorded SHA-256 of checkpoints and labels, a step undone on a full
disk, and one process per run folder."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import yaml

from adeada.active.rundir import RunDir, RunFolderBusy, RunLock
from adeada.cli import main
from tests.forking import forked
from tests.tiny_run import CHAOS, run_files

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("integrity")
    cfg = root / "chaos.yaml"
    cfg.write_text(yaml.safe_dump(dict(CHAOS, cache_dir=str(root / "cache"))))
    assert main(["--quiet", "run", "--config", str(cfg), "--out", str(root / "reference" / "run")]) == 0
    return cfg, run_files(root / "reference" / "run")  # same folder name: report.html shows it


def _stopped_at(cfg: Path, out: Path, where: str) -> None:
    """A run SIGKILLed at the start of step ``where``."""
    code = forked(["--quiet", "run", "--config", str(cfg), "--out", str(out)], env={"ADEADA_KILL_AT": f"{where}:before"})
    assert code == -signal.SIGKILL


def _digest(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def test_a_damaged_checkpoint_is_refused_naming_file_and_step_and_redo_repairs_it(setup, tmp_path, capsys):
    cfg, reference = setup
    out = tmp_path / "run"
    _stopped_at(cfg, out, "r02.stats")
    model = out / "rounds" / "01" / "model.pth"
    data = bytearray(model.read_bytes())
    for i in range(64):  # the case: 64 flipped bytes, and torch still loads the file
        data[len(data) // 2 + i] ^= 0xFF
    model.write_bytes(bytes(data))
    before = _digest(out)
    capsys.readouterr()
    assert main(["--quiet", "run", "--resume", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(model) in err[0] and "r01.train" in err[0] and "SHA-256" in err[0], err
    assert _digest(out) == before
    assert main(["--quiet", "run", "--resume", "--redo", "r01.train", "--out", str(out)]) == 0
    assert run_files(out) == reference


def test_a_full_disk_is_one_line_and_the_step_is_undone(setup, tmp_path):
    cfg, reference = setup
    out = tmp_path / "run"
    _stopped_at(cfg, out, "r01.eval")
    before = _digest(out)
    log = tmp_path / "stderr.txt"
    # The evaluation writes metrics.json and metrics.csv, then a 20 kB overlay that does not fit.
    code = forked(["--quiet", "run", "--resume", "--out", str(out)], fsize=8000, stderr=log)
    err = log.read_text().strip().splitlines()
    assert code == 2, err
    assert len(err) == 1 and "r01.eval" in err[0] and "File too large" in err[0] and "--resume" in err[0], err
    assert _digest(out) == before  # metrics.json gone again, metrics.csv restored
    assert main(["--quiet", "run", "--resume", "--out", str(out)]) == 0
    assert run_files(out) == reference


def test_a_lock_left_by_a_dead_process_is_taken_over(setup, tmp_path):
    cfg, reference = setup
    out = tmp_path / "run"
    _stopped_at(cfg, out, "r02.train")
    assert (out / ".lock").exists()  # the killed process could not remove it
    with pytest.raises(RunFolderBusy):  # while a live process holds it, nobody else gets in
        with RunLock(out):
            RunLock(out).acquire()
    assert main(["--quiet", "run", "--resume", "--out", str(out)]) == 0
    assert not (out / ".lock").exists()
    assert run_files(out) == reference
    assert RunDir(out).read_state()["done"][-1] == "r02.eval"
