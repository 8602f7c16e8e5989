"""The format registry: a new annotation tool's format is one module plus one registry line."""

import numpy as np

from adeada.annotation import FORMATS, AnnotationFormat, detect_format, export_job, read_labels
from adeada.fileformats import png_bytes


def write_npy_job(items, classes, writer, progress):
    """A toy layout: masks/<id>.png to paint, labels come back as labels_npy/<id>.npy."""
    for item in items:
        writer.add(f"masks/{item.image_id}.png", png_bytes(np.isin(item.segments, item.region_ids).astype(np.uint8)))
    writer.add_dir("labels_npy")


class NpyReader:
    markers = ("labels_npy",)

    def available(self, source):
        return {n.split("/")[1][:-4]: n for n in source.files("labels_npy") if n.endswith(".npy")}

    def decode(self, source, name, classes):
        import io

        return np.load(io.BytesIO(source.read(name))).astype(np.uint8), None


def test_a_new_format_is_one_module_plus_one_registry_line(monkeypatch, job, expected, classes, tmp_path):
    from adeada.cli import build_parser

    monkeypatch.setitem(FORMATS, "npy", AnnotationFormat("NumPy arrays", write_npy_job, NpyReader()))
    items, truth = job
    path = export_job(items, classes, "npy", tmp_path / "job", progress=False)
    for image_id, label in truth.items():  # the annotators' answer: the whole ground truth
        np.save(path / "labels_npy" / f"{image_id}.npy", label)
    assert detect_format(path) == "npy"
    labels, _ = read_labels(path, None, expected, classes, progress=False)
    for image_id, (segments, regions) in expected.items():
        np.testing.assert_array_equal(labels[image_id], np.where(np.isin(segments, regions), truth[image_id], 255))
    export = build_parser()._subparsers._group_actions[0].choices["export"]
    assert "npy: NumPy arrays" in export.format_help()  # the CLI's choices come from the registry


def test_every_format_module_is_registered():
    import importlib
    import pkgutil

    import adeada.annotation as pkg

    formats = {info.name for info in pkgutil.iter_modules(pkg.__path__)
               if hasattr(importlib.import_module(f"{pkg.__name__}.{info.name}"), "FORMAT")}
    assert formats == set(FORMATS) and all(FORMATS[n] is importlib.import_module(f"{pkg.__name__}.{n}").FORMAT
                                           for n in formats)
