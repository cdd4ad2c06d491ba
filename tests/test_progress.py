"""Time left on long work: the estimate, the line, the bar only on a terminal, and the
seed runs' estimate from the last stamps."""

import io
import json

import pytest

from helpers.progress import (
    Progress,
    TimeLeft,
    format_seconds,
    last_seconds,
    progress_bar,
    progress_text,
    seed_spread_estimate,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (44.6, "45 s"), (200, "3 min 20 s"), (7500, "2 h 05 min"), (-3, "0 s")],
)
def test_seconds_read_as_a_reader_needs_them(seconds, text):
    assert format_seconds(seconds) == text


def test_the_line_says_k_of_n_and_the_time_left():
    assert progress_text(2, 5, 90) == "2 of 5, about 1 min 30 s left"
    assert progress_text(3, 20, 34, bound=True) == "3 of 20, at most about 34 s left"
    assert progress_text(0, 5, None) == "0 of 5"


def test_time_left_is_the_pace_of_the_work_done_times_the_steps_left():
    clock = Clock()
    left = TimeLeft(5, clock=clock)
    assert left.seconds_left() is None  # no pace before the first step
    clock.now += 10
    assert left.step() == pytest.approx(40)
    clock.now += 20  # the second step took longer: the pace is the mean, 15 s
    assert left.step() == pytest.approx(45)
    assert left.text() == "2 of 5, about 45 s left"


def test_cached_steps_count_as_done_but_not_as_pace():
    clock = Clock()
    left = TimeLeft(4, clock=clock)
    clock.now += 50  # loading the cache took a while, but it is no pace of training
    left.skip(2)
    clock.now += 8
    assert left.step() == pytest.approx(8)  # one left at 8 s
    assert left.text() == "3 of 4, about 8 s left"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_bar_on_a_terminal_only():
    assert progress_bar(3, "folds", stream=io.StringIO()) is None  # a log file, a kernel
    bar = progress_bar(3, "folds", stream=Terminal())
    assert bar is not None and bar.total == 3
    bar.close()


def test_progress_moves_its_bar_on_a_terminal_and_has_none_elsewhere():
    screen = Terminal()
    progress = Progress(3, "folds", stream=screen)
    progress.skip()
    progress.step()
    assert progress.bar.n == 2
    progress.close()
    assert "folds" in screen.getvalue()
    plain = Progress(3, "folds", stream=io.StringIO())
    plain.step()
    assert plain.bar is None and plain.text().startswith("1 of 3")


def _stamp(folder, notebook, seconds):
    path = folder / "executed" / f"{notebook}.stamp.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seconds": seconds, "fingerprint": "x"}))


def test_last_seconds_reads_a_stamp_and_is_none_without_one(tmp_path):
    _stamp(tmp_path, "02_cnn", 482.0)
    assert last_seconds(tmp_path, "02_cnn") == 482.0
    assert last_seconds(tmp_path, "03_projection_mlp") is None
    (tmp_path / "executed" / "bad.stamp.json").write_text("{not json")
    assert last_seconds(tmp_path, "bad") is None


def test_the_seed_runs_estimate_adds_each_run_from_its_own_or_the_main_stamps(tmp_path):
    out = tmp_path / "study"
    for notebook, seconds in (("00_datasets", 10), ("02_cnn", 400), ("03_projection_mlp", 200)):
        _stamp(out, notebook, seconds)
    _stamp(tmp_path / "study-seed10", "02_cnn", 300)  # seed 10 ran before: its own time
    lines = seed_spread_estimate(str(out), ["10", "20"], ["00_datasets", "02_cnn", "99_report"])
    # seed 10: 300 + 200 (main's 03); seed 20: 400 + 200; report: 10 + 400 (99 unknown)
    assert lines[0].startswith("seed-spread: about 25 min 10 s")
    assert "99_report: never ran here" in lines[0]
    assert lines[1] == "  seed 10: 02_cnn 5 min 0 s, 03_projection_mlp 3 min 20 s"
    assert lines[3].startswith(f"  report into {out}: 00_datasets 10 s, 02_cnn 6 min 40 s")
