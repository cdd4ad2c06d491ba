"""Progress of long work: "k of n, about M s left", as lines or a bar.

Cross-validation folds, epochs and chapter 01's trials report how far they are and
how long the rest should take, estimated from the pace so far (:class:`TimeLeft`).
In a log file, a kernel run by papermill, or anything else that is not a terminal,
each step is one plain line (no bar redrawn into executed notebooks); on a terminal a
tqdm bar shows the same (:func:`progress_bar`).

The seed runs (``scripts/seed-spread.sh``) print the whole run's estimate before they
start, from the seconds each chapter took last time in the same folders
(``python -m helpers.progress seed-spread``: :func:`seed_spread_estimate`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

__all__ = [
    "log_progress",
    "format_seconds",
    "progress_text",
    "TimeLeft",
    "Progress",
    "progress_bar",
    "last_seconds",
    "seed_spread_estimate",
]


def log_progress(message):
    """Progress goes to stderr: visible in the console and JupyterLab, kept out of the report.

    On a terminal through tqdm, which keeps a running bar (:class:`Progress`) below the
    line instead of breaking it."""
    if _interactive(sys.stderr):
        from tqdm.auto import tqdm

        tqdm.write(message, file=sys.stderr)
    else:
        print(message, file=sys.stderr, flush=True)


def _interactive(stream):
    return bool(getattr(stream, "isatty", lambda: False)())


def format_seconds(seconds):
    """``"45 s"``, ``"3 min 20 s"`` or ``"2 h 05 min"``: as precise as a reader needs."""
    seconds = max(0, round(float(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def progress_text(done, total, seconds_left, bound=False):
    """``"k of n, about M s left"``; ``bound``: the estimate is an upper bound
    (epochs that early stopping may cut short), ``"at most about M s left"``."""
    text = f"{done} of {total}"
    if seconds_left is None:
        return text
    return f"{text}, {'at most ' if bound else ''}about {format_seconds(seconds_left)} left"


class TimeLeft:
    """The time the remaining steps of a loop should take, from the pace of those done.

    Steps that took no work (a fold served from the cache) are counted as done but not
    as pace: :meth:`skip`. The estimate is the mean wall time of the timed steps times
    the steps left; None before the first timed step.
    """

    def __init__(self, total, clock=time.perf_counter):
        self.total, self.done, self.timed = int(total), 0, 0
        self.clock = clock
        self.start = clock()

    def skip(self, steps=1):
        """``steps`` done without work (cached): they neither take time nor set the pace."""
        self.done += steps
        if not self.timed:  # the pace starts after them
            self.start = self.clock()

    def step(self, steps=1):
        """``steps`` done with work; returns the seconds left (None: no pace yet)."""
        self.done += steps
        self.timed += steps
        return self.seconds_left()

    def seconds_left(self):
        if not self.timed:
            return None
        pace = (self.clock() - self.start) / self.timed
        return pace * max(self.total - self.done, 0)

    def text(self):
        """``"k of n, about M s left"`` for the steps done so far."""
        return progress_text(self.done, self.total, self.seconds_left())


class Progress(TimeLeft):
    """:class:`TimeLeft` with a tqdm bar on a terminal (:func:`progress_bar`); elsewhere
    only the text, which the caller puts in its own progress line."""

    def __init__(self, total, label, stream=None, clock=time.perf_counter):
        super().__init__(total, clock)
        self.bar = progress_bar(total, label, stream)

    def skip(self, steps=1):
        super().skip(steps)
        if self.bar is not None:
            self.bar.update(steps)

    def step(self, steps=1):
        left = super().step(steps)
        if self.bar is not None:
            self.bar.update(steps)
            if left is not None:
                self.bar.set_postfix_str(f"about {format_seconds(left)} left")
        return left

    def close(self):
        if self.bar is not None:
            self.bar.close()


def progress_bar(total, label, stream=None):
    """A tqdm bar of ``total`` steps on a terminal, else None (write plain lines then).

    Only an interactive terminal gets the bar: a log file or a papermill kernel would
    keep every redraw.
    """
    stream = sys.stderr if stream is None else stream
    if not _interactive(stream):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, file=stream, leave=False)


def last_seconds(output_dir, notebook):
    """The seconds ``notebook`` took the last time it ran into ``output_dir`` (its stamp,
    ``executed/<notebook>.stamp.json``), or None."""
    path = Path(output_dir) / "executed" / f"{notebook}.stamp.json"
    try:
        seconds = json.loads(path.read_text()).get("seconds")
    except (OSError, ValueError, AttributeError):
        return None
    return float(seconds) if isinstance(seconds, (int, float)) else None


SEED_CHAPTERS = ("02_cnn", "03_projection_mlp")


def seed_spread_estimate(out, seeds, notebooks):
    """The whole seed-spread run's time from the last stamps, as lines to print.

    Each seed run renders :data:`SEED_CHAPTERS` into ``<out>-seed<seed>``: its own last
    seconds there when it ran before, else the main folder's (an over-estimate: the seed
    runs skip chapter 03's sweep). The main render runs ``notebooks`` into ``out``. A
    chapter with no stamp anywhere is named as unknown, not guessed.
    """
    lines, total, unknown = [], 0.0, []
    for seed in seeds:
        parts = []
        for notebook in SEED_CHAPTERS:
            seconds = last_seconds(f"{out}-seed{seed}", notebook)
            if seconds is None:
                seconds = last_seconds(out, notebook)
            if seconds is None:
                unknown.append(f"{notebook} (seed {seed})")
                continue
            total += seconds
            parts.append(f"{notebook} {format_seconds(seconds)}")
        lines.append(f"  seed {seed}: {', '.join(parts) or 'no stamps'}")
    main = [(n, last_seconds(out, n)) for n in notebooks]
    total += sum(s for _, s in main if s is not None)
    unknown += [n for n, s in main if s is None]
    known = ", ".join(f"{n} {format_seconds(s)}" for n, s in main if s is not None)
    lines.append(f"  report into {out}: {known or 'no stamps'}")
    head = f"seed-spread: about {format_seconds(total)} from the last runs' stamps"
    if unknown:
        head += f" (plus {', '.join(unknown)}: never ran here, not counted)"
    return [head, *lines]


def main(argv=None):
    """``python -m helpers.progress seed-spread OUT NOTEBOOKS_DIR SEED...``"""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[0] != "seed-spread":
        print(main.__doc__, file=sys.stderr)
        return 2
    out, notebooks_dir, seeds = args[1], Path(args[2]), args[3:]
    notebooks = sorted(p.stem for p in notebooks_dir.glob("*.ipynb"))
    for line in seed_spread_estimate(out, seeds, notebooks):
        log_progress(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
