"""How many times faster or cheaper one pipeline is than another, with an interval.

Ratios of timings on log scale: :func:`latency_ratio` from rounds timed in turn
(paired), :func:`throughput_ratio` from two fits' epochs (Welch, unpaired),
:func:`time_to_model_ratio` over independent runs (seeds). Chapters 03 and 04 time
(:mod:`helpers.nets.cost`); the summary's verdict 3 judges on these ratios.
"""

from __future__ import annotations

import numpy as np

__all__ = ["latency_ratio", "throughput_ratio", "time_to_model_ratio"]


def latency_ratio(slower_ms, faster_ms, level=0.95):
    """How many times faster one pipeline is than another, from rounds timed in turn.

    The geometric mean of the per-round ratios ``slower / faster`` with a t-interval
    on their logarithms (rounds - 1 degrees of freedom). Each round's two medians
    are timed back to back, so a slow stretch of the machine longer than a round
    moves both.

    Returns
    -------
    dict
        ``ratio``, ``low``, ``high``, ``rounds``.
    """
    from scipy import stats

    slower, faster = np.asarray(slower_ms, float), np.asarray(faster_ms, float)
    if slower.shape != faster.shape or slower.ndim != 1 or len(slower) < 2:
        raise ValueError(
            f"need two equally long lists of >= 2 round times, got {slower.shape} and "
            f"{faster.shape}"
        )
    if not (np.all(slower > 0) and np.all(faster > 0)):
        raise ValueError("round times must be positive")
    logs = np.log(slower / faster)
    half = stats.t.ppf(0.5 + level / 2, len(logs) - 1) * logs.std(ddof=1) / np.sqrt(len(logs))
    mean = logs.mean()
    return {
        "ratio": float(np.exp(mean)),
        "low": float(np.exp(mean - half)),
        "high": float(np.exp(mean + half)),
        "rounds": int(len(logs)),
    }


def throughput_ratio(epoch_seconds, n_images, reference_epoch_seconds, n_reference, level=0.95):
    """How many times more images per second one fit trained than a reference fit.

    Per-epoch throughputs (the first, tracing epoch left out); the ratio of their
    geometric means with a Welch t-interval on the log throughputs: the epochs of
    two fits are not paired. Needs >= 2 epochs after the first on each side.

    Returns
    -------
    dict
        ``ratio``, ``low``, ``high``, ``epochs`` (per side, as counted).
    """
    from scipy import stats

    from helpers.stats.significance import welch_df

    logs = []
    for seconds, n in ((epoch_seconds, n_images), (reference_epoch_seconds, n_reference)):
        times = np.asarray(seconds[1:], float)
        if len(times) < 2 or not np.all(times > 0):
            raise ValueError(f"need >= 2 positive epoch times after the first, got {list(seconds)}")
        logs.append(np.log(n / times))
    a, b = (x.mean() for x in logs)
    va, vb = (x.var(ddof=1) / len(x) for x in logs)
    df = welch_df(va, len(logs[0]), vb, len(logs[1]))
    half = stats.t.ppf(0.5 + level / 2, df) * np.sqrt(va + vb)
    return {
        "ratio": float(np.exp(a - b)),
        "low": float(np.exp(a - b - half)),
        "high": float(np.exp(a - b + half)),
        "epochs": [len(x) for x in logs],
    }


def time_to_model_ratio(fits, level=0.95):
    """How many times longer a reference fit takes to reach a trained model than another,
    over independent runs (seeds).

    ``fits``: one ``(reference_epoch_seconds, epoch_seconds)`` pair per run, each side
    its whole fit (every epoch early stopping ran, validation passes included). Each run
    gives the ratio of the two total times; the interval is the t-interval of the log
    ratios over the runs (n - 1 df), so it holds what moves from run to run: the epochs
    early stopping ran, the process, the machine's state. Needs >= 2 runs.

    Returns
    -------
    dict
        ``ratio`` (geometric mean), ``low``, ``high``, ``runs``, ``ratios`` (per run)
        and ``seconds`` (mean total per side: reference, other).
    """
    from scipy import stats

    totals = []
    for reference, other in fits:
        pair = [float(np.sum(np.asarray(s, float))) for s in (reference, other)]
        if min(len(reference), len(other)) == 0 or min(pair) <= 0:
            raise ValueError(f"need positive epoch times on both sides, got {reference}, {other}")
        totals.append(pair)
    if len(totals) < 2:
        raise ValueError(f"need >= 2 runs for an interval over runs, got {len(totals)}")
    logs = np.log([r / o for r, o in totals])
    half = stats.t.ppf(0.5 + level / 2, len(logs) - 1) * logs.std(ddof=1) / np.sqrt(len(logs))
    return {
        "ratio": float(np.exp(logs.mean())),
        "low": float(np.exp(logs.mean() - half)),
        "high": float(np.exp(logs.mean() + half)),
        "runs": len(logs),
        "ratios": [float(np.exp(x)) for x in logs],
        "seconds": [float(np.mean([t[i] for t in totals])) for i in (0, 1)],
    }
