"""The first call of every chapter: check its common parameters, set up logging and plots."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from helpers.checks import check_seed
from helpers.parameters import check_parameters
from helpers.profiles import align_hand_run
from helpers.provenance import start_run
from helpers.results import default_output_dir
from helpers.runtime import quiet_tensorflow

__all__ = ["setup_notebook"]


def setup_notebook(profile, output_dir=None, seed=0):
    """Check the chapter's parameters, start its provenance record, prepare plotting.

    Call it as ``output_dir = setup_notebook(globals())`` right after the
    imports: every parameter the notebook defines is checked with the rules of
    :mod:`helpers.parameters` (the ones ``render.sh`` applies before a run).
    Run by hand into a profile's own folder, the notebook first takes that
    profile's values where it still holds its defaults, and refuses values
    set by hand that the profile does not use
    (:func:`helpers.profiles.align_hand_run`).

    Parameters
    ----------
    profile : str or mapping
        The notebook's namespace (``globals()``), or just the profile name
        Name of the parameter profile (``params/<profile>.yaml``); names the
        default output directory.
    output_dir : str, optional
        Where results are recorded; default ``reports/<profile>`` (or
        ``$REPORT_OUTPUT_DIR``).
    seed : int
        Checked to be a non-negative integer.

    Returns
    -------
    Path
    """
    from helpers.plots import use_report_style

    if isinstance(profile, Mapping):
        # A hand run (papermill, JupyterLab) into a profile's folder takes that
        # profile's values, or is refused: it must not mix two profiles' results.
        align_hand_run(profile)
        parameters = check_parameters(profile)
        profile, output_dir, seed = (
            parameters.get("profile"),
            parameters.get("output_dir"),
            parameters.get("seed", 0),
        )
    else:
        parameters = {"profile": profile, "output_dir": output_dir, "seed": seed}
    start_run(parameters)
    if not isinstance(profile, str) or not profile or "/" in profile:
        raise ValueError(f"profile must be a profile name such as 'study', got {profile!r}")
    quiet_tensorflow()
    check_seed(seed)
    if output_dir is not None and not isinstance(output_dir, (str, os.PathLike)):
        raise TypeError(f"output_dir must be a path string or None, got {output_dir!r}")
    use_report_style()
    path = Path(output_dir) if output_dir else default_output_dir(profile)
    path.mkdir(parents=True, exist_ok=True)
    return path
