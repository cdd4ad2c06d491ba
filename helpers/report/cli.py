"""``render.sh``: check the inputs, execute the notebooks, render the report.

Steps:

1. Load the profile (``params/<profile>.yaml``) and the command-line
   overrides; check every parameter's name, type and range before anything
   runs (:mod:`helpers.report.profiles`).
2. Take the output folder's lock, then execute each notebook that is not up
   to date into ``<output>/executed/`` (:mod:`helpers.report.execution`).
3. Merge the executed notebooks (summary first) and render ``report.html``
   and ``report.pdf`` together (:mod:`helpers.report.rendering`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from helpers.executor import SCHEDULER_ENV, check_reachable
from helpers.report.compared_runs import check_compared_runs
from helpers.report.environment import check_environment
from helpers.report.execution import (
    NotebookFailed,
    kernel_environment,
    output_lock,
    remove_leftovers,
    run_notebooks,
)
from helpers.report.profiles import (
    PROJECT_ROOT,
    PipelineError,
    invoked_from,
    list_notebooks,
    parse_override,
    resolve_parameters,
)
from helpers.report.rendering import build_report
from helpers.runtime import quiet_tensorflow

__all__ = ["main", "build_parser"]


def _console(message):
    print(message, file=sys.stderr, flush=True)


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
    parser.add_argument(
        "--dry-run",
        "--explain",
        action="store_true",
        help="check every input, then say which notebooks would run and why; run nothing",
    )
    parser.add_argument(
        "--download",
        action="store_true",
        help="let Keras download datasets that no data folder holds (needs internet); "
        "without it a missing dataset file is an error before any work",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run cross-validation folds on the dask.distributed scheduler at ADDRESS "
        "(tcp://host:8786), or on N single-threaded local worker processes (local:N); "
        "default: $REPORT_SCHEDULER, else in the notebook's own process",
    )
    return parser


def _prepare(args):
    """Everything checked before the first notebook: returns what the run needs."""
    if args.jobs < 1:
        raise PipelineError(f"--jobs must be >= 1, got {args.jobs}")
    base = invoked_from()
    output_dir = (
        (base / args.output_dir) if args.output_dir else PROJECT_ROOT / "reports" / args.profile
    ).resolve()
    overrides = {name: parse_override(name, text) for name, text in args.parameter}
    scheduler = args.scheduler or os.environ.get(SCHEDULER_ENV)
    if scheduler:
        try:
            check_reachable(scheduler)  # now, not hours into the run
        except (ValueError, RuntimeError) as exc:
            raise PipelineError(f"--scheduler / ${SCHEDULER_ENV}: {exc}") from None
        # The kernels inherit it; where a fold runs does not change its result, so the
        # scheduler is not part of any notebook's fingerprint.
        os.environ[SCHEDULER_ENV] = scheduler
    data_dir = args.data_dir or os.environ.get("REPORT_DATA_DIR")
    if data_dir:
        data_dir = (base / Path(data_dir).expanduser()).resolve()
        if not data_dir.is_dir():
            raise PipelineError(
                f"data directory {data_dir} (from --data-dir or $REPORT_DATA_DIR) is not a "
                f"directory; point it at the folder holding fashion_mnist.npz and cifar10.npz"
            )
        os.environ["REPORT_DATA_DIR"] = str(data_dir)
    all_notebooks = list_notebooks()
    selected = list_notebooks(args.only) if args.only else all_notebooks
    per_notebook = resolve_parameters(selected, args.profile, overrides, output_dir)
    # The summary's seed and effect runs exist already: refuse them before any training.
    check_compared_runs(per_notebook, args.profile, overrides, output_dir)
    # Backend, precision, output folder, data files: every fault here, in seconds.
    check_environment(per_notebook, output_dir, download=args.download)
    return output_dir, all_notebooks, per_notebook


def main(argv=None):
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    summary, written = [], []
    try:
        output_dir, all_notebooks, per_notebook = _prepare(args)
        quiet_tensorflow()  # the kernels inherit the environment
        kernel_environment()
        with output_lock(output_dir):
            for path in remove_leftovers(output_dir):
                _console(
                    f"[render] removed {path.relative_to(output_dir)}, left by an interrupted run"
                )
            _, failures = run_notebooks(
                per_notebook,
                output_dir,
                all_notebooks=all_notebooks,
                force=args.force,
                jobs=args.jobs,
                on_progress=_console,
                summary=summary,
                dry_run=args.dry_run,
            )
            if args.dry_run:
                return 0
            if failures:
                _print_summary(summary, start, written)
                for failure in failures:
                    _console(f"\nrender.sh: FAILED: {failure}")
                _console("The previous report (if any) was left in place.")
                return 1
            if not args.no_report:
                present = _publishable(output_dir, all_notebooks, args.profile)
                try:
                    written = build_report(output_dir, present, on_progress=_console)
                except (PipelineError, NotebookFailed):
                    raise
                except Exception as exc:  # rendering failures must name themselves
                    _console(
                        f"render.sh: FAILED while rendering the report: {type(exc).__name__}: "
                        f"{exc}\nThe previous report (if any) was left in place."
                    )
                    return 1
    except PipelineError as exc:
        _console(f"render.sh: error: {exc}")
        return 2
    except KeyboardInterrupt:
        done = [nb.stem for nb, status, _ in summary if status.startswith("executed")]
        _console(
            f"\nrender.sh: interrupted after {time.perf_counter() - start:.0f} s. Finished and "
            f"kept: {', '.join(done) or 'nothing new'}; the previous report was left in place. "
            f"Run the same command again to resume."
        )
        return 130
    _print_summary(summary, start, written)
    return 0


def _publishable(output_dir, notebooks, profile):
    """The executed copies the report may show: those the pipeline wrote. Any other (a
    hand run into executed/ of a chapter this run did not select) is left out, saying
    how to redo it."""
    from helpers.report.staleness import FileHashes
    from helpers.report.stamps import publishable

    hashes = FileHashes(output_dir / "cache" / "file-hashes.json")
    present = []
    for nb in notebooks:
        executed = output_dir / "executed" / nb.name
        if not executed.is_file():
            continue
        if publishable(executed, hashes):
            present.append(nb)
        else:
            _console(
                f"[render] left out of the report: executed/{nb.name} is not a copy render.sh "
                f"wrote; run ./render.sh --profile {profile} --output-dir {output_dir} "
                f"--only {nb.stem}"
            )
    return present


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
