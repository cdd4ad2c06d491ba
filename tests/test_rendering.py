"""The HTML report's template and math, on a small notebook (no kernel, seconds)."""

import re

import nbformat
import pytest

from helpers.plots import _inline_figure_formats
from helpers.report.html_export import latex_to_mathml
from helpers.report.rendering import render_html

BT601 = r"$Y = 0.299\,R + 0.587\,G + 0.114\,B$"


def notebook(*markdown):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(source) for source in markdown]
    nb.cells.append(nbformat.v4.new_code_cell("print('hidden')", execution_count=1))
    return nb


def test_html_has_no_scripts_and_no_external_resources():
    html = render_html(notebook("# A chapter\n\nText.")).decode()
    assert "<script" not in html  # no MathJax, require.js, Mermaid or widget loaders
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert '<h1 id="A-chapter">' in html
    assert "print(&#39;hidden&#39;)" not in html and "print('hidden')" not in html
    assert "@media print" in html  # the report template's own style, not plain lab


def test_markdown_math_becomes_mathml():
    html = render_html(
        notebook(f"Luma {BT601} from `$REPORT_DATA_DIR`.", r"$$\frac{a}{b} < 1$$")
    ).decode()
    inline = re.search(r'<math[^>]*display="inline"[^>]*>.*?</math>', html, re.S).group(0)
    assert "<mn>0.299</mn>" in inline and "<mi>R</mi>" in inline
    assert 'alttext="Y = 0.299\\,R + 0.587\\,G + 0.114\\,B"' in inline
    block = re.search(r'<math[^>]*display="block"[^>]*>.*?</math>', html, re.S).group(0)
    assert "<mfrac>" in block and "&lt;" in block
    assert "$Y" not in html and "$$" not in html  # nothing left for a script to typeset
    assert "<code>$REPORT_DATA_DIR</code>" in html  # code spans are not math


def test_unparseable_formula_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"\\frac\{"):
        latex_to_mathml(r"\frac{")
    with pytest.raises(ValueError, match="cannot render"):
        render_html(notebook(r"Broken: $\frac{$."))


def test_latex_to_mathml_escapes_the_alttext():
    mathml = latex_to_mathml(r'a < b \text{"q"} \& c', display=True)
    assert mathml.startswith('<math alttext="a &lt; b \\text{&quot;q&quot;} \\&amp; c"')
    assert 'display="block"' in mathml


def test_figure_formats_are_left_alone_outside_ipython():
    from IPython import get_ipython

    assert get_ipython() is None
    _inline_figure_formats("png", "pdf")  # must not create an IPython shell
    assert get_ipython() is None
