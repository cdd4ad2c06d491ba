"""Small notebook-side utilities: set-up of a notebook run and table display."""

from __future__ import annotations

import os
from pathlib import Path

from .results import default_output_dir
from .validation import check_choice, check_seed

__all__ = ["setup_notebook", "show_table", "markdown_table", "latex_table", "format_frame", "latex_escape"]

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

    import logging

    check_choice(profile, "profile", PROFILES)
    # TensorFlow's Python warnings (e.g. retracing notices) are not report content.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    check_seed(seed)
    if output_dir is not None and not isinstance(output_dir, (str, os.PathLike)):
        raise TypeError(f"output_dir must be a path string or None, got {output_dir!r}")
    use_report_style()
    path = Path(output_dir) if output_dir else default_output_dir(profile)
    path.mkdir(parents=True, exist_ok=True)
    return path


_LATEX_SPECIALS = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                   "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                   "\\": r"\textbackslash{}"}


def latex_escape(text):
    """Escape LaTeX's special characters in plain text."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in str(text))


def format_frame(frame, floatfmt=".4g"):
    """Every cell as text: floats with ``floatfmt``, missing values as an en dash."""
    import numpy as np
    import pandas as pd

    def fmt(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "\u2013"
        if isinstance(value, (float, np.floating)):
            return format(float(value), floatfmt)
        return str(value)

    return pd.DataFrame({col: [fmt(v) for v in frame[col]] for col in frame.columns})


def markdown_table(frame, floatfmt=".4g"):
    """A DataFrame as a Markdown pipe table (for the HTML report and JupyterLab)."""
    text = format_frame(frame, floatfmt)
    return text.to_markdown(index=False, disable_numparse=True,
                            colalign=["left"] + ["right"] * (text.shape[1] - 1))


def latex_table(frame, floatfmt=".4g"):
    """A DataFrame as a booktabs tabular shrunk to the page width when wider."""
    text = format_frame(frame, floatfmt)
    body = text.to_latex(index=False, escape=True, column_format="l" + "r" * (text.shape[1] - 1))
    return ("\\begin{center}\\begin{adjustbox}{max width=\\linewidth}\n" + body
            + "\\end{adjustbox}\\end{center}\n")


def show_table(frame, caption=None, floatfmt=".4g"):
    """Display a DataFrame as a real table in every format.

    JupyterLab and the HTML report get Markdown; the PDF gets a LaTeX table
    that never runs off the page (pandoc would wrap numbers over lines).
    """
    from IPython.display import display

    markdown = markdown_table(frame, floatfmt)
    latex = latex_table(frame, floatfmt)
    if caption:
        markdown = f"**{caption}**\n\n{markdown}"
        latex = f"\\textbf{{{latex_escape(caption)}}}\n\n{latex}"
    display({"text/markdown": markdown, "text/latex": latex,
             "text/plain": format_frame(frame, floatfmt).to_string(index=False)}, raw=True)
