"""Verdict 3's measured cost, read from the chapters' records (helpers.summary.cnn_vs_mlp).

Training: the time to a trained model, each final fit timed over every epoch early
stopping ran (validation passes and the first, tracing epoch included; the projection
is fitted outside the timer), as a ratio of the CNN's to the RP-MLP's. Over at least
:data:`~helpers.summary.intervals.MIN_POOLED_SEEDS` seeds its interval is over the
seeds (rule v8); on one run it is the per-epoch throughputs' interval, carried over to
the whole fits (within-fit epoch jitter only). Latency: the rounds timed in turn with
the CNN in chapter 03, and the framework's per-call floor timed in the same rounds.
"""

from __future__ import annotations

from helpers.summary.decisions import DECISION_LEVEL
from helpers.summary.intervals import CI_LEVEL, MIN_POOLED_SEEDS, t_interval

__all__ = ["training_check", "latency_ratio", "floor_share", "measured", "positive"]


def positive(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def measured(entry, *key):
    """``entry[key[0]][key[1]]...`` when it is a positive number, else None."""
    for part in key:
        entry = entry.get(part) if isinstance(entry, dict) else None
    return entry if positive(entry) else None


def throughput_interval(mlp_entry, cnn_entry, level):
    """The RP-MLP's per-epoch training throughput over the CNN's with its Welch interval
    (:func:`helpers.nets.cost.throughput_ratio`; rule versions 5-7), or None."""
    from helpers.nets.cost import throughput_ratio

    try:
        return throughput_ratio(
            mlp_entry["train_epoch_seconds"],
            mlp_entry["train_images_per_epoch"],
            cnn_entry["train_epoch_seconds"],
            cnn_entry["train_images_per_epoch"],
            level=level,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _over_seeds(entries, level):
    from helpers.nets.cost import time_to_model_ratio

    try:
        return time_to_model_ratio(
            [(c["train_epoch_seconds"], m["train_epoch_seconds"]) for c, m in entries],
            level=level,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _one_run(c, m, level):
    """One run's whole-fit time ratio, with the per-epoch interval's relative width."""
    per_epoch = throughput_interval(m, c, level)
    try:
        whole = sum(c["train_epoch_seconds"]) / sum(m["train_epoch_seconds"])
    except (KeyError, TypeError, ZeroDivisionError):
        return None
    if per_epoch is None or not whole > 0:
        return None
    scale = whole / per_epoch["ratio"]
    return {
        "ratio": whole,
        "low": per_epoch["low"] * scale,
        "high": per_epoch["high"] * scale,
        "runs": 1,
        "epochs": [len(c["train_epoch_seconds"]), len(m["train_epoch_seconds"])],
        "seconds": [sum(c["train_epoch_seconds"]), sum(m["train_epoch_seconds"])],
    }


def _cached_note(entries):
    cached = [
        i for i, (c, m) in enumerate(entries) if c.get("final_cached") or m.get("final_cached")
    ]
    if not cached:
        return ""
    which = "this run's" if cached == [0] else f"{len(cached)} runs'"
    where = sorted({e.get("final_trained_on") for i in cached for e in entries[i]} - {None, ""})
    return (
        f"; {which} final fits were served from the cache, so their times are from the "
        "process that first trained them"
        + (f" (on {'; '.join(where)})" if where else ", which did not record its machine")
    )


def training_check(c, m, seed_runs, version, name):
    """Verdict 3's training check: ``(ratio dict, phrase)`` or ``(None, None)``.

    ``c``, ``m``: this run's CNN and RP-MLP entries for ``name``; ``seed_runs``:
    ``(cnn, projection_mlp)`` results of other seeds. Version 8 reads the time to a
    trained model (over the seeds when there are :data:`MIN_POOLED_SEEDS` runs with
    both entries, else this run's whole fits with the per-epoch interval carried
    over); versions 5-7 the per-epoch throughputs of this run's two final fits.
    """
    if version < 8:
        found = throughput_interval(m, c, DECISION_LEVEL)
        return found, found and (
            f"trains {found['ratio']:.3g}x as many images per second as the CNN "
            f"({DECISION_LEVEL:.0%} interval {found['low']:.3g}-{found['high']:.3g}x, Welch "
            f"over {found['epochs'][0]} and {found['epochs'][1]} epochs of the two final "
            "fits: epoch jitter within each fit, not a difference between processes)"
        )
    others = [
        ((cnn.get("datasets") or {}).get(name), (mlp.get("datasets") or {}).get(name))
        for cnn, mlp in seed_runs
    ]
    entries = [(c, m)] + [(a, b) for a, b in others if a and b]
    timing = (
        "Each final fit was timed over every epoch early stopping ran, the first (tracing) "
        "epoch and the validation passes included, the projection's fit not"
    )
    if len(entries) >= MIN_POOLED_SEEDS:
        found = _over_seeds(entries, DECISION_LEVEL)
        return found, found and (
            f"reaches a trained model in less time: the CNN takes {found['ratio']:.3g}x as "
            f"long (geometric mean over {found['runs']} seeds; {DECISION_LEVEL:.0%} interval "
            f"{found['low']:.3g}-{found['high']:.3g}x, t with {found['runs'] - 1} df on the "
            f"log ratios). {timing}: on average {found['seconds'][0]:.3g} s for the CNN, "
            f"{found['seconds'][1]:.3g} s for the RP-MLP{_cached_note(entries)}"
        )
    found = _one_run(c, m, DECISION_LEVEL)
    short = f"{len(entries)} seed{'s' if len(entries) > 1 else ''} with both final fits recorded"
    return found, found and (
        f"reaches a trained model in less time: the CNN takes {found['ratio']:.3g}x as long "
        f"({found['seconds'][0]:.3g} s over {found['epochs'][0]} epochs against "
        f"{found['seconds'][1]:.3g} s over {found['epochs'][1]}). {timing}. Its "
        f"{DECISION_LEVEL:.0%} interval, {found['low']:.3g}-{found['high']:.3g}x, holds "
        f"the epochs' jitter within this run only ({short}; {MIN_POOLED_SEEDS} would give "
        f"an interval over runs{_cached_note(entries[:1])})"
    )


def latency_ratio(turn, level):
    """The per-image speed-up at one batch size, from the rounds timed in turn: at
    ``level`` when the round times are recorded, else the recorded interval (at
    CI_LEVEL, wider), or None."""
    from helpers.nets.cost import latency_ratio as from_rounds

    if not isinstance(turn, dict):
        return None
    try:
        return {**from_rounds(turn["cnn_ms"], turn["mlp_ms"], level=level), "level": level}
    except (KeyError, TypeError, ValueError):
        pass
    if all(positive(turn.get(k)) for k in ("ratio", "low", "high")):
        return {**turn, "level": CI_LEVEL}
    return None


def floor_share(turn):
    """The framework's per-call floor as a share of the RP-MLP's time: the mean of the
    per-round shares with its DECISION_LEVEL t-interval, as (mean, low, high), or None
    when the floor was not timed."""
    try:
        shares = [f / m for f, m in zip(turn["floor_ms"], turn["mlp_ms"], strict=True)]
        return t_interval(shares, level=DECISION_LEVEL)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
