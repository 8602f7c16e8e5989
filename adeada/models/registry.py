"""The networks adeada builds: ``MODELS``, ``model.arch`` -> its ``Architecture``.

A plain dict like the other registries (strategies, layouts, formats, estimators), importable
without torch (each architecture imports its modules when built), so that checking a config's
``model.arch`` costs nothing. A new network is a parts function and one line in ``MODELS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from adeada.models.config import ModelConfig


def _aspp_rates(output_stride: int) -> tuple[int, ...]:
    """DeepLabV3+ uses rates 6/12/18 at stride 16 and doubles them at stride 8."""
    return tuple(r * 16 // output_stride for r in (6, 12, 18))


def _resnet_weights(cfg: ModelConfig) -> str | None:
    if cfg.pretrained and cfg.weights_path is None:
        raise ValueError(
            f"model.arch={cfg.arch!r} with model.pretrained=true needs model.weights_path: a "
            f"local torchvision ResNet-101 state dict (e.g. resnet101-63fe2227.pth). adeada never "
            f"downloads weights; set model.pretrained=false to start from random weights")
    return cfg.weights_path


Parts = tuple  # (backbone nn.Module, head nn.Module, Normalization)


def _deeplabv2_r101(cfg: ModelConfig, output_stride: int) -> Parts:
    from adeada.models.heads import ASPPV2Head
    from adeada.models.normalization import IMAGENET
    from adeada.models.resnet import ResNetHighOnly

    return ResNetHighOnly(output_stride, _resnet_weights(cfg)), ASPPV2Head(2048), IMAGENET


def _deeplabv3plus_r101(cfg: ModelConfig, output_stride: int) -> Parts:
    from adeada.models.heads import DeepLabV3PlusHead
    from adeada.models.normalization import IMAGENET
    from adeada.models.resnet import ResNetBackbone

    backbone = ResNetBackbone(output_stride, _resnet_weights(cfg))  # built first: the order the RNG is drawn in
    return backbone, DeepLabV3PlusHead(2048, 256, _aspp_rates(output_stride), light=cfg.decoder == "light"), IMAGENET


def _lite0_deeplabv3plus(cfg: ModelConfig, output_stride: int) -> Parts:
    from adeada.models.heads import DeepLabV3PlusHead
    from adeada.models.lite0 import Lite0Backbone
    from adeada.models.normalization import LITE

    backbone = Lite0Backbone(output_stride, cfg.pretrained, cfg.weights_path)  # built first: the RNG's order
    return backbone, DeepLabV3PlusHead(320, 24, _aspp_rates(output_stride), light=cfg.decoder == "light"), LITE


def _tiny(cfg: ModelConfig, output_stride: int) -> Parts:
    from adeada.models.normalization import IMAGENET
    from adeada.models.tiny import TinyBackbone, TinyHead

    if output_stride != 4:
        raise ValueError(f"the tiny model has a fixed output stride of 4, got {output_stride}")
    return TinyBackbone(), TinyHead(), IMAGENET


@dataclass(frozen=True)
class Architecture:
    """One entry of ``MODELS``: how to build the network's parts, and its default output stride."""

    parts: Callable[[ModelConfig, int], Parts]  # (cfg, output stride) -> backbone, head, normalisation
    output_stride: int
    summary: str


# ``model.arch`` -> the architecture: the one list of networks (the config check and the docs read
# it; a new network is a parts function and one line here).
MODELS: dict[str, Architecture] = {
    "deeplabv2_r101": Architecture(_deeplabv2_r101, 8, "DeepLabV2, ResNet-101 (the paper's GTA5 network)"),
    "deeplabv3plus_r101": Architecture(_deeplabv3plus_r101, 16, "DeepLabV3+, ResNet-101 (the paper's other network)"),
    "lite0_deeplabv3plus": Architecture(_lite0_deeplabv3plus, 16, "DeepLabV3+ on EfficientNet-Lite0 (the CPU default)"),
    "tiny": Architecture(_tiny, 4, "a small CNN for tests, trained from scratch"),
}
