"""Execute the notebooks: in dependency order, skipping up-to-date ones, one render per folder.

Each notebook is executed by papermill into a uniquely named temporary file
renamed over ``executed/<name>.ipynb`` when it finishes, with a stamp holding
its fingerprint (:mod:`helpers.report.stamps`). A lock file keeps a second
render of the same output folder out while one runs. The kernel's stderr
(progress lines, warnings) reaches the console prefixed with the notebook's
name; its stdout and displays go to the report only.
"""

from __future__ import annotations

import collections
import concurrent.futures
import fcntl
import os
import re
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from helpers.files import atomic_path, remove_abandoned
from helpers.report.failures import cell_failure, dead_kernel, last_started_cell
from helpers.report.profiles import PROJECT_ROOT, PipelineError, declared_parameters
from helpers.report.staleness import FileHashes, fingerprint, notebook_metadata, records_of
from helpers.report.stamps import (
    last_time,
    read_stamp,
    run_reasons,
    upgrade_stamp,
    write_stamp,
)

__all__ = [
    "KERNEL_NAME",
    "kernel_argv",
    "NotebookFailed",
    "output_lock",
    "execute_notebook",
    "notebook_dependencies",
    "execution_levels",
    "run_notebooks",
    "remove_leftovers",
    "RUN_REASON_ENV",
]

KERNEL_NAME = "research-report"
# The kernel's own start-up warnings (e.g. "running over TCP without encryption":
# it listens on localhost only) are not the user's business; its errors are.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
# Why the pipeline runs a notebook, handed to its kernel for the results' provenance.
RUN_REASON_ENV = "REPORT_RUN_REASON"


class NotebookFailed(Exception):
    """A notebook raised an exception; says which notebook and which cell."""


# Start-up notices TensorFlow's C++ runtime prints whatever TF_CPP_MIN_LOG_LEVEL says
# (some at error level although harmless). They still reach the kernel's log file.
KNOWN_NOISE = re.compile(
    r"All log messages before absl::InitializeLog|oneDNN custom operations are on"
    r"|NodeDef mentions attribute use_unbounded_threadpool"
    r"|This TensorFlow binary is optimized|To enable the following instructions"
    r"|Unable to register cu(DNN|FFT|BLAS) factory|computation placer already registered"
)


class _PrefixedStream:
    """The kernel's stderr: every line to a log file, and to the console as
    ``[<notebook>] line`` unless it is known start-up noise; the last lines shown are
    kept for a failure report."""

    def __init__(self, prefix, log_path, keep=5):
        self.prefix, self.pending = prefix, ""
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in flush)
        self.last = collections.deque(maxlen=keep)

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self._emit(line)

    def _emit(self, line):
        if not line.strip():
            return
        self.log.write(line + "\n")
        if not KNOWN_NOISE.search(line):
            self.last.append(line)
            sys.stderr.write(f"[{self.prefix}] {line}\n")
            sys.stderr.flush()

    def flush(self):
        self._emit(self.pending)
        self.pending = ""
        self.log.flush()


def kernel_argv(python=None):
    """The command that starts a notebook's kernel: ``python`` (default: the Python
    running the pipeline, i.e. the set-up script's ``$PY``) with ipykernel.

    Not the registered kernelspec's command: that is one name per user, so two
    environments (TensorFlow and JAX, CPU and GPU) rendering at once would run each
    other's notebooks. The notebooks still name ``KERNEL_NAME`` for JupyterLab.
    """
    return [python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def _quiet_kernel_manager(log_path, reason=None):
    """A kernel manager whose kernel runs in this process's Python (:func:`kernel_argv`)
    and writes its own stderr to ``log_path``; ``reason`` (why it runs) reaches the
    kernel as ``$REPORT_RUN_REASON``.

    What the notebook's code prints to stderr still arrives through Jupyter's
    messages (and :class:`_PrefixedStream`); only the kernel process's direct
    copies (duplicates, and its start-up warnings) go to the log file.
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=kernel_argv(),
                    name=KERNEL_NAME,
                    display_name=f"Python {sys.version_info[0]}.{sys.version_info[1]} ({KERNEL_NAME})",
                    language="python",
                )
            return self._kernel_spec

        async def start_kernel(self, **kw):
            kw.setdefault("stderr", open(log_path, "ab"))  # noqa: SIM115 (owned by the kernel)
            env = dict(kw.get("env") or os.environ)
            env.pop(RUN_REASON_ENV, None)
            if reason:
                env[RUN_REASON_ENV] = reason
            kw["env"] = env
            return await super().start_kernel(**kw)

    return QuietKernelManager


@contextmanager
def output_lock(output_dir):
    """Hold ``<output_dir>/.render.lock`` for the run; refuse when another run holds it."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / ".render.lock"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise PipelineError(
                f"another render is using {output_dir} ({holder}); wait for it to finish, "
                f"or render elsewhere with --output-dir DIR"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        fh.flush()
        try:
            yield path
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def kernel_environment():
    """Make kernels import this checkout's ``helpers``: the code that is fingerprinted."""
    paths = [str(PROJECT_ROOT)] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))


def execute_notebook(notebook, executed, parameters, reason=None):
    """Run one notebook with papermill; return wall seconds (``reason``: why it runs,
    recorded in its results' provenance).

    On failure (a cell raised, or the kernel died: an out-of-memory kill) the partial
    notebook is kept as ``<stem>.failed.ipynb`` and :class:`NotebookFailed` says what
    happened where.
    """
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    failed = executed.with_name(f"{executed.stem}.failed.ipynb")
    log_path = executed.with_name(f"{executed.stem}.kernel.log")
    executed.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("")
    stream = _PrefixedStream(notebook.stem, log_path)
    start = time.perf_counter()
    with atomic_path(executed) as tmp:
        try:
            papermill.execute_notebook(
                str(notebook),
                str(tmp),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                stderr_file=stream,
                cwd=str(notebook.parent),
                extra_arguments=KERNEL_ARGUMENTS,
                kernel_manager_class=_quiet_kernel_manager(log_path, reason),
            )
        except PapermillExecutionError as exc:
            stream.flush()
            os.replace(tmp, failed)
            raise NotebookFailed(cell_failure(notebook, exc, failed, log_path)) from exc
        except DeadKernelError as exc:
            stream.flush()
            cell = last_started_cell(tmp)
            if tmp.is_file() and tmp.stat().st_size:  # papermill saves what ran
                os.replace(tmp, failed)
            raise NotebookFailed(
                dead_kernel(notebook, cell, stream.last, failed, log_path)
            ) from exc
        stream.flush()
    failed.unlink(missing_ok=True)
    return time.perf_counter() - start


def _run_one(notebook, executed, parameters, fp, parts, reason):
    seconds = execute_notebook(notebook, executed, parameters, reason=reason)
    # Workers' writes of the hash cache may race: atomic, so the worst is a lost entry.
    hashes = FileHashes(executed.parent.parent / "cache" / "file-hashes.json")
    write_stamp(
        notebook,
        executed,
        fingerprint=fp,
        parts=parts,
        seconds=seconds,
        reason=reason,
        hashes=hashes,
    )
    return seconds


def _ignore_interrupts():
    # Workers leave Ctrl-C to the parent, which stops the pool and reports once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def notebook_dependencies(notebook, all_stems):
    """Stems of the notebooks ``notebook`` reads results from.

    Declared in the notebook's metadata as ``{"report": {"depends_on": [...]}}``;
    summary notebooks (``99_*``) depend on every other notebook.
    """
    if notebook.stem.startswith("99"):
        return [s for s in all_stems if not s.startswith("99")]
    return [d for d in notebook_metadata(notebook).get("depends_on", []) if d in all_stems]


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


def run_notebooks(
    per_notebook,
    output_dir,
    *,
    all_notebooks=None,
    force=False,
    jobs=1,
    on_progress=print,
    summary=None,
    dry_run=False,
):
    """Execute notebooks level by level (a notebook runs after those it depends on).

    Returns ``(summary, failures)``: a list of ``(notebook, status, seconds)``
    and the :class:`NotebookFailed` errors. A failure does not stop notebooks
    that do not depend on it (their results are kept); its dependents are
    skipped. A notebook is up to date when its fingerprint (code, parameters,
    upstream results, data, packages) matches its stamp and its results files
    are the ones it wrote; otherwise the status says why it ran ("executed
    because ..."). ``dry_run`` decides and reports without running anything
    (a notebook whose upstream would run is reported as running after it).
    Pass a list as ``summary`` to see progress even when the run is interrupted.
    """
    output_dir = Path(output_dir)
    executed_dir = output_dir / "executed"
    all_notebooks = list(all_notebooks or per_notebook)
    by_stem = {nb.stem: nb for nb in all_notebooks}
    levels, deps = execution_levels(list(per_notebook))
    all_deps = {nb.stem: notebook_dependencies(nb, list(by_stem)) for nb in per_notebook}
    hashes = FileHashes(output_dir / "cache" / "file-hashes.json")
    summary = [] if summary is None else summary
    failures, failed, would_run = [], set(), set()
    for level in levels:
        todo = []
        for nb in level:
            blocked = sorted(set(deps[nb.stem]) & failed)
            if blocked:
                failed.add(nb.stem)
                summary.append((nb, f"skipped: needs {', '.join(blocked)}", None))
                continue
            upstream = [
                output_dir / "results" / f"{name}.json"
                for stem in all_deps[nb.stem]
                for name in records_of(by_stem[stem])
            ]
            executed = executed_dir / nb.name
            declared = declared_parameters(nb)
            fp, parts = fingerprint(nb, per_notebook[nb], declared, upstream, hashes)
            old_fp = None  # the same inputs in the stamp format before issue 37, if needed
            if (read_stamp(executed) or {}).get("fingerprint") not in (None, fp):
                values = per_notebook[nb]
                old_fp, _ = fingerprint(nb, values, declared, upstream, hashes, legacy=True)
            reasons = run_reasons(nb, executed, fp, parts, hashes, force, legacy_fp=old_fp)
            before = sorted(set(all_deps[nb.stem]) & would_run)
            if dry_run and before and not reasons:
                reasons = [f"it reads the results of {', '.join(before)}, which run first"]
            if not reasons:
                if not dry_run:
                    upgrade_stamp(executed, fp, parts)
                seconds = (read_stamp(executed) or {}).get("seconds")
                summary.append((nb, "up to date, skipped", seconds))
                on_progress(f"[render] {nb.stem}: up to date, skipped")
            elif dry_run:
                would_run.add(nb.stem)
                summary.append((nb, f"would run because {'; '.join(reasons)}", None))
                on_progress(f"[render] {nb.stem}: would run because {'; '.join(reasons)}")
            else:
                todo.append((nb, executed, fp, parts, "; ".join(reasons)))
        if jobs > 1 and len(todo) > 1:
            on_progress(f"[render] running side by side: {', '.join(t[0].stem for t in todo)}")
            for nb, ex, *_, reason in todo:
                _announce(nb, ex, reason, on_progress)
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=jobs, initializer=_ignore_interrupts
            )
            try:
                futures = {
                    pool.submit(_run_one, nb, ex, per_notebook[nb], fp, parts, reason): (nb, reason)
                    for nb, ex, fp, parts, reason in todo
                }
                for future in concurrent.futures.as_completed(futures):
                    nb, reason = futures[future]
                    try:
                        outcome = (nb, future.result(), None)
                    except NotebookFailed as exc:
                        outcome = (nb, None, exc)
                    _record(outcome, reason, summary, failures, failed, on_progress)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        else:
            for nb, ex, fp, parts, reason in todo:
                _announce(nb, ex, reason, on_progress)
                try:
                    outcome = (nb, _run_one(nb, ex, per_notebook[nb], fp, parts, reason), None)
                except NotebookFailed as exc:
                    outcome = (nb, None, exc)
                _record(outcome, reason, summary, failures, failed, on_progress)
    return summary, failures


def _announce(nb, executed, reason, on_progress):
    """A chapter's start: why it runs, and how long it took last time (from its stamp)."""
    on_progress(f"[render] {nb.stem}: running because {reason}")
    took = last_time(executed)
    if took:
        on_progress(f"[render] {nb.stem}: started; {took}")


def _record(outcome, reason, summary, failures, failed, on_progress):
    nb, seconds, exc = outcome
    if exc is not None:
        failures.append(exc)
        failed.add(nb.stem)
        summary.append((nb, "FAILED", None))
    else:
        summary.append((nb, f"executed because {reason}", seconds))
        on_progress(f"[render] {nb.stem}: done in {seconds:.0f} s")


def remove_leftovers(output_dir):
    """Remove temporary files that interrupted runs left anywhere in ``output_dir``.

    Call it holding the folder's lock (:func:`output_lock`): then no render writes
    there, and a hand run's live temporary file is kept by its writer's lock
    (:func:`helpers.files.remove_abandoned`). Executed notebooks, stamps, results,
    cached folds, models and the report pair: none is ever read under a temporary
    name, and none outlives the next render. Returns the paths removed.
    """
    return remove_abandoned(output_dir)
