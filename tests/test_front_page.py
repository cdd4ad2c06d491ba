"""The report's front page is generated from the recorded runs."""

import datetime as dt

from helpers.report.front_page import abstract, front_page_markdown, run_facts


def _run(precision="float32", commit="abcdef0123456789", dirty=False, backend="tensorflow"):
    return {
        "_run": {
            "parameters": {"profile": "quick", "seed": 0},
            "started_at": "2026-12-03T13:56:03+00:00",
            "keras_backend": backend,
            "devices": ["CPU:0"],
            "git": {"commit": commit, "dirty": dirty},
            "machine": {"cpu": "AMD EPYC", "cpu_count": 2, "training_precision": precision},
        }
    }


def _results(**cnn):
    return {
        "reconstruction": {**_run(backend=None)},
        "cnn": _run(**cnn),
        "summary": {
            **_run(backend=None),
            "verdicts": [
                {"verdict": "supported"},
                {"verdict": "inconclusive"},
                {"verdict": "inconclusive"},
            ],
        },
    }


def test_run_facts_come_from_each_results_own_run_block():
    facts = run_facts(_results())
    assert facts["profile"] == ["quick"] and facts["seed"] == ["0"]
    assert facts["commit"] == ["abcdef0123"]
    assert facts["machine"] == ["AMD EPYC, 2 CPUs"]
    # Backend and precision only from the chapters that train.
    assert facts["backend"] == ["tensorflow"] and facts["precision"] == ["float32"]
    assert facts["ran"] == ["2026-12-03"]


def test_mixed_runs_are_flagged_on_the_front_page():
    results = _results(precision="mixed_bfloat16", dirty=True, commit="ffff000011112222")
    facts = run_facts(results)
    assert facts["commit"] == ["abcdef0123", "ffff000011 (with uncommitted changes)"]
    page = front_page_markdown(results, rendered_at=dt.datetime(2026, 12, 3, 14, 5))
    assert page.startswith("Rendered 2026-12-03 14:05 UTC.")
    assert "| Training precision | mixed_bfloat16 |" in page
    assert "different commits, machines or settings" in page
    assert "different commits" not in front_page_markdown(_results())


def test_the_abstract_reports_the_recorded_verdicts():
    text = abstract(_results())
    assert text.startswith(
        "This report re-runs the study's Experiment 1 (compressive-sensing reconstruction) "
        "and Experiment 2 (CNN classification), with our own protocol"
    )
    assert "adds" not in text
    assert "It adds the SVD compression" in abstract({**_results(), "svd_compression": {}})
    assert "conclusion 1 is supported; conclusions 2, 3 are inconclusive" in text
    assert abstract({}) == "No results were recorded yet."
