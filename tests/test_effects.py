"""The summary's effect runs: one setting changed, set beside this run."""

import numpy as np
import pytest
from scipy import stats

from helpers.summary.effects import effect_rows, effect_text, load_effect_runs, slight_margin
from helpers.summary.seeds import seed_rows
from helpers.summary.verdicts import conclusion_verdicts
from tests.test_seeds import _run, _write
from tests.test_summary import N_SAMPLES, SLIGHT


def _with_precision(results, precision):
    for payload in results.values():
        payload["machine"] = {"training_precision": precision}
    return results


def test_an_effect_run_is_labelled_by_what_differs_and_its_gap_change_shown(tmp_path):
    this = _with_precision(_run(0, mlp_stack_folds=True), "float32")
    alone = _with_precision(
        _run(0, fashion_gaps=[g + 0.004 for g in SLIGHT], mlp_stack_folds=False), "float32"
    )
    bf16 = _with_precision(_run(0, mlp_stack_folds=True), "mixed_bfloat16")
    runs = load_effect_runs(
        this, [_write(tmp_path / "alone", alone), _write(tmp_path / "bf16", bf16)]
    )
    assert list(runs) == [
        "mlp_stack_folds: False vs True",
        "training_precision: 'mixed_bfloat16' vs 'float32'",
    ]
    rows = effect_rows(this, runs)
    # The change on the same folds, with its interval (a constant change: zero width).
    assert rows[0]["fashion_mnist gap"] == pytest.approx(0.004)
    assert rows[0]["fashion_mnist 90% interval"] == "[+0.0040, +0.0040]"
    assert rows[0]["cifar10 gap"] == pytest.approx(0.0)
    assert rows[0]["single-run verdict 2"] == "supported -> supported"
    assert rows[0]["single-run verdict 3"] == "inconclusive -> inconclusive"
    assert rows[1]["fashion_mnist gap"] == pytest.approx(0.0)
    # Per-fold changes that vary: a t-interval (Nadeau-Bengio corrected, 4 df) around them.
    jittered = _with_precision(
        _run(0, fashion_gaps=[g + d for g, d in zip(SLIGHT, (0.0, 0.01, 0.0, 0.01, 0.005))]),
        "mixed_bfloat16",
    )
    (row,) = effect_rows(this, load_effect_runs(this, [_write(tmp_path / "j", jittered)]))
    low, high = (float(x) for x in row["fashion_mnist 90% interval"].strip("[]").split(", "))
    assert row["fashion_mnist gap"] == pytest.approx(0.005)
    assert low < row["fashion_mnist gap"] < high
    # With seed runs, the seeds' sd of the gap heads the table: a spread, not a shift.
    seeded = {0: this, 10: _run(10, fashion_gaps=[g + 0.01 for g in SLIGHT])}
    rows = effect_rows(this, runs, seed_rows(seeded))
    assert rows[0]["source"].startswith("seed (2 seeds: 0, 10)")
    assert rows[0]["measure"].startswith("sd over the seeds (a spread")
    assert rows[0]["fashion_mnist gap"] == pytest.approx(0.01 / 2**0.5)
    margin = slight_margin(conclusion_verdicts(this))
    # By hand: the 90% Nadeau-Bengio t-interval of the Fashion-MNIST gaps (5 folds of
    # 10,000 images) ends this far below verdict 2's 0.05.
    k, n = len(SLIGHT), N_SAMPLES
    spread = np.var(SLIGHT, ddof=1) * (1 / k + (n / k) / (n - n / k))
    high = np.mean(SLIGHT) + stats.t.ppf(0.95, k - 1) * np.sqrt(spread)
    assert margin == pytest.approx(0.05 - high, rel=1e-9)
    assert round(margin, 4) == 0.0138
    text = effect_text(rows, margin)
    assert "mlp_stack_folds: False vs True: +0.0040 (90% interval [+0.0040, +0.0040])" in text
    assert f"interval ends {margin:.4f} below its threshold" in text
    assert "seed (" not in text  # the spread is in the table, not among the changes
    # No margin to move when the check does not hold: the sentence is left out.
    assert "below its threshold" not in effect_text(rows, -0.003)


def test_effect_runs_that_change_the_seed_nothing_or_the_code_are_refused(tmp_path):
    this = _run(0)
    with pytest.raises(ValueError, match="has seed 10, this run 0"):
        load_effect_runs(this, [_write(tmp_path / "seed", _run(10))])
    with pytest.raises(ValueError, match="nothing differs from this run"):
        load_effect_runs(this, [_write(tmp_path / "same", _run(0))])
    other = _run(0, mlp_stack_folds=False)
    for payload in other.values():
        payload["_run"]["keras_backend"] = "jax"
    with pytest.raises(ValueError, match="other code, data or packages.*keras_backend"):
        load_effect_runs(this, [_write(tmp_path / "jax", other)])
    empty = tmp_path / "empty"
    (empty / "results").mkdir(parents=True)
    with pytest.raises(ValueError, match="no results/cnn.json"):
        load_effect_runs(this, [empty])
