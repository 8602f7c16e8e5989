"""The label_studio format without a server: what the job holds and how an export is read back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest

from adeada.annotation import AnnotationError, detect_format, export_job, read_labels
from adeada.annotation.brush_rle import mask_to_rle, rle_to_alpha
from adeada.reports.palette import class_palette


def _brush(mask, label, rid="x"):
    h, w = mask.shape
    return {"id": rid, "from_name": "label", "to_name": "image", "type": "brushlabels", "original_width": w,
            "original_height": h, "value": {"format": "rle", "rle": mask_to_rle(mask), "brushlabels": [label]}}


@pytest.fixture
def exported(job, classes, tmp_path):
    items, _ = job
    path = export_job(items, classes, "label_studio", tmp_path / "round1", progress=False)
    return path, json.loads((path / "tasks.json").read_text())


def _export_file(tmp_path, tasks, annotations_of):
    """Label Studio's JSON export: each task with the annotations ``annotations_of(task)`` gives."""
    out = [dict(task, id=k, annotations=annotations_of(task)) for k, task in enumerate(tasks, start=1)]
    path = tmp_path / "project-3-at-2026-11-29-10-00-abc.json"
    path.write_text(json.dumps(out))
    return path


def test_config_tasks_and_prediction(exported, job, classes):
    path, tasks = exported
    items, _ = job
    root = ET.fromstring((path / "labeling_config.xml").read_text())
    labels = root.find("BrushLabels")
    assert root.find("Image").get("value") == "$image" and labels.get("toName") == root.find("Image").get("name")
    values = [(e.get("value"), e.get("background")) for e in labels.findall("Label")]
    r, g, b = class_palette(len(classes))[1]
    assert [v for v, _ in values] == [*classes, "to_label"] and values[1][1] == f"#{r:02x}{g:02x}{b:02x}"
    assert [t["data"]["image_id"] for t in tasks] == [it["image_id"] for it in items]
    # Default URL: Label Studio's local files, the job unpacked as <document root>/round1/.
    assert tasks[1]["data"]["image"] == "/data/local-files/?d=round1/images/img-b.png"
    assert (path / "images" / "img-b.png").is_file()
    result = tasks[1]["predictions"][0]["result"]
    assert [r["id"] for r in result] == ["region-3", "region-12"]
    segments = items[1]["segments"]
    for r in result:
        assert r["value"]["brushlabels"] == ["to_label"] and r["from_name"] == labels.get("name")
        alpha = rle_to_alpha(r["value"]["rle"], r["original_height"], r["original_width"])
        np.testing.assert_array_equal(alpha == 255, segments == int(r["id"].split("-")[1]))
    assert "round1/images" in (path / "README.txt").read_text()


def test_url_prefix_and_zip(job, classes, tmp_path):
    items, _ = job
    path = export_job(items, classes, "label_studio", tmp_path / "j.zip", progress=False,
                      image_url_prefix="https://files.example.org/jobs/7/")
    with zipfile.ZipFile(path) as z:
        tasks = json.loads(z.read("tasks.json"))
    assert tasks[0]["data"]["image"] == "https://files.example.org/jobs/7/images/0001TP_006690.png"
    with pytest.raises(AnnotationError, match="label_studio format only"):
        export_job(items, classes, "cvat_mask", tmp_path / "c.zip", progress=False, image_url_prefix="http://x/")


def test_reads_the_latest_annotation_and_keeps_to_label_pending(exported, expected, classes, tmp_path):
    path, tasks = exported
    segments, _ = expected["img-b"]

    def annotations(task):
        if task["data"]["image_id"] == "img-b":
            region3, region12 = task["predictions"][0]["result"]
            old = {"id": 1, "updated_at": "2026-11-29T09:00:00Z", "result": [_brush(segments >= 0, "sky")]}
            new = {"id": 2, "updated_at": "2026-11-29T10:00:00Z", "result": [_brush(segments == 3, "car"), region12]}
            skipped = {"id": 3, "updated_at": "2026-11-29T11:00:00Z", "was_cancelled": True, "result": []}
            return [old, new, skipped]
        return [{"id": 9, "result": [_brush(segments >= 0, "traffic light"), _brush(segments < 4, "road")]}]

    export = _export_file(tmp_path, tasks, annotations)
    assert detect_format(export) == "label_studio"
    labels, warnings = read_labels(export, None, expected, classes, progress=False)
    np.testing.assert_array_equal(labels["img-b"], np.where(segments == 3, 2, 255))
    first_segments, first_regions = expected["0001TP_006690"]
    # Regions listed later are drawn on top: "road" over "traffic light" in region 0.
    want = np.where(first_segments == 0, 0, 1)
    np.testing.assert_array_equal(labels["0001TP_006690"], np.where(np.isin(first_segments, first_regions), want, 255))
    assert any("img-b" in w and "2 annotations; read the latest (id 2)" in w for w in warnings), warnings
    assert any("img-b" in w and "48 pixel(s) still marked to_label" in w for w in warnings), warnings


def test_export_inside_the_job_folder_is_found(exported, expected, classes, tmp_path):
    path, tasks = exported
    segments, _ = expected["img-b"]
    (path / "export.json").write_text(json.dumps(
        [dict(t, annotations=[{"id": 1, "result": [_brush(segments >= 0, "person")]}]) for t in tasks]))
    assert detect_format(path) == "label_studio"
    labels, _ = read_labels(path, None, expected, classes, progress=False)
    assert set(np.unique(labels["img-b"])) == {4, 255}
    (path / "second.json").write_text("[]")
    with pytest.raises(AnnotationError, match="expected one Label Studio JSON export, found 2"):
        read_labels(path, "label_studio", expected, classes, progress=False)


@pytest.mark.parametrize("change, message", [
    (lambda r: r["value"].update(brushlabels=["tree"]), r"#task=2:img-b: result 0: label 'tree' is not one of our classes"),
    (lambda r: r.update(type="polygonlabels"), r"result 0 is of type 'polygonlabels'; only brushlabels"),
    (lambda r: r["value"].update(rle=r["value"]["rle"][:5]), r"result 0: unreadable brush \(.*shorter than the header"),
    (lambda r: r.update(original_width=31), r"unreadable brush \(holds 3072 values, expected 24x31x4"),
])
def test_bad_results_are_refused_naming_task_and_image(change, message, exported, expected, classes, tmp_path):
    path, tasks = exported
    segments, _ = expected["img-b"]
    bad = _brush(segments == 3, "car")
    change(bad)
    export = _export_file(tmp_path, tasks, lambda t: [{"id": 1, "result": [bad if t["data"]["image_id"] == "img-b"
                                                                           else _brush(segments == 0, "car")]}])
    with pytest.raises(AnnotationError, match=message):
        read_labels(export, None, expected, classes, progress=False)


def test_task_without_image_id_or_annotation_is_refused(exported, expected, classes, tmp_path):
    path, tasks = exported
    segments, _ = expected["img-b"]
    one = [{"id": 1, "result": [_brush(segments == 3, "car")]}]
    export = _export_file(tmp_path, tasks, lambda t: one if t["data"]["image_id"] == "img-b" else [])
    with pytest.raises(AnnotationError, match=r"no label file for image id '0001TP_006690' \(1 of 2 missing\)"):
        read_labels(export, None, expected, classes, progress=False)
    tasks[0]["data"].pop("image_id")
    export = _export_file(tmp_path, tasks, lambda t: one)
    with pytest.raises(AnnotationError, match=r"task 1 has no data.image_id"):
        read_labels(export, None, expected, classes, progress=False)
    export.write_text('{"not": "a list"}')
    with pytest.raises(AnnotationError, match=r"expected a list of tasks"):
        read_labels(export, None, expected, classes, progress=False)


def test_everything_erased_reads_as_unlabelled(exported, expected, classes, tmp_path):
    path, tasks = exported
    export = _export_file(tmp_path, tasks, lambda t: [{"id": 1, "result": []}])
    labels, _ = read_labels(export, None, expected, classes, progress=False)
    assert all(l.shape == (24, 32) and (l == 255).all() for l in labels.values())
