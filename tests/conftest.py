"""Suite-wide settings.

One intra-op thread everywhere: the suite's own processes (superpixel and density workers, CLI
subprocesses, torchrun ranks) already share 2 cores, and OpenMP threads that spin on a busy CPU
made a 64k-parameter network 100x slower (1 s instead of 7 ms per step, measured here).
Set before torch is imported so that subprocesses inherit it too.
"""

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import torch  # noqa: E402

torch.set_num_threads(1)


import pytest  # noqa: E402

from tests.tiny_run import write_tiny_config  # noqa: E402


@pytest.fixture
def tiny_config(tmp_path):
    """Path of the tiny run config, with a cache folder private to the test."""
    return write_tiny_config(tmp_path)
