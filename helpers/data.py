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

Length: longer than the project's ~450 lines because it is one concept, a dataset
file from disk to checked arrays: where to look, the archive's members and ``.npy``
headers checked before anything is decompressed, the arrays validated, the subset
drawn, with one error message per fault. Split, each part would import the others.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from helpers.checks import check_int, check_seed

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
    "read_npz",
    "validate_arrays",
    "check_layout",
    "read_npz_layout",
    "check_archive",
    "to_grayscale",
    "stored_as_luma",
    "stratified_subset",
    "fingerprint",
    "describe_dataset",
    "load_datasets",
]

DATA_DIR_ENV = "REPORT_DATA_DIR"
REPO_DATA_DIR = Path(__file__).resolve().parents[1] / "data"
ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
# Member of a compact archive (helpers.data_compact) whose RGB images are stored as
# BT.601 luma rounded to uint8; it holds a note saying so.
LUMA_MARKER = "luma"

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


class DatasetError(Exception):
    """Base class of the data layer's errors."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """No copy of the dataset could be found or downloaded."""


class DatasetFileError(DatasetError, ValueError):
    """A dataset file exists but is unreadable or does not hold valid data."""


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


def _unreadable_archive(path, exc, what):
    """The error for an archive that zip or NumPy cannot read (one wording for both readers)."""
    return DatasetFileError(
        f"{path}: not a readable .npz archive{what} ({type(exc).__name__}: {exc}). "
        f"The file is probably truncated or corrupt: copy it again, or rebuild it "
        f"with `python -m helpers.import_images`."
    )


def _check_members(path, members):
    """Raise when the archive at ``path`` lacks one of the four arrays."""
    missing = [k for k in ARRAY_KEYS if k not in members]
    if missing:
        raise DatasetFileError(
            f"{path}: missing array(s) {missing}; a dataset archive must hold "
            f"{list(ARRAY_KEYS)} (found {list(members)})"
        )


def read_npz(path):
    """Read the four arrays of a dataset archive, with errors that say what broke.

    A compact copy's ``luma`` member (:mod:`helpers.data_compact`: RGB stored as
    BT.601 luma) is returned too.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict of str to ndarray
        ``x_train``, ``y_train``, ``x_test``, ``y_test``.

    Raises
    ------
    DatasetFileError
        If the file is not a readable ``.npz`` or lacks one of the arrays.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            _check_members(path, archive.files)
            arrays = {k: archive[k] for k in ARRAY_KEYS}
            if LUMA_MARKER in archive.files:  # a compact copy (helpers.data_compact)
                arrays[LUMA_MARKER] = archive[LUMA_MARKER]
    except DatasetFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise _unreadable_archive(path, exc, "") from exc
    for key, value in arrays.items():
        # np.load hands back raw bytes for a member that is not a .npy array.
        if not isinstance(value, np.ndarray):
            raise DatasetFileError(
                f"{path}: member {key}.npy is not a NumPy array (corrupt archive); "
                f"copy the file again or rebuild it with `python -m helpers.import_images`"
            )
    return arrays


def stored_as_luma(arrays, spec):
    """Whether ``arrays`` (from :func:`read_npz`) hold an RGB dataset as BT.601 luma
    ``(n, H, W)`` uint8: a compact copy, marked by its ``luma`` member."""
    return len(spec.image_shape) == 3 and LUMA_MARKER in arrays


def check_layout(layout, spec, source="arrays", luma=False):
    """Check the shapes and dtypes of a dataset's four arrays, before reading their data.

    Parameters
    ----------
    layout : dict of str to (tuple, numpy.dtype)
        ``{"x_train": (shape, dtype), ...}``: from the arrays, or from an archive's
        ``.npy`` headers (:func:`read_npz_layout`).
    spec : DatasetSpec
    source : str
        Named in the errors.
    luma : bool
        An RGB dataset stored as BT.601 luma (a compact copy): images ``(n, H, W)``.

    Raises
    ------
    DatasetFileError
        Naming the array and what is wrong with it.
    """
    image_shape = spec.image_shape[:2] if luma else spec.image_shape
    for split in ("train", "test"):
        (x_shape, x_dtype), (y_shape, y_dtype) = layout[f"x_{split}"], layout[f"y_{split}"]
        if x_dtype != np.uint8:
            raise DatasetFileError(
                f"{source}: x_{split} has dtype {x_dtype}, expected uint8 pixel values 0..255"
            )
        if len(x_shape) < 1 or tuple(x_shape[1:]) != tuple(image_shape):
            raise DatasetFileError(
                f"{source}: x_{split} has shape {tuple(x_shape)}, expected (n, "
                f"{', '.join(map(str, image_shape))}) for {spec.name}"
                + (" stored as luma (a compact copy)" if luma else "")
            )
        if len(y_shape) == 2 and y_shape[1] == 1:
            y_shape = y_shape[:1]
        if len(y_shape) != 1:
            raise DatasetFileError(f"{source}: y_{split} has shape {tuple(y_shape)}, expected (n,)")
        if not np.issubdtype(y_dtype, np.integer):
            raise DatasetFileError(
                f"{source}: y_{split} has dtype {y_dtype}, expected integer class ids"
            )
        if x_shape[0] != y_shape[0]:
            raise DatasetFileError(
                f"{source}: x_{split} has {x_shape[0]} images but y_{split} has {y_shape[0]} labels"
            )
        if y_shape[0] == 0:
            raise DatasetFileError(f"{source}: the {split} split is empty")


def read_npz_layout(path):
    """``{member: (shape, dtype)}`` of an ``.npz`` archive, from its headers alone.

    Reads a few hundred bytes per member, not the arrays: the pipeline checks
    every dataset file this way before the first notebook starts.

    Raises
    ------
    DatasetFileError
        Not a zip archive (truncated, corrupt), a member that is not a ``.npy``
        array, or one that holds Python objects (a pickle, which is never loaded).
    """
    path = Path(path)
    layout = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                key = info.filename.removesuffix(".npy")
                with archive.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                    else:
                        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
                layout[key] = (tuple(shape), np.dtype(dtype))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise _unreadable_archive(path, exc, " of arrays") from exc
    for key, (_, dtype) in layout.items():
        if dtype.hasobject:
            raise DatasetFileError(
                f"{path}: member {key} holds Python objects (a pickle), which are never "
                f"loaded; store plain uint8/integer arrays (see data/README.md)"
            )
    return layout


def check_archive(path, name):
    """Check a dataset archive's members, shapes and dtypes from its headers (fast).

    Raises
    ------
    DatasetFileError
    """
    spec = _spec(name)
    layout = read_npz_layout(path)
    _check_members(path, sorted(layout))
    luma = len(spec.image_shape) == 3 and LUMA_MARKER in layout
    check_layout(layout, spec, source=str(path), luma=luma)


def validate_arrays(arrays, spec, source="arrays"):
    """Check shapes, dtypes, labels and class coverage; return cleaned arrays.

    Labels of shape ``(n, 1)`` (Keras' CIFAR-10) are flattened; labels are
    returned as ``int64``. An RGB dataset stored as luma (a compact copy, see
    :func:`stored_as_luma`) has images of shape ``(n, H, W)``.

    Raises
    ------
    DatasetFileError
        Naming the array and what is wrong with it.
    """
    check_layout(
        {k: (arrays[k].shape, arrays[k].dtype) for k in ARRAY_KEYS},
        spec,
        source,
        luma=stored_as_luma(arrays, spec),
    )
    out = {}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if y.ndim == 2:
            y = y[:, 0]
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= spec.n_classes:
            raise DatasetFileError(
                f"{source}: y_{split} has labels in [{lo}, {hi}], expected class ids "
                f"0..{spec.n_classes - 1}"
            )
        present = np.unique(y)
        if len(present) != spec.n_classes:
            absent = sorted(set(range(spec.n_classes)) - set(present.tolist()))
            raise DatasetFileError(
                f"{source}: y_{split} lacks class(es) {absent}; all {spec.n_classes} "
                f"classes must be present"
            )
        out[f"x_{split}"] = x
        out[f"y_{split}"] = y.astype(np.int64, copy=False)
    return out


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
