"""CamVid, SegNet layout: ``<split>/SEQ_FRAME.png`` + ``<split>annot/SEQ_FRAME.png`` (values 0..11).

Sequences are chosen by file-name prefix, so the day -> dusk protocol is a preset (see
``CAMVID_PRESETS``) rather than code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple, Optional, Sequence

from adeada.data.base import Pair, PairedFileDataset, require_dir
from adeada.data.classes import (
    CAMVID_CLASSES,
    CAMVID_ID_TO_TRAINID,
    CAMVID_IGNORE_VALUE,
    IGNORE_INDEX,
    UNKNOWN,
    make_lut,
)
from adeada.data.config import DatasetConfig
from adeada.data.errors import DatasetError, EmptyDatasetError, MissingLabelError

Frames = Literal["all", "first_half", "second_half"]

class CamVidPreset(NamedTuple):
    """One named dataset of a protocol: the split folders to read, the sequences to keep, and which
    part of each sequence's frames (in frame order, i.e. file-name order)."""

    splits: tuple[str, ...]
    prefixes: tuple[str, ...]
    frames: Frames = "all"


# The day -> dusk protocol of the data's README, and the leave-one-sequence-out shifts of the suite
# (docs/benchmarks.md): each day sequence in turn is the target, the others the source. A target
# sequence is cut in two by frame order, as dusk is (pool: earlier frames, test: later ones), so
# that test frames are never neighbours of pool frames except at the cut.
CAMVID_PRESETS: dict[str, CamVidPreset] = {
    "day_train": CamVidPreset(("train",), ("0006R0", "0016E5")),  # source, 305 images
    "day_val": CamVidPreset(("val",), ("0016E5",)),  # source-side validation, 101 images
    "dusk_pool": CamVidPreset(("train",), ("0001TP",)),  # target pool, 62 images
    "dusk_test": CamVidPreset(("test",), ("0001TP",)),  # target test, 62 images
    "day_test": CamVidPreset(("test",), ("Seq05VD",)),  # optional: is the source forgotten? 171 images
    # -> Seq05VD (source: day_train): 86 + 85 frames
    "seq05vd_pool": CamVidPreset(("test",), ("Seq05VD",), "first_half"),
    "seq05vd_test": CamVidPreset(("test",), ("Seq05VD",), "second_half"),
    # -> 0006R0: source 0016E5 (train) + Seq05VD, 375 images; target 51 + 50 frames
    "not_0006r0": CamVidPreset(("train", "test"), ("0016E5", "Seq05VD")),
    "0006r0_pool": CamVidPreset(("train",), ("0006R0",), "first_half"),
    "0006r0_test": CamVidPreset(("train",), ("0006R0",), "second_half"),
    # -> 0016E5: source 0006R0 + Seq05VD, 272 images; target (train + val) 153 + 152 frames
    "not_0016e5": CamVidPreset(("train", "test"), ("0006R0", "Seq05VD")),
    "0016e5_pool": CamVidPreset(("train", "val"), ("0016E5",), "first_half"),
    "0016e5_test": CamVidPreset(("train", "val"), ("0016E5",), "second_half"),
}


def camvid_lut():
    """Strict table: 0..10 are classes, 11 is ignore, any other value is an error."""
    mapping = dict(CAMVID_ID_TO_TRAINID)
    mapping[CAMVID_IGNORE_VALUE] = IGNORE_INDEX
    return make_lut(mapping, size=65536, default=UNKNOWN)


class CamVidDataset(PairedFileDataset):
    """CamVid (SegNet's 480x360, 11-class version) filtered by sequence prefix.

    Args:
        root: the folder that holds ``train/``, ``trainannot/``, ``val/``, ... .
        split: "train", "val" or "test" (the folder names), or several of them: a sequence that
            spans split folders (0016E5: train and val) is read as one.
        prefixes: keep only images whose file name starts with one of these (sequence names,
            e.g. ``["0006R0", "0016E5"]``); None keeps every image of the split.
        frames: "all", or the "first_half" / "second_half" of each sequence's frames in frame
            order (file-name order; the first half has the odd frame when the count is odd);
            without ``prefixes`` the whole split is cut as one sequence.

    Raises:
        MissingFolderError, MissingLabelError, EmptyDatasetError (no image matches the prefixes).
    """

    def __init__(
        self,
        root: str | Path,
        split: str | Sequence[str] = "train",
        prefixes: Optional[Sequence[str]] = None,
        frames: Frames = "all",
    ) -> None:
        if frames not in ("all", "first_half", "second_half"):
            raise DatasetError(f"CamVid frames={frames!r}; expected 'all', 'first_half' or 'second_half'")
        root = Path(root)
        splits = [split] if isinstance(split, str) else list(split)
        found = []  # (sequence, frame stem, split, image path)
        for name in splits:
            img_dir = require_dir(root / name, "CamVid image")
            require_dir(root / f"{name}annot", "CamVid label")
            for img in sorted(img_dir.glob("*.png")):
                seq = next((p for p in prefixes if img.name.startswith(p)), None) if prefixes else ""
                if seq is not None:
                    found.append((seq, img.stem, name, img))
        if not found:
            raise EmptyDatasetError(f"no CamVid image in {', '.join(str(root / n) for n in splits)} starts "
                                    f"with any of {list(prefixes or [])}")
        if frames != "all":
            found = _half_of_each_sequence(found, frames)
        elif len(splits) > 1:
            found.sort(key=lambda f: (splits.index(f[2]), f[1]))
        pairs = []
        for _, _, name, img in found:
            label = root / f"{name}annot" / img.name
            if not label.is_file():
                raise MissingLabelError(f"CamVid image {img} has no label: expected {label}")
            pairs.append(Pair(img, label, f"{name}_{img.stem}"))
        tag = "+".join(prefixes) if prefixes else "all"
        where = "+".join(splits)
        part = "" if frames == "all" else f"-{frames}"
        super().__init__(pairs, CAMVID_CLASSES, camvid_lut(), name=f"camvid-{where}-{tag}{part}")


def _half_of_each_sequence(found: list, frames: str) -> list:
    """Per sequence, its frames sorted by name (= frame order), cut after ceil(n / 2)."""
    out = []
    for seq in dict.fromkeys(f[0] for f in found):
        mine = sorted((f for f in found if f[0] == seq), key=lambda f: f[1])
        cut = (len(mine) + 1) // 2
        out.extend(mine[:cut] if frames == "first_half" else mine[cut:])
    return out


def camvid_preset(root: str | Path, preset: str) -> CamVidDataset:
    """Build one of the protocols' datasets by name (see ``CAMVID_PRESETS``)."""
    if preset not in CAMVID_PRESETS:
        raise DatasetError(f"unknown CamVid preset {preset!r}; expected one of {sorted(CAMVID_PRESETS)}")
    split, prefixes, frames = CAMVID_PRESETS[preset]
    return CamVidDataset(root, split if len(split) > 1 else split[0], list(prefixes), frames)


def from_config(cfg: DatasetConfig) -> CamVidDataset:
    """``kind: camvid``: ``camvid.root``, and ``camvid.preset`` (a protocol split) or ``split`` +
    ``prefixes``."""
    root, opts = cfg.required("root"), cfg.camvid
    return camvid_preset(root, opts.preset) if opts.preset else CamVidDataset(root, opts.split, opts.prefixes)
