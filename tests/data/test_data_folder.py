"""The generic folder dataset and build_dataset from config."""

import pickle

import numpy as np
import pytest
from _data_fixtures import H, W, label_with, write_label, write_rgb

from adeada.data.config import CamVidOptions, FolderOptions
from adeada.data import (
    DatasetConfig,
    DatasetError,
    DemoConfig,
    FolderDataset,
    MissingFolderError,
    MissingLabelError,
    SizeMismatchError,
    UnknownLabelValueError,
    build_dataset,
)

CLASSES = ["background", "road", "car"]


@pytest.fixture
def tree(tmp_path):
    """images/<city>/x_image.jpg with labels/<city>/x_label.png; raw values 0..2, 9 = ignore, 5 = truck."""
    for city, stems in {"city_a": ["f1", "f2"], "city_b": ["f1"]}.items():
        for k, stem in enumerate(stems):
            write_rgb(tmp_path / "images" / city / f"{stem}_image.jpg", seed=k, fmt="JPEG")
            write_label(tmp_path / "labels" / city / f"{stem}_label.png", label_with([0, 1, 2, 9, 5]))
    return tmp_path


def _folder(tree, **kw):
    args = dict(image_suffix="_image", label_suffix="_label", ignore_value=9, remap={5: 2})
    args.update(kw)
    return FolderDataset(tree / "images", tree / "labels", CLASSES, **args)


def test_folder_pairs_and_remap(tree):
    ds = _folder(tree)
    assert len(ds) == 3
    # Same stem in two cities: the ids stay distinct and file-system safe.
    assert [ds.image_id(i) for i in range(3)] == ["city_a__f1", "city_a__f2", "city_b__f1"]
    assert ds.load_image(0).shape == (H, W, 3)
    # 0, 1, 2 identity; 9 is the ignore value; 5 (truck) merged into car (2) by the remap.
    np.testing.assert_array_equal(ds.load_label(2).ravel()[:5], [0, 1, 2, 255, 2])
    # Drop a class: background -> ignore.
    ds = _folder(tree, remap={5: 2, 0: 255})
    np.testing.assert_array_equal(ds.load_label(0).ravel()[:5], [255, 1, 2, 255, 2])
    again = pickle.loads(pickle.dumps(ds))
    np.testing.assert_array_equal(again.load_label(1), ds.load_label(1))


def test_folder_unknown_value_names_file_and_value(tree):
    ds = _folder(tree, remap={})
    with pytest.raises(UnknownLabelValueError, match=r"city_a.f1_label.png.* 5 "):
        ds.load_label(0)


def test_folder_bad_inputs(tree):
    with pytest.raises(MissingFolderError, match="nolabels"):
        FolderDataset(tree / "images", tree / "nolabels", CLASSES)
    write_rgb(tree / "images" / "city_b" / "f9_image.jpg", fmt="JPEG")
    with pytest.raises(MissingLabelError, match=r"city_b.f9_image.jpg.*f9_label.png"):
        _folder(tree)
    (tree / "images" / "city_b" / "f9_image.jpg").unlink()
    with pytest.raises(DatasetError, match="sends raw value 5 to 7"):
        _folder(tree, remap={5: 7})
    with pytest.raises(DatasetError, match="no image matching"):
        _folder(tree, image_suffix="_nothing")
    write_label(tree / "labels" / "city_b" / "f1_label.png", label_with([0], h=H + 1))
    with pytest.raises(SizeMismatchError, match=r"city_b.f1_label.png is 9x16"):
        _folder(tree).load_label(2)


def test_build_dataset_kinds(tree, tmp_path):
    cfg = DatasetConfig(kind="folder", max_images=2, folder=FolderOptions(
        images_dir=str(tree / "images"), labels_dir=str(tree / "labels"), classes=CLASSES, image_suffix="_image",
        label_suffix="_label", ignore_value=9, remap={5: 2}))
    ds = build_dataset(cfg)
    # max_images keeps evenly spaced images: the first and the last.
    assert [ds.image_id(i) for i in range(len(ds))] == ["city_a__f1", "city_b__f1"]
    with pytest.raises(DatasetError, match="needs 'folder.classes'"):
        build_dataset(DatasetConfig(kind="folder", folder=FolderOptions(images_dir="a", labels_dir="b")))
    with pytest.raises(DatasetError, match="needs 'cityscapes.root'"):
        build_dataset(DatasetConfig(kind="cityscapes"))
    with pytest.raises(DatasetError, match="unknown dataset kind 'kitti'"):
        build_dataset(DatasetConfig(kind="kitti"))  # type: ignore[arg-type]
    demo = build_dataset(DatasetConfig(kind="demo", demo=DemoConfig(which="pool", n_pool=7, size=[32, 48])))
    assert len(demo) == 7 and demo.domain == "target" and demo.load_image(0).shape == (32, 48, 3)
    demo = build_dataset(DatasetConfig(kind="demo", max_images=3))
    assert len(demo) == 3 and demo.domain == "source"
    camvid_root = tmp_path / "cv"
    write_rgb(camvid_root / "test" / "0001TP_008550.png")
    write_label(camvid_root / "testannot" / "0001TP_008550.png", label_with([1]))
    ds = build_dataset(DatasetConfig(kind="camvid", camvid=CamVidOptions(root=str(camvid_root), preset="dusk_test")))
    assert len(ds) == 1 and ds.load_label(0)[0, 0] == 1
