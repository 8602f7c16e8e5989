import time

import pytest

from adeada.parallel import spawn_pool


def test_an_error_in_the_block_terminates_running_workers():
    with pytest.raises(RuntimeError, match="stop"):
        with spawn_pool(1) as pool:
            pool.submit(time.sleep, 60)
            time.sleep(0.5)  # let the worker start the task: cancel() alone would not stop it
            procs = list(pool._processes.values())
            raise RuntimeError("stop")
    deadline = time.time() + 10
    while any(p.is_alive() for p in procs) and time.time() < deadline:
        time.sleep(0.05)
    assert procs and not any(p.is_alive() for p in procs)


def test_results_come_back_and_the_pool_closes():
    with spawn_pool(2) as pool:
        assert sorted(pool.map(abs, [-2, 1, -3])) == [1, 2, 3]


def test_cpu_share_follows_the_environment(monkeypatch):
    from adeada.parallel import CPU_SHARE_ENV, capped_workers, cpu_share

    monkeypatch.setenv(CPU_SHARE_ENV, "1")
    assert cpu_share() == 1 and capped_workers(4) == 1
    monkeypatch.setenv(CPU_SHARE_ENV, "3")
    assert cpu_share() == 3 and capped_workers(2) == 2 and capped_workers(0) == 1
    monkeypatch.setenv(CPU_SHARE_ENV, "two")
    with pytest.raises(ValueError, match="ADEADA_CPUS='two'"):
        cpu_share()
    monkeypatch.delenv(CPU_SHARE_ENV)
    assert cpu_share() >= 1


def _thread_limits() -> tuple[str, int, int]:
    import os

    import torch
    from threadpoolctl import threadpool_info

    from adeada.parallel import CPU_SHARE_ENV

    blas = max((p["num_threads"] for p in threadpool_info()), default=1)
    return os.environ[CPU_SHARE_ENV], blas, torch.get_num_threads()


def test_workers_start_with_their_thread_share(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # what the workers would inherit without the limit
    with spawn_pool(1, threads=1, torch_threads=True) as pool:
        assert pool.submit(_thread_limits).result() == ("1", 1, 1)
