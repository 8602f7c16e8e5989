"""Remember a frozen backbone's output per input image, across rounds, strategies and seeds.

With ``freeze_backbone`` the backbone is a fixed function: every round's statistics pass,
fine-tuning and evaluation feed it the same images again (and a comparison of 15 strategies x 3
seeds feeds them 45 times more). Memoising it leaves only the head to compute, which is what makes
CPU-scale comparisons on real images possible.

The key of an image is a hash of the exact input tensor (after resizing and normalisation) and the
autocast mode it runs under, plus a fingerprint of the backbone's weights, so a different resize,
precision, augmentation or weight file can never return a stale entry. Values are kept in float32: results are bit-identical to no memo.
The memo patches the backbone *instance's* ``forward``, so module names and state dicts (and
every checkpoint) are unchanged. It is the one place a frozen backbone's outputs are kept: the
head-only training path (``adeada.training.feature_cache``) remembers only which entry is whose.
A backbone may return a tensor, or a dict / list / tuple of tensors.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Callable

import torch
from torch import nn

# One store per backbone fingerprint, shared by every model instance built in this process.
_STORES: dict[str, "MemoStore"] = {}


def tree_map(fn: Callable[[torch.Tensor], torch.Tensor], tree: Any) -> Any:
    """``fn`` applied to every tensor of a backbone output (a tensor, or a dict/list/tuple of them)."""
    if isinstance(tree, torch.Tensor):
        return fn(tree)
    if isinstance(tree, (list, tuple)):
        return type(tree)(tree_map(fn, t) for t in tree)
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) for k, v in tree.items()}
    raise TypeError(f"a backbone returned an unsupported {type(tree).__name__}")


def tree_cat(trees: list[Any]) -> Any:
    """Per-sample outputs of one structure, concatenated along the batch dimension."""
    first = trees[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(trees, 0)
    if isinstance(first, (list, tuple)):
        return type(first)(tree_cat([t[k] for t in trees]) for k in range(len(first)))
    return {k: tree_cat([t[k] for t in trees]) for k in first}


def tree_bytes(tree: Any) -> int:
    """Bytes held by the tensors of a tree."""
    total = 0
    stack = [tree]
    while stack:
        x = stack.pop()
        if isinstance(x, torch.Tensor):
            total += x.numel() * x.element_size()
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return total


class MemoStore:
    """An LRU map key -> per-sample backbone output (a tree of CPU tensors), capped in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self.bytes = 0
        self.items: OrderedDict[str, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return value

    def put(self, key: str, value: Any) -> None:
        size = tree_bytes(value)
        if size > self.max_bytes or key in self.items:
            return
        self.items[key] = value
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, old = self.items.popitem(last=False)
            self.bytes -= tree_bytes(old)


def weights_fingerprint(module: nn.Module) -> str:
    """A hash of every parameter and buffer of ``module`` (names, shapes and values)."""
    h = hashlib.blake2b(digest_size=16)
    for name, tensor in module.state_dict().items():
        h.update(name.encode())
        t = tensor.detach().cpu().contiguous().reshape(-1)  # 1-d: 0-d tensors cannot be viewed as bytes
        h.update(str(tuple(tensor.shape)).encode() + str(t.dtype).encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def memo_keys(x: torch.Tensor) -> list[str]:
    """The memo's key of every sample of the backbone input ``x``, under the current autocast mode.

    The input's exact values and shape, and the autocast state it runs under: under autocast the
    backbone returns other numbers (and dtypes), which must never be served to a full-precision
    caller, or the reverse.
    """
    kind = x.device.type
    mode = f"|{torch.is_autocast_enabled(kind)}:{torch.get_autocast_dtype(kind)}"
    keys = []
    for i in range(x.shape[0]):
        t = x[i].detach().to("cpu", torch.float32).contiguous()
        keys.append(hashlib.blake2b(t.numpy().tobytes() + str(tuple(t.shape)).encode(),
                                    digest_size=16).hexdigest() + mode)
    return keys


def memoize_backbone(model: nn.Module, max_mb: int = 4096) -> MemoStore:
    """Make ``model.backbone`` remember its outputs; returns the (shared) store.

    Raises:
        ValueError: if the backbone has trainable parameters (its output would go stale).
    """
    backbone = model.backbone
    if any(p.requires_grad for p in backbone.parameters()):
        raise ValueError("memoize_backbone needs a frozen backbone (model.freeze_backbone: true)")
    if getattr(backbone, "_memo_store", None) is not None:
        return backbone._memo_store
    fingerprint = weights_fingerprint(backbone)
    store = _STORES.setdefault(fingerprint, MemoStore(max_mb * 2**20))
    compute = backbone.forward

    def forward(x: torch.Tensor) -> Any:
        keys = memo_keys(x)
        found = [store.get(k) for k in keys]
        missing = [i for i, f in enumerate(found) if f is None]
        if missing:
            with torch.no_grad():
                fresh = compute(x[missing])
            for j, i in enumerate(missing):
                found[i] = tree_map(lambda t, j=j: t[j:j + 1].detach().to("cpu").clone(), fresh)
                store.put(keys[i], found[i])
        return tree_map(lambda t: t.to(x.device), tree_cat(found))

    backbone.forward = forward
    backbone._memo_store = store
    return store
