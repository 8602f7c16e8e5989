"""Bad input on export and import: each error names the file, the image or the value at fault."""

from __future__ import annotations

import numpy as np
import pytest

from adeada.annotation import AnnotationError, detect_format, export_job, read_labels


@pytest.fixture
def folder_job(job, classes, tmp_path):
    items, truth = job
    path = export_job(items, classes, "folder", tmp_path / "job", progress=False)
    return path, truth


def _fill(path, truth, helpers, skip=()):
    for image_id, label in truth.items():
        if image_id not in skip:
            (path / "labels" / f"{image_id}.png").write_bytes(helpers.png(label))


def test_wrong_size_names_file_and_both_sizes(folder_job, expected, classes, helpers):
    path, truth = folder_job
    _fill(path, truth, helpers)
    (path / "labels" / "img-b.png").write_bytes(helpers.png(np.zeros((20, 30), np.uint8)))
    with pytest.raises(AnnotationError, match=r"img-b\.png.*30x20.*32x24"):
        read_labels(path, "folder", expected, classes, progress=False)


def test_unknown_class_value_names_file_and_value(folder_job, expected, classes, helpers):
    path, truth = folder_job
    _fill(path, truth, helpers)
    bad = truth["img-b"].copy()
    bad[0, 0] = 7  # 5 classes: 7 is neither a class id nor 255
    (path / "labels" / "img-b.png").write_bytes(helpers.png(bad))
    with pytest.raises(AnnotationError, match=r"img-b\.png: value 7 is not a class id"):
        read_labels(path, "folder", expected, classes, progress=False)


def test_rgb_label_in_folder_layout_is_refused(folder_job, expected, classes, helpers):
    path, truth = folder_job
    _fill(path, truth, helpers)
    (path / "labels" / "img-b.png").write_bytes(helpers.png(np.zeros((24, 32, 3), np.uint8)))
    with pytest.raises(AnnotationError, match=r"img-b\.png: expected a single-channel PNG.*RGB"):
        read_labels(path, "folder", expected, classes, progress=False)


def test_unknown_colour_names_file_and_colour(job, expected, classes, helpers, tmp_path):
    items, truth = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    painted = np.zeros((24, 32, 3), np.uint8)
    painted[3, 4] = (1, 2, 3)
    helpers.rewrite_zip(path, {"SegmentationClass/img-b.png": helpers.png(painted)})
    with pytest.raises(AnnotationError, match=r"SegmentationClass/img-b\.png: colour \(1, 2, 3\) is not in the label map"):
        read_labels(path, "cvat_mask", expected, classes, progress=False)


def test_label_that_is_not_one_of_our_classes_is_named(job, expected, classes, helpers, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    text = helpers.read_zip_text(path, "labelmap.txt") + "tram:9,9,9::\n"
    painted = np.zeros((24, 32, 3), np.uint8)
    painted[0, 0] = (9, 9, 9)
    helpers.rewrite_zip(path, {"labelmap.txt": text.encode(), "SegmentationClass/img-b.png": helpers.png(painted)})
    with pytest.raises(AnnotationError, match=r"img-b\.png: colour \(9, 9, 9\) is label 'tram'"):
        read_labels(path, "cvat_mask", expected, classes, progress=False)


def test_unknown_label_id_in_cityscapes_names_value(job, expected, classes, helpers, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cityscapes", tmp_path / "j.zip", progress=False)
    ids = np.full((24, 32), 5, np.uint8)
    ids[1, 1] = 42  # label_colors.txt has 7 labels
    helpers.rewrite_zip(path, {"gtFine/default/img-b_gtFine_labelIds.png": helpers.png(ids)})
    with pytest.raises(AnnotationError, match=r"img-b_gtFine_labelIds\.png: value 42 is not in the label map"):
        read_labels(path, "cityscapes", expected, classes, progress=False)


def test_missing_image_names_the_image_id(folder_job, expected, classes, helpers):
    path, truth = folder_job
    _fill(path, truth, helpers, skip=("img-b",))
    with pytest.raises(AnnotationError, match=r"no label file for image id 'img-b'"):
        read_labels(path, "folder", expected, classes, progress=False)


def test_corrupt_zip_is_a_clear_error(tmp_path, expected, classes):
    path = tmp_path / "returned.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(AnnotationError, match=r"returned\.zip: not a readable zip archive"):
        read_labels(path, None, expected, classes, progress=False)


def test_corrupt_png_member_names_the_member(job, expected, classes, helpers, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    noise = np.random.default_rng(1).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    data = helpers.png(noise)
    helpers.rewrite_zip(path, {"SegmentationClass/img-b.png": data[: len(data) // 2]})
    with pytest.raises(AnnotationError, match=r"j\.zip:SegmentationClass/img-b\.png: cannot decode"):
        read_labels(path, "cvat_mask", expected, classes, progress=False)


def test_missing_labelmap_is_named(job, expected, classes, helpers, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    helpers.rewrite_zip(path, {"labelmap.txt": None})
    with pytest.raises(AnnotationError, match=r"labelmap\.txt: missing"):
        read_labels(path, "cvat_mask", expected, classes, progress=False)


def test_extra_label_files_are_ignored_with_a_warning(folder_job, expected, classes, helpers):
    path, truth = folder_job
    _fill(path, truth, helpers)
    (path / "labels" / "stranger.png").write_bytes(helpers.png(truth["img-b"]))
    _, warnings = read_labels(path, "folder", expected, classes, progress=False)
    assert any("1 label file(s) for images not in this job" in w and "stranger" in w for w in warnings)


def test_detect_format_refuses_an_unknown_layout(tmp_path):
    (tmp_path / "something.txt").write_text("x")
    with pytest.raises(AnnotationError, match="cannot tell the annotation format"):
        detect_format(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        detect_format(tmp_path / "nowhere")


def test_export_refuses_bad_items(job, classes, tmp_path):
    items, _ = job
    bad_id = dict(items[0], image_id="../escape")
    with pytest.raises(AnnotationError, match=r"'\.\./escape' is not file-system safe"):
        export_job([bad_id], classes, "folder", tmp_path / "a", progress=False)
    bad_region = dict(items[0], region_ids=[3, 99])
    with pytest.raises(AnnotationError, match=r"'0001TP_006690': region ids \[99\] are not in its segments map"):
        export_job([bad_region], classes, "cvat_mask", tmp_path / "b.zip", progress=False)
    assert not (tmp_path / "b.zip").exists() and list(tmp_path.iterdir()) == []  # nothing half-written
    with pytest.raises(AnnotationError, match="appears twice"):
        export_job([items[0], items[0]], classes, "folder", tmp_path / "c", progress=False)
    with pytest.raises(AnnotationError, match="unknown annotation format 'coco'"):
        export_job(items, classes, "coco", tmp_path / "d", progress=False)
    with pytest.raises(FileNotFoundError, match="missing.png"):
        export_job([{"image_id": "x", "image_path": tmp_path / "missing.png", "segments": items[0]["segments"],
                     "region_ids": [1]}], classes, "folder", tmp_path / "e", progress=False)


def test_export_does_not_overwrite(job, classes, tmp_path):
    items, _ = job
    export_job(items, classes, "folder", tmp_path / "job", progress=False)
    with pytest.raises(AnnotationError, match="already exists"):
        export_job(items, classes, "folder", tmp_path / "job", progress=False)


@pytest.mark.parametrize("fmt", ["folder", "cvat_mask", "cityscapes", "label_studio"])
def test_out_ending_in_zip_is_a_zip_else_a_folder_for_every_format(fmt, job, classes, tmp_path):
    import zipfile

    items, _ = job
    as_zip = export_job(items, classes, fmt, tmp_path / "job.zip", progress=False)
    as_dir = export_job(items, classes, fmt, tmp_path / "job", progress=False)
    assert zipfile.is_zipfile(as_zip) and as_dir.is_dir()
    with zipfile.ZipFile(as_zip) as z:
        zipped = {n for n in z.namelist() if not n.endswith("/")}
    assert zipped == {p.relative_to(as_dir).as_posix() for p in as_dir.rglob("*") if p.is_file()}
    for existing in (as_zip, as_dir):  # never overwritten, whatever the format
        with pytest.raises(AnnotationError, match="already exists"):
            export_job(items, classes, fmt, existing, progress=False)


def _move_cvat_masks(path, helpers, folders):
    """What CVAT exports for frames that were uploaded inside folders: SegmentationClass/<folder>/<id>.png."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        masks = {n: z.read(n) for n in z.namelist() if n.startswith("SegmentationClass/")}
    replace = {n: None for n in masks}
    for name, data in masks.items():
        for folder in folders:
            replace[name.replace("SegmentationClass/", f"SegmentationClass/{folder}/")] = data
    helpers.rewrite_zip(path, replace)


def test_cvat_masks_of_frames_in_folders_are_read_by_base_name(job, expected, classes, helpers, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    _move_cvat_masks(path, helpers, ["JPEGImages"])
    labels, warnings = read_labels(path, None, expected, classes, progress=False)
    assert set(labels) == set(expected)
    assert any("SegmentationClass/JPEGImages/img-b.png" in w and "still marked to_label" in w for w in warnings)


def test_cvat_masks_with_one_base_name_in_two_folders_are_refused(job, expected, classes, helpers, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    _move_cvat_masks(path, helpers, ["day", "night"])
    with pytest.raises(AnnotationError, match=r"SegmentationClass/day/0001TP_006690\.png and "
                                              r"SegmentationClass/night/0001TP_006690\.png both name image"):
        read_labels(path, "cvat_mask", expected, classes, progress=False)
