"""Local weight files: a torchvision ResNet-101 state dict loads; bad files fail clearly."""
import pytest
import torch
import torchvision

from adeada.models import ModelConfig, WeightsError, build_model


@pytest.mark.slow
def test_resnet_weights_path_loads(tmp_path):
    torch.manual_seed(1)
    ref = torchvision.models.resnet101(weights=None)
    path = tmp_path / "resnet101.pth"
    torch.save({"module." + k: v for k, v in ref.state_dict().items()}, path)  # DDP-style keys
    model = build_model(ModelConfig(arch="deeplabv3plus_r101", pretrained=True,
                                    weights_path=str(path)), 3)
    torch.testing.assert_close(model.backbone.layer3[7].conv2.weight, ref.layer3[7].conv2.weight)
    torch.testing.assert_close(model.backbone.stem[1].running_mean, ref.bn1.running_mean)
    assert not hasattr(model.backbone, "fc")


def test_missing_weights_file_is_named(tmp_path):
    missing = tmp_path / "nope.pth"
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        build_model(ModelConfig(arch="deeplabv2_r101", weights_path=str(missing)), 3)


def test_pretrained_resnet_without_weights_path_refuses_to_download():
    with pytest.raises(ValueError, match="weights_path"):
        build_model(ModelConfig(arch="deeplabv2_r101", pretrained=True), 3)


def test_wrong_state_dict_lists_the_mismatch(tmp_path):
    path = tmp_path / "resnet18.pth"
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    with pytest.raises(WeightsError, match=r"resnet18.pth.*missing.*shape"):
        build_model(ModelConfig(arch="deeplabv3plus_r101", weights_path=str(path)), 3)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="junk.pth"):
        build_model(ModelConfig(arch="lite0_deeplabv3plus", weights_path=str(junk)), 3)
