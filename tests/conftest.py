"""Shared fixtures: tiny synthetic dataset archives, the real data when present, and
one quick-profile render shared by the slow end-to-end tests."""

import os
import subprocess
import sys
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


def render_quick(*args, data_dir, output_dir):
    """Run ./render.sh's pipeline on the quick profile in a subprocess, as a user would."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.report",
            "--profile",
            "quick",
            "--output-dir",
            str(output_dir),
            "--data-dir",
            str(data_dir),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory, data_dir):
    """Output folder of one quick render (minutes), shared by every test in the session.

    Tests may re-run the pipeline into it, but must leave report.html and
    report.pdf as rendered (test_render_quick checks a failed run does).
    """
    output_dir = tmp_path_factory.mktemp("quick")
    # Two notebooks at a time where the chapters allow it (01 beside 02, 03 beside 04): the
    # path `--jobs` users take, and about 15% less wall time on 2 cores.
    result = render_quick("--force", "--jobs", "2", data_dir=data_dir, output_dir=output_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return output_dir


@pytest.fixture
def fake_execution(monkeypatch):
    """Replace papermill by a writer of the results each notebook records; lists what ran."""
    import json

    from helpers.report import execution, staleness

    ran = []

    def execute(notebook, executed, parameters, reason=None):
        ran.append(notebook.stem)
        executed.parent.mkdir(parents=True, exist_ok=True)
        executed.write_text("{}")
        results = executed.parent.parent / "results"
        results.mkdir(exist_ok=True)
        for name in staleness.records_of(notebook):
            (results / f"{name}.json").write_text(json.dumps(parameters, sort_keys=True))
        return 0.0

    monkeypatch.setattr(execution, "execute_notebook", execute)
    return ran


@pytest.fixture
def data_env(monkeypatch, write_archive, tmp_path):
    """Small dataset archives in a folder of their own, found through REPORT_DATA_DIR."""
    directory = tmp_path / "data"
    write_archive("fashion_mnist", directory=directory)
    write_archive("cifar10", directory=directory)
    monkeypatch.setenv("REPORT_DATA_DIR", str(directory))
    return directory


@pytest.fixture(autouse=True)
def _restore_environment():
    """Each test sees the environment the session started with: the build tool, called
    in-process, exports its resolved settings (REPORT_DATA_DIR, the scheduler) for the
    kernels it starts, which would leak into the tests that follow."""
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)
