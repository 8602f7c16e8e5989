"""Two runs that need the same warm-up at once: one trains it, the other waits and reuses it."""

import threading
import time

from adeada.active.context import RunContext
from adeada.active.phases import warmup as warmup_phase
from adeada.config import load_run_config
from tests.tiny_run import write_tiny_config


def test_runs_starting_together_train_the_shared_warm_up_once(tmp_path, monkeypatch, caplog):
    import adeada.training

    cfg = load_run_config(write_tiny_config(tmp_path))
    trained = []

    def slow_warmup(model, *args, **kwargs):
        trained.append(threading.get_ident())
        time.sleep(1.0)  # long enough for the second run to arrive while the first trains
        return model, None

    monkeypatch.setattr(adeada.training, "warmup_adaptsegnet", slow_warmup)
    contexts = [RunContext(cfg, None, progress=False) for _ in range(2)]
    assert contexts[0].warmup_checkpoint == contexts[1].warmup_checkpoint
    results = [None, None]

    def run(i):
        results[i] = warmup_phase.warmup(contexts[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    threads[0].start()
    time.sleep(0.3)
    threads[1].start()
    for t in threads:
        t.join(timeout=60)
    assert len(trained) == 1, "the warm-up was trained by both runs"
    assert [r["reused"] for r in results] == [False, True]
    assert "being trained by process" in caplog.text
    target = contexts[0].warmup_checkpoint
    assert target.exists() and (target.parent / warmup_phase.LOCK_NAME).exists()
    # and a later run takes the entry without waiting
    assert warmup_phase.warmup(RunContext(cfg, None, progress=False))["reused"] is True
