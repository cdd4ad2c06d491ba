"""Execute the notebooks with papermill and render the report with nbconvert.

``render.sh`` calls :func:`main`. Steps:

1. Load the profile (``params/<profile>.yaml``) and the command-line
   overrides; check every parameter name against the notebooks' ``parameters``
   cells and every value against the declared type, before anything runs.
2. Execute each notebook into ``<output>/executed/``, skipping one whose
   executed copy is up to date (same notebook, parameters and ``helpers``
   code) unless ``--force``. A notebook is written to a temporary file and
   renamed on success, so an interrupted run keeps every finished notebook.
3. Merge the executed notebooks (summary first) and render
   ``<output>/report.html`` and ``<output>/report.pdf``. Each is written to a
   temporary file and renamed, so the last good report stays in place until
   the new one is complete.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import yaml

from helpers.files import atomic_write_bytes
from helpers.runtime import quiet_tensorflow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
PARAMS_DIR = PROJECT_ROOT / "params"
KERNEL_NAME = "research-report"
REPORT_TITLE = "Compressive sensing, CNNs and random projections: the study reproduced and extended"
# Parameters the pipeline sets itself for every notebook that declares them.
PIPELINE_PARAMETERS = ("profile", "output_dir")
LATEX_PACKAGES_HINT = (
    "apt-get install pandoc texlive-xetex texlive-fonts-recommended texlive-plain-generic "
    "lmodern (Debian/Ubuntu), or `conda install -c conda-forge pandoc texlive-core`"
)


class PipelineError(Exception):
    """A problem with the run's inputs, found before any notebook runs."""


class NotebookFailed(Exception):
    """A notebook raised an exception; says which notebook and which cell."""


# --------------------------------------------------------------------------- inputs


def available_profiles():
    return sorted(p.stem for p in PARAMS_DIR.glob("*.yaml"))


def load_profile(name):
    """Parameters of profile ``name`` (a flat mapping), from ``params/<name>.yaml``."""
    path = PARAMS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise PipelineError(
            f"unknown profile {name!r}; choose one of: {', '.join(available_profiles())} "
            f"(files in {PARAMS_DIR})"
        )
    values = yaml.safe_load(path.read_text()) or {}
    if not isinstance(values, dict):
        raise PipelineError(f"{path} must be a mapping of parameter: value")
    return values


def list_notebooks(only=None):
    """Source notebooks in run order (``NN_name.ipynb``, by number)."""
    notebooks = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if only:
        wanted = set(only)
        chosen = [
            nb
            for nb in notebooks
            if nb.stem in wanted or nb.name in wanted or nb.stem.split("_", 1)[1] in wanted
        ]
        found = (
            {nb.stem for nb in chosen}
            | {nb.name for nb in chosen}
            | {nb.stem.split("_", 1)[1] for nb in chosen}
        )
        unknown = sorted(wanted - found)
        if unknown:
            raise PipelineError(
                f"unknown notebook(s) {unknown}; choose from: "
                f"{', '.join(nb.stem for nb in notebooks)}"
            )
        notebooks = chosen
    return notebooks


def declared_parameters(notebook):
    """``{name: {"type": str, "default": str}}`` from the notebook's parameters cell."""
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    if not declared:
        raise PipelineError(f"{notebook.name} has no cell tagged 'parameters'")
    return {
        name: {"type": p["inferred_type_name"], "default": p["default"]}
        for name, p in declared.items()
    }


_TYPE_CHECKS = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
    "None": lambda v: v is None,
}


def check_parameter_type(name, value, type_name):
    """Raise :class:`PipelineError` if ``value`` does not match ``type_name``.

    ``type_name`` is the annotation text papermill reports, e.g. ``int``,
    ``Optional[str]`` or ``list[int]``; unknown annotations are not checked.
    (papermill cannot parse ``str | None`` annotations, hence ``Optional``.)
    """
    type_name = type_name or ""
    optional = re.fullmatch(r"Optional\[(.*)\]", type_name.strip())
    alternatives = [optional.group(1), "None"] if optional else type_name.split("|")
    alternatives = [t.strip() for t in alternatives]
    bases = [re.sub(r"\[.*\]$", "", t) for t in alternatives]
    if not bases or any(b not in _TYPE_CHECKS for b in bases):
        return
    if not any(_TYPE_CHECKS[b](value) for b in bases):
        raise PipelineError(
            f"parameter {name} must be {type_name}, got {value!r} ({type(value).__name__})"
        )


def resolve_parameters(notebooks, profile, overrides, output_dir):
    """Per-notebook parameters: profile values, then overrides, then pipeline values.

    Raises :class:`PipelineError` for a parameter no notebook of the project
    declares (not only the selected ones: a profile serves them all) or a
    value of the wrong type.
    """
    values = {**load_profile(profile), **overrides}
    all_declared = {nb: declared_parameters(nb) for nb in list_notebooks()}
    declared = {nb: all_declared.get(nb) or declared_parameters(nb) for nb in notebooks}
    known = set().union(*(d.keys() for d in all_declared.values())) if all_declared else set()
    unknown = sorted(set(values) - known)
    if unknown:
        raise PipelineError(
            f"unknown parameter(s) {unknown}: no notebook declares them. "
            f"Known parameters: {', '.join(sorted(known - set(PIPELINE_PARAMETERS)))}"
        )
    pipeline_values = {"profile": profile, "output_dir": str(output_dir)}
    per_notebook = {}
    for nb, params in declared.items():
        chosen = {k: v for k, v in values.items() if k in params}
        chosen.update({k: v for k, v in pipeline_values.items() if k in params})
        for k, v in chosen.items():
            check_parameter_type(k, v, params[k]["type"])
        per_notebook[nb] = chosen
    return per_notebook


def parse_override(name, text):
    """Parse ``-p NAME VALUE``: VALUE is read as YAML (``3`` int, ``[1, 2]`` list)."""
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise PipelineError(f"-p {name!r}: not a valid parameter name")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PipelineError(f"-p {name} {text!r}: not a valid value ({exc})") from exc


# --------------------------------------------------------------------------- execution


def code_fingerprint(notebook, parameters):
    """Hash of what an executed notebook depends on: itself, its parameters, helpers."""
    digest = hashlib.sha256()
    digest.update(notebook.read_bytes())
    digest.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    for path in sorted((PROJECT_ROOT / "helpers").rglob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(os.environ.get("KERAS_BACKEND", "tensorflow").encode())
    return digest.hexdigest()


def _stamp_path(executed):
    return executed.with_suffix(".stamp.json")


def is_up_to_date(executed, fingerprint):
    stamp = _stamp_path(executed)
    if not (executed.is_file() and stamp.is_file()):
        return False
    try:
        return json.loads(stamp.read_text()).get("fingerprint") == fingerprint
    except (OSError, ValueError):
        return False


def execute_notebook(notebook, executed, parameters, *, log_output=True, progress=True):
    """Run one notebook with papermill; return wall seconds.

    The output goes to a temporary file renamed over ``executed`` on success.
    On failure the partial notebook is kept as ``<stem>.failed.ipynb`` and
    :class:`NotebookFailed` names the cell that raised.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed.parent.mkdir(parents=True, exist_ok=True)
    tmp = executed.with_name(f".{executed.stem}.running.ipynb")
    failed = executed.with_name(f"{executed.stem}.failed.ipynb")
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(tmp),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=progress,
            log_output=log_output,
            cwd=str(notebook.parent),
        )
    except PapermillExecutionError as exc:
        os.replace(tmp, failed)
        first_line = (exc.source or "").strip().splitlines()[:1]
        raise NotebookFailed(
            f"{notebook.name} failed in cell {exc.cell_index} of the executed copy (execution "
            f"count {exc.exec_count}"
            f"{', ' + first_line[0][:60] if first_line else ''}): {exc.ename}: {exc.evalue}\n"
            f"The partly executed notebook, with the traceback: {failed}"
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, executed)
    failed.unlink(missing_ok=True)
    return time.perf_counter() - start


def _run_one(notebook, executed, parameters, fingerprint, log_output, progress):
    seconds = execute_notebook(
        notebook, executed, parameters, log_output=log_output, progress=progress
    )
    _stamp_path(executed).write_text(
        json.dumps(
            {"fingerprint": fingerprint, "parameters": parameters, "seconds": round(seconds, 2)},
            indent=2,
            default=str,
        )
    )
    return seconds


def notebook_dependencies(notebook, all_stems):
    """Stems of the notebooks ``notebook`` reads results from.

    Declared in the notebook's metadata as ``{"report": {"depends_on": [...]}}``;
    summary notebooks (``99_*``) depend on every other notebook.
    """
    import nbformat

    if notebook.stem.startswith("99"):
        return [s for s in all_stems if not s.startswith("99")]
    meta = nbformat.read(str(notebook), as_version=4).metadata.get("report", {})
    return [d for d in meta.get("depends_on", []) if d in all_stems]


def execution_levels(notebooks):
    """Notebooks grouped so that each group only depends on earlier groups."""
    stems = [nb.stem for nb in notebooks]
    deps = {nb.stem: notebook_dependencies(nb, stems) for nb in notebooks}
    level = {}

    def depth(stem, seen=()):
        if stem in seen:
            raise PipelineError(
                f"notebook dependencies form a cycle: {' -> '.join(seen + (stem,))}"
            )
        if stem not in level:
            level[stem] = 1 + max((depth(d, seen + (stem,)) for d in deps[stem]), default=-1)
        return level[stem]

    for stem in stems:
        depth(stem)
    groups = {}
    for nb in notebooks:
        groups.setdefault(level[nb.stem], []).append(nb)
    return [groups[k] for k in sorted(groups)], deps


def run_notebooks(per_notebook, output_dir, *, force=False, jobs=1, log_output=True):
    """Execute notebooks level by level (a notebook runs after those it depends on).

    Returns ``(summary, failures)``: a list of ``(notebook, status, seconds)``
    and the :class:`NotebookFailed` errors. A failure does not stop notebooks
    that do not depend on it (their results are kept); its dependents are
    skipped.
    """
    executed_dir = Path(output_dir) / "executed"
    levels, deps = execution_levels(list(per_notebook))
    summary, failures, failed = [], [], set()
    for level in levels:
        todo = []
        for nb in level:
            blocked = sorted(set(deps[nb.stem]) & failed)
            if blocked:
                failed.add(nb.stem)
                summary.append((nb, f"skipped: needs {', '.join(blocked)}", None))
                continue
            executed = executed_dir / nb.name
            fp = code_fingerprint(nb, per_notebook[nb])
            if not force and is_up_to_date(executed, fp):
                seconds = json.loads(_stamp_path(executed).read_text()).get("seconds")
                summary.append((nb, "up to date, skipped", seconds))
                print(f"[render] {nb.name}: up to date, skipped", flush=True)
            else:
                todo.append((nb, executed, fp))
        if jobs > 1 and len(todo) > 1:
            with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {
                    pool.submit(_run_one, nb, ex, per_notebook[nb], fp, False, False): nb
                    for nb, ex, fp in todo
                }
                print(
                    f"[render] executing in parallel: {', '.join(nb.name for nb in futures.values())}",
                    flush=True,
                )
                outcomes = []
                for future in concurrent.futures.as_completed(futures):
                    nb = futures[future]
                    try:
                        outcomes.append((nb, future.result(), None))
                    except NotebookFailed as exc:
                        outcomes.append((nb, None, exc))
        else:
            outcomes = []
            for nb, ex, fp in todo:
                print(f"[render] executing {nb.name} with {per_notebook[nb]}", flush=True)
                try:
                    outcomes.append(
                        (nb, _run_one(nb, ex, per_notebook[nb], fp, log_output, True), None)
                    )
                except NotebookFailed as exc:
                    outcomes.append((nb, None, exc))
        for nb, seconds, exc in outcomes:
            if exc is not None:
                failures.append(exc)
                failed.add(nb.stem)
                summary.append((nb, "FAILED", None))
            else:
                summary.append((nb, "executed", seconds))
                print(f"[render] {nb.name}: done in {seconds:.0f} s", flush=True)
    return summary, failures


# --------------------------------------------------------------------------- report


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


def render_html(merged, target):
    """Self-contained HTML: no code, figures inline, no external scripts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    # The lab template links MathJax and require.js from a CDN; the report has
    # no math or widgets that need them, and must display offline.
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    body, _ = exporter.from_notebook_node(merged)
    body = re.sub(r'<script[^>]*src="(?:https?:)?//[^"]*"[^>]*>\s*</script>', "", body)
    body = re.sub(r'<script[^>]*src=""[^>]*>\s*</script>', "", body)
    # The lab template's Mermaid loader imports from a CDN; no cell uses Mermaid.
    body = re.sub(
        r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>',
        "",
        body,
        flags=re.S,
    )
    atomic_write_bytes(target, body.encode("utf-8"))


def latex_tools_missing():
    return [tool for tool in ("xelatex", "pandoc") if shutil.which(tool) is None]


def render_pdf(merged, target):
    """PDF through nbconvert's LaTeX route (pandoc + xelatex)."""
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
        extra_template_basedirs=[str(PROJECT_ROOT / "templates")],
    )
    pdf, _ = exporter.from_notebook_node(merged)
    atomic_write_bytes(target, pdf)


def build_report(output_dir, notebooks):
    """Render report.html and (when LaTeX is available) report.pdf; return paths."""
    output_dir = Path(output_dir)
    executed = [output_dir / "executed" / nb.name for nb in notebooks]
    missing = [p for p in executed if not p.is_file()]
    if missing:
        raise PipelineError(f"cannot build the report: not executed yet: {missing}")
    merged = merge_notebooks(executed)
    written = []
    html = output_dir / "report.html"
    render_html(merged, html)
    written.append(html)
    missing_tools = latex_tools_missing()
    if missing_tools:
        print(
            f"[render] WARNING: no PDF: {', '.join(missing_tools)} not found. Install with: "
            f"{LATEX_PACKAGES_HINT}",
            file=sys.stderr,
        )
    else:
        pdf = output_dir / "report.pdf"
        render_pdf(merged, pdf)
        written.append(pdf)
    return written


# --------------------------------------------------------------------------- CLI


def build_parser():
    parser = argparse.ArgumentParser(
        prog="render.sh",
        description="Execute the report's notebooks with papermill and render HTML + PDF.",
    )
    parser.add_argument(
        "--profile", default="study", help="parameter profile in params/ (default: study)"
    )
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="override one parameter (VALUE is YAML: 3, 0.5, [50, 100], text)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NOTEBOOK",
        help="run only this notebook (e.g. 00_datasets); repeatable; "
        "the report is built from every executed notebook present",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="notebooks executed in parallel (default 1)"
    )
    parser.add_argument(
        "--force", action="store_true", help="re-execute notebooks even when up to date"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="where executed notebooks and the report go (default: reports/<profile>)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="directory with the dataset .npz files (default: $REPORT_DATA_DIR, then data/)",
    )
    parser.add_argument(
        "--no-report", action="store_true", help="execute notebooks only; do not render HTML/PDF"
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    try:
        if args.jobs < 1:
            raise PipelineError(f"--jobs must be >= 1, got {args.jobs}")
        output_dir = (args.output_dir or PROJECT_ROOT / "reports" / args.profile).resolve()
        overrides = {name: parse_override(name, text) for name, text in args.parameter}
        data_dir = args.data_dir or os.environ.get("REPORT_DATA_DIR")
        if data_dir:
            # Notebooks run in notebooks/: a relative path must not change meaning there.
            if not Path(data_dir).is_dir():
                raise PipelineError(
                    f"data directory {data_dir} (from --data-dir or "
                    f"$REPORT_DATA_DIR) is not a directory"
                )
            os.environ["REPORT_DATA_DIR"] = str(Path(data_dir).resolve())
        all_notebooks = list_notebooks()
        selected = list_notebooks(args.only) if args.only else all_notebooks
        per_notebook = resolve_parameters(selected, args.profile, overrides, output_dir)
    except PipelineError as exc:
        print(f"render.sh: error: {exc}", file=sys.stderr)
        return 2
    output_dir.mkdir(parents=True, exist_ok=True)
    os.environ["REPORT_OUTPUT_DIR"] = str(output_dir)
    quiet_tensorflow()  # the kernels inherit the environment
    summary, failures = run_notebooks(per_notebook, output_dir, force=args.force, jobs=args.jobs)
    written = []
    if failures:
        _print_summary(summary, start, written)
        for failure in failures:
            print(f"\nrender.sh: FAILED: {failure}", file=sys.stderr)
        print("The previous report (if any) was left in place.", file=sys.stderr)
        return 1
    if not args.no_report:
        present = [nb for nb in all_notebooks if (output_dir / "executed" / nb.name).is_file()]
        try:
            written = build_report(output_dir, present)
        except Exception as exc:  # rendering failures must name themselves, not just trace
            print(
                f"render.sh: FAILED while rendering the report: {type(exc).__name__}: {exc}\n"
                f"The previous report (if any) was left in place.",
                file=sys.stderr,
            )
            return 1
    _print_summary(summary, start, written)
    return 0


def _print_summary(summary, start, written):
    print("\n[render] summary", flush=True)
    for nb, status, seconds in summary:
        took = f"{seconds:7.1f} s" if seconds is not None else "        -"
        print(f"  {nb.name:32s} {took}  {status}")
    print(f"  total wall time {time.perf_counter() - start:.1f} s")
    for path in written:
        print(f"  report: {path}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
