"""Two runs compared: only what changed, with deltas (like DVC's metrics/params diff)."""

import json
import re

import pytest

from helpers.report.run_diff import (
    WITHIN,
    diff_runs,
    flatten_numbers,
    main,
    main_curves,
    to_html,
    to_markdown,
)


def _cnn(seed=0, accuracy=0.85, precision="float32", folds=(0.84, 0.86)):
    return {
        "_run": {
            "parameters": {"profile": "quick", "seed": seed, "n_train": 1000},
            "git": {"commit": "abc", "dirty": False},
            "keras_backend": "tensorflow",
            "machine": {"cpu": "AMD EPYC", "cpu_count": 2, "training_precision": precision},
        },
        "datasets": {"fashion_mnist": {"mean": accuracy, "fold_accuracy": list(folds)}},
        "timings": list(range(50)),  # a long list: raw data, not a metric
        "stacked": True,  # a bool is not a number
    }


def _summary(*verdicts):
    return {
        "_run": {"parameters": {"profile": "quick"}},
        "verdicts": [{"verdict": v} for v in verdicts],
    }


def test_flatten_keeps_numeric_leaves_and_skips_run_blocks_bools_and_long_lists():
    flat = flatten_numbers(_cnn())
    assert flat == {
        "datasets.fashion_mnist.mean": 0.85,
        "datasets.fashion_mnist.fold_accuracy[0]": 0.84,
        "datasets.fashion_mnist.fold_accuracy[1]": 0.86,
    }


def test_only_what_changed_is_listed_with_its_delta():
    first = {"cnn": _cnn(), "summary": _summary("supported", "inconclusive")}
    second = {
        "cnn": _cnn(seed=10, accuracy=0.87, precision="mixed_bfloat16"),
        "summary": _summary("supported", "contradicted"),
        "reconstruction": {},
    }
    diff = diff_runs(first, second)
    assert diff["results"] == [{"results": "reconstruction", "in": "second only"}]
    assert diff["params"] == [{"results": "cnn", "parameter": "seed", "first": 0, "second": 10}]
    assert diff["environment"] == [
        {
            "results": "cnn",
            "what": "training precision",
            "first": "float32",
            "second": "mixed_bfloat16",
        }
    ]
    (metric,) = diff["metrics"]
    assert metric["metric"] == "datasets.fashion_mnist.mean"
    assert metric["delta"] == pytest.approx(0.02)
    assert diff["verdicts"] == [
        {"conclusion": 2, "first": "inconclusive", "second": "contradicted"}
    ]
    # Within a relative tolerance the number counts as unchanged.
    assert diff_runs(first, second, rtol=0.05)["metrics"] == []
    # --all lists unchanged values too.
    assert len(diff_runs(first, second, show_all=True)["metrics"]) == 3


def test_markdown_has_one_table_per_part_that_changed():
    text = to_markdown(diff_runs({"cnn": _cnn()}, {"cnn": _cnn(accuracy=0.8)}), ("A", "B"))
    assert text.startswith(
        "### metrics\n\n| results | metric | A | B | delta | delta within first run's sd (not a test) |"
    )
    assert "| cnn | datasets.fashion_mnist.mean | 0.85 | 0.8 | -0.05 | - |" in text
    assert to_markdown(diff_runs({"cnn": _cnn()}, {"cnn": _cnn()})) == "No differences."


def test_the_command_reads_two_output_folders(tmp_path, capsys):
    for name, payload in (("a", _cnn()), ("b", _cnn(accuracy=0.9))):
        (tmp_path / name / "results").mkdir(parents=True)
        (tmp_path / name / "results" / "cnn.json").write_text(json.dumps(payload))
    page = tmp_path / "compare.html"
    assert main([str(tmp_path / "a"), str(tmp_path / "b"), "--json", "--html", str(page)]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["metrics"][0]["delta"] == pytest.approx(0.05)
    assert "datasets.fashion_mnist.mean" in page.read_text()
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path / "a"), str(tmp_path / "missing")])
    assert exc.value.code == 2
    assert "has no results/ folder" in capsys.readouterr().err


def test_a_change_is_set_against_the_first_runs_recorded_spread():
    def cnn(mean, std):
        payload = _cnn(accuracy=mean)
        payload["datasets"]["fashion_mnist"]["std"] = std
        payload["field_marks"] = [{"psnr_mean": 30.0 + mean, "psnr_sd": 0.5}]
        return payload

    rows = diff_runs({"cnn": cnn(0.85, 0.03)}, {"cnn": cnn(0.87, 0.01)})["metrics"]
    within = {r["metric"]: r[WITHIN] for r in rows}
    # 0.02 inside the first run's sd of 0.03; the sd itself has no spread recorded.
    assert within["datasets.fashion_mnist.mean"] == "yes"
    assert within["datasets.fashion_mnist.std"] is None
    assert within["field_marks[0].psnr_mean"] == "yes"
    rows = diff_runs({"cnn": cnn(0.85, 0.01)}, {"cnn": cnn(0.87, 0.01)})["metrics"]
    assert {r["metric"]: r[WITHIN] for r in rows}["datasets.fashion_mnist.mean"] == "no"
    # No spread to compare with: a zero sd (one fold) says nothing.
    rows = diff_runs({"cnn": cnn(0.85, 0.0)}, {"cnn": cnn(0.87, 0.0)})["metrics"]
    assert {r["metric"]: r[WITHIN] for r in rows}["datasets.fashion_mnist.mean"] is None


def _curves_run(mse_at_50):
    return {
        "reconstruction": {
            "table": [
                {"image": "camera", "M": 100, "mse_mean": mse_at_50 / 2},
                {"image": "camera", "M": 50, "mse_mean": mse_at_50},
            ]
        },
        "projection_mlp": {
            "sweep": [{"dataset": "cifar10", "method": "gaussian", "M": 32, "mean": 0.3}]
        },
    }


def test_main_curves_and_the_html_page_overlay_both_runs():
    first, second = _curves_run(0.02), _curves_run(0.03)
    curves = main_curves(first)
    assert curves["Experiment 1: MSE vs M"][3] == {"camera": [(50.0, 0.02), (100.0, 0.01)]}
    assert curves["Experiment 3: CV accuracy vs M"][3] == {"cifar10 gaussian": [(32.0, 0.3)]}
    assert "Experiment 4: validation accuracy vs FLOPs" not in curves  # not recorded
    page = to_html(
        diff_runs(first, second), (curves, main_curves(second)), labels=("run A", "run B")
    )
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert "<table>" in page and "run A solid, run B dashed" in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # nothing fetched
    assert page == to_html(
        diff_runs(first, second), (curves, main_curves(second)), labels=("run A", "run B")
    )  # no date stamped in the figures: the same runs give the same page


def test_a_damaged_results_file_is_one_line_naming_it_and_the_fix(tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / name / "results").mkdir(parents=True)
        (tmp_path / name / "results" / "cnn.json").write_text(json.dumps(_cnn()))
    (tmp_path / "b" / "results" / "cnn.json").write_text('{"datasets": {"fash')
    assert main([str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{tmp_path / 'b' / 'results' / 'cnn.json'} is damaged" in err
    assert "--only 02_cnn" in err
