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
