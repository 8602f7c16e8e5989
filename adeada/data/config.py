"""Settings of one dataset, as they appear in the run config (YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, Optional

from adeada.configtools import ConfigError, check_fields, check_unread, to_dict
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


SizePolicy = Optional[Literal["error", "resize"]]


@dataclass
class CamVidOptions:
    """``kind: camvid`` (``data.X.camvid``).

    Attributes:
        root: the CamVid folder (train/, trainannot/, ...).
        split: split folder name (train/val/test).
        prefixes: keep images whose file name starts with one of these sequence names.
        preset: a named dataset of a protocol (``adeada.data.CAMVID_PRESETS``: the day -> dusk
            split "day_train", "dusk_pool", "dusk_test", "day_val", "day_test", and the suite's
            leave-one-sequence-out shifts, e.g. "seq05vd_pool"); replaces split and prefixes.
    """

    root: Optional[str] = None
    split: str = "train"
    prefixes: Optional[list[str]] = None
    preset: Optional[str] = None


@dataclass
class CityscapesOptions:
    """``kind: cityscapes`` (``data.X.cityscapes``): ``root``, ``split`` (train/val/test) and
    ``classes16`` (map the 19 train ids to the 16 SYNTHIA classes)."""

    root: Optional[str] = None
    split: str = "train"
    classes16: bool = False


@dataclass
class GTA5Options:
    """``kind: gta5`` (``data.X.gta5``): ``root``, an optional ``list_file`` of the images to use,
    and ``on_size_mismatch`` ("error" or "resize" the image to its label's size; null = resize,
    GTA5's own default)."""

    root: Optional[str] = None
    list_file: Optional[str] = None
    on_size_mismatch: SizePolicy = None


@dataclass
class SynthiaOptions:
    """``kind: synthia`` (``data.X.synthia``): ``root``, an optional ``list_file``, and
    ``on_size_mismatch`` (null = "error")."""

    root: Optional[str] = None
    list_file: Optional[str] = None
    on_size_mismatch: SizePolicy = None


@dataclass
class FolderOptions:
    """``kind: folder`` (``data.X.folder``): your own images and label maps, in two trees.

    Attributes:
        images_dir, labels_dir: roots of the image and label trees.
        classes: class names in train-id order.
        image_suffix, label_suffix: stem endings that differ between an image and its label
            (``x_image.jpg`` / ``x_label.png``).
        image_exts, label_exts: accepted file extensions.
        ignore_value: raw label value meaning "not annotated" (-> 255); null for none.
        remap: raw value -> train id or 255, on top of the identity on 0..C-1.
        label_channel: channel of a multi-channel label file holding the class value.
        on_size_mismatch: "error" or "resize" (image to label size); null = "error".
        name: the dataset's name in messages and cache folders.
    """

    images_dir: Optional[str] = None
    labels_dir: Optional[str] = None
    classes: list[str] = field(default_factory=list)
    image_suffix: str = ""
    label_suffix: str = ""
    image_exts: list[str] = field(default_factory=lambda: [".png", ".jpg", ".jpeg"])
    label_exts: list[str] = field(default_factory=lambda: [".png"])
    ignore_value: Optional[int] = 255
    remap: dict[int, int] = field(default_factory=dict)
    label_channel: Optional[int] = None
    on_size_mismatch: SizePolicy = None
    name: str = "folder"


# Which option section each layout reads: its own (a new layout adds its section to DatasetConfig
# and one line here, beside its line in adeada.data.LAYOUTS).
LAYOUT_SECTIONS: dict[str, tuple[str, ...]] = {
    "camvid": ("camvid",), "cityscapes": ("cityscapes",), "gta5": ("gta5",), "synthia": ("synthia",),
    "folder": ("folder",), "demo": ("demo",),
}


@dataclass
class DatasetConfig:
    """Where one dataset lives and how its labels map to train ids: the layout (``kind``), what
    every layout reads (``max_images``), and the chosen layout's own section.

    ``data.source: {kind: camvid, camvid: {root: ../camvid, preset: day_train}}``. A section of
    a layout that is not the chosen ``kind`` must keep its defaults: a setting that would be
    silently ignored is an error naming the kind (``adeada.configtools.check_unread``).

    Attributes:
        kind: the on-disk layout, a name in ``adeada.data.LAYOUTS``: "cityscapes", "gta5",
            "synthia", "camvid", "folder", "demo", ...
        max_images: keep at most this many images, evenly spaced over the dataset (quick runs).
        camvid, cityscapes, gta5, synthia, folder, demo: each layout's settings.
    """

    kind: str = "demo"  # a name in adeada.data.LAYOUTS (checked when the config loads)
    max_images: Optional[int] = None
    camvid: CamVidOptions = field(default_factory=CamVidOptions)
    cityscapes: CityscapesOptions = field(default_factory=CityscapesOptions)
    gta5: GTA5Options = field(default_factory=GTA5Options)
    synthia: SynthiaOptions = field(default_factory=SynthiaOptions)
    folder: FolderOptions = field(default_factory=FolderOptions)
    demo: DemoConfig = field(default_factory=DemoConfig)

    def __post_init__(self) -> None:
        # used three times in a run config (data.source, ...): the loader puts the path in front
        check_fields(self, {"max_images": (lambda v: v is None or v >= 1, "null or at least 1")})
        check_unread(self, self.kind, "kind", LAYOUT_SECTIONS)

    @property
    def options(self):
        """The chosen layout's own settings (``getattr(self, kind)``)."""
        return getattr(self, self.kind)

    def required(self, attr: str) -> Any:
        """The value of the chosen layout's setting ``attr``, which it cannot do without.

        Raises:
            DatasetError: the setting is empty.
        """
        value = getattr(self.options, attr)
        if value in (None, "", []):
            raise DatasetError(f"dataset kind {self.kind!r} needs '{self.kind}.{attr}' to be set")
        return value

    def size_policy(self) -> dict:
        """The layout's ``on_size_mismatch`` as a keyword argument when set (else its default)."""
        policy = getattr(self.options, "on_size_mismatch", None)
        return {} if policy is None else {"on_size_mismatch": policy}

    def flat_settings(self) -> dict:
        """The settings in the flat layout they had before each layout had its section: what the
        warm-up and statistics cache keys hash, so that caches made before stay valid."""
        out = dict(FLAT_DEFAULTS)
        out.update(kind=self.kind, max_images=self.max_images, demo=to_dict(self.demo))
        if self.kind in LAYOUT_SECTIONS and self.kind != "demo":
            out.update(to_dict(self.options))
        return out


# The flat DatasetConfig's fields and defaults before the sections (cache keys hash this form).
FLAT_DEFAULTS: dict[str, Any] = {
    "kind": "demo", "root": None, "split": "train", "prefixes": None, "preset": None, "list_file": None,
    "classes16": False, "images_dir": None, "labels_dir": None, "image_suffix": "", "label_suffix": "",
    "image_exts": [".png", ".jpg", ".jpeg"], "label_exts": [".png"], "classes": [], "ignore_value": 255,
    "remap": {}, "label_channel": None, "on_size_mismatch": None, "name": "folder", "max_images": None,
    "demo": None,
}


def move_flat_keys(dataset: dict, where: str, default_kind: str = "demo") -> list[str]:
    """Move the flat keys of one ``data.X:`` mapping (the layout before the sections) into its
    kind's section, in place (``default_kind``: the kind when the mapping names none, e.g. its
    base's). A key the kind does not read is dropped when it holds the old default (every run
    folder's config.yaml lists them all) and refused otherwise; so is the ``demo`` section that
    every old run folder's config.yaml holds beside another kind (it was never read there).

    Returns:
        One ``"data.X.old -> data.X.kind.old"`` text per key moved (one warning line each).

    Raises:
        ConfigError: a flat key the kind does not read, set away from its default.
    """
    kind = dataset.get("kind", default_kind)
    old_layout = any(k in FLAT_DEFAULTS and k not in ("kind", "max_images", "demo") for k in dataset)
    own = {f.name for f in fields(SECTION_TYPES[kind])} if kind in SECTION_TYPES else set()
    moved = []
    for key in [k for k in dataset if k in FLAT_DEFAULTS and k not in ("kind", "max_images", "demo")]:
        value = dataset.pop(key)
        if key in own:
            section = dataset.setdefault(kind, {})
            if isinstance(section, dict):
                section.setdefault(key, value)  # the new key wins when both are given
            moved.append(f"{where}.{key} -> {where}.{kind}.{key}")
        elif value != FLAT_DEFAULTS[key]:
            readers = [k for k, cls in SECTION_TYPES.items() if key in {f.name for f in fields(cls)}]
            raise ConfigError(f"{where}.{key}={value!r} is read only by kind {' or '.join(readers)}, "
                              f"not by kind {kind!r}")
    if old_layout and kind != "demo" and "demo" in dataset:
        dropped = dataset.pop("demo")
        if dropped != to_dict(DemoConfig()):
            moved.append(f"{where}.demo (never read under kind {kind!r}) dropped")
    return moved


def _section_types() -> dict[str, type]:
    import typing

    hints = typing.get_type_hints(DatasetConfig)
    return {name: hints[name] for name in LAYOUT_SECTIONS if name != "demo" and name in hints}


# Each layout's options class (the demo's has no flat keys of the old layout), from DatasetConfig.
SECTION_TYPES = _section_types()
