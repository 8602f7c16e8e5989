import warnings

import pytest

from adeada import devices


@pytest.mark.parametrize("native", [True, False])
def test_auto_bf16_is_on_for_cuda_and_for_cpus_that_compute_it_natively(monkeypatch, native):
    monkeypatch.setattr(devices, "native_cpu_bf16", lambda: native)
    assert devices.use_bf16("auto", "cuda") is True
    assert devices.use_bf16("auto", "cpu") is native
    assert devices.use_bf16(False, "cpu") is False and devices.use_bf16(False, "cuda") is False


def test_explicit_bf16_on_an_emulating_cpu_is_obeyed_with_one_warning(monkeypatch):
    monkeypatch.setattr(devices, "native_cpu_bf16", lambda: False)
    monkeypatch.setattr(devices, "_WARNED", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert devices.use_bf16(True, "cpu") is True
        assert devices.use_bf16(True, "cpu") is True
    assert len(caught) == 1 and "no native bfloat16" in str(caught[0].message)


def test_native_cpu_bf16_answers_a_bool():
    assert isinstance(devices.native_cpu_bf16(), bool)


def _key(overrides, tmp_path):
    from adeada.active.context import RunContext
    from adeada.active.rundir import RunDir
    from adeada.config import load_run_config

    cfg = load_run_config("demo", [f"cache_dir={tmp_path}", "loop.device=cpu"] + overrides)
    return RunContext(cfg, RunDir(tmp_path / "run"))


def test_warmup_cache_keys_hash_the_precision_auto_resolves_to(monkeypatch, tmp_path):
    from adeada import cpu_isa
    from adeada.active.context import config_hash
    from adeada.configtools import to_dict

    monkeypatch.setattr(cpu_isa, "computed_isa", lambda: "AVX2")  # the kernels the old keys were made under
    keys = {}
    for native in (True, False):
        monkeypatch.setattr(devices, "native_cpu_bf16", lambda native=native: native)
        ctx = _key(["warmup.train.cpu_bf16=auto"], tmp_path)
        keys[native] = ctx.warmup_key
        assert devices.train_precision(ctx.cfg.warmup.train, "cpu") == ("bfloat16" if native else "float32")
        assert ctx.precision["warmup"] == "unknown"  # no warm-up trained yet: nothing recorded
        # auto resolved to float32 is the same warm-up as an explicit false, and vice versa
        assert keys[native] == _key([f"warmup.train.cpu_bf16={'true' if native else 'false'}"], tmp_path).warmup_key
    assert keys[True] != keys[False]  # a shared cache_dir no longer mixes bf16 and float32 warm-ups
    # An explicit setting hashes as before the change: caches made with it stay valid.
    ctx = _key(["warmup.train.cpu_bf16=false"], tmp_path)
    cfg = ctx.cfg
    old = to_dict(cfg.warmup)
    old["train"]["freeze_bn"] = cfg.model.bn_frozen
    # (the datasets in the flat layout they had before each layout had its section: the same bytes)
    assert ctx.warmup_key == config_hash(cfg.data.source.flat_settings(), cfg.data.target_pool.flat_settings(),
                                         cfg.model, old)


def test_train_and_eval_precision_by_device(monkeypatch):
    from adeada.training.config import TrainConfig

    monkeypatch.setattr(devices, "native_cpu_bf16", lambda: False)
    assert devices.train_precision(TrainConfig(cpu_bf16="auto"), "cpu") == "float32"
    assert devices.train_precision(TrainConfig(amp=True, amp_dtype="float16"), "cuda") == "float16"
    assert devices.train_precision(TrainConfig(amp=False), "cuda") == "float32"
    assert devices.eval_precision("auto", "cuda") == "bfloat16" and devices.eval_precision("auto", "cpu") == "float32"


def test_a_run_keeps_the_warm_up_it_started_from_when_the_key_moves(monkeypatch, tmp_path):
    # A run made when `auto` was hashed as the literal: its warm-up lives under the old key.
    ctx = _key(["warmup.train.cpu_bf16=auto"], tmp_path)
    old = tmp_path / "warmups" / "oldkey000000" / "model.pth"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"weights")
    ctx.run.root.mkdir(parents=True)
    ctx.run.mark_done("warmup", files=[old], checkpoint=str(old), reused=False)
    assert ctx.warmup_checkpoint == old and ctx.round_checkpoint(0) == old
    old.unlink()  # gone from the cache: today's key names where it would be trained again
    assert ctx.warmup_checkpoint == tmp_path / "warmups" / ctx.warmup_key / "model.pth"
