"""The bad-input catalogue: every bad input a user reported (and its neighbours) is one line on
stderr, exit status 2, and leaves the run folder byte for byte as it was (a new --out is not
even created)."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from adeada.active.rundir import RunLock
from adeada.cli import main
from tests.tiny_run import TINY, folder_digest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def human(tmp_path_factory):
    """A run with the human oracle, stopped after round 1's selection, and its unannotated exports."""
    root = tmp_path_factory.mktemp("catalogue")
    cfg = root / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(dict(TINY, cache_dir=str(root / "cache"), loop=dict(TINY["loop"], oracle="human"))))
    out = root / "run"
    assert main(["--quiet", "run", "--config", str(cfg), "--out", str(out)]) == 3
    for fmt, name in (("cvat_mask", "untouched_cvat.zip"), ("cityscapes", "untouched_cityscapes.zip"),
                      ("folder", "job")):
        assert main(["--quiet", "export", "--run", str(out), "--round", "1", "--format", fmt,
                     "--out", str(root / name)]) == 0
    return {"cfg": cfg, "run": out, "root": root}


def _labels_job(human: dict, tmp: Path, make) -> Path:
    """A folder job whose label for each image is ``make(segments, region_ids)``."""
    from adeada.active.context import open_run
    from adeada.active.phases.label import annotation_items

    job = tmp / "labelled_job"
    shutil.copytree(human["root"] / "job", job)
    (job / "labels").mkdir(exist_ok=True)
    for it in annotation_items(open_run(human["run"]), 1, with_images=False):
        Image.fromarray(make(it["segments"], it["region_ids"])).save(job / "labels" / f"{it['image_id']}.png")
    return job


def _wrong_size(human, tmp):
    return ["import", "--run", "{run}", "--round", "1", "--labels",
            str(_labels_job(human, tmp, lambda seg, regs: np.zeros((seg.shape[0] + 1, seg.shape[1]), np.uint8)))]


def _unknown_class(human, tmp):
    return ["import", "--run", "{run}", "--round", "1", "--labels",
            str(_labels_job(human, tmp, lambda seg, regs: np.full(seg.shape, 200, np.uint8)))]


def _all_void(human, tmp):
    return ["import", "--run", "{run}", "--round", "1", "--labels",
            str(_labels_job(human, tmp, lambda seg, regs: np.full(seg.shape, 255, np.uint8)))]


def _labels_outside_only(human, tmp):
    def make(seg, regs):
        return np.where(np.isin(seg, regs), 255, 1).astype(np.uint8)
    return ["import", "--run", "{run}", "--round", "1", "--labels", str(_labels_job(human, tmp, make))]


def _missing_label(human, tmp):
    job = _labels_job(human, tmp, lambda seg, regs: np.zeros(seg.shape, np.uint8))
    sorted((job / "labels").glob("*.png"))[0].unlink()
    return ["import", "--run", "{run}", "--round", "1", "--labels", str(job)]


def _corrupt_zip(human, tmp):
    bad = tmp / "broken.zip"
    bad.write_bytes((human["root"] / "untouched_cvat.zip").read_bytes()[:200])
    return ["import", "--run", "{run}", "--round", "1", "--labels", str(bad)]


def _no_format(human, tmp):
    path = tmp / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("notes.txt", "hello")
    return ["import", "--run", "{run}", "--round", "1", "--labels", str(path)]


NEW = "{tmp}/new"
CASES = {
    # config: refused before any work, and before the run folder exists
    "missing config": (["run", "--config", "nope.yaml", "--out", NEW], "nope.yaml does not exist"),
    "unknown key": (["run", "--set", "selection.alhpa=1", "--out", NEW], "unknown config key selection.alhpa"),
    "wrong type": (["run", "--set", "loop.rounds=many", "--out", NEW], "loop.rounds: expected an integer"),
    "unknown strategy": (["run", "--set", "selection.strategy=nope", "--out", NEW], "unknown selection strategy"),
    "budget 1.5": (["run", "--set", "selection.budget_fraction=1.5", "--out", NEW], "budget_fraction=1.5"),
    "budget 0": (["run", "--set", "selection.budget_fraction=0", "--out", NEW], "in (0, 1]"),
    "budget -0.1": (["run", "--set", "selection.budget_fraction=-0.1", "--out", NEW], "in (0, 1]"),
    "budget 0.9 x 5 rounds": (["run", "--set", "selection.budget_fraction=0.9", "--set", "loop.rounds=5",
                               "--out", NEW], "450% of the target pool"),
    "zero rounds": (["run", "--set", "loop.rounds=0", "--out", NEW], "loop.rounds=0"),
    "negative seed": (["run", "--set", "loop.seed=-1", "--out", NEW], "loop.seed=-1"),
    "unknown device": (["run", "--set", "loop.device=gpu", "--out", NEW], "loop.device='gpu'"),
    "zero iterations": (["run", "--set", "finetune.iterations=0", "--out", NEW], "finetune.iterations=0"),
    "zero lr": (["run", "--set", "finetune.lr=0", "--out", NEW], "finetune.lr=0"),
    "averaging 1.5": (["run", "--set", "finetune.average_last=1.5", "--out", NEW], "finetune.average_last=1.5"),
    "base loop": (lambda human, tmp: (tmp / "loop.yaml").write_text("base: loop.yaml\n") and
                  ["run", "--config", "{tmp}/loop.yaml", "--out", NEW], "leads back to itself"),
    "zero warm-up batch": (["run", "--set", "warmup.train.batch_size=0", "--out", NEW], "warmup.train.batch_size=0"),
    "zero eval batch": (["run", "--set", "evaluation.batch_size=0", "--out", NEW], "evaluation.batch_size=0"),
    "zero superpixels": (["run", "--set", "regions.n_segments=0", "--out", NEW], "regions.n_segments=0"),
    "one-number resize": (["run", "--set", "loop.stats_resize=[32]", "--out", NEW], "loop.stats_resize=[32]"),
    "zero density jobs": (["run", "--set", "selection.density.n_jobs=0", "--out", NEW], "n_jobs=0"),
    "density share 2": (["run", "--set", "selection.adeada.density_fraction=2", "--out", NEW], "density_fraction=2.0; expected a share"),
    "ReDAL decay 0": (["run", "--set", "selection.redal.decay=0", "--out", NEW], "selection.redal.decay=0.0"),
    "old flat key, bad value": (["run", "--set", "selection.badge_max_candidates=0", "--out", NEW],
                                "selection.badge.max_candidates=0"),
    "missing warm-up file": (["run", "--set", "loop.warmup_checkpoint={tmp}/none.pth", "--out", NEW], "file not found"),
    "missing weights file": (["run", "--set", "model.weights_path={tmp}/w.pth", "--out", NEW], "file not found"),
    # run folders
    "resume of nothing": (["run", "--resume", "--out", "{tmp}/missing"], "does not exist"),
    "resume with --set": (["run", "--resume", "--set", "loop.rounds=3", "--out", "{run}"], "not allowed"),
    "new run into a run": (["run", "--config", "{cfg}", "--out", "{run}"], "already holds a run"),
    "redo an unknown step": (["run", "--resume", "--redo", "r09.train", "--out", "{run}"], "no finished step"),
    "redo without resume": (["run", "--redo", "r01.train", "--config", "{cfg}", "--out", NEW], "needs --resume"),
    "compare unknown strategy": (["compare", "--strategies", "rand,nope", "--out", "{tmp}/c"], "unknown selection strategy"),
    "compare zero jobs": (["compare", "--jobs", "0", "--out", "{tmp}/c"], "jobs=0"),
    "report of nothing": (["report", "--run", "{tmp}/nothing"], "does not exist"),
    # the annotator loop
    "export of a round without selection": (["export", "--run", "{run}", "--round", "7", "--format", "folder",
                                             "--out", "{tmp}/j"], "round 7 has no selection"),
    "negative overlays": (["run", "--set", "loop.overlays_per_round=-1", "--out", NEW], "overlays_per_round=-1"),
    "import of a missing path": (["import", "--run", "{run}", "--round", "1", "--labels", "{tmp}/none"], "do not exist"),
    "import of a round without selection": (["import", "--run", "{run}", "--round", "4", "--labels", "{tmp}"],
                                            "round 4 has no selection"),
    "import of an unannotated cvat_mask export": (["import", "--run", "{run}", "--round", "1", "--labels",
                                                   "{root}/untouched_cvat.zip"], "no labelled pixel"),
    "import of an unannotated cityscapes export": (["import", "--run", "{run}", "--round", "1", "--labels",
                                                    "{root}/untouched_cityscapes.zip"], "no labelled pixel"),
    "import of an unlabelled folder job": (["import", "--run", "{run}", "--round", "1", "--labels", "{root}/job"],
                                           "no label file"),
    "import of all-void labels": (_all_void, "no labelled pixel"),
    "import of labels outside the regions only": (_labels_outside_only, "no labelled pixel"),
    "import of the wrong size": (_wrong_size, "size"),
    "import of an unknown class": (_unknown_class, "200"),
    "import with a label missing": (_missing_label, "no label file"),
    "import of a corrupt zip": (_corrupt_zip, "zip"),
    "import of an unknown layout": (_no_format, "cannot tell the annotation format"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_exit_2_and_nothing_changes(human, tmp_path, capsys, name):
    argv, message = CASES[name]
    if callable(argv):
        argv = argv(human, tmp_path)
    argv = [a.format(tmp=tmp_path, run=human["run"], cfg=human["cfg"], root=human["root"]) for a in argv]
    capsys.readouterr()
    before = folder_digest(human["run"])
    assert main(["--quiet", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("adeada: error:") and message in err[0], err
    assert folder_digest(human["run"]) == before
    assert not (tmp_path / "new").exists()


def test_a_busy_run_folder_names_the_process_that_holds_it(human, capsys):
    before = folder_digest(human["run"])
    with RunLock(human["run"]):
        assert main(["--quiet", "run", "--resume", "--out", str(human["run"])]) == 2
        assert main(["--quiet", "import", "--run", str(human["run"]), "--round", "1", "--labels",
                     str(human["root"] / "untouched_cvat.zip"), "--allow-empty"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(f"in use by process {os.getpid()}" in line for line in err), err
    assert folder_digest(human["run"]) == before


def test_a_damaged_warmup_checkpoint_is_refused_naming_file_and_step(human, capsys):
    warm = next((human["root"] / "cache" / "warmups").glob("*/model.pth"))
    original = warm.read_bytes()
    before = folder_digest(human["run"])
    damaged = bytearray(original)
    for i in range(64):  # what the user did: 64 flipped bytes, the file still loads
        damaged[len(damaged) // 2 + i] ^= 0xFF
    warm.write_bytes(bytes(damaged))
    try:
        assert main(["--quiet", "run", "--resume", "--out", str(human["run"])]) == 2
    finally:
        warm.write_bytes(original)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(warm) in err[0] and "SHA-256" in err[0] and "--redo warmup" in err[0], err
    assert folder_digest(human["run"]) == before


def test_the_catalogue_is_at_least_thirty_inputs():
    assert len(CASES) + 2 >= 30
