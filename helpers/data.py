"""Dataset loading for the report: offline-first, validated, reproducible.

The two datasets are read from ``.npz`` archives holding ``x_train``,
``y_train``, ``x_test`` and ``y_test`` (the split Keras' ``load_data()``
returns). :func:`load_dataset` looks for ``<name>.npz`` in, in order:

1. the ``data_dir`` argument (when given, it is the only directory looked at);
2. the directory in the environment variable ``REPORT_DATA_DIR``;
3. the repository's ``data/`` folder;
4. Keras' own downloader (``keras.datasets.<name>.load_data()``, cached by
   Keras under ``~/.keras/datasets``), for machines with internet access.

If none of these has the data, :class:`DatasetNotFoundError` names every place
that was tried and how to provide the files.

Reading and checking an archive (its members, ``.npy`` headers and arrays) is in
:mod:`helpers.data_archive`; its errors are raised from here too.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from helpers.checks import check_int, check_seed
from helpers.data_archive import (
    ARRAY_KEYS,
    LUMA_MARKER,
    DatasetError,
    DatasetFileError,
    check_layout,
    check_members,
    read_npz,
    read_npz_layout,
    stored_as_luma,
    validate_arrays,
)

__all__ = [
    "DATASETS",
    "DATA_DIR_ENV",
    "DatasetError",
    "DatasetNotFoundError",
    "DatasetFileError",
    "Dataset",
    "DatasetSpec",
    "load_dataset",
    "find_dataset_file",
    "check_archive",
    "to_grayscale",
    "stratified_subset",
    "fingerprint",
    "describe_dataset",
    "load_datasets",
]

DATA_DIR_ENV = "REPORT_DATA_DIR"
REPO_DATA_DIR = Path(__file__).resolve().parents[1] / "data"

# ITU-R BT.601 luma weights, the convention of PIL's "L" mode and of
# tf.image.rgb_to_grayscale: Y = 0.299 R + 0.587 G + 0.114 B.
BT601_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_GRAYSCALE_CHUNK = 1 << 20  # pixels converted at a time (12 MB as float32)


@dataclass(frozen=True)
class DatasetSpec:
    """What a valid archive of one dataset looks like."""

    name: str
    image_shape: tuple
    n_classes: int
    class_names: tuple
    keras_module: str


DATASETS = {
    "fashion_mnist": DatasetSpec(
        "fashion_mnist",
        (28, 28),
        10,
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        "fashion_mnist",
    ),
    "cifar10": DatasetSpec(
        "cifar10",
        (32, 32, 3),
        10,
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        "cifar10",
    ),
}


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """No copy of the dataset could be found or downloaded."""


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays of one dataset, with where they came from.

    ``x_*`` are ``float32`` in [0, 1] when loaded with ``scale=True`` (the
    default) and ``uint8`` otherwise; ``y_*`` are ``int64`` class ids.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    source: str
    grayscale: bool
    info: dict = field(default_factory=dict)

    @property
    def image_shape(self):
        return self.x_train.shape[1:]

    @property
    def n_classes(self):
        return len(self.class_names)


def _spec(name):
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; choose one of: {', '.join(map(repr, DATASETS))}"
        )
    return DATASETS[name]


def _candidate_dirs(data_dir):
    """Directories to search, as (label, path) pairs, in priority order."""
    if data_dir is not None:
        return [("data_dir argument", Path(data_dir).expanduser())]
    places = []
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        places.append((f"${DATA_DIR_ENV}", Path(env).expanduser()))
    places.append(("repository data/ folder", REPO_DATA_DIR))
    return places


def find_dataset_file(name, data_dir=None):
    """Return the path of ``<name>.npz`` in the first directory that has it.

    Returns ``None`` when no directory has it; see :func:`load_dataset` for
    the search order.
    """
    _spec(name)
    for _, directory in _candidate_dirs(data_dir):
        path = directory / f"{name}.npz"
        if path.is_file():
            return path
    return None


def _not_found_message(name, data_dir, download_error):
    lines = [f"dataset {name!r} not found. Looked for {name}.npz in:"]
    for label, directory in _candidate_dirs(data_dir):
        state = "" if directory.is_dir() else " (directory does not exist)"
        lines.append(f"  - {label}: {directory}{state}")
    if download_error is not None:
        lines.append(f"  - Keras download (keras.datasets.{name}.load_data()): {download_error}")
    lines.append(
        f"Fix: set {DATA_DIR_ENV} to a directory holding {name}.npz "
        f"(format: see data/README.md), copy the file into data/, or run once on a "
        f"machine with internet access so that Keras can download it."
    )
    return "\n".join(lines)


def check_archive(path, name):
    """Check a dataset archive's members, shapes and dtypes from its headers (fast).

    Raises
    ------
    DatasetFileError
    """
    spec = _spec(name)
    layout = read_npz_layout(path)
    check_members(path, sorted(layout))
    luma = len(spec.image_shape) == 3 and LUMA_MARKER in layout
    check_layout(layout, spec, source=str(path), luma=luma)


@lru_cache(maxsize=4)
def _load_validated_file(path_str, mtime_ns, size, name):
    # mtime and size are part of the key so a replaced file is re-read.
    raw = read_npz(path_str)
    arrays = validate_arrays(raw, DATASETS[name], source=path_str)
    for a in arrays.values():
        a.setflags(write=False)  # shared by every caller: never modified in place
    return arrays, stored_as_luma(raw, DATASETS[name])


def _download_with_keras(name):
    """Load through Keras' downloader (internet or Keras' own cache)."""
    import importlib

    module = importlib.import_module(f"keras.datasets.{DATASETS[name].keras_module}")
    (x_train, y_train), (x_test, y_test) = module.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def to_grayscale(images):
    """Convert RGB images ``(..., H, W, 3)`` to luma ``(..., H, W)``.

    Uses ITU-R BT.601 weights, Y = 0.299 R + 0.587 G + 0.114 B, and returns
    ``float32`` on the input's scale (no rounding). Images without a
    trailing colour axis of length 3 are returned as ``float32`` unchanged.
    """
    images = np.asarray(images)
    if not (images.ndim >= 3 and images.shape[-1] == 3):
        return images.astype(np.float32, copy=False)
    # In chunks of pixels: one float32 copy of a whole training set (CIFAR-10: 600 MB)
    # made the conversion 40x slower (9 s vs 0.2 s); each pixel's sum is the same.
    pixels = images.reshape(-1, 3)
    luma = np.empty(len(pixels), dtype=np.float32)
    for start in range(0, len(pixels), _GRAYSCALE_CHUNK):
        chunk = pixels[start : start + _GRAYSCALE_CHUNK]
        luma[start : start + _GRAYSCALE_CHUNK] = chunk.astype(np.float32) @ BT601_LUMA
    return luma.reshape(images.shape[:-1])


def stratified_subset(y, n, random_state=0):
    """Indices of a seeded, class-stratified random subset of size ``n``.

    Parameters
    ----------
    y : array of int, shape (n_samples,)
    n : int
        Subset size, ``n_classes <= n <= n_samples``. ``n == n_samples``
        returns a permutation of all indices.
    random_state : int

    Returns
    -------
    ndarray of int, shape (n,)
        Sorted indices, so the subset keeps the file's row order.
    """
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    n_samples = len(y)
    n_classes = len(np.unique(y))
    n = check_int(n, "n", min_value=n_classes, max_value=n_samples)
    random_state = check_seed(random_state, "random_state")
    indices = np.arange(n_samples)
    if n == n_samples:
        return indices
    chosen, _ = train_test_split(indices, train_size=n, stratify=y, random_state=random_state)
    return np.sort(chosen)


def fingerprint(*arrays):
    """SHA-256 (hex) over the arrays' shapes, dtypes and bytes."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.shape}|{a.dtype.str}|".encode())
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()


def load_dataset(
    name,
    *,
    data_dir=None,
    grayscale=False,
    scale=True,
    n_train=None,
    n_test=None,
    random_state=0,
    download=True,
):
    """Load a dataset's train and test split, validated.

    Parameters
    ----------
    name : {"fashion_mnist", "cifar10"}
    data_dir : str or Path, optional
        Directory holding ``<name>.npz``. When given, no other place is searched.
        Otherwise: ``$REPORT_DATA_DIR``, the repository's ``data/``, then Keras.
    grayscale : bool, default False
        Convert RGB images to ITU-R BT.601 luma (no effect on Fashion-MNIST). A
        compact copy (:mod:`helpers.data_compact`) holds luma already: its images
        are grayscale whatever this says (``Dataset.grayscale`` is then True).
    scale : bool, default True
        Return ``float32`` pixels in [0, 1] (divided by 255). When False, pixels
        stay ``uint8`` unless ``grayscale`` converted them (then ``float32``
        on the 0..255 scale).
    n_train, n_test : int, optional
        Size of a seeded, stratified subset of each split (default: all).
    random_state : int, default 0
        Seed of the subsets.
    download : bool, default True
        Whether to fall back to Keras' downloader when no file is found.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        Unknown dataset name, or a subset size out of range.
    DatasetNotFoundError
        No file found and Keras could not provide the data.
    DatasetFileError
        A file was found but is corrupt or does not hold valid data.
    """
    spec = _spec(name)
    random_state = check_seed(random_state, "random_state")
    if not isinstance(grayscale, (bool, np.bool_)):
        raise TypeError(f"grayscale must be True or False, got {grayscale!r}")
    for label, n in (("n_train", n_train), ("n_test", n_test)):
        if n is not None:
            check_int(n, label, min_value=spec.n_classes)

    path = find_dataset_file(name, data_dir)
    luma = False
    if path is not None:
        stat = path.stat()
        arrays, luma = _load_validated_file(str(path), stat.st_mtime_ns, stat.st_size, name)
        source = str(path)
    elif data_dir is None and download:
        try:
            raw = _download_with_keras(name)
        except Exception as exc:  # any network / cache failure: explain, don't crash obscurely
            raise DatasetNotFoundError(
                _not_found_message(name, data_dir, f"{type(exc).__name__}: {exc}")
            ) from exc
        arrays = validate_arrays(raw, spec, source=f"keras.datasets.{name}")
        source = f"keras.datasets.{name}"
    else:
        reason = None if data_dir is not None else "not attempted (download=False)"
        raise DatasetNotFoundError(_not_found_message(name, data_dir, reason))

    selected = {}
    for split, n in (("train", n_train), ("test", n_test)):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if n is not None:
            if n > len(y):
                raise ValueError(
                    f"n_{split}={n} is larger than the {split} split of {name} "
                    f"({len(y)} images); use at most {len(y)} or None for all"
                )
            idx = stratified_subset(y, n, random_state)
            x, y = x[idx], y[idx]
        if grayscale:
            x = to_grayscale(x)
        if scale:
            x = x.astype(np.float32) / np.float32(255.0)
        selected[f"x_{split}"], selected[f"y_{split}"] = x, y

    from helpers.provenance import note_dataset

    note_dataset(
        name,
        source,
        fingerprint(*(selected[k] for k in ARRAY_KEYS)),
        len(selected["y_train"]),
        len(selected["y_test"]),
    )
    return Dataset(
        name=name,
        class_names=spec.class_names,
        source=source,
        grayscale=bool((grayscale or luma) and len(spec.image_shape) == 3),
        info={
            "n_train_total": len(arrays["y_train"]),
            "n_test_total": len(arrays["y_test"]),
            **({"stored_as": "BT.601 luma, uint8 (compact copy)"} if luma else {}),
        },
        **selected,
    )


def load_datasets(names, *, data_dir=None, n_train=None, n_test=None, random_state=0):
    """The grayscale datasets ``names`` (each loaded once), keyed by name.

    The experiments' common loading: BT.601 luma in [0, 1], the seeded
    stratified subsets ``n_train`` / ``n_test`` (``None``: the whole split).
    """
    return {
        name: load_dataset(
            name,
            data_dir=data_dir,
            grayscale=True,
            n_train=n_train,
            n_test=n_test,
            random_state=random_state,
        )
        for name in names
    }


def describe_dataset(dataset):
    """Summary statistics of a loaded :class:`Dataset`, JSON-ready.

    Pixel statistics are over all pixels (and channels) of each split, on the
    scale the dataset was loaded with.
    """
    summary = {
        "name": dataset.name,
        "source": dataset.source,
        "image_shape": list(dataset.image_shape),
        "grayscale": dataset.grayscale,
    }
    for split in ("train", "test"):
        x, y = getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")
        summary[split] = {
            "n": int(len(y)),
            "class_counts": np.bincount(y, minlength=dataset.n_classes).tolist(),
            "pixel_mean": float(x.mean(dtype=np.float64)),
            "pixel_std": float(x.std(dtype=np.float64)),
            "pixel_min": float(x.min()),
            "pixel_max": float(x.max()),
        }
    return summary
