"""Verdicts 2 and 3 under the earlier versions of their rules (ledger versions 1-4 and
1-7, :mod:`helpers.summary.ledger`), each in its own words, evaluated beside the
current rules of :mod:`helpers.summary.cnn_vs_mlp` on the same results.
"""

from __future__ import annotations

from helpers.stats.intervals import CI_LEVEL, gap_difference_test, paired_sizes
from helpers.summary.cnn_vs_mlp import (
    C2_ALPHA,
    C2_MAX_SLIGHT_GAP,
    C2_MIN_CLEAR_GAP,
    C3_DATASET,
    C3_LATENCY_BATCHES,
    C3_MAX_ACCURACY_LOSS,
    C3_MIN_SPEEDUP,
    _gap_inputs,
    _gap_interval,
    judge_claim_2,
    judge_claim_3,
)
from helpers.summary.decisions import legacy_verdict
from helpers.summary.measured_cost import measured as _measured
from helpers.summary.measured_cost import positive as _positive
from helpers.summary.measured_cost import throughput_interval

__all__ = ["claim_2_versions", "claim_3_versions"]


def _pooled(judged):
    """A version's outcome and what it was judged on, as the report's ledger shows them
    (None: its inputs are not recorded)."""
    return None if judged["verdict"] == "no evidence" else (judged["verdict"], judged["data"])


def claim_2_versions(mlp, seed_mlps=()):
    """Verdict 2 under each earlier version of its rule (ledger versions 1-5), in that
    version's own words; None where its inputs are not recorded. Versions 4 and 5, which
    pooled seed runs, see ``seed_mlps`` as they would have; 1-3 this run."""
    inputs, _ = _gap_inputs(mlp)
    if inputs is None:
        return {1: None, 2: None, 3: None, 4: None, 5: None}
    (cifar, fashion), sizes = inputs
    gap_c, gap_f = cifar["mean_difference"], fashion["mean_difference"]
    p_c, p_f = cifar["corrected_p_value"], fashion["corrected_p_value"]
    diff = gap_difference_test(cifar, fashion, *sizes)
    significantly_smaller = diff["mean_difference"] > 0 and diff["p_value"] < C2_ALPHA
    not_negative = not (gap_f < 0 and p_f < C2_ALPHA)
    _, low_c, _ = _gap_interval(cifar, sizes[0], CI_LEVEL)
    _, _, high_f = _gap_interval(fashion, sizes[1], CI_LEVEL)
    return {
        1: legacy_verdict(
            gap_c > 0 and gap_c >= 2 * max(gap_f, 0), 0 <= gap_f <= C2_MAX_SLIGHT_GAP
        ),
        2: legacy_verdict(
            gap_c > 0 and p_c < C2_ALPHA and gap_c >= C2_MIN_CLEAR_GAP,
            gap_f <= C2_MAX_SLIGHT_GAP and not_negative and significantly_smaller,
        ),
        3: legacy_verdict(
            gap_c > 0 and p_c < C2_ALPHA and low_c >= C2_MIN_CLEAR_GAP,
            high_f <= C2_MAX_SLIGHT_GAP and not_negative and significantly_smaller,
        ),
        4: _pooled(judge_claim_2(mlp, seed_mlps, version=4)),
        5: _pooled(judge_claim_2(mlp, seed_mlps, version=5)),
    }


def _point_cost_holds(c, m):
    """Rule versions 2-3's cost half: each chapter's own medians, point ratios >= 2x
    (None when not recorded)."""
    pairs = [(_measured(m, "train_images_per_s"), _measured(c, "train_images_per_s"))] + [
        (_measured(c, "latency_ms_per_image", b), _measured(m, "latency_ms_per_image", b))
        for b in C3_LATENCY_BATCHES
    ]
    if not all(top and bottom for top, bottom in pairs):
        return None
    return all(top / bottom >= C3_MIN_SPEEDUP for top, bottom in pairs)


def _epoch_bound(mlp_entry, cnn_entry):
    """Rule version 4's training bound: the RP-MLP's slowest epoch's images per second
    over the CNN's fastest (epochs after the first), or None."""
    try:
        rates = [
            [e["train_images_per_epoch"] / float(t) for t in e["train_epoch_seconds"][1:]]
            for e in (mlp_entry, cnn_entry)
        ]
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(rates):
        return None
    return min(rates[0]) / max(rates[1])


def claim_3_versions(cnn, mlp, seed_runs=()):
    """Verdict 3 under each earlier version of its rule (ledger versions 1-10), in that
    version's own words; None where its inputs are not recorded. ``seed_runs``:
    ``(cnn, projection_mlp)`` results of other seeds. Versions 6-8 cite verdict 2 as it
    stood when they were last in force (v4, v5, v6), pooled over the seeds as it was;
    v8 reads the seeds' training times as it did, earlier versions' cost this run."""
    seed_mlps = [m for _, m in seed_runs]
    name = C3_DATASET
    c, m = cnn.get("datasets", {}).get(name), mlp.get("datasets", {}).get(name)
    out = dict.fromkeys(range(1, 11))
    if c is None or m is None:
        return out
    test_close = None
    if "test_accuracy" in c and "test_accuracy" in m:
        test_close = c["test_accuracy"] - m["test_accuracy"] <= C3_MAX_ACCURACY_LOSS
    if m.get("flops_per_image") and c.get("flops_per_image") and test_close is not None:
        out[1] = legacy_verdict(c["flops_per_image"] / m["flops_per_image"] >= 10, test_close)
    point_cost = _point_cost_holds(c, m)
    if point_cost is not None and test_close is not None:
        out[2] = legacy_verdict(point_cost, test_close)
    paired = mlp.get("paired_test", {}).get(name)
    sizes = paired_sizes(paired, m) if paired else None
    if not sizes:
        return out
    cv_close = _gap_interval(paired, sizes, CI_LEVEL)[2] <= C3_MAX_ACCURACY_LOSS
    if point_cost is not None:
        out[3] = legacy_verdict(point_cost, cv_close)
    turns = [(m.get("latency_vs_cnn") or {}).get(b) for b in C3_LATENCY_BATCHES]
    if not all(isinstance(t, dict) and _positive(t.get("low")) for t in turns):
        return out
    latency_cost = min(t["low"] for t in turns) >= C3_MIN_SPEEDUP
    bound = _epoch_bound(m, c)  # v4: the RP-MLP's slowest epoch against the CNN's fastest
    if bound is not None:
        out[4] = legacy_verdict(bound >= C3_MIN_SPEEDUP and latency_cost, cv_close)
    training = throughput_interval(m, c, CI_LEVEL)  # v5: a Welch interval over the epochs
    if training:
        out[5] = legacy_verdict(training["low"] >= C3_MIN_SPEEDUP and latency_cost, cv_close)
    for version, cited in ((6, 4), (7, 5), (8, 6), (9, 6), (10, 6)):
        claim_2 = judge_claim_2(mlp, seed_mlps, cited)
        out[version] = _pooled(
            judge_claim_3(cnn, mlp, claim_2, version=version, seed_runs=seed_runs)
        )
    return out
