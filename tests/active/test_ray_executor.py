"""``adeada compare --executor ray`` on a real local Ray (2 CPUs, started and stopped by the test)."""

import pytest

from adeada.active.compare import run_compare
from adeada.config import load_run_config
from tests.active.test_compare import file_digests
from tests.tiny_run import write_tiny_config

pytestmark = pytest.mark.slow


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray", reason='Ray is not installed (pip install -e ".[ray]"; .ci/run installs it)')
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        ray.shutdown()
    assert not ray.is_initialized()


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
