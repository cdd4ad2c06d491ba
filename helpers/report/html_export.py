"""nbconvert's HTML exporter with the markdown's LaTeX math rendered to MathML.

nbconvert leaves ``$...$`` in the HTML for MathJax, loaded from a CDN, to
typeset in the browser. The report must read offline, so the math is
converted once, at build time, to MathML, which browsers render natively
(MathML Core). The PDF keeps LaTeX math: pandoc passes it to xelatex.
"""

from __future__ import annotations

from html import unescape

from jinja2 import pass_context
from latex2mathml.converter import convert
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

__all__ = ["latex_to_mathml", "ReportHTMLExporter"]


def latex_to_mathml(latex, display=False):
    """MathML (a ``<math>`` element, as a string) for a LaTeX formula.

    Parameters
    ----------
    latex : str
        The formula without its delimiters, e.g. ``Y = 0.299\\,R``.
    display : bool
        Block (display) math rather than inline.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When latex2mathml cannot parse the formula: a report must not show
        a formula other than the one written.
    """
    try:
        mathml = convert(latex.strip(), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many types, all meaning "cannot parse"
        raise ValueError(f"cannot render the formula ${latex}$ as MathML: {exc!r}") from exc
    # The TeX source, for screen readers and for copying the formula.
    return mathml.replace("<math ", f'<math alttext="{_attribute(latex.strip())}" ', 1)


def _attribute(text):
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


class _MathMLRenderer(IPythonRenderer):
    # mistune hands over the math as written in the cell (not HTML-escaped);
    # unescape anyway in case an older mistune does escape it.
    def inline_math(self, body):
        return latex_to_mathml(unescape(body))

    def block_math(self, body):
        return latex_to_mathml(unescape(body), display=True)

    def latex_environment(self, name, body):
        return latex_to_mathml(f"\\begin{{{name}}}{unescape(body)}\\end{{{name}}}", display=True)


class ReportHTMLExporter(HTMLExporter):
    """HTMLExporter whose ``markdown2html`` filter renders math as MathML."""

    @pass_context
    def markdown2html(self, context, source):
        """Markdown to HTML, as nbconvert's filter, but with MathML for the math."""
        cell = context.get("cell", {})
        renderer = _MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)
