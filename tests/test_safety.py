"""Concurrent renders, corrupt caches, interrupted reports, provenance in every result."""

import json

import pytest

from helpers.report import cli, execution, rendering
from helpers.results import read_results, record_results


def test_second_render_of_one_folder_is_refused(capsys, tmp_path, data_env):
    out = tmp_path / "out"
    with execution.output_lock(out):
        assert cli.main(["--profile", "quick", "--output-dir", str(out), "--no-report"]) == 2
    err = capsys.readouterr().err
    assert "another render is using" in err and "--output-dir" in err and "pid" in err
    with execution.output_lock(out):  # released: a later run gets it
        pass


def _fake_report(tmp_path, monkeypatch, pdf):
    out = tmp_path / "out"
    (out / "executed").mkdir(parents=True)
    (out / "report.html").write_text("old html")
    (out / "report.pdf").write_text("old pdf")
    monkeypatch.setattr(rendering, "merge_notebooks", lambda paths, **kwargs: {})
    monkeypatch.setattr(rendering, "render_html", lambda merged: b"new html")
    monkeypatch.setattr(rendering, "render_pdf", pdf)
    monkeypatch.setattr(rendering, "latex_tools_missing", lambda: [])
    return out


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_report_pair_is_replaced_together_or_not_at_all(tmp_path, monkeypatch, error):
    def failing_pdf(merged):
        raise error("interrupted while rendering the PDF")

    out = _fake_report(tmp_path, monkeypatch, failing_pdf)
    with pytest.raises(error):
        rendering.build_report(out, [], on_progress=lambda m: None)
    assert (out / "report.html").read_text() == "old html"
    assert (out / "report.pdf").read_text() == "old pdf"
    assert sorted(p.name for p in out.iterdir()) == ["executed", "report.html", "report.pdf"]


def test_report_pair_is_replaced_when_both_render(tmp_path, monkeypatch):
    out = _fake_report(tmp_path, monkeypatch, lambda merged: b"new pdf")
    rendering.build_report(out, [], on_progress=lambda m: None)
    assert (out / "report.html").read_text() == "new html"
    assert (out / "report.pdf").read_text() == "new pdf"


def test_results_carry_their_provenance(tmp_path):
    from helpers.provenance import note_dataset, start_run

    start_run({"profile": "quick", "seed": 3})
    note_dataset("fashion_mnist", "/data/fashion_mnist.npz", "ab" * 32, 100, 50)
    record_results("demo", {"v": 1}, tmp_path)
    run = read_results(tmp_path, "demo")["_run"]
    assert run["parameters"] == {"profile": "quick", "seed": 3}
    assert run["wall_seconds"] >= 0 and run["packages"]["numpy"]
    assert run["datasets"]["fashion_mnist"]["sha256"] == "ab" * 32
    assert set(run["git"]) == {"commit", "dirty"} and "cpu" in run["machine"]


def _tiny_problem(keras):
    import numpy as np

    rng = np.random.default_rng(0)
    x, y = rng.random((40, 4), dtype=np.float32), np.arange(40) % 2

    def build(shape):
        model = keras.Sequential([keras.Input(shape), keras.layers.Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    return x, y, build


def test_corrupt_cached_fold_is_reported_and_recomputed(tmp_path, capsys):
    keras = pytest.importorskip("keras")

    from helpers.nets.cross_validation import cross_validate
    from helpers.nets.protocol import Protocol

    x, y, build = _tiny_problem(keras)

    protocol = Protocol(max_epochs=1, patience=1, batch_size=8)
    kwargs = dict(model_id="tiny", folds=2, protocol=protocol, seed=0, cache_dir=tmp_path)
    first = cross_validate(build, x, y, log=lambda m: None, **kwargs)
    cached = sorted(tmp_path.glob("*.json"))
    cached[0].write_text('{"fold": 0, "accur')  # truncated
    messages = []
    again = cross_validate(build, x, y, log=messages.append, **kwargs)
    assert any(str(cached[0]) in m and "recomputing" in m for m in messages)
    # The cached fold counts as done, not as pace: the retrained one is the last.
    retrained = [m for m in messages if m.strip().startswith("fold 1/2: accuracy")]
    assert len(retrained) == 1 and retrained[0].endswith("; done 2 of 2, about 0 s left")
    assert [r.accuracy for r in again] == [r.accuracy for r in first]
    assert json.loads(cached[0].read_text())["fold"] == 0


def test_truncated_cached_model_is_reported_and_retrained(tmp_path):
    keras = pytest.importorskip("keras")

    from helpers.nets.protocol import Protocol
    from helpers.nets.training import train_final

    x, y, build = _tiny_problem(keras)

    protocol = Protocol(max_epochs=1, patience=1, batch_size=8)
    kwargs = dict(model_id="tiny", protocol=protocol, seed=0, model_dir=tmp_path)
    _, info = train_final(build, x, y, x, y, log=lambda m: None, **kwargs)
    path = next(tmp_path.glob("*.keras"))
    path.write_bytes(path.read_bytes()[:100])
    messages = []
    _, again = train_final(build, x, y, x, y, log=messages.append, **kwargs)
    assert any(str(path) in m and "unreadable" in m for m in messages)
    assert not again["cached"] and again["test_accuracy"] == info["test_accuracy"]
    _, third = train_final(build, x, y, x, y, log=lambda m: None, **kwargs)
    assert third["cached"]
