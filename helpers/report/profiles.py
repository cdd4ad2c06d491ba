"""A run's inputs: profiles, notebooks, and every parameter checked before any work.

A profile (``params/<name>.yaml``) is a flat mapping of notebook parameters;
``-p NAME VALUE`` overrides one. :func:`resolve_parameters` refuses unknown
names, wrong types (against each notebook's ``parameters`` cell) and values out
of range (the rules of :mod:`helpers.parameters`, which the notebooks apply
too), and resolves relative paths against the folder the user ran the
command from, all before the first notebook starts.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import yaml

from helpers import profiles as profile_files

__all__ = [
    "PROJECT_ROOT",
    "NOTEBOOK_DIR",
    "PARAMS_DIR",
    "PipelineError",
    "available_profiles",
    "load_profile",
    "list_notebooks",
    "declared_parameters",
    "check_parameter_type",
    "resolve_parameters",
    "parse_override",
    "invoked_from",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
PARAMS_DIR = profile_files.PARAMS_DIR
# Parameters the pipeline sets itself for every notebook that declares them.
PIPELINE_PARAMETERS = ("profile", "output_dir")
# Parameters that name files or folders: relative values mean "from where I ran the command".
PATH_PARAMETERS = ("data_dir", "cs_image_file", "seed_runs", "effect_runs")


class PipelineError(Exception):
    """A problem with the run's inputs, found before any notebook runs."""


def invoked_from():
    """The folder the user ran ``render.sh`` from (it changes into the project first)."""
    return Path(os.environ.get("REPORT_INVOKED_FROM") or os.getcwd())


def available_profiles():
    """Profile names: the ``params/*.yaml`` files."""
    return profile_files.available_profiles(PARAMS_DIR)


def load_profile(name):
    """Parameters of profile ``name`` (a flat mapping), from ``params/<name>.yaml``;
    the file must name its profile (``profile: NAME``)."""
    try:
        return profile_files.read_profile(name, PARAMS_DIR)
    except profile_files.ProfileError as exc:
        raise PipelineError(str(exc)) from None


def list_notebooks(only=None):
    """Source notebooks in run order (``NN_name.ipynb``, by number)."""
    notebooks = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if only:
        names = {nb: {nb.stem, nb.name, nb.stem.split("_", 1)[1]} for nb in notebooks}
        wanted = set(only)
        chosen = [nb for nb in notebooks if names[nb] & wanted]
        unknown = sorted(wanted - set().union(*(names[nb] for nb in chosen)))
        if unknown:
            raise PipelineError(
                f"unknown notebook(s) {unknown}; choose from: "
                f"{', '.join(nb.stem for nb in notebooks)}"
            )
        notebooks = chosen
    return notebooks


def declared_parameters(notebook):
    """``{name: {"type": str, "default": str}}`` from the notebook's parameters cell."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    if not declared:
        raise PipelineError(f"{notebook.name} has no cell tagged 'parameters'")
    return {
        name: {"type": p["inferred_type_name"], "default": p["default"]}
        for name, p in declared.items()
    }


_TYPE_CHECKS = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
    "None": lambda v: v is None,
}


def check_parameter_type(name, value, type_name):
    """Raise :class:`PipelineError` if ``value`` does not match ``type_name``.

    ``type_name`` is the annotation text papermill reports, e.g. ``int``,
    ``Optional[str]`` or ``list[int]``; unknown annotations are not checked.
    (papermill cannot parse ``str | None`` annotations, hence ``Optional``.)
    """
    type_name = type_name or ""
    optional = re.fullmatch(r"Optional\[(.*)\]", type_name.strip())
    alternatives = [optional.group(1), "None"] if optional else type_name.split("|")
    alternatives = [t.strip() for t in alternatives]
    bases = [re.sub(r"\[.*\]$", "", t) for t in alternatives]
    if not bases or any(b not in _TYPE_CHECKS for b in bases):
        return
    if not any(_TYPE_CHECKS[b](value) for b in bases):
        raise PipelineError(
            f"parameter {name} must be {type_name}, got {value!r} ({type(value).__name__}); "
            f"set it with -p {name} VALUE"
        )


def _resolve_paths(values):
    base = invoked_from()

    def resolve(value):
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            return str((base / Path(value).expanduser()).resolve())
        return value

    for name in set(PATH_PARAMETERS) & set(values):
        value = values[name]
        values[name] = [resolve(v) for v in value] if isinstance(value, list) else resolve(value)
    return values


def resolve_parameters(notebooks, profile, overrides, output_dir):
    """Per-notebook parameters: profile values, then overrides, then pipeline values.

    Raises :class:`PipelineError` for a parameter no notebook of the project
    declares (not only the selected ones: a profile serves them all), a value
    of the wrong type, or a value its rule in :mod:`helpers.parameters` refuses.
    """
    from helpers.parameters import ParameterError, check_parameters

    for name in set(PIPELINE_PARAMETERS) & set(overrides):
        raise PipelineError(
            f"-p {name}: the pipeline sets {name} itself; use --{name.replace('_', '-')} instead"
        )
    values = _resolve_paths({**load_profile(profile), **overrides})
    all_declared = {nb: declared_parameters(nb) for nb in list_notebooks()}
    declared = {nb: all_declared.get(nb) or declared_parameters(nb) for nb in notebooks}
    known = set().union(*(d.keys() for d in all_declared.values())) if all_declared else set()
    unknown = sorted(set(values) - known)
    if unknown:
        raise PipelineError(
            f"unknown parameter(s) {unknown}: no notebook declares them. "
            f"Known parameters: {', '.join(sorted(known - set(PIPELINE_PARAMETERS)))}"
        )
    pipeline_values = {"profile": profile, "output_dir": str(output_dir)}
    # Every value a notebook would see, defaults included, so cross-parameter
    # rules (e.g. M <= N^2) see the numbers that will really be used.
    effective = {}
    for params in all_declared.values():
        for name, info in params.items():
            try:
                effective.setdefault(name, ast.literal_eval(info["default"]))
            except (ValueError, SyntaxError):
                continue
    effective.update(values)
    effective.update(pipeline_values)
    per_notebook = {}
    for nb, params in declared.items():
        chosen = {k: v for k, v in values.items() if k in params}
        chosen.update({k: v for k, v in pipeline_values.items() if k in params})
        for k, v in chosen.items():
            check_parameter_type(k, v, params[k]["type"])
        per_notebook[nb] = chosen
    try:
        check_parameters(effective)
    except ParameterError as exc:
        raise PipelineError(
            f"{exc} Set it with -p NAME VALUE or in params/{profile}.yaml."
        ) from exc
    return per_notebook


def parse_override(name, text):
    """Parse ``-p NAME VALUE``: VALUE is read as YAML (``3`` int, ``[1, 2]`` list)."""
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise PipelineError(f"-p {name!r}: not a valid parameter name")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PipelineError(f"-p {name} {text!r}: not a valid value ({exc})") from exc
