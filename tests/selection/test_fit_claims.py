"""Round 1's density fits are computed once even when several processes reach them together."""

import multiprocessing as mp
import os
import subprocess
import sys

import numpy as np
import pytest

from adeada.selection import DensityConfig, RegionStats, density_scores
from adeada.selection.density.fit_cache import FitCache, fit_key


def _tables(C=3, seed=0):
    rng = np.random.default_rng(seed)

    def domain(n, shift):
        pred = np.arange(n) % C
        feat = (rng.normal(size=(n, 24)) + pred[:, None] + shift).astype(np.float32)
        prob = np.full((n, C), 0.1, np.float32)
        prob[np.arange(n), pred] = 0.8
        return RegionStats(image=np.arange(n), region=np.zeros(n), pixels=np.full(n, 100), feature=feat,
                           prob=prob, pred=pred, entropy=rng.random(n), confidence=np.full(n, 0.8),
                           margin=np.full(n, 0.7))

    return domain(3000, 0.3), domain(6000, 0.0)


def _worker(cache_dir, barrier, queue):
    """One comparison worker: counts the classes it really fits, then reports them with its scores."""
    import adeada.selection  # noqa: F401  (the package re-exports a function named like the module)

    ds = sys.modules["adeada.selection.density.scores"]
    fitted = []
    real = ds._run_serial

    def counting(jobs, *args, **kwargs):
        fitted.extend(int(c) for c, _, _ in jobs)
        return real(jobs, *args, **kwargs)

    ds._run_serial = counting
    target, source = _tables()
    try:
        barrier.wait(timeout=60)  # both start fitting at the same moment
        res = density_scores(target, source, None, DensityConfig(n_jobs=1, max_iter=50), cache_dir=cache_dir)
    except BaseException as e:  # the parent must hear of it, not wait for a result that never comes
        queue.put((os.getpid(), repr(e), None))
        raise
    queue.put((os.getpid(), fitted, res.pi))


@pytest.mark.slow
def test_two_workers_reaching_round_one_together_fit_each_class_once(tmp_path):
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), barrier, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    got = [queue.get(timeout=240) for _ in procs]
    assert all(pi is not None for _, _, pi in got), got
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    fitted = sorted(c for _, f, _ in got for c in f)
    assert fitted == [0, 1, 2]  # each class fitted by exactly one of the two workers
    np.testing.assert_array_equal(got[0][2], got[1][2])
    assert sorted(p.name.split(".")[-1] for p in tmp_path.iterdir()) == ["npz"] * 3  # no claim left behind


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_claim_held_by_a_live_process_blocks_and_a_dead_ones_is_taken_over(tmp_path):
    cache = FitCache(tmp_path)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        import socket

        (tmp_path / "k.claim").write_text(f"{socket.gethostname()} {sleeper.pid}\n")
        assert not cache.claim("k")
        with pytest.raises(TimeoutError, match="k.claim"):
            cache.wait_for("k", timeout_s=0.3, poll_s=0.05)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert cache.wait_for("k", timeout_s=5, poll_s=0.05) is None  # owner gone, no entry: fit it yourself
    assert cache.claim("k") and (tmp_path / "k.claim").read_text().split()[1] == str(os.getpid())
    cache.release("k")
    assert not (tmp_path / "k.claim").exists()


def test_a_stale_claim_does_not_stop_a_run(tmp_path):
    import socket

    target, source = _tables()
    cfg = DensityConfig(n_jobs=1, max_iter=50)
    for c in range(3):
        key = fit_key(target.feature[target.pred == c], source.feature[source.pred == c], cfg)
        (tmp_path / f"{key}.claim").write_text(f"{socket.gethostname()} {_dead_pid()}\n")
    res = density_scores(target, source, None, cfg, cache_dir=tmp_path)
    assert np.isfinite(res.pi).all()
    assert len(list(tmp_path.glob("*.npz"))) == 3 and not list(tmp_path.glob("*.claim"))


def test_a_failed_claimer_leaves_the_class_to_the_waiter(tmp_path):
    """The claim vanishes without an entry (its owner's fit raised): the waiter fits it itself."""
    cache = FitCache(tmp_path)
    target, source = _tables()
    cfg = DensityConfig(n_jobs=1, max_iter=50)
    key0 = fit_key(target.feature[target.pred == 0], source.feature[source.pred == 0], cfg)
    assert cache.claim(key0)
    cache.release(key0)
    res = density_scores(target, source, None, cfg, cache_dir=tmp_path)
    assert np.isfinite(res.pi).all() and cache.get(key0) is not None
