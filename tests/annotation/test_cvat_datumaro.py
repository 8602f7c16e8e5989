"""CVAT as CVAT reads and writes: our CVAT jobs through Datumaro (CVAT's dataset framework, PyPI
build, installed by the test extra), and Datumaro-written exports back through `read_labels`.

CVAT names an imported item after its mask path and matches it to the task frame of that name
(the uploaded file's name without its extension); a task made from a zip with folders has frames
like ``JPEGImages/<id>`` and exports ``SegmentationClass/JPEGImages/<id>.png``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from adeada.annotation import export_job, read_labels

dm = pytest.importorskip("datumaro", reason="datumaro is not installed (pip install -e '.[test]' installs it)")
from datumaro.components.annotation import AnnotationType, LabelCategories, Mask, MaskCategories  # noqa: E402
from datumaro.components.dataset import Dataset  # noqa: E402
from datumaro.components.dataset_base import DatasetItem  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


def unzip(path: Path, to: Path) -> Path:
    with zipfile.ZipFile(path) as z:
        z.extractall(to)
    return to


def test_datumaro_reads_our_cvat_mask_job(job, expected, classes, tmp_path):
    items, _ = job
    folder = unzip(export_job(items, classes, "cvat_mask", tmp_path / "job.zip", progress=False), tmp_path / "job")
    dataset = Dataset.import_from(str(folder), "voc_segmentation")
    names = [label.name for label in dataset.categories()[AnnotationType.label]]
    assert names == ["background", *classes, "to_label"]
    to_label = names.index("to_label")
    assert sorted(item.id for item in dataset) == sorted(expected)
    for item in dataset:
        segments, regions = expected[item.id]
        masks = [a for a in item.annotations if a.type == AnnotationType.mask]
        assert {a.label for a in masks} == {to_label}
        painted = np.zeros(segments.shape, bool)
        for a in masks:
            painted |= a.image.astype(bool)
        np.testing.assert_array_equal(painted, np.isin(segments, regions))


def _categories(names, colors):
    return {AnnotationType.label: LabelCategories.from_iterable(names),
            AnnotationType.mask: MaskCategories(colormap=dict(enumerate(colors)))}


def _label_map(classes):
    """Labels and colours as CVAT holds them after a task is created from our labelmap.txt."""
    from adeada.annotation.cvat_mask import job_labels

    labels = job_labels(classes)
    return [n for n, _ in labels], [c for _, c in labels]


@pytest.mark.parametrize("frame_folder", ["", "JPEGImages/"], ids=["flat", "nested"])
@pytest.mark.parametrize("colored", [True, False], ids=["colours", "no-colours"])
def test_datumaro_voc_export_reads_back(frame_folder, colored, job, expected, classes, tmp_path):
    """A Datumaro-written "Segmentation mask" export, as CVAT writes it for frames named with or
    without a folder, and with or without label colours, reads back with the annotator's labels."""
    _, truth = job
    names, colors = _label_map(classes)
    ds_items = []
    for image_id, label in truth.items():
        masks = [Mask(image=label == c, label=names.index(name)) for c, name in enumerate(classes) if (label == c).any()]
        ds_items.append(DatasetItem(id=frame_folder + image_id, subset="default", annotations=masks))
    categories = _categories(names, colors) if colored else {AnnotationType.label: LabelCategories.from_iterable(names)}
    Dataset.from_iterable(ds_items, categories=categories).export(str(tmp_path / "voc"), "voc_segmentation")
    assert (tmp_path / "voc" / "SegmentationClass" / f"{frame_folder}img-b.png").is_file()
    labels, _ = read_labels(tmp_path / "voc", None, expected, classes, progress=False)
    for image_id, (segments, regions) in expected.items():
        np.testing.assert_array_equal(labels[image_id], np.where(np.isin(segments, regions), truth[image_id], 255))


def test_cityscapes_items_are_named_as_the_frames_the_readme_uploads(job, classes, tmp_path):
    items, _ = job
    folder = unzip(export_job(items, classes, "cityscapes", tmp_path / "job.zip", progress=False), tmp_path / "job")
    readme = (folder / "README.txt").read_text()
    assert "upload the files of images/" in readme and f"{items[0]['image_id']}.png" in readme
    frames = sorted(p.stem for p in (folder / "images").iterdir())  # a frame is named after its file
    assert frames == sorted(it["image_id"] for it in items)
    # The PyPI Datumaro keeps Cityscapes images in leftImg8bit/<subset> (CVAT's own build in
    # imgsFine/leftImg8bit/<subset>); it wants that folder to exist, the item ids come from gtFine.
    (folder / "leftImg8bit" / "default").mkdir(parents=True)
    dataset = Dataset.import_from(str(folder), "cityscapes")
    assert sorted(item.id for item in dataset) == frames


def test_datumaro_cityscapes_export_reads_back(job, expected, classes, tmp_path):
    _, truth = job
    from adeada.annotation.cityscapes import job_labels

    # Datumaro paints unlabelled pixels with label 0, so a task's labels start with background.
    labels = job_labels(classes)
    labels = [labels[len(classes)]] + labels[: len(classes)] + labels[len(classes) + 1:]
    names, colors = [n for n, _ in labels], [c for _, c in labels]
    assert names[0] == "background"
    ds_items = []
    for image_id, label in truth.items():
        masks = [Mask(image=label == c, label=c + 1) for c in range(len(classes)) if (label == c).any()]
        ds_items.append(DatasetItem(id=image_id, subset="default", annotations=masks))
    Dataset.from_iterable(ds_items, categories=_categories(names, colors)).export(str(tmp_path / "cs"), "cityscapes")
    got, _ = read_labels(tmp_path / "cs", None, expected, classes, progress=False)
    for image_id, (segments, regions) in expected.items():
        np.testing.assert_array_equal(got[image_id], np.where(np.isin(segments, regions), truth[image_id], 255))
