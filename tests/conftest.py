"""Shared fixtures: tiny synthetic dataset archives, and the real data when present."""

import os
from pathlib import Path

import numpy as np
import pytest

from helpers.data import DATASETS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def make_arrays(name="fashion_mnist", n_train=40, n_test=20, seed=0):
    """Small valid arrays in the archive format of dataset ``name``."""
    rng = np.random.default_rng(seed)
    shape = DATASETS[name].image_shape
    return {
        "x_train": rng.integers(0, 256, size=(n_train, *shape), dtype=np.uint8),
        "y_train": np.arange(n_train, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, size=(n_test, *shape), dtype=np.uint8),
        "y_test": np.arange(n_test, dtype=np.uint8) % 10,
    }


@pytest.fixture
def write_archive(tmp_path):
    """Write ``<tmp>/<name>.npz`` from arrays (valid ones by default); return its dir."""

    def _write(name="fashion_mnist", arrays=None, directory=None):
        directory = Path(directory or tmp_path)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / f"{name}.npz", **(arrays or make_arrays(name)))
        return directory

    return _write


def real_data_dir():
    """Directory with the real datasets: $REPORT_DATA_DIR, else ../shared/datasets."""
    for candidate in (
        os.environ.get("REPORT_DATA_DIR"),
        PROJECT_ROOT.parent / "shared" / "datasets",
    ):
        if (
            candidate
            and (Path(candidate) / "fashion_mnist.npz").is_file()
            and (Path(candidate) / "cifar10.npz").is_file()
        ):
            return Path(candidate).resolve()
    return None


@pytest.fixture(scope="session")
def data_dir():
    path = real_data_dir()
    if path is None:
        pytest.skip(
            "real datasets not found: set REPORT_DATA_DIR to the folder with the .npz files"
        )
    return path
