"""Segmentation networks that return ``(logits, 256-d features)``; weights from local files only.

Public API: ``build_model(cfg, num_classes)``, ``MODELS`` (the registry: ``model.arch`` -> its
``Architecture``), ``ModelConfig``, ``SegModel``, ``preprocess``.

The names load on first use: the config check reads ``MODELS`` without importing torch.
"""

from adeada.lazy import lazy_getattr

# name -> the module that defines it
_LAZY = {
    "FEATURE_DIM": "base", "SegModel": "base", "freeze_batchnorm": "base",
    "ModelConfig": "config",
    "MODELS": "registry", "Architecture": "registry",
    "build_model": "factory",
    "MissingExtraError": "lite0", "load_lite0_imagenet": "lite0",
    "IMAGENET": "normalization", "LITE": "normalization", "Normalization": "normalization",
    "Normalize": "normalization", "preprocess": "normalization", "resolve_normalize": "normalization",
    "to_input": "normalization",
    "WeightsError": "weights",
}

__all__ = sorted(_LAZY)

__getattr__ = lazy_getattr(__name__, globals(), _LAZY)
