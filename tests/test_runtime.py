"""What a run records about its machine, and the JAX-on-GPU determinism check
(with a stand-in for jax: no GPU needed)."""

import sys
import types
import warnings

import pytest

from helpers import runtime


def _fake_jax(monkeypatch, *platforms):
    devices = [
        types.SimpleNamespace(platform=p, id=i, device_kind="NVIDIA H100 80GB HBM3")
        for i, p in enumerate(platforms)
    ]
    monkeypatch.setitem(sys.modules, "jax", types.SimpleNamespace(devices=lambda: devices))
    for name in ("tensorflow", "torch"):
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_gpu_devices_carry_their_kind(monkeypatch):
    _fake_jax(monkeypatch, "gpu", "cpu")
    assert runtime.devices() == ["gpu:0 NVIDIA H100 80GB HBM3", "cpu:1"]
    assert runtime.machine_info()["devices"] == runtime.devices()


def test_jax_on_gpu_without_deterministic_ops_warns(monkeypatch):
    _fake_jax(monkeypatch, "gpu")
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
    with pytest.warns(RuntimeWarning, match="xla_gpu_deterministic_ops"):
        assert runtime.check_jax_determinism() is False
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert runtime.check_jax_determinism() is True
    info = runtime.machine_info()
    assert "--xla_gpu_deterministic_ops=true" in info["XLA_FLAGS"]


def test_jax_on_cpu_needs_no_flag(monkeypatch):
    _fake_jax(monkeypatch, "cpu")
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert runtime.check_jax_determinism() is True


def test_no_nvidia_smi_means_no_gpus(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert runtime.nvidia_gpus() == []


def test_training_precision_is_checked_and_auto_is_float32_off_tensorflow(monkeypatch):
    from helpers import runtime

    monkeypatch.delenv("REPORT_PRECISION", raising=False)
    monkeypatch.setattr(runtime, "_cpu_has_native_bfloat16", lambda: True)
    assert runtime.training_precision() == "float32"  # the science's precision by default
    monkeypatch.setenv("REPORT_PRECISION", "half")
    with pytest.raises(ValueError, match="REPORT_PRECISION must be one of"):
        runtime.training_precision()
    monkeypatch.setenv("REPORT_PRECISION", "float32")
    assert runtime.training_precision() == "float32"
    monkeypatch.setenv("REPORT_PRECISION", "auto")
    monkeypatch.setattr(runtime, "_cpu_has_native_bfloat16", lambda: True)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert runtime.training_precision() == "float32"
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    monkeypatch.delenv("REPORT_ACCELERATOR", raising=False)
    assert runtime.training_precision() == "mixed_bfloat16"
    monkeypatch.setattr(runtime, "_cpu_has_native_bfloat16", lambda: False)
    assert runtime.training_precision() == "float32"  # emulated bfloat16 would be slower


def test_computed_on_names_cpu_backend_and_precision(monkeypatch):
    from helpers import runtime

    monkeypatch.setenv("REPORT_PRECISION", "mixed_bfloat16")
    monkeypatch.setattr(runtime, "_keras_backend", lambda: "jax")
    monkeypatch.delenv("REPORT_ACCELERATOR", raising=False)
    monkeypatch.setattr(
        runtime, "_cpuinfo", lambda field: "Some CPU" if field == "model name" else ""
    )
    text = runtime.computed_on()
    assert text.startswith("computed on Some CPU (") and text.endswith(
        ", Keras jax, mixed_bfloat16"
    )
