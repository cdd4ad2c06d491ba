"""Verdict 2's sensitivity analyses: the pooled gaps under the variance models that the
primary analysis (rule v6's random-effects interval) was chosen over, shown beside it,
deciding nothing (chapter 99, after the verdicts).

A referee's review of the 3-seed study found the Fashion-MNIST check's outcome turning
on the variance model: holds with the seeds' gaps alone (v5) and with a fixed-effect
Nadeau-Bengio interval, inconclusive under v6. A pre-registration names one model as
primary; these are the others, so a reader sees how much the choice moves.
"""

from __future__ import annotations

from helpers.stats.intervals import (
    MIN_POOLED_SEEDS,
    corrected_variance,
    fixed_effect_interval,
    pooled_interval,
    random_effects_interval,
)
from helpers.summary.cnn_vs_mlp import C2_MAX_SLIGHT_GAP, C2_MIN_CLEAR_GAP, _gap_inputs
from helpers.summary.decisions import DECISION_LEVEL, judge_above, judge_below

__all__ = ["ANALYSES", "gap_sensitivity"]

ANALYSES = {
    "random effects (primary, rule v6)": "DerSimonian-Laird, modified Hartung-Knapp, t",
    "fixed effect": "inverse-variance Nadeau-Bengio variances, normal quantile",
    "seeds' gaps alone (rule v5)": "t-interval of the seeds' CV gaps",
}


def _intervals(means, variances, level):
    return {
        "random effects (primary, rule v6)": random_effects_interval(means, variances, level),
        "fixed effect": fixed_effect_interval(means, variances, level),
        "seeds' gaps alone (rule v5)": pooled_interval(means, level=level),
    }


def gap_sensitivity(mlp, seed_mlps=(), level=DECISION_LEVEL):
    """Rows (analysis, dataset, gap, interval, outcome of verdict 2's check on it) over
    this run and ``seed_mlps``; empty with fewer than MIN_POOLED_SEEDS runs or a run
    whose folds did not vary."""
    runs = []
    for results in (mlp, *seed_mlps):
        inputs, _ = _gap_inputs(results)
        if inputs is None:
            return []
        runs.append(inputs)
    if len(runs) < MIN_POOLED_SEEDS:
        return []
    rows = []
    for i, (dataset, check) in enumerate(
        (
            ("cifar10", lambda g: judge_above("x", *g, C2_MIN_CLEAR_GAP)),
            ("fashion_mnist", lambda g: judge_below("x", *g, C2_MAX_SLIGHT_GAP)),
        )
    ):
        means = [tests[i]["mean_difference"] for tests, _ in runs]
        variances = [
            corrected_variance(tests[i]["differences"], *sizes[i]) for tests, sizes in runs
        ]
        if min(variances) <= 0:
            return []
        for analysis, (mean, low, high) in _intervals(means, variances, level).items():
            rows.append(
                {
                    "analysis": analysis,
                    "dataset": dataset,
                    "gap": mean,
                    f"{level:.0%} interval": f"[{low:+.4f}, {high:+.4f}]",
                    "check": f"{'above' if i == 0 else 'below'} "
                    f"{C2_MIN_CLEAR_GAP if i == 0 else C2_MAX_SLIGHT_GAP:g}",
                    "outcome": check((mean, low, high)).outcome,
                }
            )
    return rows
