"""Export -> simulated annotator -> import, through each format: the selected regions come back exact."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from adeada.annotation import FORMATS, detect_format, export_job, read_labels
from adeada.annotation.brush_rle import mask_to_rle
from adeada.reports.palette import class_palette


def _colors_from_labelmap(text: str) -> dict[str, tuple[int, int, int]]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, color = line.split(":")[:2]
            out[name] = tuple(int(v) for v in color.split(","))
    return out


def label_studio_export(tasks, truth, classes):
    """What Label Studio's JSON export holds once each task has one annotation: one brush region
    per class present in the ground truth (the WHOLE image, as an annotator who paints everything)."""
    out = []
    for k, task in enumerate(tasks, start=1):
        label = truth[task["data"]["image_id"]]
        h, w = label.shape
        result = [{"id": f"r{c}", "from_name": "label", "to_name": "image", "type": "brushlabels",
                   "original_width": w, "original_height": h, "image_rotation": 0,
                   "value": {"format": "rle", "rle": mask_to_rle(label == c), "brushlabels": [name]}}
                  for c, name in enumerate(classes) if (label == c).any()]
        out.append({"id": k, "data": task["data"], "predictions": task["predictions"],
                    "annotations": [{"id": 100 + k, "was_cancelled": False, "result": result}]})
    return out


def annotate(fmt, job_path, truth, classes, helpers):
    """Plays the annotator: writes the FULL ground truth of every image in the format's own way."""
    if fmt == "label_studio":
        tasks = json.loads(helpers.read_zip_text(job_path, "tasks.json"))
        export = json.dumps(label_studio_export(tasks, truth, classes)).encode()
        helpers.rewrite_zip(job_path, {"project-1-at-2026-11-29.json": export})
        return
    if fmt == "folder":
        for image_id, label in truth.items():
            (job_path / "labels" / f"{image_id}.png").write_bytes(helpers.png(label))
        return
    if fmt == "cvat_mask":
        colors = _colors_from_labelmap(helpers.read_zip_text(job_path, "labelmap.txt"))
        lut = np.zeros((256, 3), np.uint8)
        lut[255] = colors["background"]
        for c, name in enumerate(classes):
            lut[c] = colors[name]
        helpers.rewrite_zip(job_path, {f"SegmentationClass/{i}.png": helpers.png(lut[l]) for i, l in truth.items()})
        return
    names = [line.split()[3] for line in helpers.read_zip_text(job_path, "label_colors.txt").splitlines()
             if line and not line.startswith("#")]
    lut = np.zeros(256, np.uint8)
    lut[255] = names.index("background")
    for c, name in enumerate(classes):
        lut[c] = names.index("_".join(name.split()))
    stem = "gtFine/default/{}_gtFine_labelIds.png"
    helpers.rewrite_zip(job_path, {stem.format(i): helpers.png(lut[l]) for i, l in truth.items()})


def _out_path(tmp_path, fmt):
    return tmp_path / ("job" if fmt == "folder" else "job.zip")


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_gives_back_exactly_the_selected_regions(fmt, job, expected, classes, helpers, tmp_path):
    items, truth = job
    path = export_job(items, classes, fmt, _out_path(tmp_path, fmt), progress=False)
    annotate(fmt, path, truth, classes, helpers)
    assert detect_format(path) == fmt
    labels, warnings = read_labels(path, None, expected, classes, progress=False)
    assert set(labels) == set(truth)
    for image_id, (segments, regions) in expected.items():
        inside = np.isin(segments, regions)
        want = np.where(inside, truth[image_id], 255)
        np.testing.assert_array_equal(labels[image_id], want)
        assert labels[image_id].dtype == np.uint8
        # The annotator labelled the whole image: the pixels outside are dropped, and counted.
        outside = int(np.count_nonzero(~inside & (truth[image_id] != 255)))
        assert outside > 0
        assert any(image_id in w and f" {outside} labelled pixel(s) outside" in w for w in warnings), warnings


@pytest.mark.parametrize("fmt", FORMATS)
def test_manifest_lists_regions_and_pixel_counts(fmt, job, classes, tmp_path):
    items, _ = job
    path = export_job(items, classes, fmt, _out_path(tmp_path, fmt), progress=False)
    if fmt == "folder":
        manifest = json.loads((path / "manifest.json").read_text())
        assert (path / "README.txt").read_text().count("255") >= 1
        mask = np.asarray(__import__("PIL.Image").Image.open(path / "masks" / "img-b.png"))
        np.testing.assert_array_equal(mask, np.where(np.isin(items[1]["segments"], [3, 12]), 255, 0))
    else:
        with zipfile.ZipFile(path) as z:
            manifest = json.loads(z.read("manifest.json"))
    assert manifest["version"] == 1 and manifest["layout"] == fmt
    assert [c["name"] for c in manifest["classes"]] == classes
    assert [c["id"] for c in manifest["classes"]] == list(range(len(classes)))
    first = manifest["images"][0]
    # 24x32 image, 4x4 grid: every region has 6 * 8 = 48 pixels.
    assert first["image_id"] == "0001TP_006690" and (first["height"], first["width"]) == (24, 32)
    assert first["regions"] == [0, 5, 10] and first["region_pixels"] == [48, 48, 48]
    assert first["pixels_to_label"] == 144


def test_cvat_mask_layout_matches_cvat(job, classes, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        labelmap = z.read("labelmap.txt").decode().splitlines()
        subset = z.read("ImageSets/Segmentation/default.txt").decode().split()
    assert {"SegmentationClass/img-b.png", "SegmentationObject/img-b.png", "JPEGImages/img-b.png"} <= names
    assert labelmap[0] == "# label:color_rgb:parts:actions"
    assert labelmap[1] == "background:0,0,0::"
    r, g, b = class_palette(len(classes))[0]
    assert labelmap[2] == f"road:{r},{g},{b}::"
    assert labelmap[3].startswith("traffic light:")
    assert labelmap[-1].startswith("to_label:") and labelmap[-1].endswith("::")
    assert subset == ["0001TP_006690", "img-b"]


def test_cityscapes_layout_and_train_id_convention(job, classes, tmp_path, helpers):
    items, _ = job
    path = export_job(items, classes, "cityscapes", tmp_path / "j.zip", progress=False)
    lines = [l for l in helpers.read_zip_text(path, "label_colors.txt").splitlines() if not l.startswith("#")]
    assert [l.split()[3] for l in lines] == ["road", "traffic_light", "car", "sky", "person", "background", "to_label"]
    assert lines[5] == "0 0 0 background"
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        label_ids = np.asarray(__import__("PIL.Image").Image.open(z.open("gtFine/default/img-b_gtFine_labelIds.png")))
    for suffix in ("labelIds", "color", "instanceIds"):
        assert f"gtFine/default/img-b_gtFine_{suffix}.png" in names
    assert "images/img-b.png" in names and "imgsFine/leftImg8bit/default/" in names
    inside = np.isin(items[1]["segments"], [3, 12])
    # Pre-annotation: to_label (id C + 1 = 6) on the requested regions, background (id C = 5) elsewhere.
    np.testing.assert_array_equal(label_ids, np.where(inside, 6, 5))


def test_cityscapes_reexport_with_other_label_order_and_colour_only(job, expected, classes, tmp_path, helpers):
    """A CVAT re-export may order labels differently and carry only colour PNGs: names decide."""
    items, truth = job
    path = export_job(items, classes, "cityscapes", tmp_path / "j.zip", progress=False)
    # CVAT-style label map: background first, names without spaces, our classes reversed.
    order = [("background", (0, 0, 0))] + [(n.replace(" ", ""), (10 * i + 5, 200 - 10 * i, 7 * i)) for i, n in reversed(list(enumerate(classes)))]
    text = "# r g b label_name\n" + "\n".join(f"{c[0]} {c[1]} {c[2]} {n}" for n, c in order) + "\n"
    replace = {"label_colors.txt": text.encode()}
    color_of = {n: c for n, c in order}
    for image_id, label in truth.items():
        lut = np.zeros((256, 3), np.uint8)
        for c, name in enumerate(classes):
            lut[c] = color_of[name.replace(" ", "")]
        stem = f"gtFine/default/{image_id}_gtFine"
        replace.update({f"{stem}_labelIds.png": None, f"{stem}_instanceIds.png": None, f"{stem}_color.png": helpers.png(lut[label])})
    helpers.rewrite_zip(path, replace)
    labels, _ = read_labels(path, "cityscapes", expected, classes, progress=False)
    for image_id, (segments, regions) in expected.items():
        np.testing.assert_array_equal(labels[image_id], np.where(np.isin(segments, regions), truth[image_id], 255))


def test_cityscapes_instance_ids_are_read_when_label_ids_are_absent(job, expected, classes, tmp_path, helpers):
    items, truth = job
    path = export_job(items, classes, "cityscapes", tmp_path / "j.zip", progress=False)
    replace = {}
    for image_id, label in truth.items():
        ids = np.where(label == 255, 5, label).astype(np.uint16)
        ids[label == 2] = 2 * 1000 + 7  # car instances carry label * 1000 + instance
        stem = f"gtFine/default/{image_id}_gtFine"
        replace.update({f"{stem}_labelIds.png": None, f"{stem}_color.png": None,
                        f"{stem}_instanceIds.png": __import__("adeada.fileformats", fromlist=["png_bytes"]).png_bytes(ids)})
    helpers.rewrite_zip(path, replace)
    labels, _ = read_labels(path, None, expected, classes, progress=False)
    for image_id, (segments, regions) in expected.items():
        np.testing.assert_array_equal(labels[image_id], np.where(np.isin(segments, regions), truth[image_id], 255))


def test_untouched_pre_annotation_reads_as_unlabelled_with_a_warning(job, expected, classes, tmp_path):
    items, _ = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    labels, warnings = read_labels(path, "cvat_mask", expected, classes, progress=False)
    assert all((l == 255).all() for l in labels.values())
    assert any("img-b" in w and "96 pixel(s) still marked to_label" in w for w in warnings), warnings


def test_annotator_labelling_only_the_regions_gives_no_warning(job, expected, classes, tmp_path, helpers):
    items, truth = job
    path = export_job(items, classes, "folder", tmp_path / "job", progress=False)
    for image_id, (segments, regions) in expected.items():
        label = np.where(np.isin(segments, regions), truth[image_id], 255).astype(np.uint8)
        (path / "labels" / f"{image_id}.png").write_bytes(helpers.png(label))
    _, warnings = read_labels(path, "folder", expected, classes, progress=False)
    assert warnings == []


def test_zip_with_one_top_folder_and_one_channel_masks(job, expected, classes, tmp_path, helpers):
    """CVAT also accepts 1-channel masks (value = line of labelmap.txt); some tools nest the zip."""
    items, truth = job
    path = export_job(items, classes, "cvat_mask", tmp_path / "j.zip", progress=False)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    for image_id, label in truth.items():
        members[f"SegmentationClass/{image_id}.png"] = helpers.png(np.where(label == 255, 0, label + 1).astype(np.uint8))
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as z:
        for name, data in members.items():
            z.writestr(f"task_7/{name}", data)
    labels, _ = read_labels(nested, None, expected, classes, progress=False)
    for image_id, (segments, regions) in expected.items():
        np.testing.assert_array_equal(labels[image_id], np.where(np.isin(segments, regions), truth[image_id], 255))


def test_image_from_path_is_resized_to_label_size(tmp_path, classes, helpers):
    segments = helpers.grid_segments()
    big = np.full((48, 64, 3), 200, np.uint8)
    (tmp_path / "a.png").write_bytes(helpers.png(big))
    item = {"image_id": "a", "image_path": tmp_path / "a.png", "segments": segments, "region_ids": [1]}
    path = export_job([item], classes, "folder", tmp_path / "job", progress=False)
    image = np.asarray(__import__("PIL.Image").Image.open(path / "images" / "a.png"))
    assert image.shape == (24, 32, 3) and (image == 200).all()
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["images"][0]["image_resized_from"] == [48, 64]
