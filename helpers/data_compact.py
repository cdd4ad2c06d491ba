"""A compact copy of the datasets, small enough to send to a remote GPU machine.

    python -m helpers.data_compact OUTDIR [--data-dir DIR] [--datasets fashion_mnist cifar10]

writes ``OUTDIR/<name>.npz`` for each dataset: the same four arrays, with

- RGB images (CIFAR-10) stored as ITU-R BT.601 luma rounded to ``uint8``, shape
  ``(n, 32, 32)``: what the experiments use (they all load ``grayscale=True``), at a
  third of the size. The archive's ``luma`` member says so, and
  :func:`helpers.data.load_dataset` then accepts the two-dimensional images. The
  rounding moves a pixel by at most 0.5/255 from the luma computed on the fly, so
  numbers from a compact copy are close to, not bit-identical with, those from the
  original archive (its fingerprint differs too; the results record which file was read).
- members compressed with LZMA instead of zlib (``np.load`` reads both).

CIFAR-10 (171 MB as RGB) becomes about 46 MiB, Fashion-MNIST (31 MB) about 25 MiB.
Writing takes about a minute a dataset (LZMA is slow to write, fast to read).
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

from helpers.data import DATASETS, find_dataset_file, to_grayscale
from helpers.data_archive import (
    ARRAY_KEYS,
    LUMA_MARKER,
    read_npz,
    stored_as_luma,
    validate_arrays,
)
from helpers.files import atomic_path

__all__ = ["compact_arrays", "write_compact", "main"]

LUMA_NOTE = "ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B) of the RGB images, rounded to uint8"


def compact_arrays(arrays, name):
    """The arrays of a compact archive of dataset ``name`` (validated input)."""
    spec = DATASETS[name]
    arrays = validate_arrays(arrays, spec, source=name)
    out = dict(arrays)
    if len(spec.image_shape) == 3 and not stored_as_luma(arrays, spec):
        for split in ("train", "test"):
            luma = np.rint(to_grayscale(arrays[f"x_{split}"]))
            out[f"x_{split}"] = np.clip(luma, 0, 255).astype(np.uint8)
    if len(spec.image_shape) == 3:
        out[LUMA_MARKER] = np.array(LUMA_NOTE)
    return out


def _write_npz_lzma(path, arrays):
    with atomic_path(path, suffix=".npz") as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_LZMA) as archive:
            for key, value in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.asarray(value), allow_pickle=False)
                archive.writestr(f"{key}.npy", buffer.getvalue())


def write_compact(name, out_dir, data_dir=None):
    """Write ``out_dir/<name>.npz``, the compact copy of the dataset found in ``data_dir``
    (default: ``$REPORT_DATA_DIR``, then data/); return its path."""
    source = find_dataset_file(name, data_dir)
    if source is None:
        raise FileNotFoundError(
            f"{name}.npz not found (data_dir={data_dir}, then $REPORT_DATA_DIR, data/)"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.npz"
    if target.resolve() == source.resolve():
        raise ValueError(f"{target} is the source archive: choose another OUTDIR")
    arrays = compact_arrays(read_npz(source), name)
    _write_npz_lzma(target, arrays)
    # Read it back as the notebooks will: a broken copy fails here, not on the GPU machine.
    check = read_npz(target)
    validate_arrays(check, DATASETS[name], source=str(target))
    for key in ARRAY_KEYS:
        if not np.array_equal(check[key], arrays[key]):
            raise RuntimeError(f"{target}: {key} does not read back as written")
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m helpers.data_compact",
        description="Write a compact copy of the datasets (RGB as uint8 luma, LZMA) to OUTDIR.",
    )
    parser.add_argument("out_dir", metavar="OUTDIR")
    parser.add_argument("--data-dir", help="folder with the original <name>.npz")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    args = parser.parse_args(argv)
    total = 0
    for name in args.datasets:
        path = write_compact(name, args.out_dir, args.data_dir)
        size = path.stat().st_size
        total += size
        print(f"{path}: {size / 2**20:.1f} MiB", file=sys.stderr)
    print(f"total {total / 2**20:.1f} MiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
