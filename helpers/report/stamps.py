"""A chapter's stamp (``executed/<name>.stamp.json``): what the pipeline recorded when
it ran the chapter, and so why it must run again.

The stamp holds the chapter's fingerprint and its parts (:mod:`helpers.report.staleness`),
the SHA-256 of the executed copy and of each results file it wrote, its wall time and
the machine it ran on. An executed copy or results file that differs from its stamp
was not written by ``render.sh`` (a hand run, a copy from elsewhere), so the chapter
re-runs, saying why; the report never publishes a copy the pipeline did not make.
"""

from __future__ import annotations

import json
import os
import platform

from helpers.files import atomic_write_json
from helpers.report.staleness import change_reasons, output_hashes, output_reasons

__all__ = [
    "stamp_path",
    "read_stamp",
    "write_stamp",
    "run_reasons",
    "upgrade_stamp",
    "publishable",
    "machine",
    "last_time",
]


def stamp_path(executed):
    """``executed/<name>.stamp.json`` beside ``executed/<name>.ipynb``."""
    return executed.with_suffix(".stamp.json")


def read_stamp(executed):
    """The stamp of ``executed`` as a dict (None: none, or unreadable)."""
    try:
        stamp = json.loads(stamp_path(executed).read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def machine():
    """This machine in one string: host name, CPU model and core count."""
    from helpers.runtime import _cpu_name

    return f"{platform.node()}, {_cpu_name()}, {os.cpu_count()} CPUs"


def write_stamp(notebook, executed, *, fingerprint, parts, seconds, reason, hashes):
    """Record what the pipeline just wrote for ``notebook``: the executed copy's hash and
    its results files' hashes beside the fingerprint (``hashes``: a
    :class:`helpers.report.staleness.FileHashes`)."""
    output_dir = executed.parent.parent
    atomic_write_json(
        stamp_path(executed),
        {
            "fingerprint": fingerprint,
            "seconds": round(seconds, 2),
            "machine": machine(),
            "reason": reason,
            "inputs": parts,
            # What it wrote: a copy or results file that differs later is not render.sh's.
            "executed": hashes(executed),
            "outputs": output_hashes(notebook, output_dir, hashes),
        },
        indent=2,
    )


def publishable(executed, hashes):
    """Whether the executed copy is the one the pipeline wrote (a stamp of the format
    before copies were recorded is trusted; no stamp at all is not)."""
    stamp = read_stamp(executed)
    return stamp is not None and not _executed_reasons(stamp, executed, hashes)


def _executed_reasons(stamp, executed, hashes):
    """Why the executed copy is not the one the pipeline wrote (empty: it is)."""
    recorded = stamp.get("executed")
    if recorded is None:  # a stamp from before copies were recorded: trust it
        return []
    if hashes(executed) != recorded:
        return [f"executed/{executed.name} is not the copy render.sh wrote (a hand run?)"]
    return []


def _unexplained(stamp):
    """Why a fingerprint differs when no part of it does: a stamp of the absolute-path
    format (before issue 37) in a folder that has moved."""
    output_dir = ((stamp.get("inputs") or {}).get("parameters") or {}).get("output_dir")
    if isinstance(output_dir, str) and os.path.isabs(output_dir):
        return f"the folder moved from {output_dir} (its stamp predates relative paths)"
    return "its inputs changed"


def run_reasons(notebook, executed, fp, parts, hashes, force=False, legacy_fp=None):
    """Why ``notebook`` must run (empty: it is up to date).

    Parameters
    ----------
    notebook, executed : Path
        The source notebook and its executed copy (``<output>/executed/<name>``).
    fp, parts
        Its fingerprint now (:func:`helpers.report.staleness.fingerprint`).
    hashes : callable(Path) -> str
    force : bool
        ``--force``: run whatever the stamp says.
    legacy_fp : str, optional
        The same inputs' fingerprint in the format of stamps before issue 37 (absolute
        paths): such a stamp is still valid where the folder has not moved.
    """
    if force:
        return ["forced (--force)"]
    stamp = read_stamp(executed)
    if stamp is None or not executed.is_file():
        return ["it has not run in this folder" if stamp is None else "its executed copy is gone"]
    reasons = []
    if stamp.get("fingerprint") not in (fp, legacy_fp):
        reasons = change_reasons(stamp.get("inputs"), parts) or [_unexplained(stamp)]
    reasons += _executed_reasons(stamp, executed, hashes)
    current = output_hashes(notebook, executed.parent.parent, hashes)
    return reasons + output_reasons(stamp.get("outputs"), current)


def upgrade_stamp(executed, fp, parts):
    """Rewrite a valid stamp of the earlier format with today's ``fp`` and ``parts`` (paths
    relative to the folder), so the folder can move from now on."""
    stamp = read_stamp(executed)
    if stamp is not None and stamp.get("fingerprint") != fp:
        atomic_write_json(
            stamp_path(executed), {**stamp, "fingerprint": fp, "inputs": parts}, indent=2
        )


def last_time(executed):
    """How long the chapter took last time, for its start line ("" when unknown)."""
    stamp = read_stamp(executed) or {}
    seconds = stamp.get("seconds")
    if not isinstance(seconds, (int, float)):
        return ""
    where = stamp.get("machine")
    if where == machine():
        return f"last time {seconds:.0f} s on this machine"
    if where is None:
        return f"last time {seconds:.0f} s (machine not recorded)"
    return f"last time {seconds:.0f} s on another machine ({where})"
