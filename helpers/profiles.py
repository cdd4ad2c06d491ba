"""Parameter profiles (``params/<name>.yaml``) and hand runs that stay in their folder.

A profile file is a flat mapping of notebook parameters that names its own
profile (``profile: quick``). ``render.sh`` passes every value of the chosen
profile to each notebook. A notebook run by hand (papermill, JupyterLab) sees
its own defaults, which are the ``study`` profile's, plus what the user set;
:func:`align_hand_run` keeps such a run from writing one profile's folder with
another profile's values (see :func:`helpers.notebook.setup_notebook`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

from helpers.results import OUTPUT_DIR_ENV

__all__ = [
    "PARAMS_DIR",
    "DEFAULT_PROFILE",
    "ProfileError",
    "HandRunError",
    "available_profiles",
    "read_profile",
    "align_hand_run",
]

PARAMS_DIR = Path(__file__).resolve().parents[1] / "params"
# The profile whose values are the notebooks' own defaults (tests/test_staleness.py).
DEFAULT_PROFILE = "study"
# Set by the pipeline, never by a profile: where the results go.
_NOT_PROFILE_VALUES = ("profile", "output_dir")


class ProfileError(ValueError):
    """A profile file that is missing, malformed or names another profile."""


class HandRunError(ValueError):
    """A hand run whose parameters do not match the profile folder it would write to."""


def available_profiles(params_dir=PARAMS_DIR):
    """Profile names: the ``params/*.yaml`` files."""
    return sorted(p.stem for p in Path(params_dir).glob("*.yaml"))


def read_profile(name, params_dir=PARAMS_DIR):
    """Parameters of profile ``name``, from ``params/<name>.yaml``, ``profile`` included.

    Raises
    ------
    ProfileError
        No such file, not a mapping, or a ``profile`` entry that is missing or
        names another profile (a copied file that was not renamed inside).
    """
    path = Path(params_dir) / f"{name}.yaml"
    if not path.is_file():
        raise ProfileError(
            f"unknown profile {name!r}; choose one of: "
            f"{', '.join(available_profiles(params_dir))} (files in {params_dir})"
        )
    try:
        values = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(values, dict):
        raise ProfileError(f"{path} must be a mapping of parameter: value")
    named = values.get("profile")
    if named != name:
        raise ProfileError(
            f"{path} names profile {named!r}; a profile file names its own profile: "
            f"set `profile: {name}` in it"
            if named is not None
            else f"{path} does not name its profile: add the line `profile: {name}`"
        )
    return values


def align_hand_run(namespace, params_dir=PARAMS_DIR, stream=None):
    """Make a hand run's parameters those of the profile whose folder it writes to.

    Applies only when the results would go to the profile's own folder
    (``output_dir`` and ``$REPORT_OUTPUT_DIR`` unset): ``render.sh`` always
    passes ``output_dir``, and a run into a folder of the user's choosing may
    use any values. For each
    parameter the profile file sets:

    - the notebook holds the profile's value: nothing to do;
    - it holds the notebook default (the ``study`` profile's value), i.e. the
      user chose the profile but not this value: the profile's value is taken
      (``namespace`` is updated, and a line on ``stream`` says which);
    - it holds a third value, set by hand: :class:`HandRunError`, naming both,
      since the profile's folder would hold results the profile did not make.

    Parameters
    ----------
    namespace : dict
        The notebook's globals; updated in place.
    params_dir : Path
    stream : file, optional
        Where the note on adopted values goes (default ``sys.stderr``).

    Returns
    -------
    list of str
        Names of the parameters whose profile values were taken.
    """
    profile = namespace.get("profile")
    if namespace.get("output_dir") is not None or os.environ.get(OUTPUT_DIR_ENV):
        return []
    if not isinstance(profile, str):
        return []
    if profile not in available_profiles(params_dir):
        return []  # a folder no profile renders: nothing to mix up
    wanted = read_profile(profile, params_dir)
    defaults = read_profile(DEFAULT_PROFILE, params_dir)
    adopted, conflicts = [], []
    for name, value in wanted.items():
        if name in _NOT_PROFILE_VALUES or name not in namespace:
            continue
        current = namespace[name]
        if current == value:
            continue
        if name in defaults and current == defaults[name]:
            adopted.append(name)
        else:
            conflicts.append(f"{name} = {current!r} (params/{profile}.yaml: {value!r})")
    if conflicts:
        raise HandRunError(
            f"this run would write profile {profile!r}'s folder (reports/{profile}) with "
            f"values that profile does not use: {'; '.join(conflicts)}. Use the profile's "
            f"values, or send the results elsewhere by setting output_dir "
            f"(e.g. output_dir = 'reports/{profile}-mine')"
        )
    for name in adopted:
        namespace[name] = wanted[name]
    if adopted:
        print(
            f"[{profile}] took the profile's values for {', '.join(adopted)} "
            f"(params/{profile}.yaml; the notebook's defaults are the "
            f"{DEFAULT_PROFILE} profile's)",
            file=stream or sys.stderr,
        )
    return adopted
