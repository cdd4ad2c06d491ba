"""Verdicts 2 and 3 of the summary: the CNN against the random-projection MLP.

Conclusion 2, "the CNN beats the RP-MLP clearly on CIFAR-10 and only slightly on
Fashion-MNIST", is judged on the CNN minus RP-MLP CV accuracy gap over the same
folds; conclusion 3, "projection + MLP is a cost-effective substitute on simple
data", on measured cost, citing verdict 2 for "close in accuracy". Each check
comes out holds / fails / inconclusive on a :data:`DECISION_LEVEL` interval
(:mod:`helpers.summary.decisions`). The earlier versions of both rules
(:mod:`helpers.summary.ledger`) are evaluated beside the current one.
"""

from __future__ import annotations

import dataclasses
import functools
import math

from helpers.stats.intervals import (
    MIN_POOLED_SEEDS,
    corrected_variance,
    fold_interval,
    gap_difference_test,
    paired_sizes,
    pooled_interval,
    random_effects_interval,
)
from helpers.summary.decisions import (
    DECISION_LEVEL,
    HOLDS,
    INCONCLUSIVE,
    claim_verdict,
    combine_outcomes,
    judge_above,
    judge_below,
    judge_range_above,
)
from helpers.summary.measured_cost import (
    floor_share,
    latency_ratio,
    not_judged_text,
    training_check,
)
from helpers.summary.seed_latency import C3_SECONDARY_BATCHES, latency_decisions

__all__ = [
    "C2_ALPHA",
    "C2_MIN_CLEAR_GAP",
    "C2_MAX_SLIGHT_GAP",
    "C2_DATASETS",
    "C3_DATASET",
    "C3_MIN_SPEEDUP",
    "C3_LATENCY_BATCHES",
    "C3_MAX_ACCURACY_LOSS",
    "C3_MAX_FLOOR_SHARE",
    "judge_claim_2",
    "judge_claim_3",
]

# Sources of every margin: helpers.summary.ledger.margin_sources.
C2_MIN_CLEAR_GAP = 0.05
C2_MAX_SLIGHT_GAP = 0.05
C2_DATASETS = ("cifar10", "fashion_mnist")
# The tests of the old rule versions (v2, v3) were two-sided at this level.
C2_ALPHA = 0.05

C3_DATASET = "fashion_mnist"
C3_MIN_SPEEDUP = 2.0
C3_LATENCY_BATCHES = ("1", "256")
# Rule versions 1-5's own accuracy margin (the current rule cites verdict 2's instead).
C3_MAX_ACCURACY_LOSS = 0.05
# A latency check that does not hold is left uncounted where the framework's per-call
# floor (a one-layer model on the RP-MLP's input, timed in the same rounds) takes more
# than this share of the RP-MLP's time (the shares' DECISION_LEVEL interval wholly
# above it): the framework, not the model, then sets the speed-up. Overhead can only
# pull a speed-up toward 1, so a check that holds is counted whatever the floor.
C3_MAX_FLOOR_SHARE = 0.5


def _no_evidence(text):
    return {"verdict": "no evidence", "decisions": [], "evidence": text, "halves": {}}


def _gap_inputs(mlp):
    """The two datasets' paired tests and CV sizes, or the reason they are missing."""
    paired = mlp.get("paired_test", {})
    missing = [n for n in C2_DATASETS if n not in paired]
    if missing:
        return None, (
            f"No paired CNN vs RP-MLP test was recorded for {', '.join(missing)} (the rule "
            "needs both datasets' per-fold gaps on the same folds)."
        )
    tests = [paired[n] for n in C2_DATASETS]
    sizes = [paired_sizes(paired[n], mlp.get("datasets", {}).get(n, {})) for n in C2_DATASETS]
    if None in sizes:
        return None, "The CV training and validation sizes were not recorded."
    return (tests, sizes), None


def _gap_interval(test, sizes, level):
    return fold_interval(test["differences"], *sizes, level=level, low=-1.0, high=1.0)


def _gap_intervals(runs, level, random_effects=True):
    """The CIFAR-10 gap, the Fashion-MNIST gap and their difference as (mean, low,
    high), from one run or pooled over seed runs, and a note on how: pooled by
    :func:`~helpers.stats.intervals.random_effects_interval` (rule v6), or by the
    t-interval of the seeds' gaps alone (v4-v5, ``random_effects=False``)."""
    if len(runs) == 1:
        (cifar, fashion), sizes = runs[0]
        diff = gap_difference_test(cifar, fashion, *sizes, level=level)
        return (
            _gap_interval(cifar, sizes[0], level),
            _gap_interval(fashion, sizes[1], level),
            (diff["mean_difference"], diff["low"], diff["high"]),
            f"two independent samples, Welch, {diff['df']:.3g} df",
        )
    gaps = [[t["mean_difference"] for t in tests] for tests, _ in runs]
    series = [[g[0] for g in gaps], [g[1] for g in gaps], [g[0] - g[1] for g in gaps]]
    if not random_effects:
        return (
            *(pooled_interval(x, level=level) for x in series),
            f"pooled over {len(runs)} seeds: t-interval of the seeds' CV gaps, {len(runs) - 1} df",
        )
    own = [
        [corrected_variance(t["differences"], *s) for t, s in zip(tests, sizes)]
        for tests, sizes in runs
    ]
    variances = [[v[0] for v in own], [v[1] for v in own], [v[0] + v[1] for v in own]]
    return (
        *(_random_effects(x, v, level) for x, v in zip(series, variances)),
        f"pooled over {len(runs)} seeds: random-effects interval of the seeds' CV gaps "
        "(each seed's Nadeau-Bengio variance and their spread, modified Hartung-Knapp), "
        f"{len(runs) - 1} df",
    )


def _random_effects(means, variances, level):
    """:func:`random_effects_interval`, or an interval of zero width (undecided) where a
    seed's folds did not vary: that seed estimates no noise of its own."""
    if min(variances) <= 0:
        mean = sum(means) / len(means)
        return mean, mean, mean
    return random_effects_interval(means, variances, level)


def judge_claim_2(mlp, seed_mlps=(), version=6):
    """Verdict 2 under the current rule (ledger version 6; ``version=5``: seeds pooled by
    the t-interval of their gaps alone; ``version=4``: also before checks on zero-width
    intervals became inconclusive). Under v6 a pooled check is undecided (a zero-width
    interval) where a seed's folds did not vary.

    ``seed_mlps``: the ``projection_mlp`` results of other seeds of the same
    profile; with at least :data:`MIN_POOLED_SEEDS` runs in all, every interval is
    over the seeds' CV gaps (:func:`_gap_intervals`).

    Returns
    -------
    dict
        ``verdict``, ``halves`` (half -> outcome), ``decisions`` (every check, as
        :class:`~helpers.summary.decisions.Decision`), ``evidence`` (one paragraph),
        ``slight_bound`` (the Fashion-MNIST margin check verdict 3 cites) and
        ``data`` (this run, or the seeds pooled).
    """
    runs = []
    for results in (mlp, *seed_mlps):
        inputs, why = _gap_inputs(results)
        if inputs is None:
            return _no_evidence(why)
        runs.append(inputs)
    note = ""
    if 1 < len(runs) < MIN_POOLED_SEEDS:
        note = (
            f" Judged on this run alone: {len(runs)} seeds are too few to pool (at least "
            f"{MIN_POOLED_SEEDS}); the seed section shows each seed's verdict."
        )
        runs = runs[:1]
    (cifar, fashion), _ = runs[0]
    c, f, d, how = _gap_intervals(runs, DECISION_LEVEL, random_effects=version >= 6)
    above, below = _judges(version < 5)
    clear = above(f"CIFAR-10: the gap lies above {C2_MIN_CLEAR_GAP:g}", *c, C2_MIN_CLEAR_GAP)
    beats = above("Fashion-MNIST: the gap lies above 0 (the CNN beats it)", *f, 0.0)
    slight_bound = below(
        f"Fashion-MNIST: the gap lies below {C2_MAX_SLIGHT_GAP:g}", *f, C2_MAX_SLIGHT_GAP
    )
    smaller = above("the CIFAR-10 gap exceeds the Fashion-MNIST gap", *d, 0.0)
    halves = {
        "clearly on CIFAR-10": clear.outcome,
        "only slightly on Fashion-MNIST": combine_outcomes(
            x.outcome for x in (beats, slight_bound, smaller)
        ),
    }
    pooled = f"; {how}" if len(runs) > 1 else ""
    evidence = (
        f"CNN minus RP-MLP CV accuracy on the same folds{pooled}: CIFAR-10 {c[0]:+.4f} "
        f"({DECISION_LEVEL:.0%} interval {c[1]:+.4f} to {c[2]:+.4f}, {cifar['folds']} folds), "
        f"Fashion-MNIST {f[0]:+.4f} ({f[1]:+.4f} to {f[2]:+.4f}, {fashion['folds']} folds); "
        f"the CIFAR-10 gap exceeds the Fashion-MNIST gap by {d[0]:+.4f} ({d[1]:+.4f} to "
        f"{d[2]:+.4f}" + ("" if pooled else f"; {how}") + "). Clearly on CIFAR-10: "
        f"{halves['clearly on CIFAR-10']}; only slightly on Fashion-MNIST: "
        f"{halves['only slightly on Fashion-MNIST']}." + note
    )
    return {
        "verdict": claim_verdict(halves.values()),
        "halves": halves,
        "decisions": [clear, beats, slight_bound, smaller],
        "evidence": evidence,
        "slight_bound": slight_bound,
        "data": f"pooled over {len(runs)} seeds" if len(runs) > 1 else "this run",
    }


def _judges(zero_width_decides):
    """judge_above and judge_below as a rule version applies them."""
    return (
        functools.partial(judge_above, zero_width_decides=zero_width_decides),
        functools.partial(judge_below, zero_width_decides=zero_width_decides),
    )


def judge_claim_3(cnn, mlp, claim_2, svd=None, version=11, seed_runs=()):
    """Verdict 3 under the current rule, ledger version 11 (``version``: an earlier one).

    "Cheaper": the RP-MLP's measured speed-ups over the CNN on :data:`C3_DATASET` (the
    time to a trained model; latency per image at :data:`C3_LATENCY_BATCHES`, timed in
    turn) lie above :data:`C3_MIN_SPEEDUP`, over at least :data:`MIN_POOLED_SEEDS` seeds
    (``seed_runs``: other seeds' ``(cnn, projection_mlp)``), else shown, not counted;
    v11 reports batch 1 without counting it, v10 gated both batch sizes by the per-call
    floor, v7-v9 one run's failing checks (:mod:`helpers.summary.seed_latency`). "Close
    in accuracy": verdict 2's Fashion-MNIST margin check (``claim_2``'s
    ``slight_bound``), cited, not judged again.
    """
    name = C3_DATASET
    c, m = cnn.get("datasets", {}).get(name), mlp.get("datasets", {}).get(name)
    if c is None or m is None:
        return _no_evidence(f"{name} was not recorded in both chapters.")
    training, training_text = training_check(c, m, seed_runs, min(version, 9), name)
    over_seeds = bool(training) and training.get("runs", 1) > 1
    if version >= 10:
        settings = {} if version == 10 else {"secondary": C3_SECONDARY_BATCHES, "gate": False}
        return _judge_claim_3_v10(
            c, m, mlp, claim_2, svd, seed_runs, training, training_text, settings
        )
    turns = {
        b: latency_ratio((m.get("latency_vs_cnn") or {}).get(b), DECISION_LEVEL)
        for b in C3_LATENCY_BATCHES
    }
    bound = claim_2.get("slight_bound")
    gated = version >= 7
    shares = {b: floor_share((m.get("latency_vs_cnn") or {}).get(b)) for b in turns}
    lacking = (
        ([] if training else ["train_epoch_seconds (>= 3 epochs per final fit)"])
        + [f"latency_vs_cnn.{b}" for b, t in turns.items() if t is None]
        + [f"latency_vs_cnn.{b}.floor_ms" for b in turns if gated and shares[b] is None]
        + ([] if bound else ["verdict 2's Fashion-MNIST gap"])
    )
    if lacking:
        return _no_evidence(
            f"The measured cost on {name} was not recorded ({', '.join(lacking)}); the FLOP "
            "count alone, fixed by the architectures, is not judged."
        )
    above, _ = _judges(not gated)
    cheap = [_training_decision(training, above, name)] + [
        _floor_counted(
            above(
                f"{name}: speed-up per image at batch {b} above {C3_MIN_SPEEDUP:g}x"
                + (
                    ""
                    if t["level"] == DECISION_LEVEL
                    else f" ({t['level']:.0%} interval, as recorded)"
                ),
                t["ratio"],
                t["low"],
                t["high"],
                C3_MIN_SPEEDUP,
                unit="x",
            ),
            shares[b] if gated else None,
        )
        for b, t in turns.items()
    ]
    counted = [d.outcome for d in cheap if not d.uncounted]
    if all(d.uncounted for d in cheap[1:]):  # no latency check counts: undecided
        counted.append(INCONCLUSIVE)
    if cheap[0].uncounted:  # one run's training time: undecided
        counted.append(INCONCLUSIVE)
    halves = {"cheaper": combine_outcomes(counted), "close in accuracy": bound.outcome}
    evidence = (
        f"On {name} the RP-MLP (M = {m.get('M', mlp.get('configuration', {}).get('M'))}) "
        f"{training_text}. Projection included and timed in turn with the CNN, it answers "
        + ", ".join(
            f"{t['ratio']:.3g}x as fast per image at batch {b} ({t['low']:.3g}-{t['high']:.3g}x "
            f"over {t['rounds']} rounds"
            + (
                ""
                if shares[b] is None
                else f"; per-call floor {shares[b][0]:.0%} of its time, {DECISION_LEVEL:.0%} "
                f"interval {shares[b][1]:.0%}-{shares[b][2]:.0%}"
            )
            + ")"
            for b, t in turns.items()
        )
        + f". Cheaper: {halves['cheaper']}. Close in accuracy: {bound.outcome}, cited from "
        f"verdict 2 (the Fashion-MNIST gap {bound.estimate:+.4f}, {DECISION_LEVEL:.0%} "
        f"interval up to {bound.high:+.4f}, against {bound.threshold:g}; "
        f"{claim_2['data']}; "
        + ("the latency is" if over_seeds else "the cost is")
        + " this run's). On the test split, one final model each, "
        f"{m.get('test_accuracy', math.nan):.4f} against "
        f"{c.get('test_accuracy', math.nan):.4f} (not judged)."
    )
    evidence += not_judged_text(c, m, svd, name)
    # Shown beside the cost checks (table, figure, findings) so the half it decides is
    # visible; labelled as cited: it is verdict 2's check, not a second test of the gap.
    cited = dataclasses.replace(
        bound,
        check=f"close in accuracy, cited from verdict 2: {bound.check}",
        cited_from="verdict 2",
    )
    return {
        "verdict": claim_verdict(halves.values()),
        "halves": halves,
        "decisions": cheap + [cited],
        "evidence": evidence,
        "data": (
            f"training time over {training['runs']} seeds, latency this run, accuracy "
            f"{claim_2['data']} (verdict 2)"
            if over_seeds
            else "this run"
            + (f", accuracy {claim_2['data']} (verdict 2)" if claim_2["data"] != "this run" else "")
        ),
    }


def _judge_claim_3_v10(c, m, mlp, claim_2, svd, seed_runs, training, training_text, settings):
    """Rules v10-v11 of verdict 3: cost over the seeds, or shown and not counted
    (:mod:`helpers.summary.seed_latency`, ``settings``); accuracy cited from verdict 2."""
    name = C3_DATASET
    entries = [m] + [
        (r.get("datasets") or {}).get(name)
        for _, r in seed_runs
        if (r.get("datasets") or {}).get(name)
    ]
    latency, phrase = latency_decisions(
        entries, C3_LATENCY_BATCHES, C3_MIN_SPEEDUP, C3_MAX_FLOOR_SHARE, name, **settings
    )
    bound = claim_2.get("slight_bound")
    lacking = (
        ([] if training else ["train_epoch_seconds (>= 3 epochs per final fit)"])
        + ([phrase] if latency is None else [])
        + ([] if bound else ["verdict 2's Fashion-MNIST gap"])
    )
    if lacking:
        return _no_evidence(
            f"The measured cost on {name} was not recorded ({', '.join(lacking)}); the FLOP "
            "count alone, fixed by the architectures, is not judged."
        )
    above, _ = _judges(False)
    cheap = [_training_decision(training, above, name), *latency]
    counted = [d.outcome for d in cheap if not d.uncounted]
    if all(d.uncounted for d in latency) or cheap[0].uncounted:
        counted.append(INCONCLUSIVE)  # no latency or no training check counts: undecided
    halves = {"cheaper": combine_outcomes(counted), "close in accuracy": bound.outcome}
    evidence = (
        f"On {name} the RP-MLP (M = {m.get('M', mlp.get('configuration', {}).get('M'))}) "
        f"{training_text}. Projection included and timed in turn with the CNN, it answers "
        f"faster per image by {phrase}"
        + ("" if len(entries) >= MIN_POOLED_SEEDS else "; the cost is this run's, not counted")
        + f". Cheaper: {halves['cheaper']}. Close in accuracy: "
        f"{bound.outcome}, cited from verdict 2 (the Fashion-MNIST gap {bound.estimate:+.4f}, "
        f"{DECISION_LEVEL:.0%} interval up to {bound.high:+.4f}, against {bound.threshold:g}; "
        f"{claim_2['data']}). On the test split, one final model each, "
        f"{m.get('test_accuracy', math.nan):.4f} against "
        f"{c.get('test_accuracy', math.nan):.4f} (not judged)." + not_judged_text(c, m, svd, name)
    )
    cited = dataclasses.replace(
        bound,
        check=f"close in accuracy, cited from verdict 2: {bound.check}",
        cited_from="verdict 2",
    )
    runs = len(entries)
    return {
        "verdict": claim_verdict(halves.values()),
        "halves": halves,
        "decisions": cheap + [cited],
        "evidence": evidence,
        "data": (f"cost over {runs} seeds" if runs >= MIN_POOLED_SEEDS else "this run")
        + (f", accuracy {claim_2['data']} (verdict 2)" if claim_2["data"] != "this run" else ""),
    }


def _training_decision(training, above, name):
    """The training check: over the seeds an interval decides it; one run's ratio
    (``runs`` 1) is shown as a point and not counted; before v8, per-epoch throughput."""
    if "runs" not in training:
        return above(
            f"{name}: training speed-up above {C3_MIN_SPEEDUP:g}x",
            training["ratio"],
            training["low"],
            training["high"],
            C3_MIN_SPEEDUP,
            unit="x",
        )
    check = f"{name}: time to a trained model, CNN over RP-MLP above {C3_MIN_SPEEDUP:g}x"
    if training["runs"] > 1:
        return above(
            f"{check} (over {training['runs']} seeds)",
            training["ratio"],
            training["low"],
            training["high"],
            C3_MIN_SPEEDUP,
            unit="x",
        )
    point = training["ratio"]
    return dataclasses.replace(
        judge_range_above(
            f"{check} (this run; not counted)",
            point,
            point,
            point,
            C3_MIN_SPEEDUP,
            "x",
            span="one run's ratio",
        ),
        uncounted=f"counted over at least {MIN_POOLED_SEEDS} seeds: one run gives no interval "
        "over runs, and the epochs early stopping runs move the ratio from run to run",
    )


def _floor_counted(decision, share):
    """``decision``, marked uncounted when it does not hold and the per-call floor's
    share of the RP-MLP's time (``share``: mean, low, high; None: no gate) lies wholly
    above :data:`C3_MAX_FLOOR_SHARE`. Overhead pulls a speed-up toward 1, so a check
    that holds despite it counts."""
    if share is None or decision.outcome == HOLDS or share[1] <= C3_MAX_FLOOR_SHARE:
        return decision
    return dataclasses.replace(
        decision,
        check=f"{decision.check} (framework-bound, not counted: the per-call floor is "
        f"{share[0]:.0%} of the RP-MLP's time)",
        uncounted=f"counted only where the per-call floor takes at most "
        f"{C3_MAX_FLOOR_SHARE:.0%} of the RP-MLP's time; here {share[0]:.0%} "
        f"({DECISION_LEVEL:.0%} interval {share[1]:.0%}-{share[2]:.0%}): its outcome "
        f"counts for a cut-off above {share[1]:.0%}",
    )
