"""The statistics pass feeds the model exactly what training and evaluation feed it."""

import numpy as np
import torch

from adeada.selection.pooling import compute_region_stats
from selection_testkit import GridStore, MemDataset, TinyNet


class RecordingNet(TinyNet):
    """TinyNet with a ``normalize`` like every SegModel: records what it was given."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.clone())
        return (x - 100.0) / 50.0


def test_stats_use_the_models_normalize_on_0_255_values():
    torch.manual_seed(0)
    model, ds, store = RecordingNet(), MemDataset(n=1), GridStore()
    compute_region_stats(model, ds, store, progress=False, num_classes=4)
    assert len(model.seen) == 1
    expected = torch.from_numpy(ds.load_image(0)).permute(2, 0, 1).float()[None]
    assert torch.equal(model.seen[0], expected)  # 0..255 values, channels first, not rescaled


def test_without_normalize_the_default_is_that_of_training_and_evaluation():
    from adeada.models import IMAGENET, resolve_normalize

    assert resolve_normalize(TinyNet()) is IMAGENET  # one default for every user of a model
    torch.manual_seed(0)
    plain = compute_region_stats(TinyNet(), MemDataset(n=1), GridStore(), progress=False, num_classes=4)
    torch.manual_seed(0)
    explicit = compute_region_stats(TinyNet(), MemDataset(n=1), GridStore(), progress=False, num_classes=4,
                                    normalize={"mean": IMAGENET.mean, "std": IMAGENET.std})
    torch.manual_seed(0)
    unit = compute_region_stats(TinyNet(), MemDataset(n=1), GridStore(), progress=False, num_classes=4,
                                normalize=lambda x: x / 255.0)
    np.testing.assert_array_equal(plain.prob, explicit.prob)
    assert not np.allclose(plain.prob, unit.prob)  # the normalisation reaches the model
