"""The process a notebook runs in: quiet logging, package versions, machine, backend."""

from __future__ import annotations

import os
import platform
from importlib import metadata

__all__ = ["quiet_tensorflow", "package_versions", "machine_info", "devices"]

REPORTED_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "keras",
    "tensorflow-cpu",
    "tensorflow",
    "jax",
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
    """CPU, core count, Python and Keras backend of this process."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "keras_backend": _keras_backend(),
    }


def _keras_backend():
    import sys

    keras = sys.modules.get("keras")
    if keras is not None:
        return keras.config.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow") + " (not yet imported)"


def devices():
    """Compute devices the Keras backend sees (e.g. ``["cpu:0"]``, ``["cuda:0"]``).

    Only asked of a backend the run already imported; ``[]`` otherwise.
    """
    import sys

    found = []
    if "jax" in sys.modules:
        found += [f"{d.platform}:{d.id}" for d in sys.modules["jax"].devices()]
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
