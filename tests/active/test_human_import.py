"""The annotator loop cannot lose a round's labels: empty imports are refused, a wrong import can
be replaced until the round trains on it, and each warning is printed once."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from adeada.cli import main
from tests.tiny_run import TINY

pytestmark = pytest.mark.slow


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    """A run with the human oracle, stopped after round 1's selection (copied by each test)."""
    root = tmp_path_factory.mktemp("human")
    cfg = root / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(dict(TINY, cache_dir=str(root / "cache"), loop=dict(TINY["loop"], oracle="human"))))
    assert main(["--quiet", "run", "--config", str(cfg), "--out", str(root / "run")]) == 3
    return root / "run"


@pytest.fixture
def human(stopped, tmp_path):
    shutil.copytree(stopped, tmp_path / "run")
    return tmp_path / "run"


def _job(out: Path, tmp: Path, name: str, value_of) -> Path:
    """A folder job labelled ``value_of(truth)`` over each whole image."""
    from adeada.active.context import open_run
    from adeada.active.phases.label import annotation_items

    job = tmp / name
    assert main(["--quiet", "export", "--run", str(out), "--round", "1", "--format", "folder", "--out", str(job)]) == 0
    ctx = open_run(out)
    index_of = {ctx.pool.image_id(i): i for i in range(len(ctx.pool))}
    (job / "labels").mkdir(exist_ok=True)
    for it in annotation_items(ctx, 1, with_images=False):
        truth = ctx.pool.load_label(index_of[it["image_id"]])
        Image.fromarray(value_of(truth)).save(job / "labels" / f"{it['image_id']}.png")
    return job


def _stored(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "rounds" / "01" / "labels").glob("*.png"))}


@pytest.mark.parametrize("fmt", ["cvat_mask", "cityscapes"])
def test_an_unannotated_export_is_refused_unless_allowed(human, tmp_path, capsys, fmt):
    untouched = tmp_path / f"{fmt}.zip"
    assert main(["--quiet", "export", "--run", str(human), "--round", "1", "--format", fmt, "--out", str(untouched)]) == 0
    before = digest(human)
    capsys.readouterr()
    assert main(["--quiet", "import", "--run", str(human), "--round", "1", "--labels", str(untouched)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no labelled pixel" in err[0] and "--allow-empty" in err[0], err
    assert digest(human) == before
    assert main(["--quiet", "import", "--run", str(human), "--round", "1", "--labels", str(untouched), "--allow-empty"]) == 0
    assert "(0 labelled pixels)" in capsys.readouterr().out


def test_a_wrong_import_is_replaced_until_the_round_trains(human, tmp_path, capsys):
    wrong = _job(human, tmp_path, "wrong", lambda truth: np.where(truth == 255, 255, 0).astype(np.uint8))
    right = _job(human, tmp_path, "right", lambda truth: truth)
    assert main(["--quiet", "import", "--run", str(human), "--round", "1", "--labels", str(wrong)]) == 0
    first = _stored(human)
    before = digest(human)
    assert main(["--quiet", "import", "--run", str(human), "--round", "1", "--labels", str(right)]) == 2
    assert "--replace" in capsys.readouterr().err and digest(human) == before
    assert main(["--quiet", "import", "--run", str(human), "--round", "1", "--labels", str(right), "--replace"]) == 0
    assert "replacing the earlier import" in capsys.readouterr().out
    assert _stored(human) != first
    # the replaced labels are the ones the round trains on (and their SHA-256 is what resume checks)
    assert main(["--quiet", "run", "--resume", "--out", str(human)]) == 3
    capsys.readouterr()
    before = digest(human)
    assert main(["--quiet", "import", "--run", str(human), "--round", "1", "--labels", str(wrong), "--replace"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already fine-tuned" in err[0] and f"--redo r01.label --out {human}" in err[0], err
    assert digest(human) == before


def test_each_warning_is_printed_once(human, tmp_path, capsys):
    job = _job(human, tmp_path, "everything", lambda truth: truth)  # labels outside the regions too
    capsys.readouterr()
    assert main(["import", "--run", str(human), "--round", "1", "--labels", str(job)]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    warnings = [line for line in lines if "outside the requested regions" in line]
    assert warnings and len(warnings) == len(set(warnings)), lines
