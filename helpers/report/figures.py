"""Figure and table numbers, their anchors, and a provenance mark under every figure
of the merged report.

Each figure gets a number by chapter, "Figure 2.3" (the third figure of chapter
02; "S" for the summary), so the text and readers can cite it, and a line saying
what made it: the notebook, the results file its numbers were recorded in, and
the commit, profile and seed of that run, read from the result's own ``_run``
block (as showyourwork marks each figure with the code that made it).

Every table keeps the number its chapter gives it ("Table 3b", the study's own
numbering extended) or, without one, gets "Table <chapter>.<n>". Figures and tables
get an anchor in both formats (``figure-2-3``, ``table-3b``: an HTML id, a LaTeX
hypertarget), so a link ``[Table 3b](#table-3b)`` lands on it in the HTML and the PDF.

Each label says first, in a sentence, what the figure shows: the cell that draws it
lists one sentence per figure, in the order it draws them, in its metadata
(``"report": {"captions": [...]}``, :data:`CAPTIONS_KEY`); a cell that draws its figures
in a loop lists them once, and they repeat. The label reads "Figure 1.10 — <what it
shows>. Made by ...". tests/test_captions.py fails for a figure cell without them.

A figure is cited by key, as pandoc-crossref does: the cell that draws it carries the
tag ``fig:mse-vs-m`` (one tag per figure, in the order the cell draws them), and text
anywhere in the report (markdown cells, tables, folded blocks) writes ``@fig:mse-vs-m``,
which becomes a link "Figure 1.2" to it; a table shown with ``show_table(..., key="margins")``
is cited as ``@tbl:margins``. A key nothing carries stops the build.
"""

from __future__ import annotations

import re

from helpers.provenance import commit_label
from helpers.tables import TABLE_KEY

__all__ = [
    "chapter_label",
    "figure_captions",
    "notebook_marks",
    "number_figures",
    "number_tables",
    "anchor",
    "resolve_references",
]

IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg", "application/pdf")
FIGURE_TAG = "fig:"
# Letters, digits and hyphens only: LaTeX escaping leaves them as they are.
REFERENCE = re.compile(r"@(fig|tbl):([A-Za-z0-9][A-Za-z0-9-]*)")
# Cell metadata: the report's settings of a cell; under it, "captions" lists a sentence
# per figure the cell draws.
CAPTIONS_KEY = "report"
# Output metadata: the number a table was given (its key: helpers.tables.TABLE_KEY).
TABLE_NUMBER = "report_number"


def chapter_label(stem):
    """'02_cnn' -> '2'; '99_report' -> 'S' (the summary); other names unchanged."""
    prefix = stem.split("_", 1)[0]
    if prefix == "99":
        return "S"
    return str(int(prefix)) if prefix.isdigit() else stem


def notebook_marks(results, notebooks):
    """Notebook stem -> its provenance line, from the results each notebook records: the
    notebook, a link to its results file, the commit ("(modified)" for a dirty tree),
    profile and seed, the backend and training precision where it trained models, and a
    flag when some of its fits were served from a cache that other code trained
    (:func:`cache_flag`).

    ``results``: the output folder's recorded results by name
    (:func:`helpers.results.read_results`).
    """
    from helpers.report.staleness import records_of

    marks = {}
    for notebook in notebooks:
        names = records_of(notebook)
        payload = next((results[n] for n in names if n in results), {})
        run = payload.get("_run") or {}
        params = run.get("parameters") or {}
        commit = commit_label(run) or "unknown"
        # The training precision, where the chapter trained models (its own record).
        precision = (payload.get("machine") or {}).get("training_precision") or payload.get(
            "precision"
        )
        marks[notebook.stem] = (
            f"made by `notebooks/{notebook.name}`"
            + (f", numbers in [results/{names[0]}.json](results/{names[0]}.json)" if names else "")
            + f"; commit {commit}, profile {params.get('profile', '?')}, "
            f"seed {params.get('seed', '?')}"
            + (f", {run.get('keras_backend', '?')} {precision}" if precision else "")
            + cache_flag(payload, run)
        )
    return marks


def _trained_commits(payload):
    """The commits recorded for cached training results anywhere in ``payload``
    (``fold_commits`` lists, ``final_commit`` values), with whether each came from the
    cache: ``[(commit, cached)]``."""
    found = []
    if isinstance(payload, dict):
        if isinstance(payload.get("fold_commits"), list):
            cached = payload.get("fold_cached") or [False] * len(payload["fold_commits"])
            found += list(zip(payload["fold_commits"], cached))
        if "final_commit" in payload:
            found.append((payload["final_commit"], bool(payload.get("final_cached"))))
        for key, value in payload.items():
            if key != "_run":
                found += _trained_commits(value)
    elif isinstance(payload, list):
        for value in payload:
            found += _trained_commits(value)
    return found


def cache_flag(payload, run):
    """ ", 3 cached fits trained by other code (commits ...)" when results served from the
    cache were trained at another commit than this run's; "" otherwise."""
    current = ((run or {}).get("git") or {}).get("commit") or ""
    other = [c for c, cached in _trained_commits(payload) if cached and c != current]
    if not other:
        return ""
    commits = sorted({c[:10] if c else "unrecorded" for c in other})
    fits = "fit" if len(other) == 1 else "fits"
    return f"; **{len(other)} cached {fits} trained by other code** (commit {', '.join(commits)})"


def anchor(kind, number):
    """The anchor id of "Figure 2.3" / "Table 3b": ``figure-2-3``, ``table-3b``."""
    return f"{kind}-" + re.sub(r"[^0-9A-Za-z]+", "-", str(number)).strip("-").lower()


def _label_output(kind, number, mark_markdown, caption=None):
    """A display output: "*Figure 2.3* — caption. Mark" with its anchor, in HTML and
    LaTeX (without a caption: "*Figure 2.3* — mark")."""
    import html

    import mistune
    import nbformat

    target = anchor(kind, number)
    text = [caption.strip()] if caption else []
    if mark_markdown:
        # After a sentence, the mark starts one.
        text.append(mark_markdown[:1].upper() + mark_markdown[1:] if text else mark_markdown)
    markdown = f"*{kind.capitalize()} {number}*" + (f" — {' '.join(text)}" if text else "")
    body = mistune.html(markdown).strip()
    body = body[3:-4] if body.startswith("<p>") and body.endswith("</p>") else html.escape(markdown)
    return nbformat.v4.new_output(
        "display_data",
        data={
            "text/markdown": markdown,
            "text/html": f'<p class="report-label" id="{target}">{body}</p>',
            "text/latex": f"\\hypertarget{{{target}}}{{}}" + _markdown_to_latex(markdown),
        },
    )


def _markdown_to_latex(markdown):
    """Emphasis, code spans and links of a short line, as LaTeX (the rest escaped)."""
    from helpers.tables import latex_escape

    out = []
    for part in re.split(r"(`[^`]*`|\*[^*]+\*|\[[^\]]+\]\([^)]+\))", markdown):
        link = re.fullmatch(r"\[([^\]]+)\]\(([^)]+)\)", part)
        if link:
            out.append(f"\\href{{{link.group(2)}}}{{{latex_escape(link.group(1))}}}")
        elif part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"\\texttt{{{latex_escape(part[1:-1])}}}")
        elif part.startswith("*") and part.endswith("*") and len(part) > 1:
            out.append(f"\\emph{{{latex_escape(part[1:-1])}}}")
        else:
            out.append(latex_escape(part))
    return "".join(out)


def _has_image(output):
    return output.get("output_type") in ("display_data", "execute_result") and any(
        t in output.get("data", {}) for t in IMAGE_TYPES
    )


def _figure_keys(cell):
    tags = cell.get("metadata", {}).get("tags", [])
    return [t[len(FIGURE_TAG) :] for t in tags if t.startswith(FIGURE_TAG)]


def figure_captions(cell):
    """The sentences a cell's metadata gives its figures (``report.captions``), in order."""
    captions = (cell.get("metadata", {}).get(CAPTIONS_KEY) or {}).get("captions") or []
    if isinstance(captions, str) or not all(isinstance(c, str) for c in captions):
        raise ValueError(
            f"cell {cell.get('id')}: {CAPTIONS_KEY}.captions must be a list of strings"
        )
    return list(captions)


def number_figures(cells, marks=None):
    """Insert "Figure C.N", what the figure shows (the cell's :func:`figure_captions`,
    repeated in order when a loop draws more figures than it lists) and the provenance
    mark after every figure output, in place.

    ``cells``: merged cells whose ids start with their notebook's stem (as
    :func:`helpers.report.rendering.merge_notebooks` sets them); ``marks``: stem ->
    provenance line (:func:`notebook_marks`).

    Returns
    -------
    dict
        Figure number ("2.3") -> its key from the cell's ``fig:`` tags (None without
        one), in order.
    """
    counts = {}
    numbers = {}
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        stem = cell.get("id", "").rsplit("-", 1)[0]
        label = chapter_label(stem)
        keys = iter(_figure_keys(cell))
        captions = figure_captions(cell)
        outputs = []
        for output in cell.get("outputs", []):
            outputs.append(output)
            if not _has_image(output):
                continue
            counts[label] = counts.get(label, 0) + 1
            number = f"{label}.{counts[label]}"
            numbers[number] = next(keys, None)
            drawn = sum(_has_image(o) for o in outputs)  # this figure's place in its cell
            caption = captions[(drawn - 1) % len(captions)] if captions else None
            outputs.append(_label_output("figure", number, (marks or {}).get(stem), caption))
        cell["outputs"] = outputs
    return numbers


def _table_keys(cells):
    """Table key -> number, from the outputs :func:`number_tables` numbered."""
    keys = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            metadata = output.get("metadata") or {}
            if metadata.get(TABLE_KEY) and metadata.get(TABLE_NUMBER):
                keys[metadata[TABLE_KEY]] = metadata[TABLE_NUMBER]
    return keys


def resolve_references(cells, figures):
    """Replace every ``@fig:key`` and ``@tbl:key`` of the merged report by a link, in place.

    Markdown cells get ``[Figure 1.2](#figure-1-2)``; display outputs get the same in
    their Markdown, an ``<a href>`` in their HTML and a ``\\hyperlink`` in their LaTeX.
    A table's key is the one :func:`helpers.tables.show_table` was given.

    Parameters
    ----------
    cells : list
        The merged cells, figures and tables numbered (:func:`number_figures`,
        :func:`number_tables`).
    figures : dict
        Figure number -> key, as :func:`number_figures` returns it.

    Raises
    ------
    ValueError
        For a key no figure or table carries (the link would land nowhere), naming the
        known keys.
    """
    known = {
        "fig": ("figure", {key: number for number, key in figures.items() if key}),
        "tbl": ("table", _table_keys(cells)),
    }

    def replace(text, style):
        def link(match):
            prefix, key = match.groups()
            kind, by_key = known[prefix]
            if key not in by_key:
                how = (
                    f"tag the cell that draws it 'fig:{key}'"
                    if prefix == "fig"
                    else f"show it with show_table(..., key='{key}')"
                )
                raise ValueError(
                    f"@{prefix}:{key} cites no {kind}: {how} "
                    f"({kind} keys in this report: {sorted(by_key) or 'none'})"
                )
            number = by_key[key]
            target, label = anchor(kind, number), f"{kind.capitalize()} {number}"
            if style == "html":
                return f'<a href="#{target}">{label}</a>'
            if style == "latex":
                return f"\\hyperlink{{{target}}}{{{label}}}"
            return f"[{label}](#{target})"

        return REFERENCE.sub(link, text)

    styles = {"text/markdown": "markdown", "text/html": "html", "text/latex": "latex"}
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            cell["source"] = replace(cell["source"], "markdown")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime, style in styles.items():
                if isinstance(data.get(mime), str):
                    data[mime] = replace(data[mime], style)


# show_table's outputs: a bold caption, then the table (helpers/tables.py).
_MARKDOWN_CAPTION = re.compile(r"^\*\*(.+?)\*\*\n\n", re.S)
_LATEX_CAPTION = re.compile(r"^\\textbf\{(.+?)\}\n\n", re.S)
_NUMBERED = re.compile(r"^Table (\d+[a-z]?)\. ")


def _is_table(output):
    data = output.get("data", {})
    return bool(
        _MARKDOWN_CAPTION.match(str(data.get("text/markdown", "")))
        and _LATEX_CAPTION.match(str(data.get("text/latex", "")))
    )


def number_tables(cells, marks=None):
    """Give every captioned table of the merged report a number and an anchor, in place,
    and (``marks``: stem -> provenance line, :func:`notebook_marks`) the mark of the
    notebook that made it under its caption.

    A caption that starts "Table 3b. " keeps that number; any other gets
    "Table <chapter>.<n>. " in front. Returns the numbers in order; a number used twice
    raises ``ValueError`` (a link to it could land on either).
    """
    counts, numbers = {}, []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        stem = cell.get("id", "").rsplit("-", 1)[0]
        for output in cell.get("outputs", []):
            if not _is_table(output):
                continue
            data = output["data"]
            caption = _MARKDOWN_CAPTION.match(data["text/markdown"]).group(1)
            found = _NUMBERED.match(caption)
            if found:
                number = found.group(1)
            else:
                label = chapter_label(stem)
                counts[label] = counts.get(label, 0) + 1
                number = f"{label}.{counts[label]}"
                data["text/markdown"] = data["text/markdown"].replace(
                    "**", f"**Table {number}. ", 1
                )
                data["text/latex"] = data["text/latex"].replace(
                    "\\textbf{", f"\\textbf{{Table {number}. ", 1
                )
            if number in numbers:
                raise ValueError(f"Table {number} is numbered twice (notebook {stem})")
            numbers.append(number)
            output.setdefault("metadata", {})[TABLE_NUMBER] = number
            mark = (marks or {}).get(stem)
            if mark:
                data["text/markdown"] = _MARKDOWN_CAPTION.sub(
                    lambda m: f"{m.group(0)}<small>{mark}</small>\n\n", data["text/markdown"], 1
                )
                data["text/latex"] = _LATEX_CAPTION.sub(
                    lambda m: f"{m.group(0)}{{\\footnotesize {_markdown_to_latex(mark)}}}\n\n",
                    data["text/latex"],
                    1,
                )
            target = anchor("table", number)
            data["text/markdown"] = f'<a id="{target}"></a>\n\n' + data["text/markdown"]
            data["text/latex"] = f"\\hypertarget{{{target}}}{{}}" + data["text/latex"]
    return numbers
