"""Every figure's label says in a sentence what the figure shows, before the line
saying what made it (issue 34, item 6): the sentences live in the drawing cell's
metadata (``report.captions``), read by helpers.report.figures.number_figures."""

import json
import re

import nbformat
import pytest

from helpers import plots
from helpers.report.figures import CAPTIONS_KEY, figure_captions, number_figures
from tests.conftest import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
# Helpers that draw one figure among other output: the summary's findings (the figure
# of every check, helpers.summary.verdict_details.show_findings).
FIGURE_HELPERS = ["show_findings"]
PLOT_FUNCTIONS = sorted(name for name in plots.__all__ if name.startswith("plot_")) + FIGURE_HELPERS
# A call that draws a figure: a helpers.plots function, a figure helper, or matplotlib's.
DRAWS = re.compile(
    r"\b(?:plots\.)?(" + "|".join(PLOT_FUNCTIONS) + r")\(|\bplt\.(?:subplots|figure)\("
)
# A measured number has a decimal point or a percent sign; the captions are static
# text that must not state a result.
MEASURED = re.compile(r"\d\.\d|\d\s*%")


def _code_cells():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                yield path.name, cell


def _draws(cell):
    """How many figures a cell's source draws, call site by call site (a loop's
    figures repeat its captions)."""
    source = "".join(cell["source"])
    source = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
    return len(DRAWS.findall(source))


def test_the_scan_finds_the_figure_cells():
    drawing = {(name, cell["id"]) for name, cell in _code_cells() if _draws(cell)}
    assert len(drawing) >= 20, sorted(drawing)
    assert ("99_report.ipynb", "cell-04") in drawing  # show_findings(verdicts) ...
    assert ("01_reconstruction.ipynb", "cell-07") in drawing  # plots.plot_error_vs_m(...)


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_every_figure_cell_says_what_each_of_its_figures_shows(name):
    for notebook, cell in _code_cells():
        if notebook != name:
            continue
        captions = figure_captions(cell)
        drawn = _draws(cell)
        where = f"{name} cell {cell['id']}"
        assert len(captions) == drawn, (
            f"{where} draws {drawn} figure(s) but its metadata {CAPTIONS_KEY}.captions "
            f"lists {len(captions)} sentence(s): add one per figure, in drawing order"
        )
        tags = [t for t in cell["metadata"].get("tags", []) if t.startswith("fig:")]
        assert not tags or len(tags) == len(captions), where
        for caption in captions:
            # One sentence: a capital first, a full stop last and none between.
            assert caption[:1].isupper() and caption.endswith("."), (where, caption)
            assert not re.search(r"[.!?]\s", caption), (where, caption)
            assert len(caption.split()) <= 45, (where, caption)
            assert not MEASURED.search(caption), (where, caption)
            # Plain text: the label's LaTeX would read emphasis, code or links.
            assert not re.search(r"[*`_\[\]#$\\]", caption), (where, caption)


def _figure_cell(stem, i, n, captions=None):
    cell = nbformat.v4.new_code_cell("plot()")
    cell["id"] = f"{stem}-{i}"
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}) for _ in range(n)
    ]
    if captions is not None:
        cell["metadata"][CAPTIONS_KEY] = {"captions": captions}
    return cell


def test_a_figure_label_says_what_it_shows_before_what_made_it():
    mark = "made by `notebooks/02_cnn.ipynb`"
    shows = ["Accuracy per fold.", "Accuracy per epoch."]
    cells = [_figure_cell("02_cnn", 3, 2, shows), _figure_cell("99_report", 1, 1, ["The key."])]
    numbers = number_figures(cells, {"02_cnn": mark})
    assert numbers == {"2.1": None, "2.2": None, "S.1": None}
    labels = [o["data"] for c in cells for o in c.outputs if "text/latex" in o.get("data", {})]
    assert [label["text/markdown"] for label in labels] == [
        "*Figure 2.1* — Accuracy per fold. Made by `notebooks/02_cnn.ipynb`",
        "*Figure 2.2* — Accuracy per epoch. Made by `notebooks/02_cnn.ipynb`",
        "*Figure S.1* — The key.",
    ]
    assert labels[0]["text/html"] == (
        '<p class="report-label" id="figure-2-1"><em>Figure 2.1</em> — Accuracy per fold. '
        "Made by <code>notebooks/02_cnn.ipynb</code></p>"
    )
    assert labels[0]["text/latex"] == (
        "\\hypertarget{figure-2-1}{}\\emph{Figure 2.1} — Accuracy per fold. "
        "Made by \\texttt{notebooks/02\\_cnn.ipynb}"
    )


def test_a_loop_repeats_its_cells_captions_in_order():
    # Two datasets, each drawing a confusion matrix and a sample of mistakes.
    cell = _figure_cell("02_cnn", 10, 4, ["Confusion.", "Mistakes."])
    number_figures([cell])
    labels = [o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o["data"]]
    assert labels == [
        "*Figure 2.1* — Confusion.",
        "*Figure 2.2* — Mistakes.",
        "*Figure 2.3* — Confusion.",
        "*Figure 2.4* — Mistakes.",
    ]


def test_captions_must_be_a_list_of_sentences():
    cell = _figure_cell("02_cnn", 1, 1, "One string, not a list.")
    with pytest.raises(ValueError, match="captions must be a list"):
        number_figures([cell])
