"""``adeada compare --executor ray`` on a real local Ray (2 CPUs, started and stopped by the test)."""

from types import SimpleNamespace

import pytest

from adeada.active.compare import run_compare
from adeada.active.ray_executor import task_options
from adeada.config import load_run_config
from adeada.cpu_isa import AVX2_ENV, MARK, isa_env
from tests.active.test_compare import file_digests
from tests.tiny_run import write_tiny_config


def _cells(*isas):
    return [SimpleNamespace(cfg=SimpleNamespace(loop=SimpleNamespace(cpu_isa=isa))) for isa in isas]


def test_task_options_carry_the_cpu_cap_the_configs_pin():
    assert task_options(_cells("native", "native"), 2, 0.5) == {"num_cpus": 2, "num_gpus": 0.5, "max_retries": 0}
    capped = task_options(_cells("avx2", "native"), 1, 0.0)
    assert capped["runtime_env"] == {"env_vars": isa_env("avx2")}
    assert capped["runtime_env"]["env_vars"][MARK] == "avx2" and set(AVX2_ENV) < set(capped["runtime_env"]["env_vars"])


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray", reason='Ray is not installed (pip install -e ".[ray]"; .ci/run installs it)')
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        ray.shutdown()
    assert not ray.is_initialized()


@pytest.mark.slow
def test_ray_cells_give_the_files_of_the_local_executor(tmp_path, local_ray):
    results = {}
    for executor in ("local", "ray"):
        root = tmp_path / executor  # separate caches: each computes everything itself
        root.mkdir()
        cfg = load_run_config(write_tiny_config(root))
        run_compare(cfg, root / "cmp", ["ent"], [0, 1], progress=False, executor=executor,
                    jobs=2 if executor == "local" else 1)
        results[executor] = file_digests(root / "cmp")
    assert len(results["local"]) > 10 and any("ent/seed1/rounds/02/selection.csv" in k for k in results["local"])
    assert results["ray"] == results["local"]
    assert local_ray.is_initialized()  # a Ray the caller started is left running


@pytest.mark.slow
def test_a_capped_cell_worker_starts_with_the_cap_in_its_environment(local_ray):
    """The variables act only if set before torch loads: they must be in the worker from its start."""

    def _worker_environment(keys):  # defined here so that Ray ships it by value, not by module name
        import os

        import torch

        return {k: os.environ.get(k) for k in keys}, str(torch.backends.cpu.get_cpu_capability())

    env = isa_env("avx2")
    task = local_ray.remote(**task_options(_cells("avx2"), 1, 0.0))(_worker_environment)
    seen, kernels = local_ray.get(task.remote(sorted(env)))
    assert seen == env
    if kernels not in ("AVX2", "DEFAULT"):  # an x86-64 CPU with AVX2 or more runs AVX2 code under the cap
        pytest.fail(f"torch in a capped Ray worker computes in {kernels}")
    plain = local_ray.remote(**task_options(_cells("native"), 1, 0.0))(_worker_environment)
    assert local_ray.get(plain.remote([MARK]))[0] == {MARK: None}
