import torch

import pytest

from adeada.models import ModelConfig, build_model
from adeada.models.backbone_memo import memoize_backbone


def _frozen_tiny(seed=0):
    torch.manual_seed(seed)
    return build_model(ModelConfig(arch="tiny", pretrained=False, freeze_backbone=True, channels_last=False), 5).eval()


def test_memo_returns_exactly_what_the_backbone_computes_and_skips_repeats():
    plain, memo = _frozen_tiny(), _frozen_tiny()
    keys_before = list(memo.state_dict())
    store = memoize_backbone(memo)
    x = torch.rand(3, 3, 32, 48) * 255
    with torch.no_grad():
        ref_logits, ref_feats = plain(plain.normalize(x))
        for _ in range(2):
            logits, feats = memo(memo.normalize(x))
            assert torch.equal(logits, ref_logits) and torch.equal(feats, ref_feats)
    assert (store.misses, store.hits) == (3, 3)
    # a batch mixing a known and a new image computes only the new one
    with torch.no_grad():
        memo(memo.normalize(torch.cat([x[:1], torch.rand(1, 3, 32, 48) * 255])))
    assert (store.misses, store.hits) == (4, 4)
    assert list(memo.state_dict()) == keys_before  # checkpoints are unchanged


def test_other_weights_do_not_share_entries_and_trainable_backbones_are_refused():
    a, b = _frozen_tiny(0), _frozen_tiny(1)
    assert memoize_backbone(a) is not memoize_backbone(b)
    trainable = build_model(ModelConfig(arch="tiny", pretrained=False), 5)
    with pytest.raises(ValueError, match="frozen backbone"):
        memoize_backbone(trainable)


def test_store_evicts_least_recently_used_entries_past_its_cap():
    from adeada.models.backbone_memo import MemoStore

    store = MemoStore(max_bytes=3 * 16)
    for k in "abc":
        store.put(k, {"t": torch.zeros(4)})  # 16 bytes each
    store.get("a")
    store.put("d", {"t": torch.zeros(4)})
    assert list(store.items) == ["c", "a", "d"] and store.bytes == 48


def test_outputs_made_under_autocast_are_not_served_to_full_precision_callers():
    plain, memo = _frozen_tiny(), _frozen_tiny()
    store = memoize_backbone(memo)
    x = torch.rand(2, 3, 32, 48, generator=torch.Generator().manual_seed(7)) * 255  # images no other test used
    misses = store.misses  # the store is shared with earlier tests' models of the same weights
    with torch.no_grad():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            memo(memo.normalize(x))  # fills the memo with bf16 outputs
        logits, feats = memo(memo.normalize(x))
        ref_logits, ref_feats = plain(plain.normalize(x))
    assert torch.equal(logits, ref_logits) and torch.equal(feats, ref_feats)
    assert store.misses - misses == 4  # the full-precision call computed its own entries
