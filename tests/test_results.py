import json
from pathlib import Path

import numpy as np
import pytest

from helpers.results import read_results, record_results


def test_round_trip_with_numpy_values(tmp_path):
    path = record_results(
        "demo",
        {
            "acc": np.float32(0.5),
            "folds": np.array([1, 2]),
            "ok": np.bool_(True),
            "nested": {"n": np.int64(3)},
        },
        tmp_path,
    )
    assert path == tmp_path / "results" / "demo.json"
    back = read_results(tmp_path, "demo")
    assert back["acc"] == 0.5 and back["folds"] == [1, 2] and back["ok"] is True
    assert back["nested"] == {"n": 3} and "_recorded_at" in back
    assert read_results(tmp_path) == {"demo": back}


def test_nan_is_recorded_as_null_and_file_is_strict_json(tmp_path):
    path = record_results("demo", {"x": float("nan"), "y": [np.inf, 1.0]}, tmp_path)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["y"] == [None, 1.0]


def test_unrecordable_value_is_an_error(tmp_path):
    with pytest.raises(TypeError, match="cannot record"):
        record_results("demo", {"bad": object()}, tmp_path)
    assert not list(tmp_path.rglob("*.json"))


def test_interrupted_write_keeps_the_previous_file(tmp_path, monkeypatch):
    record_results("demo", {"v": 1}, tmp_path)
    real_write_bytes = Path.write_bytes

    def write_half_then_fail(self, data):
        real_write_bytes(self, data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", write_half_then_fail)
    with pytest.raises(KeyboardInterrupt):
        record_results("demo", {"v": 2}, tmp_path)
    monkeypatch.undo()
    assert read_results(tmp_path, "demo")["v"] == 1
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["demo.json"]


@pytest.mark.parametrize("name", ["", "../x", ".hidden", 3])
def test_bad_names_rejected(tmp_path, name):
    with pytest.raises(ValueError, match="plain file stem"):
        record_results(name, {}, tmp_path)


def test_missing_results_say_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="run the notebook"):
        read_results(tmp_path, "cnn")


def test_phases_are_exclusive_and_add_up(tmp_path, monkeypatch):
    import time
    from types import SimpleNamespace

    from helpers import provenance

    ticks = iter([0.0, 1.0, 3.0, 10.0, 20.0, 20.5])  # outer, inner, outer again
    monkeypatch.setattr(provenance, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    provenance._RUN.clear()
    with provenance.phase("training"):  # 0 .. 10, with 1 .. 3 nested
        with provenance.phase("projection fitting"):
            pass
    with provenance.phase("training"):  # 20 .. 20.5
        pass
    phases = provenance._RUN["phases"]
    assert phases == {"projection fitting": 2.0, "training": 8.5}
    monkeypatch.setattr(provenance, "time", time)
    provenance._RUN["started"] = time.perf_counter()
    path = record_results("timed", {"x": 1}, tmp_path)
    recorded = read_results(tmp_path, "timed")["_run"]["phase_seconds"]
    assert path.is_file() and recorded == {"projection fitting": 2.0, "training": 8.5}


def test_phase_needs_a_name():
    from helpers.provenance import phase

    with pytest.raises(ValueError, match="phase name"):
        with phase(""):
            pass


def test_a_temporary_file_an_interrupted_writer_left_is_never_read(tmp_path):
    record_results("cnn", {"v": 1}, tmp_path)
    (tmp_path / "results" / ".cnn.abcd1234.tmp.json").write_text('{"trunc')
    assert set(read_results(tmp_path)) == {"cnn"}


def test_a_damaged_results_file_names_itself_and_the_chapter_to_rerun(tmp_path):
    from helpers.results import DamagedResults

    (tmp_path / "results").mkdir()
    run = {"_run": {"parameters": {"profile": "quick"}}}
    (tmp_path / "results" / "datasets.json").write_text(json.dumps(run))
    (tmp_path / "results" / "cnn.json").write_text('{"datasets": {"fash')
    command = f"./render.sh --profile quick --output-dir {tmp_path.resolve()} --only 02_cnn"
    from helpers.summary.verdicts import load_all  # what the summary chapter reads with

    readers = (lambda: read_results(tmp_path), lambda: read_results(tmp_path, "cnn"))
    for read in (*readers, lambda: load_all(tmp_path)):
        with pytest.raises(DamagedResults) as caught:
            read()
        message = str(caught.value)
        assert "\n" not in message
        assert str(tmp_path / "results" / "cnn.json") in message and message.endswith(command)


def test_the_fix_for_a_damaged_seed_run_keeps_the_overrides_its_chapter_ran_with(tmp_path):
    """Re-running a seed run's chapter with the profile's own seed would make it a copy of
    the main run: the command repeats what its stamp says differed from the profile."""
    from helpers.results import rerun_command

    (tmp_path / "executed").mkdir()
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "projection_mlp.json").write_text(
        json.dumps({"_run": {"parameters": {"profile": "quick"}}})
    )
    passed = {"profile": "quick", "output_dir": "<output_dir>", "seed": 10, "mlp_sweep_m": []}
    stamp = {"inputs": {"parameters": {**passed, "n_train": 1000}}}  # quick's own n_train
    (tmp_path / "executed" / "02_cnn.stamp.json").write_text(json.dumps(stamp))
    assert rerun_command(tmp_path, "cnn") == (
        f"./render.sh --profile quick -p mlp_sweep_m '[]' -p seed 10 "
        f"--output-dir {tmp_path.resolve()} --only 02_cnn"
    )


def test_a_writer_that_locks_the_file_it_writes_can_write_through_atomic_path(tmp_path):
    # HDF5 (Keras weights) takes an flock on the file it writes: the live-writer mark must
    # not be a lock on that same file, or the save fails ("unable to lock file").
    import fcntl
    import os

    from helpers.files import atomic_path, remove_abandoned

    with atomic_path(tmp_path / "weights.h5") as tmp:
        fd = os.open(tmp, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        tmp.write_bytes(b"h5")
        assert remove_abandoned(tmp_path) == []  # held: kept, its lock file too
    assert (tmp_path / "weights.h5").read_bytes() == b"h5"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.h5"]  # no lock file left
