"""Each subcommand end to end on tiny data, and one-line errors that leave the run folder intact."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from adeada.fileformats import read_csv
from adeada.cli import main
from tests.tiny_run import TINY, folder_digest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def human_run(tmp_path_factory):
    """A run with the human oracle, stopped after round 1's selection."""
    root = tmp_path_factory.mktemp("cli")
    cfg = root / "tiny.yaml"
    data = dict(TINY, cache_dir=str(root / "cache"))
    data["loop"] = dict(TINY["loop"], oracle="human")
    cfg.write_text(yaml.safe_dump(data))
    out = root / "run"
    assert main(["--quiet", "run", "--config", str(cfg), "--out", str(out)]) == 3
    return cfg, out


def truth_for(out: Path, k: int):
    from adeada.active.context import open_run
    from adeada.active.phases.label import annotation_items

    ctx = open_run(out)
    return ctx, annotation_items(ctx, k)


def test_run_stops_for_annotators_and_export_writes_each_format(human_run, tmp_path, capsys):
    _, out = human_run
    assert (out / "rounds" / "01" / "annotation_job" / "manifest.json").exists()
    # resuming again before the import keeps waiting (and names this run in its message)
    assert main(["--quiet", "run", "--resume", "--out", str(out)]) == 3
    assert f"adeada import --run {out} --round 1" in capsys.readouterr().err
    for fmt in ("folder", "cvat_mask", "cityscapes", "label_studio"):
        for target in (tmp_path / f"job_{fmt}", tmp_path / f"job_{fmt}.zip"):  # .zip: a zip, else a folder
            assert main(["--quiet", "export", "--run", str(out), "--round", "1", "--format", fmt, "--out", str(target)]) == 0
            assert zipfile.is_zipfile(target) if target.suffix == ".zip" else (target / "manifest.json").is_file()
    capsys.readouterr()
    assert main(["--quiet", "export", "--run", str(out), "--round", "1", "--format", "cvat_mask", "--out",
                 str(tmp_path / "x.zip"), "--image-url-prefix", "http://h/"]) == 2
    assert "label_studio format only" in capsys.readouterr().err


def test_import_then_resume_fine_tunes_on_exactly_the_annotated_regions(human_run, tmp_path, capsys):
    cfg, out = human_run
    job = tmp_path / "job"
    assert main(["--quiet", "export", "--run", str(out), "--round", "1", "--format", "folder", "--out", str(job)]) == 0
    ctx, items = truth_for(out, 1)
    (job / "labels").mkdir(exist_ok=True)
    index_of = {ctx.pool.image_id(i): i for i in range(len(ctx.pool))}
    for it in items:
        truth = ctx.pool.load_label(index_of[it["image_id"]])
        Image.fromarray(truth).save(job / "labels" / f"{it['image_id']}.png")  # annotators label everything
    before = folder_digest(out)
    assert main(["--quiet", "import", "--run", str(out), "--round", "1", "--labels", str(job)]) == 0
    assert folder_digest(out) != before
    for it in items:
        stored = np.asarray(Image.open(out / "rounds" / "01" / "labels" / f"{it['image_id']}.png"))
        truth = ctx.pool.load_label(index_of[it["image_id"]])
        inside = np.isin(it["segments"], it["region_ids"])
        assert np.array_equal(stored[inside], truth[inside]) and (stored[~inside] == 255).all()
    # a second import of the same round is refused, the folder unchanged
    digest = folder_digest(out)
    assert main(["--quiet", "import", "--run", str(out), "--round", "1", "--labels", str(job)]) == 2
    assert "already has its labels" in capsys.readouterr().err
    assert folder_digest(out) == digest
    # resume trains round 1, evaluates it, selects round 2 and waits again
    assert main(["--quiet", "run", "--resume", "--out", str(out)]) == 3
    assert (out / "rounds" / "01" / "metrics.json").exists()
    assert (out / "rounds" / "02" / "selection.csv").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "--config", "nope.yaml", "--out", "{tmp}/x"], "config file nope.yaml does not exist"),
        (["run", "--set", "selection.alhpa=1", "--out", "{tmp}/x"], "unknown config key selection.alhpa"),
        (["run", "--set", "loop.rounds=many", "--out", "{tmp}/x"], "loop.rounds: expected an integer"),
        (["run", "--resume", "--out", "{tmp}/missing"], "does not exist"),
        (["run", "--set", "selection.strategy=nope", "--out", "{tmp}/x"], "unknown selection strategy 'nope'"),
        (["compare", "--strategies", "rand,nope", "--out", "{tmp}/c"], "unknown selection strategy 'nope'"),
        (["compare", "--jobs", "0", "--out", "{tmp}/c"], "jobs=0; expected >= 1"),
        (["export", "--run", "{run}", "--round", "7", "--format", "folder", "--out", "{tmp}/j"], "round 7 has no selection"),
        (["import", "--run", "{run}", "--round", "1", "--labels", "{tmp}/none"], "labels"),
        (["report", "--run", "{tmp}/nothing"], "does not exist"),
    ],
)
def test_bad_input_is_one_clear_line_and_leaves_the_run_intact(human_run, tmp_path, capsys, argv, message):
    _, out = human_run
    digest = folder_digest(out)
    argv = [a.format(tmp=tmp_path, run=out) for a in argv]
    assert main(["--quiet", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("adeada: error:") and message in err[0], err
    assert folder_digest(out) == digest


def test_bad_data_fails_before_the_run_folder_exists_and_a_bad_checkpoint_is_named(tmp_path, tiny_config, capsys):
    out = tmp_path / "r"
    args = ["--quiet", "run", "--config", str(tiny_config), "--out", str(out)]
    assert main(args + ["--set", "data.target_test.demo.which=source", "--set", "data.target_test.kind=folder",
                        "--set", f"data.target_test.folder.images_dir={tmp_path}/none",
                        "--set", "data.target_test.folder.classes=[a]",
                        "--set", f"data.target_test.folder.labels_dir={tmp_path}/none"]) == 2
    assert "folder not found" in capsys.readouterr().err and not out.exists()
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    assert main(args + ["--set", f"loop.warmup_checkpoint={junk}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"checkpoint {junk} cannot be loaded" in err[0]


def test_compare_refuses_an_existing_comparison_before_writing(tmp_path, tiny_config, capsys):
    out = tmp_path / "cmp"
    (out / "ent" / "seed0").mkdir(parents=True)
    (out / "ent" / "seed0" / "config.yaml").write_text("{}")
    assert main(["--quiet", "compare", "--config", str(tiny_config), "--strategies", "rand,ent", "--seeds", "0",
                 "--out", str(out)]) == 2
    assert "pass --resume" in capsys.readouterr().err
    assert not (out / "config.yaml").exists() and not (out / "rand").exists()


def test_import_of_wrong_size_and_unknown_class_is_refused(human_run, tmp_path, capsys):
    _, out = human_run
    ctx, items = truth_for(out, 2) if (out / "rounds" / "02" / "selection.csv").exists() else truth_for(out, 1)
    k = 2 if (out / "rounds" / "02" / "selection.csv").exists() else 1
    if ctx.run.is_done(f"r{k:02d}.label"):
        pytest.skip("the round is already labelled")
    for bad, message in (("size", "size"), ("class", "200")):
        job = tmp_path / f"job_{bad}"
        assert main(["--quiet", "export", "--run", str(out), "--round", str(k), "--format", "folder", "--out", str(job)]) == 0
        (job / "labels").mkdir(exist_ok=True)
        for it in items:
            h, w = it["segments"].shape
            lab = np.zeros((h + 1, w), np.uint8) if bad == "size" else np.full((h, w), 200, np.uint8)
            Image.fromarray(lab).save(job / "labels" / f"{it['image_id']}.png")
        digest = folder_digest(out)
        assert main(["--quiet", "import", "--run", str(out), "--round", str(k), "--labels", str(job)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
        assert folder_digest(out) == digest


def test_label_studio_import_with_an_unknown_label_is_one_line_and_leaves_the_run_intact(human_run, tmp_path, capsys):
    _, out = human_run
    k = 2 if (out / "rounds" / "02" / "selection.csv").exists() else 1
    job = tmp_path / "ls_job"
    assert main(["--quiet", "export", "--run", str(out), "--round", str(k), "--format", "label_studio", "--out", str(job)]) == 0
    tasks = json.loads((job / "tasks.json").read_text())
    for n, task in enumerate(tasks, start=1):
        region = task["predictions"][0]["result"][0]
        brush = dict(region, value=dict(region["value"], brushlabels=["tree"]))
        task.update(id=n, annotations=[{"id": n, "result": [brush]}])
    export = tmp_path / "project-1-at-2026.json"
    export.write_text(json.dumps(tasks))
    digest = folder_digest(out)
    capsys.readouterr()
    assert main(["--quiet", "import", "--run", str(out), "--round", str(k), "--labels", str(export)]) == 2
    err = capsys.readouterr().err
    assert "label 'tree' is not one of our classes" in err and "#task=1:" in err and err.count("\n") == 1
    assert folder_digest(out) == digest


def test_compare_and_report(tmp_path, tiny_config):
    out = tmp_path / "cmp"
    assert main(["--quiet", "compare", "--config", str(tiny_config), "--set", "loop.rounds=1",
                 "--strategies", "rand,adeada", "--seeds", "0,1", "--full-supervision", "--out", str(out)]) == 0
    summary = read_csv(out / "summary.csv")
    assert {r["strategy"] for r in summary} == {"rand", "adeada", "full_supervision"}
    assert not (out / "ablation.md").exists()  # adeada alone is no ablation: no Table 2
    from tests.reports.chromium import loaded_images

    assert loaded_images(out / "report.html") == (3, 3)  # the curve, and each strategy's round-1 overlay
    assert all(int(r["n"]) == 2 for r in summary)
    full = [r for r in summary if r["strategy"] == "full_supervision"]
    assert len(full) == 1 and abs(float(full[0]["labelled_percent_mean"]) - 100.0) < 1e-9
    timings = json.loads((out / "timings.json").read_text())
    assert timings["stage_seconds"]["train"] > 0 and timings["peak_rss_mib"] > 0
    assert (out / "miou_vs_labels.png").stat().st_size > 1000
    # all four cells share one warm-up
    assert len(list((tmp_path / "cache" / "warmups").glob("*/model.pth"))) == 1
    assert main(["--quiet", "report", "--run", str(out)]) == 0
    assert main(["--quiet", "report", "--run", str(out / "rand" / "seed0")]) == 0
    assert (out / "rand" / "seed0" / "plots" / "per_class.png").exists()


def test_a_failing_cell_of_a_parallel_comparison_is_named(tmp_path, tiny_config, capsys):
    # AADA's discriminator needs maps of at least 32x32; the tiny images are 48x64 -> 12x16 logits.
    out = tmp_path / "cmp"
    assert main(["--quiet", "compare", "--config", str(tiny_config), "--set", "loop.rounds=1",
                 "--strategies", "rand,aada", "--seeds", "0", "--jobs", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "compare cell aada seed 0" in err[0] and "--resume" in err[0]
    assert (out / "aada" / "seed0" / "config.yaml").exists()  # what ran is kept for --resume
