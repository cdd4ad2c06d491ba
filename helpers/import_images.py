"""Build a dataset archive (.npz) from a class-per-folder tree of images.

Usage::

    python -m helpers.import_images SRC OUT.npz [--size H W] [--grayscale]

``SRC`` holds ``train/<class>/*`` and ``test/<class>/*`` (PNG or JPEG). Class
ids are given by the sorted class folder names; when every folder name is an
integer, that integer is the class id. The archive holds ``x_train``,
``y_train``, ``x_test``, ``y_test`` (uint8) and ``class_names``, the format
:func:`helpers.data.load_dataset` reads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from helpers.files import atomic_path

__all__ = ["import_image_tree", "main"]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def _class_folders(split_dir):
    folders = sorted(p for p in split_dir.iterdir() if p.is_dir())
    if not folders:
        raise ValueError(f"{split_dir} has no class folders; expected {split_dir}/<class>/*.png")
    return folders


def _class_ids(names):
    if all(n.isdigit() for n in names):
        return {n: int(n) for n in names}
    return {n: i for i, n in enumerate(sorted(names))}


def _open_image(path):
    """``PIL.Image.open`` with an error that names the file."""
    from PIL import Image, UnidentifiedImageError

    try:
        im = Image.open(path)
        im.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{path}: not a readable image ({exc})") from exc
    return im


def import_image_tree(src, *, size=None, grayscale=None, progress=True):
    """Read ``src/{train,test}/<class>/*`` into uint8 arrays.

    Parameters
    ----------
    src : str or Path
    size : (int, int), optional
        Resize every image to (height, width); by default all images must
        already share one size.
    grayscale : bool, optional
        Force grayscale (True) or RGB (False); by default grayscale only when
        every image is single-channel.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    dict
        ``x_train``, ``y_train``, ``x_test``, ``y_test``, ``class_names``.
    """
    from PIL import Image
    from tqdm.auto import tqdm

    src = Path(src)
    splits = {}
    for split in ("train", "test"):
        split_dir = src / split
        if not split_dir.is_dir():
            raise FileNotFoundError(
                f"{split_dir} does not exist; expected {src}/train and {src}/test"
            )
        splits[split] = _class_folders(split_dir)
    train_names = [p.name for p in splits["train"]]
    test_names = [p.name for p in splits["test"]]
    if train_names != test_names:
        raise ValueError(f"train and test have different classes: {train_names} vs {test_names}")
    ids = _class_ids(train_names)

    files = {
        split: [
            (f, ids[folder.name])
            for folder in folders
            for f in sorted(folder.iterdir())
            if f.suffix.lower() in IMAGE_SUFFIXES
        ]
        for split, folders in splits.items()
    }
    if grayscale is None:
        # Peek at modes cheaply (PIL reads only headers here).
        modes = set()
        for split_files in files.values():
            for f, _ in split_files:
                with _open_image(f) as im:
                    modes.add(im.mode)
        grayscale = modes <= {"L", "1", "I;16", "I"}
    mode = "L" if grayscale else "RGB"

    out = {"class_names": np.array(sorted(ids, key=ids.get))}
    for split, split_files in files.items():
        if not split_files:
            raise ValueError(f"{src / split} holds no PNG/JPEG images")
        images, labels, shape = [], [], None
        for f, label in tqdm(split_files, desc=f"{split}", unit="img", disable=not progress):
            with _open_image(f) as im:
                im = im.convert(mode)
                if size is not None:
                    im = im.resize((size[1], size[0]), Image.Resampling.BILINEAR)
                arr = np.asarray(im, dtype=np.uint8)
            if shape is None:
                shape = arr.shape
            elif arr.shape != shape:
                raise ValueError(
                    f"{f}: shape {arr.shape} differs from the first image's {shape}; "
                    f"pass --size H W to resize every image"
                )
            images.append(arr)
            labels.append(label)
        out[f"x_{split}"] = np.stack(images)
        out[f"y_{split}"] = np.asarray(labels, dtype=np.uint8)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m helpers.import_images",
        description="Turn SRC/{train,test}/<class>/*.png|jpg into a dataset .npz archive.",
    )
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, nargs=2, metavar=("H", "W"))
    colour = parser.add_mutually_exclusive_group()
    colour.add_argument("--grayscale", dest="grayscale", action="store_true", default=None)
    colour.add_argument("--rgb", dest="grayscale", action="store_false")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to overwrite it")
    try:
        arrays = import_image_tree(args.src, size=args.size, grayscale=args.grayscale)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target, then rename: an interrupted import leaves no partial archive.
    with atomic_path(args.out, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)
    print(
        f"wrote {args.out}: x_train {arrays['x_train'].shape}, x_test {arrays['x_test'].shape}, "
        f"classes {list(arrays['class_names'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
