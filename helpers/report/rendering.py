"""Assemble the executed notebooks into one report and render it to HTML and PDF."""

from __future__ import annotations

import re
import shutil
import signal
from contextlib import ExitStack, contextmanager
from pathlib import Path

from helpers.files import atomic_path
from helpers.report.profiles import PROJECT_ROOT, PipelineError

__all__ = ["REPORT_TITLE", "merge_notebooks", "render_html", "render_pdf", "build_report"]

REPORT_TITLE = "Compressive sensing, CNNs and random projections: the study reproduced and extended"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
LATEX_PACKAGES_HINT = (
    "apt-get install pandoc texlive-xetex texlive-fonts-recommended texlive-plain-generic "
    "lmodern (Debian/Ubuntu), or `conda install -c conda-forge pandoc texlive-core`"
)


def _heading_anchor(text):
    # nbconvert's HTML heading ids: the text with spaces as hyphens.
    return re.sub(r"\s+", "-", text.strip())


def merge_notebooks(executed_paths, title=REPORT_TITLE):
    """One notebook: summary notebooks (``99_*``) first, then the others in order.

    Parameter cells are dropped; a table of contents cell (for the HTML) is
    built from the level-1 and level-2 headings.
    """
    import nbformat

    ordered = sorted(executed_paths, key=lambda p: (not p.stem.startswith("99"), p.stem))
    merged = nbformat.v4.new_notebook()
    cells = []
    for path in ordered:
        nb = nbformat.read(str(path), as_version=4)
        if not merged.metadata.get("kernelspec"):
            merged.metadata.update(
                {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
            )
        for i, cell in enumerate(nb.cells):
            tags = cell.get("metadata", {}).get("tags", [])
            if "parameters" in tags or "injected-parameters" in tags:
                continue
            cell["id"] = f"{path.stem[:40]}-{i}"  # ids must be unique in the merged notebook
            if cell.cell_type == "code":
                # stderr carries logs and warnings: the console's business, not the report's.
                cell.outputs = [
                    o
                    for o in cell.outputs
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
            cells.append(cell)
    toc = []
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^(#{1,2})\s+(.*?)\s*$", line)
            if m:
                indent = "  " * (len(m.group(1)) - 1)
                toc.append(f"{indent}- [{m.group(2)}](#{_heading_anchor(m.group(2))})")
    toc_cell = nbformat.v4.new_markdown_cell("**Contents**\n\n" + "\n".join(toc))
    toc_cell.metadata["tags"] = ["report-toc"]
    merged.cells = [toc_cell] + cells
    merged.metadata["title"] = title
    merged.metadata["authors"] = [{"name": "research-report pipeline"}]
    return merged


def render_html(merged):
    """Self-contained HTML (bytes): no code, figures inline, math as MathML, no scripts.

    The template ``templates/report_html`` leaves out the lab template's
    CDN scripts (MathJax, require.js, Mermaid); the exporter renders the
    markdown's math to MathML, so the page needs no script to display.
    """
    from helpers.report.html_export import ReportHTMLExporter

    exporter = ReportHTMLExporter(
        template_name="report_html",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(merged)
    return body.encode("utf-8")


def latex_tools_missing():
    return [tool for tool in ("xelatex", "pandoc") if shutil.which(tool) is None]


def render_pdf(merged):
    """PDF (bytes) through nbconvert's LaTeX route (pandoc + xelatex)."""
    import nbformat
    from nbconvert import PDFExporter

    merged = nbformat.from_dict(merged)
    merged.cells = [
        c for c in merged.cells if "report-toc" not in c.get("metadata", {}).get("tags", [])
    ]
    exporter = PDFExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        template_name="report_latex",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
    )
    pdf, _ = exporter.from_notebook_node(merged)
    return pdf


@contextmanager
def _signals_deferred():
    """Hold off Ctrl-C and SIGTERM for a few instructions (delivered when they end)."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def build_report(output_dir, notebooks, on_progress=print):
    """Render report.html and (when LaTeX is available) report.pdf; return their paths.

    Both are rendered to temporary files first; only when both are complete
    are they renamed over the previous pair, back to back with interruptions
    held off, so the folder never holds an HTML and a PDF of two attempts.
    Without LaTeX the PDF of an earlier run is removed rather than left
    beside a newer HTML.
    """
    output_dir = Path(output_dir)
    executed = [output_dir / "executed" / nb.name for nb in notebooks]
    missing = [p for p in executed if not p.is_file()]
    if missing:
        raise PipelineError(f"cannot build the report: not executed yet: {missing}")
    merged = merge_notebooks(executed)
    targets = {output_dir / "report.html": render_html}
    missing_tools = latex_tools_missing()
    if missing_tools:
        on_progress(
            f"[render] WARNING: no PDF: {', '.join(missing_tools)} not found. Install with: "
            f"{LATEX_PACKAGES_HINT}"
        )
    else:
        targets[output_dir / "report.pdf"] = render_pdf
    with ExitStack() as stack:
        temporary = {}
        for target, render in targets.items():
            on_progress(f"[render] rendering {target.name}")
            tmp = stack.enter_context(atomic_path(target))
            tmp.write_bytes(render(merged))
            temporary[target] = tmp
        stale_pdf = output_dir / "report.pdf"
        with _signals_deferred():
            # Leaving the ExitStack renames each temporary file over its target.
            stack.close()
            if stale_pdf not in targets:
                stale_pdf.unlink(missing_ok=True)
    return list(targets)
