"""Atomic file writes: a reader never sees a half-written file.

Every writer in the project (results, cached folds and models, executed
notebooks, the report, imported archives) goes through :func:`atomic_path`:
the content is written to a uniquely named temporary file beside the target
and renamed over it only when complete. Unique names keep two runs that write
the same target from corrupting each other; the rename is atomic on POSIX.
While it is written, a lock file beside the temporary one is held under an exclusive
``flock``, so :func:`remove_abandoned` can tell one a live writer holds (a hand run
beside a render) from one an interrupted run left behind (its lock died with it).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "is_temporary",
    "remove_abandoned",
]

# Every temporary name atomic_path makes: ``.<stem>.<random>.tmp<suffix>``.
TEMPORARY_GLOB = ".*.tmp*"
# Beside each temporary file while its writer lives: ``<temporary name>.lock``.
LOCK_SUFFIX = ".lock"


@contextmanager
def atomic_path(target, suffix=None, mode=0o644):
    """Yield a fresh temporary path beside ``target``; rename it over ``target`` on success.

    Parameters
    ----------
    target : str or Path
        The file to (re)place. Its folder is created when missing.
    suffix : str, optional
        Suffix of the temporary name (some writers insist on one, e.g. Keras'
        ``.keras``); default: ``target``'s suffix.
    mode : int
        Permission bits of the result (``mkstemp`` makes files private; results
        and reports are for reading).

    Notes
    -----
    On any exception, or an interruption, the temporary file is removed and
    ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=f".tmp{suffix}")
    os.close(fd)
    tmp = Path(tmp)
    # A lock file beside it, held until the rename: the mark of a live writer (the
    # kernel drops it if killed). Not a lock on the temporary file itself: writers that
    # lock the files they write (HDF5, for Keras weights) would find it taken.
    lock = _lock_path(tmp)
    lock_fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(lock_fd, fcntl.LOCK_EX)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        lock.unlink(missing_ok=True)
        os.close(lock_fd)


def _lock_path(tmp):
    return tmp.with_name(tmp.name + LOCK_SUFFIX)


def atomic_write_bytes(target, data, mode=0o644):
    """Write ``data`` (bytes) to ``target`` atomically; return ``target`` as a Path."""
    with atomic_path(target, mode=mode) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target, text, mode=0o644):
    """Write ``text`` (UTF-8) to ``target`` atomically; return ``target`` as a Path."""
    return atomic_write_bytes(target, text.encode("utf-8"), mode=mode)


def atomic_write_json(target, payload, *, indent=None, allow_nan=False, mode=0o644):
    """Write ``payload`` as JSON to ``target`` atomically (strict JSON unless ``allow_nan``)."""
    text = json.dumps(payload, indent=indent, allow_nan=allow_nan)
    return atomic_write_text(target, text, mode=mode)


def is_temporary(path):
    """Whether ``path`` has a name :func:`atomic_path` gives its temporary files."""
    name = Path(path).name
    return name.startswith(".") and ".tmp" in name


def _held(path):
    """Whether a live :func:`atomic_path` writer holds ``path`` (its lock file's lock)."""
    path = Path(path)
    lock = path if path.name.endswith(LOCK_SUFFIX) else _lock_path(path)
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False  # gone already (its writer renamed it)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


def remove_abandoned(folder):
    """Remove the temporary files of interrupted writers anywhere under ``folder``.

    A temporary file that a live writer holds (:func:`atomic_path`'s lock) is
    kept; so is any file whose name :func:`atomic_path` does not make.

    Returns
    -------
    list of Path
        The files removed.
    """
    removed = []
    for path in sorted(Path(folder).rglob(TEMPORARY_GLOB)):
        if path.is_file() and not path.is_symlink() and is_temporary(path) and not _held(path):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
