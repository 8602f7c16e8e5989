"""One streaming pass of a model over a dataset, pooled per superpixel into a ``RegionStats``."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from adeada import distributed as D
from adeada.models.normalization import resolve_normalize, to_input

from .stats import RegionStats


def _nearest_ids(sp: np.ndarray, h: int, w: int) -> np.ndarray:
    """Superpixel map resized to (h, w) by nearest sampling at the pixel centres."""
    H, W = sp.shape
    rows = np.minimum(((np.arange(h) + 0.5) * H / h).astype(np.int64), H - 1)
    cols = np.minimum(((np.arange(w) + 0.5) * W / w).astype(np.int64), W - 1)
    return sp[np.ix_(rows, cols)]


def _fallback_pixels(sp: np.ndarray, missing: np.ndarray, h: int, w: int) -> np.ndarray:
    """Flat feature-map index of the pixel holding each missing region's centroid.

    A region smaller than a feature cell can vanish when the map is resized; it still needs a row
    (it can be bought), so it borrows the feature pixel that covers its centroid at label
    resolution. (For a non-convex region the centroid may fall outside it: still the nearest cell
    to the region's mass, which is what the pooled mean approximates.)
    """
    H, W = sp.shape
    flat = sp.ravel()
    R = int(flat.max()) + 1
    cnt = np.bincount(flat, minlength=R).astype(np.float64)
    yy, xx = np.divmod(np.arange(flat.size), W)
    cy = np.bincount(flat, weights=yy, minlength=R)[missing] / np.maximum(cnt[missing], 1)
    cx = np.bincount(flat, weights=xx, minlength=R)[missing] / np.maximum(cnt[missing], 1)
    fy = np.minimum(((cy + 0.5) * h / H).astype(np.int64), h - 1)
    fx = np.minimum(((cx + 0.5) * w / W).astype(np.int64), w - 1)
    return fy * w + fx


def _edge_density(image: np.ndarray, sp: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """ReDAL's 2-D stand-in for 3-D structure: fraction of Canny edge pixels per region."""
    from PIL import Image
    from skimage.color import rgb2gray
    from skimage.feature import canny

    if image.shape[:2] != sp.shape:
        image = np.asarray(Image.fromarray(image).resize(sp.shape[::-1], Image.BILINEAR))
    edges = canny(rgb2gray(image)).ravel().astype(np.float64)
    sums = np.bincount(sp.ravel(), weights=edges, minlength=len(pixels))
    return (sums / np.maximum(pixels, 1)).astype(np.float32)


def region_adjacency(sp: np.ndarray, n_regions: int | None = None) -> np.ndarray:
    """(R, R) bool: regions that touch (4-connected) in the superpixel map; False on the diagonal."""
    sp = np.asarray(sp)
    R = int(sp.max()) + 1 if n_regions is None else int(n_regions)
    adj = np.zeros((R, R), dtype=bool)
    for a, b in ((sp[:, :-1], sp[:, 1:]), (sp[:-1, :], sp[1:, :])):
        cut = a != b
        adj[a[cut], b[cut]] = True
    adj |= adj.T
    return adj


def neighbourhood_impurity(hist: np.ndarray, entropy_sum: np.ndarray, count: np.ndarray,
                           adj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RIPU's two terms over each region's neighbourhood (the region and the regions it touches).

    Args:
        hist: (R, C) pixels of each region predicted as each class.
        entropy_sum: (R,) sum of the pixels' prediction entropies per region.
        count: (R,) pixels per region (the same pixels as ``hist`` and ``entropy_sum``).
        adj: (R, R) bool adjacency (:func:`region_adjacency`).

    Returns:
        impurity: (R,) entropy (natural log) of the neighbourhood's predicted-class histogram;
        uncertainty: (R,) mean pixel entropy over the neighbourhood.
    """
    near = adj.astype(np.float64) + np.eye(len(adj))
    h = near @ np.asarray(hist, np.float64)
    q = h / np.maximum(h.sum(1, keepdims=True), 1e-12)
    impurity = np.maximum(-(q * np.log(np.where(q > 0, q, 1.0))).sum(1), 0.0)  # no -0.0
    uncertainty = (near @ np.asarray(entropy_sum, np.float64)) / np.maximum(near @ np.asarray(count, np.float64), 1e-12)
    return impurity.astype(np.float32), uncertainty.astype(np.float32)


def _pool_image(model, disc, x: torch.Tensor, sp: np.ndarray, feature_dtype,
                impurity: bool = False) -> dict[str, np.ndarray]:
    logits, feats = model(x)
    h, w = feats.shape[-2:]
    if logits.shape[-2:] != (h, w):
        logits = F.interpolate(logits, size=(h, w), mode="bilinear", align_corners=False)
    prob = torch.softmax(logits.float(), dim=1)[0]  # (C, h, w)
    C = prob.shape[0]
    p = prob.reshape(C, -1)
    ent = -(p * torch.log(p.clamp_min(1e-12))).sum(0, keepdim=True)
    top = torch.topk(p, k=min(2, C), dim=0).values
    conf = top[:1]
    margin = top[:1] - top[1:2] if C > 1 else top[:1]
    rows = [feats[0].float().reshape(feats.shape[1], -1), p, ent, conf, margin]
    if disc is not None:
        dlog = disc(prob[None])
        if dlog.shape[-2:] != (h, w):
            dlog = F.interpolate(dlog, size=(h, w), mode="bilinear", align_corners=False)
        rows.append(torch.sigmoid(dlog.float()).reshape(1, -1))
    values = torch.cat(rows, 0)  # (K, h*w)
    ids_np = _nearest_ids(sp, h, w).ravel()
    R = int(sp.max()) + 1
    ids = torch.from_numpy(ids_np.astype(np.int64)).to(values.device)
    sums = torch.zeros(values.shape[0], R, dtype=values.dtype, device=values.device)
    sums.index_add_(1, ids, values)
    cnt = torch.bincount(ids, minlength=R).to(values.dtype)
    missing = torch.nonzero(cnt == 0).flatten()
    if len(missing):
        fb = _fallback_pixels(sp, missing.cpu().numpy(), h, w)
        sums[:, missing] = values[:, torch.from_numpy(fb).to(values.device)]
        cnt[missing] = 1
    mean = (sums / cnt).T.cpu().numpy()  # (R, K)
    D = feats.shape[1]
    ripu = None
    if impurity:
        # Each feature cell votes with its own argmax (the region's mean prob would hide the mix);
        # a region that no cell covers votes with the cell it borrowed above.
        cell_pred = p.argmax(0)
        hist = torch.zeros(R, C, dtype=torch.float64, device=values.device)
        hist.index_put_((ids, cell_pred), torch.ones_like(ids, dtype=torch.float64), accumulate=True)
        if len(missing):
            hist[missing] = 0
            hist[missing, cell_pred[torch.from_numpy(fb).to(values.device)]] = 1
        ripu = neighbourhood_impurity(hist.cpu().numpy(), sums[D + C].double().cpu().numpy(),
                                      cnt.double().cpu().numpy(), region_adjacency(sp, R))
    out = {
        "feature": mean[:, :D].astype(feature_dtype),
        "prob": mean[:, D:D + C].astype(np.float32),
        "entropy": mean[:, D + C], "confidence": mean[:, D + C + 1], "margin": mean[:, D + C + 2],
    }
    if disc is not None:
        out["domain_score"] = mean[:, D + C + 3]
    if ripu is not None:
        out["impurity"], out["nbr_entropy"] = ripu
    return out


@torch.no_grad()
def compute_region_stats(model: torch.nn.Module, dataset: Any, store: Any, *,
                         normalize: Optional[Any] = None,
                         device: str | torch.device = "cpu", num_classes: Optional[int] = None,
                         discriminator: Optional[torch.nn.Module] = None, edges: bool = False,
                         feature_dtype: Any = np.float32, progress: bool = True,
                         resize: Optional[tuple[int, int]] = None, impurity: bool = False) -> RegionStats:
    """Score every region of ``dataset`` with ``model`` in one streaming pass.

    The model runs in evaluation mode without augmentation, one image at a time; features and
    probabilities are pooled per superpixel at the feature map's own resolution (the superpixel
    map is resized with nearest sampling), so no full-resolution 256-d map is ever built and
    memory grows only with the table. Under ``torchrun`` the images are sharded over the ranks
    (rank r takes r, r+W, ...) and the table is gathered on every rank in single-process order.

    Args:
        model: returns ``(logits, features)``, both (1, ., h, w).
        dataset: the dataset contract (``load_image``, ``__len__``).
        store: superpixels: ``get(dataset, i)`` (H, W) ids at label resolution, ``pixel_counts``.
        normalize: the input normalisation, as training and evaluation take it
            (:func:`adeada.models.normalization.resolve_normalize`: default the model's own
            ``normalize`` on 0..255 values, else ImageNet statistics).
        device: where the input tensors go (the model must already be there).
        num_classes: checked against the model's output when given.
        discriminator: AdaptSegNet output-space discriminator (softmax map -> logits); its
            sigmoid, read as P(target), is pooled into ``extras['domain_score']`` (AADA).
        edges: add ``extras['edge']``, Canny edge density per region (ReDAL).
        impurity: add RIPU's terms over each region's neighbourhood (the region and the regions it
            touches): ``extras['impurity']``, the entropy of the histogram of the feature cells'
            predicted classes, and ``extras['nbr_entropy']``, their mean prediction entropy.
        feature_dtype: dtype of the stored features (float16 halves the table, but moves density scores).
        progress: show a progress bar (rank 0 only).
        resize: optional (H, W) the image is resized to (bilinear) before the model.

    Returns:
        The table, rows ordered by image then region id.

    Raises:
        ValueError: a superpixel map does not match the store's pixel counts, or the model's
            class count differs from ``num_classes``.
    """
    normalize = resolve_normalize(model, normalize)
    dist = D.info()
    rank, world = dist.rank, dist.world_size
    was_training = model.training
    model.eval()
    if discriminator is not None:
        disc_training = discriminator.training
        discriminator.eval()
    parts: list[RegionStats] = []
    try:
        indices = range(rank, len(dataset), world)
        for i in tqdm(indices, desc="region stats", disable=not progress or rank != 0):
            parts.append(_image_rows(model, discriminator, dataset, store, i, normalize, device,
                                     num_classes, edges, feature_dtype, resize, impurity))
    finally:
        model.train(was_training)
        if discriminator is not None:
            discriminator.train(disc_training)
    if world > 1:
        parts = [p for shard in D.all_gather_objects(parts) for p in shard]
    if not parts:
        raise ValueError(f"dataset {getattr(dataset, 'name', dataset)!r} has no images to score")
    table = RegionStats.concatenate(parts)
    # Shards interleave images; a stable sort on the image index restores single-process order.
    order = np.argsort(table.image, kind="stable")
    return table.subset(order) if world > 1 else table


def _image_rows(model, disc, dataset, store, i, normalize, device, num_classes, edges,
                feature_dtype, resize, impurity=False) -> RegionStats:
    image = dataset.load_image(i)
    sp, pixels = store.segments_and_counts(dataset, i)
    sp, pixels = np.asarray(sp), np.asarray(pixels, dtype=np.int64)
    R = int(sp.max()) + 1
    if len(pixels) != R:
        raise ValueError(f"image {i} of {getattr(dataset, 'name', 'dataset')}: superpixel map has "
                         f"{R} regions but the store counts {len(pixels)}")
    x = to_input(torch.from_numpy(np.ascontiguousarray(image[None])).permute(0, 3, 1, 2), normalize, device)
    if resize is not None:
        x = F.interpolate(x, size=tuple(resize), mode="bilinear", align_corners=False)
    pooled = _pool_image(model, disc, x, sp, feature_dtype, impurity)
    C = pooled["prob"].shape[1]
    if num_classes is not None and C != num_classes:
        raise ValueError(f"model returns {C} classes, expected num_classes={num_classes}")
    extras = {}
    if "domain_score" in pooled:
        extras["domain_score"] = pooled["domain_score"]
    if edges:
        extras["edge"] = _edge_density(image, sp, pixels)
    for name in ("impurity", "nbr_entropy"):
        if name in pooled:
            extras[name] = pooled[name]
    return RegionStats(image=np.full(R, i, np.int32), region=np.arange(R, dtype=np.int32),
                       pixels=pixels, feature=pooled["feature"], prob=pooled["prob"],
                       pred=pooled["prob"].argmax(1), entropy=pooled["entropy"],
                       confidence=pooled["confidence"], margin=pooled["margin"], extras=extras)
