"""Run by test_train_ddp.py under `torchrun --nproc_per_node 2`: trains, evaluates, writes per-rank results."""

import sys
from pathlib import Path

import numpy as np
import torch

from _train_tiny import NoLabels, TinySegNet, TwoDomain, masked
from adeada.evaluation import evaluate
from adeada.training import TrainConfig, WarmupConfig, finetune, warmup_adaptsegnet
from adeada import distributed as D

torch.set_num_threads(1)
out = Path(sys.argv[1])
info = D.init_from_env()
assert info.world_size == 2, info
torch.manual_seed(100 + info.rank)  # different weights per rank: training must make them equal
model = TinySegNet(3)
cfg = TrainConfig(iterations=3, batch_size=1, lr=0.01, crop_size=None, hflip=True, log_every=1,
                  checkpoint_every=0, device="cpu")
model, disc = warmup_adaptsegnet(model, TwoDomain(4, size=(32, 32)), NoLabels(3, size=(32, 32), domain="target"),
                                 WarmupConfig(train=cfg, disc_channels=4, lambda_adv=0.01), progress=False,
                                 ckpt_path=out / "warmup.pth")
target = TwoDomain(4, size=(32, 32), domain="target")
masked(target, keep_images={1, 2})
finetune(model, TwoDomain(4, size=(32, 32)), target, cfg, progress=False, ckpt_path=out / "ft.pth")
res = evaluate(model, TwoDomain(5, size=(32, 32), domain="target", seed=9), progress=False)
torch.save({"model": model.state_dict(), "disc": disc.state_dict(), "confusion": res.confusion,
            "miou": res.miou}, out / f"rank{info.rank}.pt")
D.cleanup()
