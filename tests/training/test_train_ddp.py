import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from _train_tiny import TinySegNet, TwoDomain
from adeada.evaluation import evaluate
from adeada.training import load_checkpoint

HERE = Path(__file__).parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_torchrun_two_cpu_processes(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([str(HERE), str(HERE.parents[1])]))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(_free_port()), str(HERE / "ddp_worker.py"), str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=False)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=False)
    for k in r0["model"]:
        assert torch.equal(r0["model"][k], r1["model"][k]), k  # DDP kept both ranks identical
    for k in r0["disc"]:
        assert torch.equal(r0["disc"][k], r1["disc"][k]), k  # hand-averaged discriminator too
    # the all-reduced matrix (each rank scored half the images) equals one process scoring all
    model = TinySegNet(3)
    model.load_state_dict(r0["model"])
    single = evaluate(model, TwoDomain(5, size=(32, 32), domain="target", seed=9), progress=False)
    assert np.array_equal(r0["confusion"], single.confusion)
    assert np.array_equal(r1["confusion"], single.confusion)
    assert single.confusion.sum() == 5 * 32 * 32
    assert load_checkpoint(tmp_path / "ft.pth")["world_size"] == 2  # rank 0 wrote the checkpoint
    torch.manual_seed(100)  # rank 0's starting weights: training moved away from them
    init = TinySegNet(3)
    assert not torch.equal(init.classifier.weight, r0["model"]["classifier.weight"])
