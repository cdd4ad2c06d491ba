"""The render pipeline's input checks and report assembly (no notebook is executed)."""

import nbformat
import pytest

from helpers.report import cli, execution, profiles
from helpers.report.profiles import (
    PipelineError,
    check_parameter_type,
    list_notebooks,
    parse_override,
    resolve_parameters,
)
from helpers.report.rendering import merge_notebooks
from tests.conftest import PROJECT_ROOT


def test_unknown_profile_fails_before_running(capsys, tmp_path):
    assert cli.main(["--profile", "nope", "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown profile 'nope'" in err and "quick" in err and "study" in err
    assert not any(tmp_path.iterdir())


def test_unknown_parameter_fails_before_running(capsys, tmp_path):
    assert cli.main(["--profile", "quick", "-p", "sead", "1", "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter(s) ['sead']" in err and "seed" in err


def test_wrong_parameter_type_fails_before_running(capsys, tmp_path):
    assert (
        cli.main(["--profile", "quick", "-p", "seed", "zero", "--output-dir", str(tmp_path)]) == 2
    )
    assert "parameter seed must be int, got 'zero'" in capsys.readouterr().err


def test_unknown_notebook_in_only(capsys, tmp_path):
    assert (
        cli.main(["--profile", "quick", "--only", "07_nothing", "--output-dir", str(tmp_path)]) == 2
    )
    assert "unknown notebook(s) ['07_nothing']" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text, value",
    [
        ("3", 3),
        ("0.5", 0.5),
        ("[50, 100]", [50, 100]),
        ("null", None),
        ("smooth", "smooth"),
        ("true", True),
    ],
)
def test_overrides_are_parsed_as_yaml(text, value):
    assert parse_override("x", text) == value


@pytest.mark.parametrize(
    "type_name, good, bad",
    [
        ("int", 3, 3.5),
        ("int", 3, True),
        ("float", 3, "3"),
        ("Optional[int]", None, "a"),
        ("Optional[str]", "x", 1),
        ("list", [1], (1,)),
        ("bool", False, 0),
    ],
)
def test_parameter_type_checks(type_name, good, bad):
    check_parameter_type("p", good, type_name)
    with pytest.raises(PipelineError, match="parameter p must be"):
        check_parameter_type("p", bad, type_name)


def test_pipeline_values_reach_only_notebooks_that_declare_them(tmp_path):
    per_nb = resolve_parameters(list_notebooks(), "quick", {"seed": 5}, tmp_path)
    for nb, params in per_nb.items():
        declared = profiles.declared_parameters(nb)
        assert set(params) <= set(declared)
        if "seed" in declared:
            assert params["seed"] == 5
        if "output_dir" in declared:
            assert params["output_dir"] == str(tmp_path)


@pytest.mark.parametrize(
    "notebook", sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name
)
def test_source_notebooks_are_clean_and_parameterized(notebook):
    nb = nbformat.read(str(notebook), as_version=4)
    assert nb.metadata["kernelspec"]["name"] == execution.KERNEL_NAME
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs committed"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    declared = profiles.declared_parameters(notebook)
    assert {"profile", "output_dir", "seed"} <= set(declared)
    # No helper functions defined in notebooks: logic lives in helpers/.
    assert not any(line.startswith("def ") for c in code for line in c.source.splitlines())


def test_every_profile_sets_only_known_parameters(tmp_path):
    for profile in profiles.available_profiles():
        resolve_parameters(list_notebooks(), profile, {}, tmp_path)


def _executed(path, title, params_source="seed = 1"):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params_source)
    p.metadata["tags"] = ["injected-parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n## Part of {title}"), p]
    nbformat.write(nb, str(path))
    return path


def test_merge_puts_summary_first_and_drops_parameter_cells(tmp_path):
    paths = [
        _executed(tmp_path / "00_a.ipynb", "Alpha"),
        _executed(tmp_path / "99_s.ipynb", "Summary"),
    ]
    merged = merge_notebooks(paths, front_page="Rendered today.")
    tags = [c.metadata.get("tags", []) for c in merged.cells]
    markdown = [c.source for c in merged.cells if c.cell_type == "markdown"]
    # Title (HTML only), front page, then the PDF's contents (raw LaTeX) and the HTML's.
    assert "report-title" in markdown[0] and "report-html-only" in tags[0]
    assert markdown[1] == "Rendered today." and "report-front" in tags[1]
    assert merged.cells[2].cell_type == "raw" and "tableofcontents" in merged.cells[2].source
    assert markdown[2].startswith("**Contents**") and "report-html-only" in tags[3]
    assert markdown[3].startswith("# Summary") and markdown[4].startswith("# Alpha")
    assert not [c for c in merged.cells if c.cell_type == "code"]
    toc = markdown[2]
    assert toc.index("[Summary](#Summary)") < toc.index("[Alpha](#Alpha)")
    assert "  - [Part of Alpha](#Part-of-Alpha)" in toc


def test_failed_notebook_names_cell_and_keeps_good_copy(tmp_path, monkeypatch):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    good = tmp_path / "executed" / "00_x.ipynb"
    good.parent.mkdir()
    good.write_text("good")

    def failing(inp, out, **kwargs):
        open(out, "w").write("partial")
        raise PapermillExecutionError(3, 2, "load_dataset('x')", "ValueError", "bad input", [])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    src = tmp_path / "00_x.ipynb"
    src.write_text("{}")
    with pytest.raises(
        execution.NotebookFailed,
        match=r"00_x.ipynb failed in cell 3 of the executed copy.*ValueError: bad input",
    ):
        execution.execute_notebook(src, good, {})
    assert good.read_text() == "good"
    assert (good.parent / "00_x.failed.ipynb").read_text() == "partial"


def test_dependent_notebooks_run_after_their_inputs():
    levels, deps = execution.execution_levels(list_notebooks())
    position = {nb.stem: i for i, level in enumerate(levels) for nb in level}
    for stem, needs in deps.items():
        for need in needs:
            assert position[need] < position[stem], (stem, need)
    assert position["99_report"] == len(levels) - 1
    assert "02_cnn" in deps["03_projection_mlp"]


def _tiny_notebook(path, body, depends_on=()):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("value = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {
        "name": execution.KERNEL_NAME,
        "display_name": "x",
        "language": "python",
    }
    if depends_on:
        nb.metadata["report"] = {"depends_on": list(depends_on)}
    nbformat.write(nb, str(path))
    return path


@pytest.mark.slow
def test_parallel_run_keeps_good_results_and_skips_dependents_of_failures(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good = _tiny_notebook(src / "10_good.ipynb", "open('good.txt', 'w').write(str(value))")
    bad = _tiny_notebook(src / "11_bad.ipynb", "raise ValueError(f'broken {value}')")
    child = _tiny_notebook(src / "12_child.ipynb", "print(value)", depends_on=["11_bad"])
    out = tmp_path / "out"
    per_nb = {good: {"value": 7}, bad: {"value": 8}, child: {"value": 9}}
    summary, failures = execution.run_notebooks(per_nb, out, jobs=2)
    status = {nb.stem: s for nb, s, _ in summary}
    assert status == {
        "10_good": "executed because it has not run in this folder",
        "11_bad": "FAILED",
        "12_child": "skipped: needs 11_bad",
    }
    assert (src / "good.txt").read_text() == "7"
    # Cell 2 of the executed copy: papermill inserts the injected-parameters cell.
    assert "11_bad.ipynb failed in cell 2 of the executed copy" in str(failures[0])
    assert "broken 8" in str(failures[0])
    assert (out / "executed" / "10_good.ipynb").is_file()
    assert (out / "executed" / "11_bad.failed.ipynb").is_file()
    # Same parameters and code again: nothing re-runs.
    summary, _ = execution.run_notebooks({good: {"value": 7}}, out, jobs=2)
    assert summary[0][1] == "up to date, skipped"


@pytest.mark.slow
def test_a_killed_kernel_is_reported_like_a_failed_cell(tmp_path):
    """An out-of-memory kill of the kernel (SIGKILL) mid-chapter: the notebook is named
    with its last lines, the partial copy kept, the previous copy untouched, and the
    message says a re-run resumes; no DeadKernelError traceback escapes."""
    src = tmp_path / "src"
    src.mkdir()
    # A pause before the kill, as a real one comes well after the last print: the printed
    # line must reach the client first (under load it could be lost in the same instant).
    body = (
        "import os, sys, time\nprint('fold 1/3 done', file=sys.stderr, flush=True)\n"
        "time.sleep(1)\nos.kill(os.getpid(), 9)"
    )
    nb = _tiny_notebook(src / "02_dies.ipynb", body)
    out = tmp_path / "out"
    previous = out / "executed" / "02_dies.ipynb"
    previous.parent.mkdir(parents=True)
    previous.write_text("the last good copy")
    summary, failures = execution.run_notebooks({nb: {"value": 1}}, out, force=True)
    assert [status for _, status, _ in summary] == ["FAILED"]
    (failure,) = failures
    message = str(failure)
    assert isinstance(failure, execution.NotebookFailed)
    assert message.startswith("02_dies.ipynb: its kernel died in cell 2 of the executed copy")
    assert "out of memory" in message and "\n    fold 1/3 done\n" in message
    assert "resumes at the cached folds" in message
    assert previous.read_text() == "the last good copy"
    kept = out / "executed" / "02_dies.failed.ipynb"
    assert str(kept) in message and nbformat.read(kept, 4).cells
    assert not list((out / "executed").glob(".*.tmp*"))


@pytest.mark.slow
def test_kernel_runs_in_the_pipelines_python_not_the_registered_kernelspec(tmp_path, monkeypatch):
    """Two environments rendering at once (TensorFlow and JAX) must not share a kernel:
    the kernel is this Python, even when no kernelspec named KERNEL_NAME is registered."""
    import sys

    empty = tmp_path / "jupyter"
    empty.mkdir()
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(empty))
    monkeypatch.setenv("JUPYTER_PATH", str(empty))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")
    src = _tiny_notebook(
        tmp_path / "00_which.ipynb", "import sys; open('python.txt', 'w').write(sys.executable)"
    )
    execution.execute_notebook(src, tmp_path / "out" / "00_which.ipynb", {})
    assert (tmp_path / "python.txt").read_text() == sys.executable
    assert execution.kernel_argv()[0] == sys.executable


def test_figures_are_numbered_by_chapter_and_marked_with_what_made_them(tmp_path):
    from helpers.report.figures import chapter_label, number_figures

    def figure_cell(stem, i, n):
        cell = nbformat.v4.new_code_cell("plot()")
        cell["id"] = f"{stem}-{i}"
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
            for _ in range(n)
        ] + [nbformat.v4.new_output("stream", name="stdout", text="done")]
        return cell

    cells = [
        figure_cell("02_cnn", 3, 2),
        figure_cell("02_cnn", 5, 1),
        figure_cell("99_report", 1, 1),
    ]
    cells[0]["metadata"]["tags"] = ["fig:folds", "fig:confusion"]
    numbers = number_figures(cells, {"02_cnn": "made by `notebooks/02_cnn.ipynb`"})
    assert numbers == {"2.1": "folds", "2.2": "confusion", "2.3": None, "S.1": None}
    captions = [
        o["data"]["text/markdown"]
        for c in cells
        for o in c.outputs
        if "text/markdown" in o.get("data", {})
    ]
    assert captions == [
        "*Figure 2.1* — made by `notebooks/02_cnn.ipynb`",
        "*Figure 2.2* — made by `notebooks/02_cnn.ipynb`",
        "*Figure 2.3* — made by `notebooks/02_cnn.ipynb`",
        "*Figure S.1*",
    ]
    # Each caption follows its figure.
    assert [o["output_type"] for o in cells[0].outputs][:2] == ["display_data", "display_data"]
    assert chapter_label("01_reconstruction") == "1" and chapter_label("notes") == "notes"


def test_figure_labels_carry_their_anchor_in_both_formats():
    from helpers.report.figures import number_figures

    cell = nbformat.v4.new_code_cell("plot()")
    cell["id"] = "02_cnn-4"
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    number_figures([cell], {"02_cnn": "made by `notebooks/02_cnn.ipynb`"})
    label = cell.outputs[1]["data"]
    assert label["text/html"].startswith('<p class="report-label" id="figure-2-1"><em>Figure 2.1')
    assert "<code>notebooks/02_cnn.ipynb</code>" in label["text/html"]
    assert label["text/latex"] == (
        "\\hypertarget{figure-2-1}{}\\emph{Figure 2.1} — made by \\texttt{notebooks/02\\_cnn.ipynb}"
    )


def test_figure_and_table_references_by_key_link_to_them_in_every_format():
    from helpers.report.figures import number_figures, number_tables, resolve_references
    from helpers.tables import TABLE_KEY

    figure = nbformat.v4.new_code_cell("plot()", metadata={"tags": ["fig:mse-vs-m"]})
    figure["id"] = "01_reconstruction-8"
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    text = nbformat.v4.new_markdown_cell("As @fig:mse-vs-m shows.")
    table = nbformat.v4.new_code_cell("show_table()")
    table["id"] = "99_report-3"
    table.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/markdown": "see @fig:mse-vs-m",
                "text/html": "<p>see @fig:mse-vs-m</p>",
                "text/latex": "see @fig:mse-vs-m",
            },
        )
    ]
    margins = _table_cell("99_report", 4, ["Findings", "Margins"])
    margins.outputs[1]["metadata"] = {TABLE_KEY: "margins"}
    cells = [nbformat.v4.new_code_cell("x = 1"), figure, text, table, margins]
    cells[0]["id"] = "00_datasets-1"
    text.source += " Sources: @tbl:margins."
    figures = number_figures(cells)
    number_tables(cells)
    resolve_references(cells, figures)
    assert text.source == ("As [Figure 1.1](#figure-1-1) shows. Sources: [Table S.2](#table-s-2).")
    data = table.outputs[0]["data"]
    assert data["text/markdown"] == "see [Figure 1.1](#figure-1-1)"
    assert data["text/html"] == '<p>see <a href="#figure-1-1">Figure 1.1</a></p>'
    assert data["text/latex"] == "see \\hyperlink{figure-1-1}{Figure 1.1}"
    # The anchor the link points at is the one the figure's label carries.
    assert 'id="figure-1-1"' in figure.outputs[1]["data"]["text/html"]

    typo = nbformat.v4.new_markdown_cell("See @fig:mse-vs-n.")
    with pytest.raises(ValueError, match=r"@fig:mse-vs-n cites no figure.*mse-vs-m"):
        resolve_references([figure, typo], {"1.1": "mse-vs-m"})
    typo = nbformat.v4.new_markdown_cell("See @tbl:margin.")
    with pytest.raises(ValueError, match=r"@tbl:margin cites no table.*key='margin'.*margins"):
        resolve_references([margins, typo], {})


def test_outputs_marked_for_the_appendix_move_there_in_the_pdf_only(tmp_path):
    from helpers.report.rendering import APPENDIX_HEADING, move_to_appendix
    from helpers.tables import APPENDIX

    def shown(text, appendix=None):
        return nbformat.v4.new_output(
            "display_data",
            data={"text/markdown": text},
            metadata={APPENDIX: appendix} if appendix else {},
        )

    cell = nbformat.v4.new_code_cell("loop()")
    cell.outputs = [
        shown("verdict 1"),
        shown("evidence 1", "Verdict 1"),
        shown("ledger 1", "Verdict 1"),
        shown("verdict 2"),
        shown("evidence 2", "Verdict 2"),
    ]
    other = nbformat.v4.new_markdown_cell("# Next chapter")
    cells = move_to_appendix([cell, other])
    # In place: the unmarked outputs, and a link to the appendix where each group began.
    kept = [o["data"].get("text/markdown") or o["data"]["text/plain"] for o in cell.outputs]
    assert kept == [
        "verdict 1",
        "In the appendix: Verdict 1.",
        "verdict 2",
        "In the appendix: Verdict 2.",
    ]
    assert "\\hyperlink{appendix-1}{Verdict 1}" in cell.outputs[1]["data"]["text/latex"]
    # At the end, after every other cell: a heading, then each group under its title.
    assert cells[1] is other and cells[2].source == f"# {APPENDIX_HEADING}"
    appendix = cells[2:]
    assert [c.source for c in appendix if c.cell_type == "markdown"][1:] == [
        "## Verdict 1",
        "## Verdict 2",
    ]
    assert appendix[1].source == "\\hypertarget{appendix-1}{}"
    bodies = [c for c in appendix if c.cell_type == "code"]
    assert [[o["data"]["text/markdown"] for o in c.outputs] for c in bodies] == [
        ["evidence 1", "ledger 1"],
        ["evidence 2"],
    ]
    assert len({c["id"] for c in cells if "id" in c}) == len([c for c in cells if "id" in c])
    # Nothing marked: nothing moves.
    plain = nbformat.v4.new_code_cell("x")
    plain.outputs = [shown("a")]
    assert move_to_appendix([plain]) == [plain] and len(plain.outputs) == 1


def _table_cell(stem, i, captions):
    import pandas as pd

    from helpers.tables import latex_table, markdown_table

    frame = pd.DataFrame({"a": [1.0]})
    cell = nbformat.v4.new_code_cell("show_table()")
    cell["id"] = f"{stem}-{i}"
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/markdown": f"**{c}**\n\n{markdown_table(frame)}",
                "text/latex": f"\\textbf{{{c}}}\n\n{latex_table(frame)}",
                "text/plain": "a",
            },
        )
        for c in captions
    ]
    return cell


def test_tables_keep_their_chapter_number_or_get_one_and_an_anchor():
    from helpers.report.figures import number_tables

    cells = [
        _table_cell("99_report", 2, ["Findings", "Configuration"]),
        _table_cell("03_projection_mlp", 5, ["Table 3b. CNN vs RP-MLP", "Cost"]),
    ]
    assert number_tables(cells) == ["S.1", "S.2", "3b", "3.1"]
    findings = cells[0].outputs[0]["data"]
    assert findings["text/markdown"].startswith('<a id="table-s-1"></a>\n\n**Table S.1. Findings**')
    assert findings["text/latex"].startswith(
        "\\hypertarget{table-s-1}{}\\textbf{Table S.1. Findings}"
    )
    assert (
        cells[1]
        .outputs[0]["data"]["text/markdown"]
        .startswith('<a id="table-3b"></a>\n\n**Table 3b. CNN vs RP-MLP**')
    )
    # With marks, each table carries its notebook's provenance under the caption.
    marked = [_table_cell("03_projection_mlp", 5, ["Table 3b. CNN vs RP-MLP"])]
    number_tables(marked, {"03_projection_mlp": "made by `x.ipynb`, [r.json](r.json)"})
    data = marked[0].outputs[0]["data"]
    assert (
        "**Table 3b. CNN vs RP-MLP**\n\n<small>made by `x.ipynb`, [r.json](r.json)</small>"
        in (data["text/markdown"])
    )
    assert (
        "\\textbf{Table 3b. CNN vs RP-MLP}\n\n{\\footnotesize made by \\texttt{x.ipynb}, "
        "\\href{r.json}{r.json}}" in data["text/latex"]
    )
    with pytest.raises(ValueError, match="Table 3b is numbered twice"):
        number_tables([_table_cell("03_projection_mlp", 1, ["Table 3b. a", "Table 3b. b"])])


def test_long_text_columns_wrap_in_latex_instead_of_shrinking_the_table():
    import pandas as pd

    from helpers.tables import WRAP_AFTER, latex_table

    short = latex_table(pd.DataFrame({"image": ["camera"], "mse": [0.01]}))
    assert "\\begin{tabular}{lr}" in short and "tabularx" not in short
    frame = pd.DataFrame(
        {"claim": ["1"], "halves": ["word " * WRAP_AFTER], "n": [3], "interval": ["[0.1, 0.2]" * 3]}
    )
    body = latex_table(frame)
    assert (
        "\\begin{tabularx}{\\linewidth}{l>{\\raggedright\\arraybackslash\\hsize=1.00\\hsize}Xrr}"
        in body
    )
    assert body.count("\\end{tabularx}") == 1 and "\\end{tabular}\n" not in body
    # Two wrapped columns share the width by their longest cell; the factors sum to 2.
    frame["note"] = ["word " * 12]  # 60 characters against 90
    body = latex_table(frame)
    assert "\\hsize=1.20\\hsize}X" in body and "\\hsize=0.80\\hsize}X" in body


def test_links_in_table_cells_become_hyperlinks_in_latex():
    import pandas as pd

    from helpers.tables import latex_table

    frame = pd.DataFrame({"evidence": ["see [Table 3b](#table-3b) & [Table 1](#table-1)"]})
    body = latex_table(frame)
    assert "see \\hyperlink{table-3b}{Table 3b} \\& \\hyperlink{table-1}{Table 1}" in body


def test_figure_marks_come_from_each_notebooks_recorded_run(tmp_path):
    from helpers.report.figures import notebook_marks

    notebook = tmp_path / "02_cnn.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["report"] = {"records": ["cnn"]}
    nbformat.write(nb, str(notebook))
    run = {
        "git": {"commit": "0123456789abcdef", "dirty": True},
        "parameters": {"profile": "quick", "seed": 3},
    }
    marks = notebook_marks({"cnn": {"_run": run}}, [notebook])
    assert marks["02_cnn"] == (
        "made by `notebooks/02_cnn.ipynb`, numbers in [results/cnn.json](results/cnn.json); "
        "commit 0123456789 (modified), profile quick, seed 3"
    )
    # A chapter that trained names its backend and training precision, from its record.
    run["keras_backend"] = "tensorflow"
    trained = {"_run": run, "machine": {"training_precision": "float32"}}
    assert notebook_marks({"cnn": trained}, [notebook])["02_cnn"].endswith(
        "seed 3, tensorflow float32"
    )
    # Fits served from a cache that other code trained are flagged; this run's own are not.
    trained["datasets"] = {
        "fashion_mnist": {
            "fold_commits": ["0123456789abcdef", "fedcba9876543210"],
            "fold_cached": [True, True],
            "final_commit": "fedcba9876543210",
            "final_cached": False,
        }
    }
    assert notebook_marks({"cnn": trained}, [notebook])["02_cnn"].endswith(
        "; **1 cached fit trained by other code** (commit fedcba9876)"
    )
    trained["datasets"]["fashion_mnist"]["fold_cached"] = [True, False]
    assert "other code" not in notebook_marks({"cnn": trained}, [notebook])["02_cnn"]


def test_the_report_ends_with_its_references(tmp_path):
    from helpers.report.references import load_references

    merged = merge_notebooks([_executed(tmp_path / "00_a.ipynb", "Alpha")])
    last = merged.cells[-1].source
    assert last.startswith("# References")
    entries = load_references()
    assert len(entries) >= 10 and len({e["id"] for e in entries}) == len(entries)
    assert all(f"**{e['citation-label']}.**" in last for e in entries)
    assert (
        "C. Nadeau and Y. Bengio, Inference for the generalization error, Machine Learning "
        "52(3), 239-281, 2003. Used for: corrected CV intervals" in last
    )
    (toc,) = [c for c in merged.cells if "report-toc" in c.metadata.get("tags", [])]
    assert "[References](#References)" in toc.source


def test_a_bibliography_entry_without_its_label_is_refused(tmp_path):
    import json

    from helpers.report.references import load_references

    path = tmp_path / "refs.json"
    path.write_text(json.dumps([{"id": "x", "title": "T", "x-used-for": "u"}]))
    with pytest.raises(ValueError, match="lacks \\['citation-label'\\]"):
        load_references(path)
