"""Settings of one dataset, as they appear in the run config (YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Optional

from adeada.data.errors import DatasetError


@dataclass
class DemoConfig:
    """The generated demo domains (``kind: demo``).

    Attributes:
        which: the dataset to build: "source" (labelled source train), "pool" (target pool),
            "test" (target test) or "source_test".
        seed: images are a pure function of (seed, domain, split, index).
        size: [H, W] of every image.
        n_source, n_pool, n_test, n_source_test: images in each split.
    """

    which: Literal["source", "pool", "test", "source_test"] = "source"
    seed: int = 0
    size: list[int] = field(default_factory=lambda: [96, 128])
    n_source: int = 200
    n_pool: int = 100
    n_test: int = 50
    n_source_test: int = 50


@dataclass
class DatasetConfig:
    """Where one dataset lives and how its labels map to train ids.

    Attributes:
        kind: the on-disk layout, a name in ``adeada.data.LAYOUTS``: "cityscapes", "gta5",
            "synthia", "camvid", "folder", "demo", ...
        root: dataset root folder (cityscapes, gta5, synthia, camvid).
        split: split folder name (cityscapes: train/val/test; camvid: train/val/test).
        prefixes: camvid: keep images whose file name starts with one of these sequence names.
        preset: camvid: a named dataset of a protocol (``adeada.data.CAMVID_PRESETS``: the day ->
            dusk split "day_train", "dusk_pool", "dusk_test", "day_val", "day_test", and the
            suite's leave-one-sequence-out shifts, e.g. "seq05vd_pool"); overrides split and prefixes.
        list_file: gta5/synthia: optional text file listing the images to use.
        classes16: cityscapes: map the 19 train ids to the 16 SYNTHIA classes.
        images_dir, labels_dir: folder: roots of the image and label trees.
        image_suffix, label_suffix: folder: stem endings that differ between an image and
            its label (``x_image.jpg`` / ``x_label.png``).
        image_exts, label_exts: folder: accepted file extensions.
        classes: folder: class names in train-id order.
        ignore_value: folder: raw label value meaning "not annotated" (-> 255); null for none.
        remap: folder: raw value -> train id or 255, on top of the identity on 0..C-1.
        label_channel: folder: channel of a multi-channel label file holding the class value.
        on_size_mismatch: "error" or "resize" (image to label size); null = the layout's
            default ("resize" for gta5, else "error").
        name: folder: the dataset's name in messages and cache folders.
        max_images: keep at most this many images, evenly spaced over the dataset (quick runs).
        demo: settings of the demo domains.
    """

    kind: str = "demo"  # a name in adeada.data.LAYOUTS (checked when the config loads)
    root: Optional[str] = None
    split: str = "train"
    prefixes: Optional[list[str]] = None
    preset: Optional[str] = None
    list_file: Optional[str] = None
    classes16: bool = False
    images_dir: Optional[str] = None
    labels_dir: Optional[str] = None
    image_suffix: str = ""
    label_suffix: str = ""
    image_exts: list[str] = field(default_factory=lambda: [".png", ".jpg", ".jpeg"])
    label_exts: list[str] = field(default_factory=lambda: [".png"])
    classes: list[str] = field(default_factory=list)
    ignore_value: Optional[int] = 255
    remap: dict[int, int] = field(default_factory=dict)
    label_channel: Optional[int] = None
    on_size_mismatch: Optional[Literal["error", "resize"]] = None
    name: str = "folder"
    max_images: Optional[int] = None
    demo: DemoConfig = field(default_factory=DemoConfig)

    def required(self, attr: str) -> Any:
        """The value of setting ``attr``, which this dataset's layout cannot do without.

        Raises:
            DatasetError: the setting is empty.
        """
        value = getattr(self, attr)
        if value in (None, "", []):
            raise DatasetError(f"dataset kind {self.kind!r} needs '{attr}' to be set")
        return value

    def size_policy(self) -> dict:
        """``on_size_mismatch`` as a keyword argument when set (else the layout's default)."""
        return {} if self.on_size_mismatch is None else {"on_size_mismatch": self.on_size_mismatch}
