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
