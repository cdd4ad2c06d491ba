"""Every check of the run's environment and input files, before the first notebook.

``render.sh`` calls :func:`check_environment` after the parameters are
resolved: the Keras backend and training precision, the accelerator, a
writable output folder, each dataset archive (present, a zip of ``.npy``
arrays of the right members, shapes and dtypes, read from the headers only)
and ``cs_image_file``. Each fault is one :class:`PipelineError` naming the fix
(``render.sh: error: ...``, exit code 2) within seconds, not a traceback from
a kernel minutes in.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

from helpers.report.profiles import PipelineError

__all__ = ["BACKENDS", "check_environment", "check_backend", "check_output_dir", "check_data"]

# Keras backends the project runs on, with the package each needs.
BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
ACCELERATORS = ("cpu", "cuda")


def check_backend(environ=os.environ):
    """``$KERAS_BACKEND``, ``$REPORT_PRECISION`` and ``$REPORT_ACCELERATOR`` are usable."""
    from helpers.runtime import PRECISION_ENV, training_precision

    backend = environ.get("KERAS_BACKEND") or "tensorflow"
    if backend not in BACKENDS:
        raise PipelineError(
            f"KERAS_BACKEND={backend!r} is not a Keras backend this project runs on; "
            f"use one of {', '.join(BACKENDS)} (default tensorflow), or unset it"
        )
    if importlib.util.find_spec(BACKENDS[backend]) is None:
        raise PipelineError(
            f"KERAS_BACKEND={backend} but this Python has no {BACKENDS[backend]} package: "
            f"run ./render.sh as it is (it sets up .venv-jax for jax), or install it"
        )
    try:
        training_precision(environ.get(PRECISION_ENV) or None)
    except ValueError:
        raise PipelineError(
            f"{PRECISION_ENV}={environ.get(PRECISION_ENV)!r} is not a training precision; "
            f"use float32, mixed_bfloat16 or auto, or unset it"
        ) from None
    accelerator = environ.get("REPORT_ACCELERATOR") or "cpu"
    if accelerator not in ACCELERATORS:
        raise PipelineError(
            f"REPORT_ACCELERATOR={accelerator!r}: use cpu (default) or cuda, or unset it"
        )
    if accelerator == "cuda" and backend != "jax":
        raise PipelineError(
            f"REPORT_ACCELERATOR=cuda runs Keras on JAX; unset KERAS_BACKEND={backend}"
        )


def _nearest_existing(folder):
    """``folder`` or its nearest ancestor that exists."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_output_dir(output_dir):
    """The output folder (and its sub-folders that exist) can be created and written.

    Creates nothing: a run refused later in the checks leaves no empty folder behind
    (the output folder's lock creates it when the run starts).
    """
    output_dir = Path(output_dir)
    existing = _nearest_existing(output_dir)
    folders = [existing] + [
        output_dir / sub
        for sub in ("executed", "results", "cache", "models")
        if (output_dir / sub).is_dir()
    ]
    for folder in folders:
        try:
            if not folder.is_dir():
                raise NotADirectoryError(20, f"{folder} is a file")
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise PipelineError(
                f"output folder {output_dir} is not writable ({exc.strerror or exc}"
                f"{'' if folder == output_dir else f' in {folder}'}); fix its permissions, "
                f"or render elsewhere with --output-dir DIR"
            ) from None


def _datasets_used(per_notebook):
    """``{(dataset, data_dir)}`` the notebooks will load."""
    import ast

    from helpers.report.profiles import declared_parameters

    used = set()
    for notebook, values in per_notebook.items():
        declared = declared_parameters(notebook)
        if "datasets" not in declared:
            continue
        names = values.get("datasets")
        if names is None:
            names = ast.literal_eval(declared["datasets"]["default"])
        used |= {(name, values.get("data_dir")) for name in names}
    return used


def check_data(per_notebook, download=False):
    """Each dataset archive the notebooks load is there and well formed (headers only);
    ``cs_image_file`` decodes. Without ``download`` a missing archive is an error,
    not a download attempt."""
    from helpers.data import (
        DATA_DIR_ENV,
        DatasetError,
        _candidate_dirs,
        check_archive,
        find_dataset_file,
    )

    for name, data_dir in sorted(_datasets_used(per_notebook), key=str):
        path = find_dataset_file(name, data_dir)
        if path is None:
            if download and data_dir is None:
                continue
            places = "; ".join(f"{label} {d}" for label, d in _candidate_dirs(data_dir))
            raise PipelineError(
                f"dataset file {name}.npz not found (looked in: {places}). Set "
                f"${DATA_DIR_ENV} or --data-dir to the folder holding it (see data/README.md)"
                + ("" if data_dir else ", or pass --download to let Keras fetch it (internet)")
            )
        if not os.access(path, os.R_OK):
            raise PipelineError(f"dataset file {path} is not readable: fix its permissions")
        try:
            check_archive(path, name)
        except DatasetError as exc:
            raise PipelineError(str(exc)) from None
    images = {v.get("cs_image_file") for v in per_notebook.values()} - {None}
    for image in sorted(images):
        from helpers.cs.images import load_image_file

        try:
            load_image_file(image, 8)
        except (OSError, ValueError) as exc:
            raise PipelineError(f"cs_image_file: {exc}") from None


def check_environment(per_notebook, output_dir, *, download=False, environ=os.environ):
    """All of the above, in the order a user would fix them."""
    check_backend(environ)
    check_output_dir(output_dir)
    check_data(per_notebook, download=download)
