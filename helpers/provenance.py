"""What produced a notebook's results: parameters, time, code, packages, data.

:func:`helpers.notebook.setup_notebook` starts a run; :func:`note_dataset`
is called by the data loader; :func:`helpers.results.record_results` stores
:func:`run_info` under the ``_run`` key of every results file. So the summary's
reproducibility block reads everything from the results themselves, whether
the notebook ran through ``render.sh``, papermill or JupyterLab.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

__all__ = ["start_run", "note_dataset", "phase", "run_info", "git_state", "commit_label"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_RUN: dict = {}


def start_run(parameters):
    """Begin a notebook run with its (checked) ``parameters``."""
    _RUN.clear()
    _PHASE_STACK.clear()
    _RUN.update(
        parameters=dict(parameters),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        started=time.perf_counter(),
        datasets={},
        phases={},
    )


@contextmanager
def phase(name):
    """Add the wall time of the ``with`` block to the run's phase ``name``.

    Notebooks and helpers wrap their costly steps (``with phase("CNN training"):``)
    so the results record where the time went. Times are exclusive: a phase
    nested in another is subtracted from the outer one, so the phases of a run
    add up to at most its wall time. A phase entered twice adds up.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"phase name must be a non-empty string, got {name!r}")
    stack = _PHASE_STACK
    stack.append([name, 0.0])
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        _, nested = stack.pop()
        phases = _RUN.setdefault("phases", {})
        phases[name] = phases.get(name, 0.0) + elapsed - nested
        if stack:
            stack[-1][1] += elapsed


_PHASE_STACK: list = []


def note_dataset(name, source, fingerprint, n_train, n_test):
    """Remember a dataset the run loaded (its source and the arrays' SHA-256)."""
    _RUN.setdefault("datasets", {})[name] = {
        "source": str(source),
        "sha256": fingerprint,
        "n_train": int(n_train),
        "n_test": int(n_test),
    }


# Everything that computes a result or a verdict. A checkout is "dirty" when a tracked
# file differs from its commit or an untracked, not ignored file lies here (a new module
# the tracked code may import); a pre-registered verdict needs this code unchanged
# (helpers.summary.preregistration).
CODE_PATHS = ("helpers", "notebooks", "scripts", "params", "uv.lock", "pyproject.toml")


@lru_cache(maxsize=1)
def git_state(root=PROJECT_ROOT):
    """``{"commit": hash or None, "dirty": bool or None}`` of the checkout ``root``:
    dirty when a tracked file is modified or an untracked file lies in :data:`CODE_PATHS`."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        status += subprocess.run(
            ["git", "-C", str(root), "ls-files", "--others", "--exclude-standard", "--"]
            + list(CODE_PATHS),
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def _keras_backend():
    # Only ask Keras when the run imported it: importing it here would start TensorFlow.
    keras = sys.modules.get("keras")
    return keras.config.backend() if keras is not None else None


def commit_label(run, modified=" (modified)"):
    """A recorded run's commit, shortened, with ``modified`` appended when its tree had
    uncommitted changes; None when no commit was recorded."""
    git = (run or {}).get("git") or {}
    if not git.get("commit"):
        return None
    return git["commit"][:10] + (modified if git.get("dirty") else "")


def run_info():
    """The current run's provenance, JSON-ready."""
    from helpers.runtime import devices, machine_info, package_versions

    started = _RUN.get("started")
    return {
        "parameters": _RUN.get("parameters", {}),
        "started_at": _RUN.get("started_at"),
        "wall_seconds": None if started is None else round(time.perf_counter() - started, 2),
        "keras_backend": _keras_backend(),
        "devices": devices(),
        "git": git_state(),
        "packages": package_versions(),
        "machine": machine_info(),
        "datasets": _RUN.get("datasets", {}),
        # Why it ran (render.sh says; otherwise a hand run) and which checkout's code.
        "run_reason": os.environ.get("REPORT_RUN_REASON") or "run by hand (not by render.sh)",
        "helpers": str(PROJECT_ROOT / "helpers"),
        "phase_seconds": {k: round(v, 2) for k, v in _RUN.get("phases", {}).items()},
    }
