"""Seeded k-means helper shared by ReDAL and CLUE."""

from __future__ import annotations

import warnings

import numpy as np


def kmeans(X: np.ndarray, k: int, seed: int, max_iter: int, sample_weight=None) -> tuple[np.ndarray, np.ndarray]:
    """(labels, centres) of a seeded single-init k-means; k is clipped to the distinct rows."""
    from sklearn.cluster import KMeans  # here: the strategy registry is imported by the CLI's --help

    X = np.asarray(X, dtype=np.float32)
    k = int(max(1, min(k, len(X))))
    with warnings.catch_warnings():
        # Duplicate points give fewer distinct clusters than k: harmless here.
        warnings.simplefilter("ignore")
        km = KMeans(n_clusters=k, n_init=1, max_iter=max_iter, random_state=seed).fit(X, sample_weight=sample_weight)
    return km.labels_, km.cluster_centers_
