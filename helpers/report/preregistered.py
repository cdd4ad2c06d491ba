"""``scripts/preregistered-run.sh``: run every seed a pre-registration names, then the
report that judges them.

    scripts/preregistered-run.sh [--dry-run] [--preregistration FILE] [--output-dir OUT]
                                 [-- RENDER_OPTIONS...]

Reads the pre-registration (:mod:`helpers.summary.preregistration`): its profile and
its seeds, derived from the commit that added it. The first seed is the report's own
run (``OUT``, default ``reports/preregistered-<profile>``); each other seed renders
chapters 02 and 03 into ``OUT-seed<SEED>``, as ``scripts/seed-spread.sh`` does; then
the whole report renders with those folders as its ``seed_runs``. Every render is
``render.sh``'s, so an interrupted run resumes where it stopped (finished chapters are
up to date, finished folds cached) when the same command runs again, in this session
or a later one. RENDER_OPTIONS go to every render (``--data-dir DIR``; ``--jobs N`` and
``--scheduler ADDR`` only in a rehearsal: a committed pre-registration times one seed
at a time); ``-p`` may not change the profile's parameters of a
pre-registered run. Each step prints how many are left and about how long they take
(from the folders' stamps, else from the steps finished in this run). ``--dry-run``
lists the renders, which are done, and how long each took last time.

Every start of a committed pre-registration's run, and every render it finishes or
fails, is logged in a file of its own under ``confirmatory/attempts/`` (written once,
never edited: committing one never makes a running checkout's later chapters
"modified"), so a reader of the committed run sees every attempt, failed ones included.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from helpers.files import atomic_write_text
from helpers.provenance import git_state
from helpers.report.profiles import PROJECT_ROOT, PipelineError
from helpers.report.seed_check import check_seed_spread
from helpers.report.stamps import read_stamp
from helpers.summary.preregistration import (
    PREREGISTRATION_FILE,
    derive_seeds,
    load_preregistration,
)

__all__ = ["planned_renders", "kept_folder", "keep_seed", "log_attempt", "main"]

SEED_CHAPTERS = ("02_cnn", "03_projection_mlp")
SEED_RESULTS = ("cnn", "projection_mlp")
# Finished seeds' results and stamps, tracked by git (small JSON): a fresh clone resumes.
KEPT = "confirmatory"
ATTEMPTS = "attempts"
# Options that run renders side by side: refused for a committed pre-registration.
CONCURRENT = ("--jobs", "--scheduler")
ALL_CHAPTERS = ("00_datasets", "01_reconstruction", *SEED_CHAPTERS, "04_svd_compression")


def _console(message):
    print(message, file=sys.stderr, flush=True)


def _seeds(prereg):
    """The pre-registered seeds; for a file not (yet) committed, seeds from its SHA-256
    (a rehearsal: its verdicts can only be exploratory)."""
    if prereg.commit:
        return prereg.seeds
    count, spacing = prereg.data["seeds"]["count"], int(prereg.data["seeds"].get("spacing", 1000))
    digest = hashlib.sha256(prereg.path.read_bytes()).hexdigest()
    return derive_seeds(digest, count, spacing)


def kept_folder(prereg, seed, root=None):
    """Where a finished seed's results are kept for committing (``confirmatory/``)."""
    return (
        Path(PROJECT_ROOT if root is None else root) / KEPT / f"{prereg.data['profile']}-seed{seed}"
    )


def _is_kept(folder):
    return all((folder / "results" / f"{n}.json").is_file() for n in SEED_RESULTS)


def keep_seed(folder, kept):
    """Copy a finished seed's results and its chapters' stamps (small JSON) to ``kept``,
    so that committing it lets a fresh clone resume the run without re-training it."""
    for name in SEED_RESULTS:
        atomic_write_text(
            kept / "results" / f"{name}.json", (folder / "results" / f"{name}.json").read_text()
        )
    for stem in SEED_CHAPTERS:
        stamp = folder / "executed" / f"{stem}.stamp.json"
        if stamp.is_file():
            atomic_write_text(kept / "executed" / stamp.name, stamp.read_text())


def planned_renders(prereg, out, options=(), root=None):
    """Each render of the run in order: ``(label, folder, chapters, render.sh arguments)``;
    a seed whose results are kept (committed) renders nothing (arguments None)."""
    profile = prereg.data["profile"]
    main_seed, *others = _seeds(prereg)
    renders = []
    for seed in others:
        kept = kept_folder(prereg, seed, root)
        if _is_kept(kept):
            renders.append((f"seed {seed} (kept in {KEPT}/)", kept, SEED_CHAPTERS, None))
            continue
        folder = Path(f"{out}-seed{seed}")
        only = [a for stem in SEED_CHAPTERS for a in ("--only", stem)]
        args = ["--profile", profile, "-p", "seed", str(seed), "-p", "mlp_sweep_m", "[]"]
        renders.append((f"seed {seed}", folder, SEED_CHAPTERS, args + only))
    seed_runs = "[" + ",".join(str(r[1]) for r in renders) + "]"
    args = ["--profile", profile, "-p", "seed", str(main_seed), "-p", "seed_runs", seed_runs]
    renders.append((f"seed {main_seed} and the report", Path(out), ALL_CHAPTERS, args))
    return [
        (label, folder, chapters, a if a is None else [*a, "--output-dir", str(folder), *options])
        for label, folder, chapters, a in renders
    ]


def _recorded_seconds(folder, chapters):
    """(seconds the chapters took last time, whether every one is recorded)."""
    known = [t for t in (_chapter_seconds(folder, c) for c in chapters) if t is not None]
    return sum(known), len(known) == len(chapters)


def _chapter_seconds(folder, chapter):
    stamp = read_stamp(Path(folder) / "executed" / f"{chapter}.ipynb") or {}
    seconds = stamp.get("seconds")
    return seconds if isinstance(seconds, (int, float)) else None


def _estimate(renders, everything):
    """Seconds the remaining ``renders`` take: each chapter's last time in its own folder,
    else the same chapter's mean in the run's other folders (``everything``: all the
    run's renders), else unknown; and how many chapters are unknown."""
    seen = {}
    for _, folder, chapters, _ in everything:
        for chapter in chapters:
            if (seconds := _chapter_seconds(folder, chapter)) is not None:
                seen.setdefault(chapter, []).append(seconds)
    total, unknown = 0.0, 0
    for _, folder, chapters, args in renders:
        if args is None:  # kept: nothing to run
            continue
        for chapter in chapters:
            seconds = _chapter_seconds(folder, chapter)
            if seconds is None and chapter in seen:
                seconds = sum(seen[chapter]) / len(seen[chapter])
            if seconds is None:
                unknown += 1
            else:
                total += seconds
    return total, unknown


def _time_left(renders, everything):
    total, unknown = _estimate(renders, everything)
    to_run = sum(len(chapters) for _, _, chapters, args in renders if args is not None)
    if unknown and unknown == to_run:
        return "time left unknown until one render finishes"
    text = f"about {total:.0f} s left" if total < 120 else f"about {total / 60:.0f} min left"
    return text + (f" (+{unknown} chapter(s) not timed yet)" if unknown else "")


def _dry_run(prereg, renders):
    state = "committed at " + prereg.commit[:10] if prereg.commit else "NOT committed"
    _console(f"pre-registration {prereg.path} ({state}); profile {prereg.data['profile']}")
    for label, folder, chapters, args in renders:
        seconds, complete = _recorded_seconds(folder, chapters)
        last = f"last time {seconds:.0f} s" if complete else "not run to the end yet"
        _console(f"  {label}: {folder} ({', '.join(chapters)}; {last})")
        if args is not None:
            _console(f"    render.sh {' '.join(args)}")
    _console(_time_left(renders, renders))


def log_attempt(attempt, step, event, root=None):
    """Write ``event`` (a dict) as attempt ``attempt``'s step ``step`` in a new file
    ``confirmatory/attempts/<attempt>-<step>.json``; returns its path. One file per event,
    written once: an attempt killed mid-render still shows its start."""
    folder = Path(PROJECT_ROOT if root is None else root) / KEPT / ATTEMPTS
    path = folder / f"{attempt}-{step:02d}.json"
    if path.exists():
        raise FileExistsError(f"{path} exists: attempt logs are written once")
    atomic_write_text(path, json.dumps(event, indent=1, sort_keys=True) + "\n")
    return path


def _attempt_start(prereg, argv):
    """The first event of an attempt: when, on which checkout and CPU, with what."""
    from helpers.runtime import machine_info

    info = machine_info()
    return {
        "event": "start",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "preregistration": prereg.commit,
        "git": git_state(),
        "cpu": info.get("cpu"),
        "cpu_count": info.get("cpu_count"),
        "arguments": argv,
    }


def _render(args):
    command = [str(PROJECT_ROOT / "render.sh"), *args]
    return subprocess.run(command, env={**os.environ}).returncode


def build_parser():
    parser = argparse.ArgumentParser(prog="preregistered-run.sh", description=__doc__)
    parser.add_argument("--preregistration", default=str(PROJECT_ROOT / PREREGISTRATION_FILE))
    parser.add_argument("--output-dir", default=None)
    parser.add_argument("--dry-run", action="store_true")
    return parser


def main(argv=None, render=_render):
    argv = list(sys.argv[1:] if argv is None else argv)
    options = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = build_parser().parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    path = Path(args.preregistration).resolve()
    try:
        if "-p" in options or "--parameter" in options or "--profile" in options:
            raise PipelineError("a pre-registered run takes its profile and seeds from the file")
        prereg = load_preregistration(path.parent, path.name)
        if prereg is None:
            raise PipelineError(f"no pre-registration at {path} (docs/preregistration.md)")
        if prereg.commit and any(o.split("=")[0] in CONCURRENT for o in options):
            raise PipelineError(
                "a committed pre-registration runs one seed at a time (its `machine` field): "
                "leave out --jobs and --scheduler, which would time the contention"
            )
    except (PipelineError, ValueError) as exc:
        _console(f"preregistered-run.sh: error: {exc}")
        return 2
    profile = prereg.data["profile"]
    out = args.output_dir or str(PROJECT_ROOT / "reports" / f"preregistered-{profile}")
    renders = planned_renders(prereg, out, options)
    main_seed, *others = _seeds(prereg)
    try:  # everything a render would refuse, refused before the first training run
        if others:
            check_seed_spread(profile, out, others, ["-p", "seed", str(main_seed), *options])
    except PipelineError as exc:
        _console(f"preregistered-run.sh: error: {exc}")
        return 2
    if args.dry_run:
        _dry_run(prereg, renders)
        return 0
    if not prereg.commit:
        _console(
            "warning: the pre-registration is not committed: seeds come from its SHA-256 "
            "and every verdict of this run will be exploratory"
        )
    done = []
    attempt = None
    if prereg.commit:
        attempt = f"{profile}-{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}"
        log_attempt(attempt, 0, _attempt_start(prereg, argv))
    for k, (label, folder, _chapters, render_args) in enumerate(renders, start=1):
        if render_args is None:
            _console(f"[{k} of {len(renders)}] {label}: done")
            continue
        _console(
            f"[{k} of {len(renders)}] {label} into {folder}; {_time_left(renders[k - 1 :], renders)}"
        )
        start = time.perf_counter()
        code = render(render_args)
        if attempt:
            log_attempt(
                attempt,
                k,
                {
                    "event": "render",
                    "render": label,
                    "exit_code": code,
                    "minutes": round((time.perf_counter() - start) / 60, 2),
                    "ended_at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )
        if code != 0:
            _console(
                f"[{k} of {len(renders)}] {label} failed (exit {code}); what finished is "
                "kept: run the same command again to resume"
            )
            return code
        done.append(time.perf_counter() - start)
        if k < len(renders) and prereg.commit:
            seed = label.split()[1]
            kept = kept_folder(prereg, seed)
            keep_seed(folder, kept)
            _console(
                f"  kept in {kept.relative_to(PROJECT_ROOT)}: commit it, and the run "
                "resumes from it in a fresh clone"
            )
    _console(f"pre-registered run finished in {sum(done) / 60:.1f} min: {out}/report.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
