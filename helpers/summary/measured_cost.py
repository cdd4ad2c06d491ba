"""Verdict 3's measured cost, read from the chapters' records (helpers.summary.cnn_vs_mlp).

Training: the time to a trained model, each final fit timed over every epoch early
stopping ran (validation passes and the first, tracing epoch included; the projection
is fitted outside the timer), as a ratio of the CNN's to the RP-MLP's. Over at least
:data:`~helpers.stats.intervals.MIN_POOLED_SEEDS` seeds its interval is over the
seeds (rule v8); one run's ratio is a point, shown but not counted (v9). Latency: the rounds timed in turn with
the CNN in chapter 03, and the framework's per-call floor timed in the same rounds.
"""

from __future__ import annotations

import math

from helpers.stats.intervals import CI_LEVEL, MIN_POOLED_SEEDS, t_interval
from helpers.summary.decisions import DECISION_LEVEL

__all__ = [
    "training_check",
    "not_judged_text",
    "comparable",
    "latency_ratio",
    "floor_share",
    "measured",
    "positive",
]


def positive(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def measured(entry, *key):
    """``entry[key[0]][key[1]]...`` when it is a positive number, else None."""
    for part in key:
        entry = entry.get(part) if isinstance(entry, dict) else None
    return entry if positive(entry) else None


def throughput_interval(mlp_entry, cnn_entry, level):
    """The RP-MLP's per-epoch training throughput over the CNN's with its Welch interval
    (:func:`helpers.stats.ratios.throughput_ratio`; rule versions 5-7), or None."""
    from helpers.stats.ratios import throughput_ratio

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
    from helpers.stats.ratios import time_to_model_ratio

    try:
        return time_to_model_ratio(
            [(c["train_epoch_seconds"], m["train_epoch_seconds"]) for c, m in entries],
            level=level,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _one_run(c, m):
    """One run's whole-fit time ratio (CNN over RP-MLP), a point without an interval."""
    try:
        seconds = [float(sum(e["train_epoch_seconds"])) for e in (c, m)]
        epochs = [len(e["train_epoch_seconds"]) for e in (c, m)]
    except (KeyError, TypeError):
        return None
    if min(seconds) <= 0:
        return None
    ratio = seconds[0] / seconds[1]
    return {
        "ratio": ratio,
        "low": ratio,
        "high": ratio,
        "runs": 1,
        "epochs": epochs,
        "seconds": seconds,
    }


def comparable(c, m):
    """Whether one seed's two final fits can be compared in time: both trained in this
    render, or, when either was served from the cache, both recorded on the same
    machine, backend and precision (``final_trained_on``)."""
    if not (c.get("final_cached") or m.get("final_cached")):
        return True
    where = c.get("final_trained_on"), m.get("final_trained_on")
    return bool(where[0]) and where[0] == where[1]


def _cached_note(entries):
    cached = [
        i for i, (c, m) in enumerate(entries) if c.get("final_cached") or m.get("final_cached")
    ]
    if not cached:
        return ""
    where = sorted({e.get("final_trained_on") for i in cached for e in entries[i]} - {None, ""})
    return (
        f"; {len(cached)} seed{'s' if len(cached) > 1 else ''}' final fits were served from "
        f"the cache, timed when first trained (on {'; '.join(where)})"
    )


def _per_epoch(c, m):
    found = throughput_interval(m, c, DECISION_LEVEL)
    return found, found and (
        f"trains {found['ratio']:.3g}x as many images per second as the CNN "
        f"({DECISION_LEVEL:.0%} interval {found['low']:.3g}-{found['high']:.3g}x, Welch "
        f"over {found['epochs'][0]} and {found['epochs'][1]} epochs of the two final "
        "fits: epoch jitter within each fit, not a difference between processes)"
    )


def training_check(c, m, seed_runs, version, name):
    """Verdict 3's training check: ``(ratio dict, phrase)`` or ``(None, None)``.

    ``c``, ``m``: this run's CNN and RP-MLP entries for ``name``; ``seed_runs``:
    ``(cnn, projection_mlp)`` results of other seeds. From version 8, the time to a
    trained model over the seeds whose two final fits are :func:`comparable`, when
    there are :data:`MIN_POOLED_SEEDS`; with fewer, version 8 read the per-epoch
    throughputs as versions 5-7 did, version 9 this run's whole fits as a point
    (``runs`` 1: the caller shows it without counting it).
    """
    if version < 8:
        return _per_epoch(c, m)
    others = [
        ((cnn.get("datasets") or {}).get(name), (mlp.get("datasets") or {}).get(name))
        for cnn, mlp in seed_runs
    ]
    entries = [(a, b) for a, b in [(c, m), *others] if a and b and comparable(a, b)]
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
    if version == 8:
        return _per_epoch(c, m)
    found = _one_run(c, m) if comparable(c, m) else None
    counted = len(entries)
    return found, found and (
        f"reaches a trained model in less time: the CNN takes {found['ratio']:.3g}x as long "
        f"in this run ({found['seconds'][0]:.3g} s over {found['epochs'][0]} epochs against "
        f"{found['seconds'][1]:.3g} s over {found['epochs'][1]}). {timing}. One run gives "
        "no interval over runs, and the epochs early stopping runs move the ratio from run "
        f"to run: it is shown, not counted ({counted} seed{'s' if counted != 1 else ''} with "
        f"comparable final fits; {MIN_POOLED_SEEDS} decide it, fewer are not pooled"
        f"{_cached_note(entries[:1])})"
    )


def latency_ratio(turn, level):
    """The per-image speed-up at one batch size, from the rounds timed in turn: at
    ``level`` when the round times are recorded, else the recorded interval (at
    CI_LEVEL, wider), or None."""
    from helpers.stats.ratios import latency_ratio as from_rounds

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


def not_judged_text(c, m, svd, name):
    """What the evidence adds beside the checks: FLOPs, the PCA baseline, the SVD choice."""
    text = ""
    if m.get("flops_per_image") and c.get("flops_per_image"):
        text += (
            f" It needs {c['flops_per_image'] / m['flops_per_image']:.3g}x fewer FLOPs per "
            "image, a ratio the architectures fix (not judged)."
        )
    pca = m.get("baselines", {}).get("pca")
    if pca and "test_accuracy" in pca:
        text += (
            f" PCA to the same M reaches CV {pca.get('mean', math.nan):.4f} (test "
            f"{pca['test_accuracy']:.4f}; chapter 3, not judged)."
        )
    best = (svd or {}).get("chosen", {}).get(name)
    if best and "label" in best:
        text += (
            f" An SVD-compressed CNN ({best['label']}, chosen on validation data) scores "
            f"{best['test_accuracy']:.4f} at {best['ratio']:.3g}x fewer parameters (chapter 4)."
        )
    return text
