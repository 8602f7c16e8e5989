import numpy as np
import pytest

from adeada.active.labels import PartialLabelDataset, merged_labels
from adeada.active.oracle import GroundTruthOracle, regions_by_image
from adeada.active.rundir import RunDir, RunFolderError, step
from adeada.fileformats import load_label_png, save_label_png


class TinyPool:
    """Three 4x6 images; regions are 2x3 blocks (ids 0..3), labels vary per pixel."""

    name = "tiny"
    classes = ["a", "b", "c"]
    ignore_index = 255

    def __init__(self):
        rng = np.random.default_rng(0)
        self.labels = [rng.integers(0, 3, size=(4, 6)).astype(np.uint8) for _ in range(3)]
        self.labels[1][0, 0] = 255  # a void pixel inside region 0 of image 1

    def __len__(self):
        return 3

    def image_id(self, i):
        return f"img{i}"

    def load_image(self, i):
        return np.zeros((4, 6, 3), np.uint8)

    def load_label(self, i):
        return self.labels[i]

    def label_size(self, i):
        return (4, 6)

    def cache_key(self, i):
        return f"img{i}"


class BlockStore:
    def get(self, dataset, i):
        seg = np.zeros((4, 6), np.int32)
        seg[:2, 3:] = 1
        seg[2:, :3] = 2
        seg[2:, 3:] = 3
        return seg


def test_oracle_reveals_only_the_asked_regions_and_logs_them():
    pool = TinyPool()
    revealed = GroundTruthOracle(pool, BlockStore()).reveal([1, 0, 1], [0, 3, 2])
    assert set(revealed.labels) == {0, 1}
    lab1 = revealed.labels[1]
    seg = BlockStore().get(pool, 1)
    inside = np.isin(seg, [0, 2])
    assert np.array_equal(lab1[inside], pool.labels[1][inside])
    assert (lab1[~inside] == 255).all()
    log = {(r["image"], r["region"]): r for r in revealed.log}
    assert set(log) == {(0, 3), (1, 0), (1, 2)}
    assert log[(1, 0)]["pixels"] == 6 and log[(1, 0)]["labelled_pixels"] == 5


def test_regions_by_image_groups_sorts_and_dedups():
    assert regions_by_image([2, 1, 2, 2], [5, 0, 1, 5]) == {1: [0], 2: [1, 5]}


def test_merged_labels_combine_rounds_and_refuse_double_labels(tmp_path):
    pool, run = TinyPool(), RunDir(tmp_path)
    a = np.full((4, 6), 255, np.uint8)
    a[:2, :3] = 1
    b = np.full((4, 6), 255, np.uint8)
    b[2:, 3:] = 2
    save_label_png(run.labels_dir(1) / "img0.png", a)
    save_label_png(run.labels_dir(2) / "img0.png", b)
    merged = merged_labels(run, pool, 2)
    assert (merged[0] != 255).sum() == 12
    assert (merged_labels(run, pool, 1)[0] != 255).sum() == 6
    save_label_png(run.labels_dir(1) / "img2.png", b)
    assert set(merged_labels(run, pool, 2)) == {0, 2}
    assert set(merged_labels(run, pool, 2, images=[2])) == {2}  # only the files asked for are read
    save_label_png(run.labels_dir(3) / "img0.png", a)
    with pytest.raises(ValueError, match="already labelled"):
        merged_labels(run, pool, 3)


def test_partial_dataset_leaves_out_images_without_labels():
    pool = TinyPool()
    empty = np.full((4, 6), 255, np.uint8)
    some = empty.copy()
    some[0, 0] = 2
    ds = PartialLabelDataset(pool, {0: empty, 2: some})
    assert len(ds) == 1 and ds.image_id(0) == "img2" and ds.labelled_pixels() == 1


def test_state_moves_forward_and_rounds_are_checked(tmp_path):
    run = RunDir(tmp_path / "r")
    with pytest.raises(RunFolderError, match="does not exist"):
        run.require_exists()
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "config.yaml").write_text("{}")
    run.mark_done("warmup", seconds=1.0)
    run.mark_done(step(1, "select"))
    assert run.is_done("warmup") and run.completed_rounds() == [1]
    with pytest.raises(RunFolderError, match=r"round 2 has no selection.*rounds with a selection: 1"):
        run.require_round(2)


def test_label_png_round_trip(tmp_path):
    lab = np.arange(24, dtype=np.uint8).reshape(4, 6)
    save_label_png(tmp_path / "x.png", lab)
    assert np.array_equal(load_label_png(tmp_path / "x.png"), lab)
    assert not list(tmp_path.glob(".*tmp"))


def test_tensorboard_without_the_package_is_a_clear_error(tmp_path):
    pytest.importorskip("torch")
    try:
        import tensorboard  # noqa: F401
        pytest.skip("tensorboard is installed")
    except ImportError:
        pass
    from adeada.active.context import RunContext
    from adeada.config import load_run_config

    with pytest.raises(ValueError, match="pip install tensorboard"):  # refused at load, before any work
        load_run_config(None, ["loop.tensorboard=true"])
    cfg = load_run_config(None)
    cfg.loop.tensorboard = True  # a config built in code: the run context says the same
    ctx = RunContext(cfg, RunDir(tmp_path), progress=False)
    with pytest.raises(ValueError, match="pip install tensorboard"):
        ctx.log_fn("warmup")
