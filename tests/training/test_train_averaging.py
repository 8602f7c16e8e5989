import pytest
import torch

from _train_tiny import TinySegNet, TwoDomain, masked
from adeada.training import TrainConfig, finetune
from adeada.training.averaging import averaging_start

torch.set_num_threads(1)


class Stop(Exception):
    pass


def cfg(**kw):
    base = dict(iterations=8, batch_size=2, lr=0.05, crop_size=[12, 12], hflip=True, log_every=1,
                checkpoint_every=2, device="cpu", seed=3, average_last=0.5)
    base.update(kw)
    return TrainConfig(**base)


def data():
    target = TwoDomain(5, domain="target")
    masked(target, keep_images={0, 2, 4})
    return TwoDomain(5), target


def test_averaging_start():
    assert averaging_start(20, 0.0) == 21  # off: no step is averaged
    assert averaging_start(20, 1.0) == 1
    assert averaging_start(20, 0.5) == 11
    assert averaging_start(8, 0.25) == 7
    with pytest.raises(ValueError, match="average_last"):
        averaging_start(20, 1.5)


def test_final_weights_are_the_mean_of_the_last_iterates(tmp_path):
    torch.manual_seed(0)
    model = TinySegNet(3)
    seen = {}

    def log_fn(step, _logs):  # called after each step, before the average is applied
        seen[step] = model.classifier.weight.detach().clone()

    finetune(model, *data(), cfg(), ckpt_path=tmp_path / "a.pth", log_fn=log_fn, progress=False)
    expected = torch.stack([seen[s] for s in (5, 6, 7, 8)]).mean(0)
    assert not torch.allclose(seen[8], expected, atol=1e-4)  # the steps really moved the weights
    assert torch.allclose(model.classifier.weight, expected, atol=1e-6)


def test_resume_inside_the_averaged_steps_gives_the_same_model(tmp_path):
    torch.manual_seed(0)
    init = TinySegNet(3).state_dict()
    straight = TinySegNet(3)
    straight.load_state_dict(init)
    finetune(straight, *data(), cfg(), ckpt_path=tmp_path / "a.pth", progress=False)

    first = TinySegNet(3)
    first.load_state_dict(init)

    def crash(step, _logs):
        if step == 7:  # after the checkpoint of step 6, two averaged steps in
            raise Stop

    with pytest.raises(Stop):
        finetune(first, *data(), cfg(), ckpt_path=tmp_path / "b.pth", log_fn=crash, progress=False)
    resumed = TinySegNet(3)  # other weights: everything must come from the checkpoint
    finetune(resumed, *data(), cfg(), ckpt_path=tmp_path / "b.pth", progress=False)
    for k, v in straight.state_dict().items():
        assert torch.allclose(v, resumed.state_dict()[k], atol=1e-6), k
