"""Numbers typed into the notebooks' markdown go stale when a parameter or a result
changes: every measured or configured number must be printed by code. The numbers
still typed are listed here with why they may be (the study's own, a fixed
architecture or method, a chapter or equation number); a new one fails until it is
generated or listed with its reason."""

import json
import re

import pytest

from tests.conftest import PROJECT_ROOT

NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:e-?\d+)?")

# Small counts, chapter numbers ("02"), ranges' ends and [0, 1] appear everywhere.
EVERYWHERE = {"0", "1", "2", "3", "4", "02", "03", "04"}
ALLOWED = {
    # Dataset facts (image sizes, classes, 8-bit range) and the BT.601 luma weights.
    "00_datasets": {"10", "28", "32", "255", "256", "0.114", "0.299", "0.587"},
    # The study's 64 x 64 images and M range; the synthetic images' generator
    # (helpers.cs.images); the bundled photographs' size; a citation year; 10 log10.
    "01_reconstruction": {
        "10",
        "64",
        "4096",
        "50",
        "600",
        "1e-4",
        "0.12",
        "0.3",
        "1.5",
        "14",
        "512",
        "2014",
    },
    # The study's CNN architecture and Adam's default rate (helpers.nets.models).
    "02_cnn": {"10", "28", "32", "64", "128", "1e-3", "0.5"},
    # Image sizes and the study's MLP architecture (helpers.nets.models).
    "03_projection_mlp": {"10", "64", "128", "256", "512", "784", "1024", "0.2", "0.3"},
    # A 3 x 3 convolution has 9 weights per channel pair.
    "04_svd_compression": {"9"},
    "99_report": set(),
}


def _markdown_numbers(path):
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return set(NUMBER.findall(text))


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_markdown_types_no_number_that_code_should_print(name):
    found = _markdown_numbers(PROJECT_ROOT / "notebooks" / f"{name}.ipynb")
    unexplained = found - ALLOWED[name] - EVERYWHERE
    assert not unexplained, (
        f"{name}: typed number(s) {sorted(unexplained)} in markdown; print them from code "
        "(parameters, results, constants) or list them in ALLOWED with why"
    )


def test_every_notebook_is_scanned():
    notebooks = {p.stem for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb")}
    assert notebooks == set(ALLOWED)


def test_the_scan_catches_a_typed_result(tmp_path):
    cell = {"cell_type": "markdown", "source": ["The CNN reached 0.8832 on 10,000 images."]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    assert _markdown_numbers(path) == {"0.8832", "10,000"}


# A chapter reads as narrative, parameters and calls into helpers: a cell longer than
# this holds logic that belongs in a tested helper (or prose in helpers/prose).
MAX_CELL_LINES = 40


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_no_code_cell_is_longer_than_a_screen(name):
    cells = json.loads((PROJECT_ROOT / "notebooks" / f"{name}.ipynb").read_text())["cells"]
    lengths = [len("".join(c["source"]).splitlines()) for c in cells if c["cell_type"] == "code"]
    long = [(i, n) for i, n in enumerate(lengths) if n > MAX_CELL_LINES]
    assert not long, f"{name}: code cells (index, lines) over {MAX_CELL_LINES} lines: {long}"
