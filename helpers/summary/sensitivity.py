"""Verdict 2's sensitivity analyses: the pooled gaps under the variance models that the
primary analysis (rule v6's random-effects interval) was chosen over, shown beside it,
deciding nothing (chapter 99, after the verdicts).

A referee's review of the 3-seed study found the Fashion-MNIST check's outcome turning
on the variance model: holds with the seeds' gaps alone (v5) and with a fixed-effect
Nadeau-Bengio interval, inconclusive under v6. A pre-registration names one model as
primary; these are the others, so a reader sees how much the choice moves. Each model
judges all four of verdict 2's checks (:func:`gap_sensitivity`) and combines them into
the claim's halves and verdict as the judge does (:func:`claim_sensitivity`); the
primary model's rows are judge_claim_2's own decisions.
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
from helpers.summary.decisions import (
    DECISION_LEVEL,
    claim_verdict,
    combine_outcomes,
    judge_above,
    judge_below,
)

__all__ = ["ANALYSES", "CHECKS", "HALVES", "claim_sensitivity", "gap_sensitivity"]

ANALYSES = {
    "random effects (primary, rule v6)": "DerSimonian-Laird, modified Hartung-Knapp, t",
    "fixed effect": "inverse-variance Nadeau-Bengio variances, normal quantile",
    "seeds' gaps alone (rule v5)": "t-interval of the seeds' CV gaps",
}
PRIMARY = "random effects (primary, rule v6)"

# Verdict 2's four checks as judge_claim_2 makes them, in its order: (what is judged,
# the check in words, the judge, its threshold). The gap is CNN minus RP-MLP CV accuracy;
# "cifar10 - fashion_mnist" is each seed's CIFAR-10 gap minus its Fashion-MNIST gap.
CHECKS = (
    ("cifar10", f"above {C2_MIN_CLEAR_GAP:g}", judge_above, C2_MIN_CLEAR_GAP),
    ("fashion_mnist", "above 0", judge_above, 0.0),
    ("fashion_mnist", f"below {C2_MAX_SLIGHT_GAP:g}", judge_below, C2_MAX_SLIGHT_GAP),
    ("cifar10 - fashion_mnist", "above 0", judge_above, 0.0),
)
# Its two halves: the first check alone, and the other three together.
HALVES = ("clearly on CIFAR-10", "only slightly on Fashion-MNIST")


def _intervals(means, variances, level):
    return {
        PRIMARY: random_effects_interval(means, variances, level),
        "fixed effect": fixed_effect_interval(means, variances, level),
        "seeds' gaps alone (rule v5)": pooled_interval(means, level=level),
    }


def _model_checks(mlp, seed_mlps, level):
    """Variance model -> its four checks as (dataset, check, (mean, low, high), outcome),
    in :data:`CHECKS`' order; None with fewer than MIN_POOLED_SEEDS runs or a run whose
    folds did not vary."""
    runs = []
    for results in (mlp, *seed_mlps):
        inputs, _ = _gap_inputs(results)
        if inputs is None:
            return None
        runs.append(inputs)
    if len(runs) < MIN_POOLED_SEEDS:
        return None
    gaps = [[t["mean_difference"] for t in tests] for tests, _ in runs]
    own = [
        [corrected_variance(t["differences"], *s) for t, s in zip(tests, sizes)]
        for tests, sizes in runs
    ]
    if min(min(v) for v in own) <= 0:
        return None
    series = [[g[0] for g in gaps], [g[1] for g in gaps], [g[0] - g[1] for g in gaps]]
    variances = [[v[0] for v in own], [v[1] for v in own], [v[0] + v[1] for v in own]]
    pooled = [_intervals(x, v, level) for x, v in zip(series, variances)]
    # The checks read the CIFAR-10 gap, the Fashion-MNIST gap twice, the difference.
    per_check = [pooled[0], pooled[1], pooled[1], pooled[2]]
    found = {}
    for analysis in ANALYSES:
        found[analysis] = [
            (dataset, check, by_model[analysis], judge("x", *by_model[analysis], threshold).outcome)
            for (dataset, check, judge, threshold), by_model in zip(CHECKS, per_check)
        ]
    return found


def gap_sensitivity(mlp, seed_mlps=(), level=DECISION_LEVEL):
    """Rows (analysis, dataset, gap, interval, check, outcome) of verdict 2's four checks
    under each variance model, over this run and ``seed_mlps``; empty with fewer than
    MIN_POOLED_SEEDS runs or a run whose folds did not vary."""
    found = _model_checks(mlp, seed_mlps, level)
    if found is None:
        return []
    return [
        {
            "analysis": analysis,
            "dataset": dataset,
            "gap": mean,
            f"{level:.0%} interval": f"[{low:+.4f}, {high:+.4f}]",
            "check": check,
            "outcome": outcome,
        }
        for analysis, checks in found.items()
        for dataset, check, (mean, low, high), outcome in checks
    ]


def claim_sensitivity(mlp, seed_mlps=(), level=DECISION_LEVEL):
    """One row per variance model: verdict 2 at claim level under it (``verdict``) and
    each half's outcome, combined as judge_claim_2 combines them; empty where
    :func:`gap_sensitivity` is."""
    found = _model_checks(mlp, seed_mlps, level)
    if found is None:
        return []
    rows = []
    for analysis, checks in found.items():
        outcomes = [outcome for *_, outcome in checks]
        halves = dict(zip(HALVES, (outcomes[0], combine_outcomes(outcomes[1:]))))
        rows.append({"analysis": analysis, "verdict": claim_verdict(halves.values()), **halves})
    return rows
