"""The real CamVid copy beside the checkout (or $ADEADA_CAMVID): the day -> dusk split sizes."""

import os
from pathlib import Path

import numpy as np
import pytest

from adeada.data import camvid_preset


def _camvid_root() -> Path:
    env = os.environ.get("ADEADA_CAMVID")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data" / "camvid"


ROOT = _camvid_root()
pytestmark = pytest.mark.skipif(not (ROOT / "train").is_dir(), reason=f"CamVid not found at {ROOT} (set ADEADA_CAMVID)")


@pytest.mark.parametrize("preset, n", [("day_train", 305), ("dusk_pool", 62), ("dusk_test", 62)])
def test_day_to_dusk_sizes_and_labels(preset, n):
    ds = camvid_preset(ROOT, preset)
    assert len(ds) == n
    prefixes = ("0001TP",) if preset.startswith("dusk") else ("0006R0", "0016E5")
    assert all(ds.image_id(i).split("_", 1)[1].startswith(prefixes) for i in range(n))
    for i in (0, n // 2, n - 1):  # a few images keep the test fast
        lbl = ds.load_label(i)
        assert lbl.shape == (360, 480) == ds.label_size(i) == ds.load_image(i).shape[:2]
        values = set(np.unique(lbl).tolist())
        assert values <= set(range(11)) | {255}


# The suite's leave-one-sequence-out shifts: (source, pool, test) presets and their sizes.
SHIFTS = {"seq05vd": ("day_train", "seq05vd_pool", "seq05vd_test", 305, 86, 85),
          "0006r0": ("not_0006r0", "0006r0_pool", "0006r0_test", 375, 51, 50),
          "0016e5": ("not_0016e5", "0016e5_pool", "0016e5_test", 272, 153, 152)}


@pytest.mark.parametrize("shift", list(SHIFTS))
def test_each_shift_of_the_suite_keeps_its_target_sequence_out_of_the_source(shift):
    src, pool, test, *sizes = SHIFTS[shift]
    sets = [camvid_preset(ROOT, p) for p in (src, pool, test)]
    assert [len(ds) for ds in sets] == sizes
    frames = [[ds.image_id(i).split("_", 1)[1] for i in range(len(ds))] for ds in sets]
    seq = {f.split("_")[0] for f in frames[1]}
    assert len(seq) == 1 and seq == {f.split("_")[0] for f in frames[2]}  # one target sequence
    assert not seq & {f.split("_")[0] for f in frames[0]}  # which the source does not hold
    assert max(frames[1]) < min(frames[2])  # the pool's frames all come before the test's
