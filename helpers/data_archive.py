"""A dataset archive (``.npz``) read and checked: what :mod:`helpers.data` loads.

An archive holds ``x_train``, ``y_train``, ``x_test`` and ``y_test`` (the split Keras'
``load_data()`` returns). Its members and their ``.npy`` headers are checked before
anything is decompressed (:func:`read_npz_layout`, :func:`check_layout`: the render
checks every dataset file this way before the first notebook starts), and the arrays
after (:func:`validate_arrays`: labels, class coverage), with one error message per
fault. What a valid archive of each dataset looks like (its ``DatasetSpec``) is passed
in: the datasets themselves are in :mod:`helpers.data`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

__all__ = [
    "ARRAY_KEYS",
    "LUMA_MARKER",
    "DatasetError",
    "DatasetFileError",
    "check_members",
    "read_npz",
    "stored_as_luma",
    "check_layout",
    "read_npz_layout",
    "validate_arrays",
]

ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
# Member of a compact archive (helpers.data_compact) whose RGB images are stored as
# BT.601 luma rounded to uint8; it holds a note saying so.
LUMA_MARKER = "luma"


class DatasetError(Exception):
    """Base class of the data layer's errors."""


class DatasetFileError(DatasetError, ValueError):
    """A dataset file exists but is unreadable or does not hold valid data."""


def _unreadable_archive(path, exc, what):
    """The error for an archive that zip or NumPy cannot read (one wording for both readers)."""
    return DatasetFileError(
        f"{path}: not a readable .npz archive{what} ({type(exc).__name__}: {exc}). "
        f"The file is probably truncated or corrupt: copy it again, or rebuild it "
        f"with `python -m helpers.import_images`."
    )


def check_members(path, members):
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
            check_members(path, archive.files)
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
