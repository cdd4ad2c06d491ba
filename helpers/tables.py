"""Tables in every output format: Markdown for JupyterLab and the HTML, LaTeX for the PDF."""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "Table",
    "show_table",
    "show_tables",
    "markdown_table",
    "latex_table",
    "format_frame",
    "latex_escape",
    "show_details",
    "show_markdown",
    "APPENDIX",
]

# Output metadata key: the PDF moves such an output to its appendix, under this title
# (helpers.report.rendering.move_to_appendix); the HTML and JupyterLab keep it in place.
APPENDIX = "report_appendix"


# Output metadata key: the key a table is cited by, ``@tbl:<key>`` (helpers.report.figures).
TABLE_KEY = "report_key"


def _output_metadata(appendix, key=None):
    metadata = {APPENDIX: appendix} if appendix else {}
    if key:
        metadata[TABLE_KEY] = key
    return metadata or None


class Table(NamedTuple):
    """A table a helper built for a notebook to show: rows (a DataFrame), caption, format."""

    frame: object
    caption: str
    floatfmt: str = ".4g"


_LATEX_SPECIALS = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


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
    return text.to_markdown(
        index=False, disable_numparse=True, colalign=["left"] + ["right"] * (text.shape[1] - 1)
    )


# A Markdown link to an anchor of the report, e.g. "[Table 3b](#table-3b)".
_ANCHOR_LINK = re.compile(r"\[([^\]]+)\]\(#([\w-]+)\)")


# Text columns with longer cells than this wrap within the page width (tabularx X
# columns, sharing what the other columns leave) instead of the whole table shrinking
# to an unreadable size; columns of numbers never wrap.
WRAP_AFTER = 18
_NUMBER_LIKE = re.compile(r"^[\s\d.,:;+\-\u2212\u2013\u00b1\u2020eE%x()\[\]<>]*$")


def _wrapped_widths(lengths):
    """Column index -> width factor of each wrapped column (``lengths``: index -> its
    longest cell): shares of their total width in proportion to their longest cell, so
    they wrap to about as many lines (at least three quarters of a share each, room for
    a long word; tabularx needs the factors to sum to their count)."""
    if not lengths:
        return {}
    n, total = len(lengths), sum(lengths.values())
    shares = {i: max(0.75, n * length / total) for i, length in lengths.items()}
    scale = n / sum(shares.values())
    return {i: share * scale for i, share in shares.items()}


def latex_table(frame, floatfmt=".4g"):
    """A DataFrame as a booktabs table in every format the PDF can read: columns with
    cells longer than :data:`WRAP_AFTER` characters wrap (the table spans the line),
    a table still too wide shrinks to the page width; Markdown links to the report's
    anchors in its cells become hyperlinks."""
    text = format_frame(frame, floatfmt)
    links = []

    def placeholder(match):
        links.append(match.groups())
        return f"ANCHORLINK{len(links) - 1}Z"

    text = text.apply(lambda column: column.str.replace(_ANCHOR_LINK, placeholder, regex=True))
    longest = [max((len(v) for v in text[c]), default=0) for c in text.columns]
    wrapped = {
        i: n
        for i, (c, n) in enumerate(zip(text.columns, longest))
        if n > WRAP_AFTER and not all(_NUMBER_LIKE.match(v) for v in text[c])
    }
    spec = ["l" if i == 0 else "r" for i in range(len(longest))]
    for i, width in _wrapped_widths(wrapped).items():
        spec[i] = f">{{\\raggedright\\arraybackslash\\hsize={width:.2f}\\hsize}}X"
    body = text.to_latex(index=False, escape=True, column_format="".join(spec))
    if wrapped:
        # A size smaller: a column of text wraps into fewer lines.
        body = "\\small\n" + body
        body = body.replace("\\begin{tabular}{", "\\begin{tabularx}{\\linewidth}{", 1)
        body = body.replace("\\end{tabular}", "\\end{tabularx}", 1)
    for i, (label, anchor) in enumerate(links):
        body = body.replace(f"ANCHORLINK{i}Z", f"\\hyperlink{{{anchor}}}{{{latex_escape(label)}}}")
    return (
        "\\begin{center}\\begin{adjustbox}{max width=\\linewidth}\n"
        + body
        + "\\end{adjustbox}\\end{center}\n"
    )


def show_table(frame, caption=None, floatfmt=".4g", computed_on=False, appendix=None, key=None):
    """Display a DataFrame as a real table in every format.

    JupyterLab and the HTML report get Markdown; the PDF gets a LaTeX table
    that never runs off the page (pandoc would wrap numbers over lines).
    ``computed_on``: end the caption with the CPU, Keras backend and training
    precision of this process (:func:`helpers.runtime.computed_on`), for tables
    of trained models, whose numbers depend on them. ``appendix``: a title under
    which the PDF moves the table to its appendix (the HTML keeps it in place).
    ``key``: the report's text cites the table as ``@tbl:<key>``.
    """
    from IPython.display import display

    if computed_on:
        from helpers.runtime import computed_on as where

        caption = f"{caption or ''} [{where()}]".strip()

    markdown = markdown_table(frame, floatfmt)
    latex = latex_table(frame, floatfmt)
    if caption:
        markdown = f"**{caption}**\n\n{markdown}"
        latex = f"\\textbf{{{latex_escape(caption)}}}\n\n{latex}"
    display(
        {
            "text/markdown": markdown,
            "text/latex": latex,
            "text/plain": format_frame(frame, floatfmt).to_string(index=False),
        },
        raw=True,
        metadata=_output_metadata(appendix, key),
    )


def show_tables(tables):
    """:func:`show_table` for each :class:`Table` of ``tables``, in order."""
    for table in tables:
        show_table(table.frame, caption=table.caption, floatfmt=table.floatfmt)


def show_markdown(markdown, appendix=None):
    """Display Markdown; ``appendix``: as in :func:`show_table`."""
    from IPython.display import display

    display(
        {"text/markdown": markdown, "text/plain": markdown},
        raw=True,
        metadata=_output_metadata(appendix),
    )


def show_details(summary, markdown, appendix=None):
    """Display ``markdown`` folded under ``summary``: a collapsible block in the HTML
    report and JupyterLab, plain text in the PDF (which has no folding; ``appendix``:
    as in :func:`show_table`)."""
    import html

    import mistune
    from IPython.display import display

    display(
        {
            "text/html": f"<details><summary>{html.escape(summary)}</summary>"
            f"{mistune.html(markdown)}</details>",
            "text/markdown": markdown,
            "text/plain": markdown,
        },
        raw=True,
        metadata=_output_metadata(appendix),
    )
