"""Compare two rendered runs: what changed in their parameters, environment, verdicts
and numbers (``python -m helpers.report.run_diff A B``).

Like DVC's ``params diff`` / ``metrics diff``: only what differs, with the delta of
every number, as Markdown tables or JSON. A run is an output folder of render.sh
(``reports/<profile>``, a seed run, another machine's folder copied here); each
result's own ``_run`` block says how it was made, so two folders from different
profiles, seeds, precisions, backends or machines compare directly.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

__all__ = ["flatten_numbers", "diff_runs", "to_markdown", "main"]

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
        ``verdicts`` and ``metrics``: lists of rows.
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
                    {"results": name, "metric": key, "first": a, "second": b, "delta": delta}
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


def main(argv=None):
    from helpers.results import read_results

    parser = argparse.ArgumentParser(
        prog="python -m helpers.report.run_diff",
        description="What changed between two rendered runs (output folders of render.sh): "
        "parameters, environment, verdicts and every recorded number, with deltas.",
    )
    parser.add_argument("first", type=Path, help="output folder of the first run")
    parser.add_argument("second", type=Path, help="output folder of the second run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
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
        runs.append(read_results(folder))
    try:
        diff = diff_runs(*runs, rtol=args.rtol, show_all=args.all)
    except ValueError as exc:
        parser.error(str(exc))
    if args.json:
        json.dump(diff, sys.stdout, indent=2, default=str)
        print()
    else:
        print(to_markdown(diff, labels=(str(args.first), str(args.second))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
