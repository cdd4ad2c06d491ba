"""The process a notebook runs in: quiet logging, package versions, machine, backend."""

from __future__ import annotations

import os
import platform
from functools import cache
from importlib import metadata

__all__ = [
    "quiet_tensorflow",
    "package_versions",
    "machine_info",
    "devices",
    "nvidia_gpus",
    "computed_on",
    "check_jax_determinism",
    "PRECISION_ENV",
    "training_precision",
    "apply_precision",
    "trained_here",
]

PRECISION_ENV = "REPORT_PRECISION"
_PRECISIONS = ("auto", "float32", "mixed_bfloat16")

REPORTED_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "keras",
    "tensorflow-cpu",
    "tensorflow",
    "jax",
    "jaxlib",
    "jax-cuda12-plugin",
    "torch",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "PyWavelets",
)


def quiet_tensorflow():
    """Keep TensorFlow's C++ start-up banners and Python retracing notices out of the
    console and the report (the one place that configures this).

    Errors still show: level 2 hides INFO and WARNING only, so a failed CUDA or
    library load is still reported.
    """
    import logging

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def package_versions(names=REPORTED_PACKAGES):
    """Installed version of each package in ``names`` (absent ones left out)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def machine_info():
    """CPU, core count, Python, Keras backend and devices of this process, the machine's
    NVIDIA GPUs, and the accelerator settings (``XLA_FLAGS`` etc.) when set."""
    info = {
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "keras_backend": _keras_backend(),
        "training_precision": training_precision(),
        "gpus": nvidia_gpus(),
    }
    if devices():  # those the backend uses; only known where the process imported it
        info["devices"] = devices()
    # How the accelerator was set up (scripts/setup-env.sh): shown when set.
    for name in ("REPORT_ACCELERATOR", "JAX_PLATFORMS", "XLA_FLAGS", "CUDA_VISIBLE_DEVICES"):
        if os.environ.get(name):
            info[name] = os.environ[name]
    return info


def computed_on():
    """Where this process trains, in a few words: CPU (core count), Keras backend,
    training precision, and the accelerator when one is used. (Not
    :func:`machine_info`, which also asks nvidia-smi and the backend's devices: this
    is called for every table caption.)"""
    where = f"{_cpu_name()} ({os.cpu_count()} CPUs)"
    if os.environ.get("REPORT_ACCELERATOR"):
        where += f", accelerator {os.environ['REPORT_ACCELERATOR']}"
    return f"computed on {where}, Keras {_keras_backend()}, {training_precision()}"


def nvidia_gpus():
    """The NVIDIA GPUs ``nvidia-smi -L`` lists (``[]`` without the driver's tool): what the
    machine has, whether or not the backend uses them (compare with :func:`devices`)."""
    import shutil
    import subprocess

    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return [f"nvidia-smi failed: {type(exc).__name__}"]
    return [line.split(" (UUID", 1)[0] for line in out.splitlines() if line.strip()]


def _keras_backend():
    import sys

    keras = sys.modules.get("keras")
    if keras is not None:
        return keras.config.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow") + " (not yet imported)"


def devices():
    """Compute devices the Keras backend sees (e.g. ``["cpu:0"]``,
    ``["gpu:0 NVIDIA H100 80GB HBM3"]``).

    Only asked of a backend the run already imported; ``[]`` otherwise.
    """
    import sys

    found = []
    if "jax" in sys.modules:
        for d in sys.modules["jax"].devices():
            kind = getattr(d, "device_kind", "") if d.platform != "cpu" else ""
            found.append(f"{d.platform}:{d.id}" + (f" {kind}" if kind else ""))
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        found += [
            d.name.replace("/physical_device:", "").lower()
            for d in tf.config.list_physical_devices()
        ]
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        found += ["cpu"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return found


DETERMINISTIC_XLA_FLAG = "--xla_gpu_deterministic_ops=true"


def check_jax_determinism():
    """Warn when JAX computes on a GPU without XLA's deterministic GPU ops.

    The flag must be in ``XLA_FLAGS`` before JAX starts its GPU backend, so it is set by
    scripts/setup-env.sh (``REPORT_ACCELERATOR=cuda``), not here. On CPU, XLA's results
    do not depend on thread timing for these models: nothing to check. Returns whether
    the run is deterministic as far as this can tell.
    """
    import sys
    import warnings

    jax = sys.modules.get("jax")
    if jax is None or all(d.platform == "cpu" for d in jax.devices()):
        return True
    if DETERMINISTIC_XLA_FLAG in os.environ.get("XLA_FLAGS", "").split():
        return True
    warnings.warn(
        f"JAX runs on {jax.devices()[0].platform} without {DETERMINISTIC_XLA_FLAG} in "
        f"XLA_FLAGS: reductions may sum in a different order on each run. Render with "
        f"REPORT_ACCELERATOR=cuda ./render.sh ... (it sets the flag), or set it yourself.",
        RuntimeWarning,
        stacklevel=2,
    )
    return False


@cache
def _cpuinfo(field):
    """The first ``field`` value of /proc/cpuinfo ("" where there is none), read once:
    the precision is asked for at every model build."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _cpu_name():
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def trained_here():
    """Where a fit runs, as its record keeps it: CPU, core count, Keras backend and
    training precision (a cached fit's times are from that machine)."""
    return (
        f"{_cpu_name()} ({os.cpu_count()} CPUs), Keras {_keras_backend()}, {training_precision()}"
    )


def _cpu_has_native_bfloat16():
    flags = _cpuinfo("flags").split()
    return "avx512_bf16" in flags or "amx_bf16" in flags


def training_precision(setting=None):
    """The Keras dtype policy every classifier is built with.

    ``$REPORT_PRECISION`` (or ``setting``): ``float32`` (default), the precision the
    science runs in, so that the same command gives the same numbers on any x86-64
    CPU; ``mixed_bfloat16`` (bfloat16 compute, float32 weights and outputs), an
    opt-in speed mode; or ``auto``: mixed bfloat16 on TensorFlow when the CPU
    computes bfloat16 natively (AVX512-BF16 or AMX), where it trained the CNN
    1.1-1.4x faster than float32 in one-process probes on a 2-core AMD EPYC,
    float32 everywhere else (emulated bfloat16 is slower). Under bfloat16 the
    same seed gave a Fashion-MNIST CNN test score 0.033 away from float32's
    (issue 22), more than the margins the verdicts decide by.
    Every classifier gets the same policy, so the comparisons stay fair; the
    policy is part of every cache key and of each notebook's fingerprint.
    """
    setting = setting or os.environ.get(PRECISION_ENV) or "float32"
    if setting not in _PRECISIONS:
        raise ValueError(
            f"${PRECISION_ENV} must be one of {', '.join(_PRECISIONS)}, got {setting!r}"
        )
    if setting != "auto":
        return setting
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    accelerator = os.environ.get("REPORT_ACCELERATOR")
    if backend == "tensorflow" and not accelerator and _cpu_has_native_bfloat16():
        return "mixed_bfloat16"
    return "float32"


def apply_precision():
    """Set Keras' global dtype policy to :func:`training_precision`; return its name."""
    import keras

    policy = training_precision()
    if keras.mixed_precision.global_policy().name != policy:
        keras.mixed_precision.set_global_policy(policy)
    return policy
