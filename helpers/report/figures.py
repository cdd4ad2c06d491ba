"""Figure numbers and a provenance mark under every figure of the merged report.

Each figure gets a number by chapter, "Figure 2.3" (the third figure of chapter
02; "S" for the summary), so the text and readers can cite it, and a line saying
what made it: the notebook, the results file its numbers were recorded in, and
the commit, profile and seed of that run, read from the result's own ``_run``
block (as showyourwork marks each figure with the code that made it).
"""

from __future__ import annotations

from helpers.provenance import commit_label

__all__ = ["chapter_label", "notebook_marks", "number_figures"]

IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg", "application/pdf")


def chapter_label(stem):
    """'02_cnn' -> '2'; '99_report' -> 'S' (the summary); other names unchanged."""
    prefix = stem.split("_", 1)[0]
    if prefix == "99":
        return "S"
    return str(int(prefix)) if prefix.isdigit() else stem


def notebook_marks(results, notebooks):
    """Notebook stem -> its provenance line, from the results each notebook records.

    ``results``: the output folder's recorded results by name
    (:func:`helpers.results.read_results`).
    """
    from helpers.report.staleness import records_of

    marks = {}
    for notebook in notebooks:
        names = records_of(notebook)
        run = next(((results.get(n) or {}).get("_run") or {} for n in names if n in results), {})
        params = run.get("parameters") or {}
        commit = commit_label(run) or "unknown"
        marks[notebook.stem] = (
            f"made by `notebooks/{notebook.name}`"
            + (f", numbers in `results/{names[0]}.json`" if names else "")
            + f"; commit {commit}, profile {params.get('profile', '?')}, "
            f"seed {params.get('seed', '?')}"
        )
    return marks


def _has_image(output):
    return output.get("output_type") in ("display_data", "execute_result") and any(
        t in output.get("data", {}) for t in IMAGE_TYPES
    )


def number_figures(cells, marks=None):
    """Insert "Figure C.N" and the provenance mark after every figure output, in place.

    ``cells``: merged cells whose ids start with their notebook's stem (as
    :func:`helpers.report.rendering.merge_notebooks` sets them); ``marks``: stem ->
    provenance line (:func:`notebook_marks`). Returns the number of figures.
    """
    import nbformat

    counts = {}
    total = 0
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        stem = cell.get("id", "").rsplit("-", 1)[0]
        label = chapter_label(stem)
        outputs = []
        for output in cell.get("outputs", []):
            outputs.append(output)
            if not _has_image(output):
                continue
            counts[label] = counts.get(label, 0) + 1
            total += 1
            mark = (marks or {}).get(stem)
            text = f"*Figure {label}.{counts[label]}*" + (f" — {mark}" if mark else "")
            outputs.append(nbformat.v4.new_output("display_data", data={"text/markdown": text}))
        cell["outputs"] = outputs
    return total
