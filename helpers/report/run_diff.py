"""Compare two rendered runs: what changed in their parameters, environment, verdicts
and numbers (``python -m helpers.report.run_diff A B``).

Like DVC's ``params diff`` / ``metrics diff``: only what differs, with the delta of
every number, as Markdown tables, JSON or a self-contained HTML page that also overlays
the two runs' main curves (error vs M, accuracy vs M, accuracy vs compression). A run
is an output folder of render.sh (``reports/<profile>``, a seed run, another machine's
folder copied here); each result's own ``_run`` block says how it was made, so two
folders from different profiles, seeds, precisions, backends or machines compare
directly. A changed number whose first run recorded its spread (a ``mean`` beside a
``std``, ``x_mean`` beside ``x_std`` or ``x_sd``) says whether the delta is at most that
standard deviation: a yardstick of size, not a significance test (the spread is of
single folds or draws, not the uncertainty of the mean, and only the first run's).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

__all__ = [
    "WITHIN",
    "flatten_numbers",
    "diff_runs",
    "to_markdown",
    "main_curves",
    "to_html",
    "main",
]

# Lists longer than this (per-fold times, round timings, tables) are summarized by
# their numeric leaves only when short: long ones are raw data, not metrics.
MAX_LIST = 20
# What describes how a result was made, compared in the environment table.
ENVIRONMENT = {
    "commit": ("git", "commit"),
    "uncommitted changes": ("git", "dirty"),
    "keras backend": ("keras_backend",),
    "cpu": ("machine", "cpu"),
    "cpu count": ("machine", "cpu_count"),
    "training precision": ("machine", "training_precision"),
    "python": ("machine", "python"),
}


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def flatten_numbers(payload, prefix=""):
    """Every numeric leaf of a results payload as ``{"a.b[2].c": value}``, the ``_run``
    block and lists longer than :data:`MAX_LIST` left out."""
    out = {}
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "_run":
                continue
            out.update(flatten_numbers(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(payload, list):
        if len(payload) <= MAX_LIST:
            for i, value in enumerate(payload):
                out.update(flatten_numbers(value, f"{prefix}[{i}]"))
    elif _is_number(payload):
        out[prefix] = float(payload)
    return out


def _get(run, path):
    for part in path:
        run = run.get(part) if isinstance(run, dict) else None
    return run


def _spread_key(key):
    """The key of the standard deviation recorded beside ``key``'s mean, as candidates."""
    head, _, last = key.rpartition(".")
    prefix = f"{head}." if head else ""
    if last == "mean":
        return [f"{prefix}std", f"{prefix}sd"]
    if last.endswith("_mean"):
        stem = last[: -len("_mean")]
        return [f"{prefix}{stem}_std", f"{prefix}{stem}_sd"]
    return []


# The metric rows' column: the delta against the first run's recorded spread.
WITHIN = "delta within first run's sd (not a test)"


def _within_spread(numbers, key, delta):
    """'yes'/'no': is |delta| at most the first run's recorded sd of it? None without a
    (positive, finite) sd or a finite delta."""
    spread = next((numbers[k] for k in _spread_key(key) if k in numbers), None)
    if spread is None or delta is None or not (spread > 0 and math.isfinite(spread)):
        return None
    if not math.isfinite(delta):
        return None
    return "yes" if abs(delta) <= spread else "no"


def _differs(a, b, rtol):
    if a is None or b is None:
        return a is not b
    if math.isnan(a) and math.isnan(b):
        return False
    return not math.isclose(a, b, rel_tol=rtol, abs_tol=0.0)


def diff_runs(first, second, rtol=0.0, show_all=False):
    """What differs between two runs' recorded results.

    Parameters
    ----------
    first, second : dict
        Result name -> payload (:func:`helpers.results.read_results` of each folder).
    rtol : float
        Numbers closer than this relative tolerance count as unchanged.
    show_all : bool
        List unchanged parameters and numbers too.

    Returns
    -------
    dict
        ``results`` (names only in one run), ``params``, ``environment``,
        ``verdicts`` and ``metrics``: lists of rows. A metric row's :data:`WITHIN`
        says whether its delta is at most the first run's recorded standard
        deviation of it (None where it recorded none): not a test.
    """
    if rtol < 0:
        raise ValueError(f"rtol must be >= 0, got {rtol}")
    names = sorted(set(first) | set(second))
    out = {
        "results": [
            {"results": n, "in": "first only" if n in first else "second only"}
            for n in names
            if (n in first) != (n in second)
        ],
        "params": [],
        "environment": [],
        "verdicts": [],
        "metrics": [],
    }
    for name in (n for n in names if n in first and n in second):
        runs = [(p.get("_run") or {}) for p in (first[name], second[name])]
        params = [r.get("parameters") or {} for r in runs]
        for key in sorted(set(params[0]) | set(params[1])):
            a, b = params[0].get(key), params[1].get(key)
            if show_all or a != b:
                out["params"].append({"results": name, "parameter": key, "first": a, "second": b})
        for label, path in ENVIRONMENT.items():
            a, b = _get(runs[0], path), _get(runs[1], path)
            if show_all or a != b:
                out["environment"].append({"results": name, "what": label, "first": a, "second": b})
        numbers = [flatten_numbers(p) for p in (first[name], second[name])]
        for key in sorted(set(numbers[0]) | set(numbers[1])):
            a, b = numbers[0].get(key), numbers[1].get(key)
            if show_all or _differs(a, b, rtol):
                delta = b - a if a is not None and b is not None else None
                out["metrics"].append(
                    {
                        "results": name,
                        "metric": key,
                        "first": a,
                        "second": b,
                        "delta": delta,
                        WITHIN: _within_spread(numbers[0], key, delta),
                    }
                )
    verdicts = [(r.get("summary") or {}).get("verdicts") or [] for r in (first, second)]
    for i in range(max(len(v) for v in verdicts)):
        a, b = (v[i]["verdict"] if i < len(v) else None for v in verdicts)
        if show_all or a != b:
            out["verdicts"].append({"conclusion": i + 1, "first": a, "second": b})
    return out


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:+.6g}" if value < 0 else f"{value:.6g}"
    return str(value).replace("|", "\\|")


def to_markdown(diff, labels=("first", "second")):
    """The diff as Markdown: one table per part that has rows."""
    parts = []
    for title, rows in diff.items():
        if not rows:
            continue
        header = [labels[0] if k == "first" else labels[1] if k == "second" else k for k in rows[0]]
        lines = [f"### {title}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(_cell(v) for v in row.values()) + " |" for row in rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) or "No differences."


def _series(rows, key_fields, x, y):
    series = {}
    for row in rows or []:
        if not isinstance(row, dict) or row.get(x) is None or row.get(y) is None:
            continue
        label = " ".join(str(row.get(f)) for f in key_fields)
        series.setdefault(label, []).append((float(row[x]), float(row[y])))
    return {label: sorted(points) for label, points in series.items()}


def main_curves(results):
    """The main curves of one run, by title: ``{title: (x label, y label, log y, series)}``
    with ``series`` = label -> sorted (x, y) points. Curves a run did not record are left
    out."""
    curves = {}
    table = (results.get("reconstruction") or {}).get("table")
    if table:
        curves["Experiment 1: MSE vs M"] = (
            "M (measurements)",
            "MSE (log scale)",
            True,
            _series(table, ["image"], "M", "mse_mean"),
        )
    sweep = (results.get("projection_mlp") or {}).get("sweep")
    if sweep:
        curves["Experiment 3: CV accuracy vs M"] = (
            "M (projected dimensions)",
            "CV accuracy",
            False,
            _series(sweep, ["dataset", "method"], "M", "mean"),
        )
    rows = (results.get("svd_compression") or {}).get("rows")
    if rows:
        compressed = [r for r in rows if r.get("label") != "original"]
        curves["Experiment 4: validation accuracy vs FLOPs"] = (
            "inference FLOPs per image",
            "validation accuracy (rebuilt)",
            False,
            _series(compressed, ["dataset"], "flops_per_image", "val_accuracy"),
        )
    return {title: curve for title, curve in curves.items() if curve[3]}


def _overlay_svg(title, first, second, labels):
    """One figure, the first run solid and the second dashed, as inline SVG text."""
    import io

    import matplotlib
    from matplotlib.figure import Figure  # no pyplot: leaves any session's backend alone

    xlabel, ylabel, log_y = (first or second)[:3]
    fig = Figure(figsize=(6.5, 3.2))
    ax = fig.add_subplot()
    colors = {}
    for curve, style, run in ((first, "-", labels[0]), (second, "--", labels[1])):
        for name, points in (curve[3] if curve else {}).items():
            color = colors.setdefault(name, f"C{len(colors) % 10}")
            xs, ys = zip(*points)
            ax.plot(xs, ys, style, marker="o", ms=3, color=color, label=f"{name} ({run})")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if log_y:
        ax.set_yscale("log")
    ax.legend(fontsize=7, ncol=2)
    buffer = io.StringIO()
    # A fixed salt and no date: the same runs give the same SVG, so the same page.
    with matplotlib.rc_context({"svg.hashsalt": "run-diff"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog: it is inlined in HTML


def to_html(diff, curves=({}, {}), labels=("first", "second")):
    """The diff as one self-contained HTML page: the Markdown tables, then each main
    curve of the two runs overlaid (first solid, second dashed; inline SVG, no network).

    ``curves``: :func:`main_curves` of each run.
    """
    import html

    import mistune

    figures = []
    for title in sorted(set(curves[0]) | set(curves[1])):
        figures.append(
            f"<figure>{_overlay_svg(title, curves[0].get(title), curves[1].get(title), labels)}"
            f"<figcaption>{html.escape(title)}: {html.escape(labels[0])} solid, "
            f"{html.escape(labels[1])} dashed</figcaption></figure>"
        )
    heading = f"{html.escape(labels[0])} vs {html.escape(labels[1])}"
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>Run comparison: {heading}</title><style>"
        "body{font-family:sans-serif;max-width:75em;margin:auto;padding:1em}"
        "table{border-collapse:collapse;font-size:90%}"
        "td,th{border:1px solid #ccc;padding:2px 6px}"
        "figure{margin:1em 0}</style></head><body>"
        f"<h1>Run comparison: {heading}</h1>"
        "<p>Only what differs. The last column of the numbers: whether a change is at most "
        "the first run's recorded standard deviation of it (over folds or draws). It is a "
        "yardstick of size, not a significance test.</p>"
        + mistune.html(to_markdown(diff, labels))
        + ("<h2>Main curves</h2>" + "".join(figures) if figures else "")
        + "</body></html>\n"
    )


def main(argv=None):
    from helpers.results import DamagedResults, read_results

    parser = argparse.ArgumentParser(
        prog="python -m helpers.report.run_diff",
        description="What changed between two rendered runs (output folders of render.sh): "
        "parameters, environment, verdicts and every recorded number, with deltas.",
    )
    parser.add_argument("first", type=Path, help="output folder of the first run")
    parser.add_argument("second", type=Path, help="output folder of the second run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the comparison as a self-contained HTML page, with the two runs' "
        "main curves overlaid",
    )
    parser.add_argument("--all", action="store_true", help="list unchanged values too")
    parser.add_argument(
        "--rtol", type=float, default=0.0, help="relative tolerance for equal numbers"
    )
    args = parser.parse_args(argv)
    runs = []
    for folder in (args.first, args.second):
        if not (folder / "results").is_dir():
            parser.error(
                f"{folder} has no results/ folder: give two output folders of render.sh "
                "(e.g. reports/quick reports/study)"
            )
        try:
            runs.append(read_results(folder))
        except DamagedResults as exc:  # one line: the file and the command that redoes it
            print(f"run_diff: error: {exc}", file=sys.stderr)
            return 2
    try:
        diff = diff_runs(*runs, rtol=args.rtol, show_all=args.all)
    except ValueError as exc:
        parser.error(str(exc))
    labels = (str(args.first), str(args.second))
    if args.html:
        from helpers.files import atomic_path

        with atomic_path(args.html) as tmp:
            tmp.write_text(to_html(diff, tuple(main_curves(r) for r in runs), labels))
    if args.json:
        json.dump(diff, sys.stdout, indent=2, default=str)
        print()
    else:
        print(to_markdown(diff, labels=labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
