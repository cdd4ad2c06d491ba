"""Verdict 3's latency checks under rule v10: judged over the seeds, or not counted.

One run's latency interval is over rounds timed minutes apart in one process: it
holds the jitter of those minutes, not what moves from run to run (the machine's
load, the process, the build), so two identical runs could land on either side of
the threshold. Rule v10 reads latency as v8-v9 read training time: each seed's speed-up
at a batch size (the geometric mean of its rounds' ratios, chapter 03), with a
t-interval of the log speed-ups over at least ``MIN_POOLED_SEEDS`` seeds; with fewer,
each speed-up is shown as a point and not counted, which leaves "cheaper" undecided.
The framework's per-call floor gates both ways: a batch size whose floor share (each
seed's mean share of the RP-MLP's time, t-interval over the seeds) lies wholly above
``C3_MAX_FLOOR_SHARE`` is shown and not counted whatever its outcome.
"""

from __future__ import annotations

import dataclasses

from helpers.stats.intervals import MIN_POOLED_SEEDS, t_interval
from helpers.stats.ratios import latency_ratio
from helpers.summary.decisions import DECISION_LEVEL, judge_above, judge_range_above

__all__ = ["C3_SECONDARY_BATCHES", "seed_speedup", "seed_floor_share", "latency_decisions"]

# Rule v11: batch sizes whose latency is reported beside the counted checks, never
# counted. One image per call times mostly the framework's per-call overhead (the
# floor took 52-56% of the RP-MLP's time in the study renders), a property of Keras
# on a CPU rather than of the models; fixed before the confirmatory runs, whatever
# they show.
C3_SECONDARY_BATCHES = ("1",)
SECONDARY_WHY = (
    "a secondary check, named before the confirmatory runs: single-request latency is "
    "reported, not counted"
)


def _turn_speedup(turn):
    """One run's speed-up at one batch size: the geometric mean over its rounds, from the
    rounds, else as chapter 03 recorded it (the same estimator: ``latency_ratio``'s
    point estimate does not depend on the interval's level)."""
    if not isinstance(turn, dict):
        return None
    try:
        return latency_ratio(turn["cnn_ms"], turn["mlp_ms"], level=DECISION_LEVEL)["ratio"]
    except (KeyError, TypeError, ValueError):
        ratio = turn.get("ratio")
        return ratio if isinstance(ratio, (int, float)) and ratio > 0 else None


def _turn_floor(turn):
    """One run's mean per-round share of the per-call floor in the RP-MLP's time."""
    try:
        shares = [f / m for f, m in zip(turn["floor_ms"], turn["mlp_ms"], strict=True)]
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return sum(shares) / len(shares) if shares else None


def seed_speedup(mlp_entries, batch):
    """Each seed's speed-up at ``batch`` and, over >= MIN_POOLED_SEEDS seeds, the
    geometric mean with the DECISION_LEVEL t-interval of the logs: a dict ``ratio``,
    ``low``, ``high``, ``runs``, ``ratios``; None when a seed lacks it."""
    import math

    ratios = [_turn_speedup((e.get("latency_vs_cnn") or {}).get(batch)) for e in mlp_entries]
    if not ratios or None in ratios:
        return None
    found = {"ratios": ratios, "runs": len(ratios)}
    if len(ratios) < MIN_POOLED_SEEDS:
        return {**found, "ratio": ratios[0], "low": ratios[0], "high": ratios[0]}
    mean, low, high = t_interval([math.log(r) for r in ratios], level=DECISION_LEVEL)
    return {**found, "ratio": math.exp(mean), "low": math.exp(low), "high": math.exp(high)}


def seed_floor_share(mlp_entries, batch):
    """(mean, low, high) of the seeds' floor shares at ``batch`` (t-interval over >=
    MIN_POOLED_SEEDS seeds), or None when a seed did not time the floor."""
    shares = [_turn_floor((e.get("latency_vs_cnn") or {}).get(batch)) for e in mlp_entries]
    if len(shares) < MIN_POOLED_SEEDS or None in shares:
        return None
    return t_interval(shares, level=DECISION_LEVEL)


def _point(check, value, threshold, why):
    decision = judge_range_above(check, value, value, value, threshold, "x", "one run's ratio")
    return dataclasses.replace(decision, uncounted=why)


def latency_decisions(
    mlp_entries, batches, threshold, max_floor_share, name, secondary=(), gate=True
):
    """The latency checks of rules v10-v11, one per batch size, and an evidence phrase.

    ``mlp_entries``: the RP-MLP's dataset entry of this run and of each seed run;
    ``secondary``: batch sizes reported, never counted (v11: single-request latency);
    ``gate``: the per-call floor decides whether a check counts (v10; v11 shows it only).
    """
    decisions, phrases = [], []
    for batch in batches:
        found = seed_speedup(mlp_entries, batch)
        if found is None:
            return None, f"latency_vs_cnn.{batch} of every seed"
        check = f"{name}: speed-up per image at batch {batch} above {threshold:g}x"
        if found["runs"] < MIN_POOLED_SEEDS:
            decisions.append(
                _point(
                    f"{check} (this run; not counted)",
                    found["ratio"],
                    threshold,
                    f"counted over at least {MIN_POOLED_SEEDS} seeds: one run's rounds hold "
                    "minutes of one process, not what moves between runs",
                )
            )
            phrases.append(f"{found['ratio']:.3g}x at batch {batch} (this run)")
            continue
        decision = judge_above(
            f"{check} (over {found['runs']} seeds)",
            found["ratio"],
            found["low"],
            found["high"],
            threshold,
            unit="x",
        )
        share = seed_floor_share(mlp_entries, batch)
        if share is None and gate:  # the gate cannot be read: nothing is decided without it
            return None, f"latency_vs_cnn.{batch}.floor_ms of every seed"
        if batch in secondary:
            decision = dataclasses.replace(decision, uncounted=SECONDARY_WHY)
        elif gate and share[1] > max_floor_share:  # both ways: any outcome
            decision = dataclasses.replace(
                decision,
                uncounted=f"the per-call floor takes {share[0]:.0%} of the RP-MLP's time "
                f"({DECISION_LEVEL:.0%} interval over the seeds {share[1]:.0%}-"
                f"{share[2]:.0%}), above {max_floor_share:.0%}: the framework sets it",
            )
        decisions.append(decision)
        phrases.append(
            f"{found['ratio']:.3g}x at batch {batch} ({found['low']:.3g}-{found['high']:.3g}x "
            f"over {found['runs']} seeds"
            + ("" if share is None else f"; per-call floor {share[0]:.0%} of its time")
            + ("; secondary, not counted)" if batch in secondary else ")")
        )
    return decisions, "; ".join(phrases)
