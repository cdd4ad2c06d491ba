"""Record a notebook's headline results as JSON, and read them back.

Each notebook calls :func:`record_results` once per result set; the summary
notebook and the tests read them with :func:`read_results`. Files live in
``<output_dir>/results/<name>.json`` and are replaced atomically, so a reader
never sees a half-written file.
"""

from __future__ import annotations

import json
import math
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from helpers.files import atomic_write_json

__all__ = [
    "record_results",
    "read_results",
    "results_dir",
    "default_output_dir",
    "to_jsonable",
    "DamagedResults",
    "rerun_command",
]

OUTPUT_DIR_ENV = "REPORT_OUTPUT_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_output_dir(profile):
    """``$REPORT_OUTPUT_DIR`` if set, else ``<project>/reports/<profile>``."""
    env = os.environ.get(OUTPUT_DIR_ENV)
    return Path(env) if env else PROJECT_ROOT / "reports" / str(profile)


def results_dir(output_dir):
    return Path(output_dir) / "results"


def to_jsonable(value):
    """Convert NumPy scalars/arrays, paths and tuples to plain JSON types.

    Non-finite floats become ``None`` (JSON has no NaN), so a missing value is
    visible as ``null`` rather than producing invalid JSON.
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"cannot record a value of type {type(value).__name__}: {value!r}")


def record_results(name, results, output_dir):
    """Write ``results`` to ``<output_dir>/results/<name>.json`` atomically.

    Parameters
    ----------
    name : str
        Result-set name, e.g. ``"datasets"``; a file name stem.
    results : dict
        JSON-able values (NumPy types are converted).
    output_dir : str or Path
        The profile's report directory.

    Returns
    -------
    Path
        The file written.
    """
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise ValueError(f"result name must be a plain file stem, got {name!r}")
    if not isinstance(results, dict):
        raise TypeError(f"results must be a dict, got {type(results).__name__}")
    from helpers.provenance import run_info

    payload = to_jsonable(results)
    payload["_run"] = to_jsonable(run_info())
    payload["_recorded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    target = atomic_write_json(results_dir(output_dir) / f"{name}.json", payload, indent=2)
    print(f"recorded {target}", file=sys.stderr, flush=True)
    return target


class DamagedResults(ValueError):
    """A results file that is not the JSON object a chapter records: names the file
    and the command that writes it again."""


def _chapter_recording(name):
    """The notebook stem whose ``metadata.report.records`` lists ``name`` (None: none)."""
    for notebook in sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        try:
            meta = json.loads(notebook.read_text()).get("metadata", {}).get("report", {})
        except (OSError, ValueError):
            continue
        if name in meta.get("records", []):
            return notebook.stem
    return None


def _profile_of(output_dir):
    """The profile a folder's other results ran with (its ``_run``), else the folder's
    name when it is ``reports/<profile>``, else None."""
    for path in sorted(results_dir(output_dir).glob("[!.]*.json")):
        try:
            profile = json.loads(path.read_text())["_run"]["parameters"]["profile"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(profile, str):
            return profile
    folder = Path(output_dir).resolve()
    return folder.name if folder.parent == PROJECT_ROOT / "reports" else None


# Parameters render.sh sets itself, and paths (which its stamp holds relative).
_NOT_OVERRIDES = ("profile", "output_dir", "data_dir", "cs_image_file", "seed_runs", "effect_runs")


def _overrides(output_dir, chapter, profile):
    """``-p NAME VALUE`` for each value the chapter's last render passed that its profile
    does not set (a seed run's seed, say), from its stamp; "" when none or unknown."""
    import shlex

    import yaml

    stamp = Path(output_dir) / "executed" / f"{chapter}.stamp.json"
    # The profile file read directly: helpers.profiles imports this module.
    profile_file = PROJECT_ROOT / "params" / f"{Path(profile).name}.yaml"
    try:
        passed = json.loads(stamp.read_text())["inputs"]["parameters"]
        defaults = yaml.safe_load(profile_file.read_text())
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError):
        return ""
    if not isinstance(passed, dict) or not isinstance(defaults, dict):
        return ""

    def text(value):  # as -p reads it: YAML, one line, without the document end marker
        dumped = yaml.safe_dump(value, default_flow_style=True).strip()
        return shlex.quote(dumped.removesuffix("\n...").strip())

    return "".join(
        f" -p {name} {text(value)}"
        for name, value in sorted(passed.items())
        if name not in _NOT_OVERRIDES and defaults.get(name, ...) != value
    )


def rerun_command(output_dir, name):
    """The ``render.sh`` command that records results ``name`` in ``output_dir`` again,
    with the overrides its chapter last ran with."""
    chapter = _chapter_recording(name) or "NOTEBOOK"
    profile = _profile_of(output_dir) or "PROFILE"
    folder = Path(output_dir).resolve()
    where = "" if folder == PROJECT_ROOT / "reports" / profile else f" --output-dir {folder}"
    overrides = _overrides(output_dir, chapter, profile)
    return f"./render.sh --profile {profile}{overrides}{where} --only {chapter}"


def _load(path, output_dir):
    """One results file's payload, or :class:`DamagedResults` (one line: file and fix)."""
    try:
        payload = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        problem = f"not valid JSON ({str(exc).splitlines()[0][:80]})"
    else:
        if isinstance(payload, dict):
            return payload
        problem = f"a JSON {type(payload).__name__}, not the object a chapter records"
    raise DamagedResults(
        f"results file {path} is damaged: {problem}; re-run the chapter that records it: "
        f"{rerun_command(output_dir, path.stem)}"
    )


def read_results(output_dir, name=None):
    """Read recorded results.

    Returns the dict of one result set when ``name`` is given (raising
    ``FileNotFoundError`` naming the notebook to run when it is missing),
    else a dict of every result set found, keyed by name. Only names a chapter
    records are read: never a temporary file (``.<name>.<id>.tmp.json``) that an
    interrupted writer left. A file that is not a JSON object raises
    :class:`DamagedResults`, naming the file and the ``render.sh`` command that
    records it again.
    """
    directory = results_dir(output_dir)
    if name is not None:
        path = directory / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(
                f"no recorded results {name!r} in {directory}; run the notebook that "
                f"records them first (./render.sh runs them all)"
            )
        return _load(path, output_dir)
    # record_results refuses names starting with "."; temporary files all do.
    paths = sorted(p for p in directory.glob("[!.]*.json") if p.is_file())
    return {p.stem: _load(p, output_dir) for p in paths}
