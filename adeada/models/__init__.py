"""Segmentation networks that return ``(logits, 256-d features)``; weights from local files only.

Public API: ``build_model(cfg, num_classes)``, ``ModelConfig``, ``SegModel``, ``preprocess``.
"""
from adeada.models.base import FEATURE_DIM, SegModel, freeze_batchnorm
from adeada.models.config import ARCHS, ModelConfig
from adeada.models.factory import build_model
from adeada.models.lite0 import MissingExtraError, load_lite0_imagenet
from adeada.models.normalization import IMAGENET, LITE, Normalization, Normalize, preprocess, resolve_normalize, to_input
from adeada.models.weights import WeightsError

__all__ = ["ARCHS", "FEATURE_DIM", "IMAGENET", "LITE", "MissingExtraError", "ModelConfig",
           "Normalization", "Normalize", "SegModel", "WeightsError", "build_model", "freeze_batchnorm",
           "load_lite0_imagenet", "preprocess", "resolve_normalize", "to_input"]
