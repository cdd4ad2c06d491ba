"""Small notebook-side utilities: set-up of a notebook run and table display."""

from __future__ import annotations

import os
from pathlib import Path

from .results import default_output_dir
from .validation import check_choice, check_seed

__all__ = ["setup_notebook", "show_table", "markdown_table"]

PROFILES = ("quick", "study", "full")


def setup_notebook(profile, output_dir=None, seed=0):
    """Check the common parameters and prepare plotting; return the output dir.

    Parameters
    ----------
    profile : {"quick", "study", "full"}
    output_dir : str, optional
        Where results are recorded; default ``reports/<profile>`` (or
        ``$REPORT_OUTPUT_DIR``).
    seed : int
        Checked to be a non-negative integer.

    Returns
    -------
    Path
    """
    from .plots import use_report_style

    check_choice(profile, "profile", PROFILES)
    check_seed(seed)
    if output_dir is not None and not isinstance(output_dir, (str, os.PathLike)):
        raise TypeError(f"output_dir must be a path string or None, got {output_dir!r}")
    use_report_style()
    path = Path(output_dir) if output_dir else default_output_dir(profile)
    path.mkdir(parents=True, exist_ok=True)
    return path


def markdown_table(frame, floatfmt=".4g", index=False):
    """A pandas DataFrame as a Markdown table (renders in HTML and LaTeX alike)."""
    return frame.to_markdown(index=index, floatfmt=floatfmt)


def show_table(frame, caption=None, floatfmt=".4g", index=False):
    """Display a DataFrame as Markdown, so the PDF gets a real table, not text."""
    from IPython.display import Markdown, display

    text = markdown_table(frame, floatfmt=floatfmt, index=index)
    if caption:
        text = f"**{caption}**\n\n{text}"
    display(Markdown(text))
