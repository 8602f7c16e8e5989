"""Label Studio jobs: a BrushLabels project whose tasks carry the regions to label as a prediction.

Layout written::

    labeling_config.xml    # <BrushLabels>: the classes with their colours, plus "to_label"
    tasks.json             # one task per image: data.image (URL), data.image_id, a prediction
    images/<id>.png
    manifest.json, README.txt

Each requested region is one "to_label" brush region of the prediction (brush RLE, see
``brush_rle``), so an annotator can relabel a whole region at once or repaint it. Label Studio
shows a prediction as the starting annotation when the project's "use predictions to prelabel"
setting is on (its default).

Import reads Label Studio's "JSON" export (a list of tasks, each with its annotations): tasks are
matched to images by ``data.image_id``; of a task's annotations the latest one not cancelled is
read; brush regions are matched to our classes by label name. A pixel belongs to a brush region
where the region's alpha is at least 128 (half-covered stroke edges count once); where regions of
different labels overlap, the one listed last wins, as it is drawn on top.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Optional
from xml.sax.saxutils import quoteattr

import numpy as np
from tqdm import tqdm

from adeada.fileformats import png_bytes
from adeada.reports.palette import class_palette, free_color
from .brush_rle import RleError, mask_to_rle, rle_to_alpha
from .common import IGNORE, AnnotationFormat, TO_LABEL, TO_LABEL_COLOR, AnnotationError, AnnotationItem, Source, load_item_image, region_mask
from .job import JobWriter, image_entry, manifest_json
from .mapping import PENDING, UNKNOWN, label_codes

CONFIG = "labeling_config.xml"
TASKS = "tasks.json"
FROM_NAME, TO_NAME = "label", "image"
LOCAL_FILES = "/data/local-files/?d="
JOB_FILES = {CONFIG, TASKS, "manifest.json"}

README = """Annotation job (adeada, Label Studio)

1. Start Label Studio with local files served from a folder that holds this job, e.g.
     LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true \\
     LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=/data/jobs label-studio start
   and unpack this job into /data/jobs/{folder} (so that {folder}/images/ holds the images;
   the tasks point at {url_example}).
2. Create a project; in Settings > Labeling Interface > Code paste labeling_config.xml.
3. Settings > Cloud Storage > Add Source Storage: "Local files", absolute local path
   /data/jobs/{folder}/images (do not sync it: the tasks come from tasks.json).
4. Import tasks.json. Each task opens with the regions to label as "to_label" brush regions.
5. Give every "to_label" region its class (select it, then click the class) or repaint it with
   the brush; erase what you cannot tell. Submit.
6. Export the project as "JSON" and give that file back (`adeada import --labels <file>.json`).

Pixels labelled outside the "to_label" regions are dropped on import (with a warning).
"""


def job_labels(classes: Sequence[str]) -> list[tuple[str, tuple[int, int, int]]]:
    """Brush labels of an exported job: the classes (train-id order), then to_label."""
    palette = class_palette(len(classes))
    return [*zip(classes, palette), (TO_LABEL, free_color(palette, TO_LABEL_COLOR))]


def labeling_config(classes: Sequence[str]) -> str:
    """The project's labeling config: an image and one BrushLabels control."""
    lines = ["<View>", f'  <Image name="{TO_NAME}" value="$image" zoom="true" zoomControl="true"/>',
             f'  <BrushLabels name="{FROM_NAME}" toName="{TO_NAME}">']
    for name, (r, g, b) in job_labels(classes):
        lines.append(f"    <Label value={quoteattr(name)} background=\"#{r:02x}{g:02x}{b:02x}\"/>")
    return "\n".join(lines + ["  </BrushLabels>", "</View>"]) + "\n"


def default_url_prefix(job_name: str) -> str:
    """Label Studio's local-files URL of ``<document root>/<job_name>/``."""
    return f"{LOCAL_FILES}{job_name}/"


def _brush_result(region_id: str, mask: np.ndarray, label: str) -> dict:
    h, w = mask.shape
    return {"id": region_id, "from_name": FROM_NAME, "to_name": TO_NAME, "type": "brushlabels",
            "original_width": int(w), "original_height": int(h), "image_rotation": 0,
            "value": {"format": "rle", "rle": mask_to_rle(mask), "brushlabels": [label]}}


def write_label_studio_job(items: Sequence[AnnotationItem], classes: Sequence[str], writer: JobWriter, progress: bool,
                           url_prefix: Optional[str] = None) -> None:
    """Writes the Label Studio layout through ``writer``; images are at ``url_prefix + images/<id>.png``."""
    job_name = writer.out_path.name[:-4] if writer.out_path.suffix.lower() == ".zip" else writer.out_path.name
    prefix = default_url_prefix(job_name) if url_prefix is None else url_prefix
    writer.add(CONFIG, labeling_config(classes).encode("utf-8"))
    tasks, entries = [], []
    for item in tqdm(items, desc="export job (Label Studio)", disable=not progress):
        segments = np.asarray(item.segments)
        region_mask(segments, item.region_ids, item.image_id)  # checks the ids
        image, resized_from = load_item_image(item)
        files = {"image": f"images/{item.image_id}.png"}
        writer.add(files["image"], png_bytes(image))
        regions = sorted({int(r) for r in item.region_ids})
        result = [_brush_result(f"region-{r}", segments == r, TO_LABEL) for r in regions]
        tasks.append({"data": {"image": prefix + files["image"], "image_id": item.image_id},
                      "predictions": [{"model_version": "adeada", "result": result}]})
        entries.append(image_entry(item.image_id, segments, item.region_ids, files, resized_from))
    writer.add(TASKS, (json.dumps(tasks) + "\n").encode("utf-8"))
    extra = {"to_label": {"name": TO_LABEL, "color": list(job_labels(classes)[-1][1])}, "image_url_prefix": prefix}
    writer.add("manifest.json", manifest_json("label_studio", classes, entries, extra))
    url_example = prefix + (files["image"] if items else "images/<id>.png")
    writer.add("README.txt", README.format(folder=job_name, url_example=url_example).encode("utf-8"))


def _latest_annotation(task: dict) -> Optional[dict]:
    done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not done:
        return None
    return max(done, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))


class LabelStudioReader:
    """Reads Label Studio's JSON export (the file itself, or a folder/zip holding it)."""

    markers = (CONFIG,)
    reads_json_file = True  # Label Studio exports a project as one JSON file

    def _export_name(self, source: Source) -> str:
        if source.single_json:
            return source.files()[0]
        found = [n for n in source.files() if "/" not in n and n.lower().endswith(".json") and n not in JOB_FILES]
        if len(found) != 1:
            raise AnnotationError(
                f"{source.path}: expected one Label Studio JSON export, found {len(found)}"
                + (f" ({', '.join(found[:3])})" if found else "; export the project as JSON and import that file")
            )
        return found[0]

    def _tasks(self, source: Source) -> tuple[str, dict[str, tuple[int, dict, dict]]]:
        """(export file name, image id -> (task id, chosen annotation, task)), parsed once per source."""
        if "label_studio" in source.cache:
            return source.cache["label_studio"]
        name = self._export_name(source)
        try:
            tasks = json.loads(source.read_text(name))
        except json.JSONDecodeError as err:
            raise AnnotationError(f"{source.describe(name)}: not valid JSON ({err})") from None
        if not isinstance(tasks, list):
            raise AnnotationError(f"{source.describe(name)}: expected a list of tasks (the \"JSON\" export), "
                                  f"got a {type(tasks).__name__}")
        chosen: dict[str, tuple[int, dict, dict]] = {}
        notes: list[str] = []
        for k, task in enumerate(tasks):
            data = task.get("data") if isinstance(task, dict) else None
            image_id = data.get("image_id") if isinstance(data, dict) else None
            task_id = task.get("id", k) if isinstance(task, dict) else k
            if not isinstance(image_id, str):
                raise AnnotationError(f"{source.describe(name)}: task {task_id} has no data.image_id; "
                                      "import the tasks.json of an adeada job")
            if image_id in chosen:
                raise AnnotationError(f"{source.describe(name)}: image id {image_id!r} is in tasks "
                                      f"{chosen[image_id][0]} and {task_id}")
            annotation = _latest_annotation(task)
            if annotation is None:
                continue
            n_done = sum(1 for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled"))
            if n_done > 1:
                notes.append(f"{source.describe(name)}: task {task_id} ({image_id}) has {n_done} annotations; "
                             f"read the latest (id {annotation.get('id')})")
            chosen[image_id] = (task_id, annotation, task)
        source.cache["label_studio"] = (name, chosen)
        source.cache["label_studio_notes"] = notes
        return name, chosen

    def warnings(self, source: Source) -> list[str]:
        self._tasks(source)
        return list(source.cache["label_studio_notes"])

    def available(self, source: Source) -> dict[str, str]:
        name, chosen = self._tasks(source)
        return {image_id: f"{name}#task={task_id}:{image_id}" for image_id, (task_id, _, _) in chosen.items()}

    def decode(self, source: Source, name: str, classes: Sequence[str]) -> tuple[np.ndarray, Optional[np.ndarray]]:
        _, chosen = self._tasks(source)
        task_id, annotation, task = chosen[name.rsplit(":", 1)[1]]
        where = source.describe(name)
        label: Optional[np.ndarray] = None
        for index, result in enumerate(annotation.get("result") or []):
            what = f"{where}: result {index}"
            if not isinstance(result, dict) or result.get("type") != "brushlabels":
                kind = result.get("type") if isinstance(result, dict) else type(result).__name__
                raise AnnotationError(f"{what} is of type {kind!r}; only brushlabels regions can be read")
            value = result.get("value") or {}
            names = value.get("brushlabels") or []
            if value.get("format") != "rle" or len(names) != 1:
                raise AnnotationError(f"{what}: expected an RLE brush with one label, got format "
                                      f"{value.get('format')!r} and labels {names}")
            code = label_codes(names, classes)[0]
            if code == UNKNOWN:
                raise AnnotationError(f"{what}: label {names[0]!r} is not one of our classes")
            try:
                h, w = int(result["original_height"]), int(result["original_width"])
                alpha = rle_to_alpha(value.get("rle") or [], h, w)
            except (KeyError, TypeError, ValueError) as err:
                raise AnnotationError(f"{what}: unreadable brush ({err})") from None
            if label is None:
                label = np.full((h, w), IGNORE, dtype=np.int64)
            elif label.shape != (h, w):
                raise AnnotationError(f"{what}: brush size {w}x{h} differs from the task's other regions "
                                      f"{label.shape[1]}x{label.shape[0]}")
            label[alpha >= 128] = code
        if label is None:
            # Everything erased: nothing labelled, at the size the task's prediction gives.
            sizes = [(r.get("original_height"), r.get("original_width")) for p in task.get("predictions") or []
                     if isinstance(p, dict) for r in p.get("result") or [] if isinstance(r, dict)]
            if not sizes or not all(isinstance(v, int) for v in sizes[0]):
                raise AnnotationError(f"{where}: the annotation has no brush region and the task no prediction "
                                      "to tell the image size")
            label = np.full(sizes[0], IGNORE, dtype=np.int64)
        pending = label == PENDING
        return np.where(pending, IGNORE, label).astype(np.uint8), pending


FORMAT = AnnotationFormat(
    title="a Label Studio BrushLabels project (tasks.json, labeling_config.xml)",
    write=write_label_studio_job,
    reader=LabelStudioReader(),
    options=frozenset({"url_prefix"}),
)
