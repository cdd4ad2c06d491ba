"""Intervals for cross-validated accuracies, their gaps, and means over seed runs.

The summary's verdicts and effect tables judge on them; chapters 02-04 report
:func:`fold_interval` beside their CV means.

Every interval uses the Nadeau-Bengio corrected variance of a CV mean,
(1/k + n_val/n_train) s^2 (Nadeau & Bengio, "Inference for the generalization
error", Machine Learning 52, 2003), which widens the plain s^2/k because the
folds' training sets overlap.
"""

from __future__ import annotations

import math

__all__ = [
    "CI_LEVEL",
    "corrected_sizes",
    "paired_sizes",
    "fold_interval",
    "gap_difference_test",
    "pooled_interval",
    "corrected_variance",
    "random_effects_interval",
    "fixed_effect_interval",
    "t_interval",
    "MIN_POOLED_SEEDS",
]

# Tables 2-3: level of our confidence interval for the CV mean accuracy.
CI_LEVEL = 0.95


def corrected_sizes(entry):
    """(n_train, n_val) of one CV fold from a recorded dataset entry, or None."""
    n, k = entry.get("n_samples"), entry.get("folds")
    if not n or not k:
        return None
    return n - n / k, n / k


def fold_interval(fold_scores, n_train, n_val, level=CI_LEVEL, low=0.0, high=1.0):
    """Confidence interval for the CV mean of ``fold_scores``.

    A t-interval with k - 1 degrees of freedom whose variance is the
    Nadeau-Bengio corrected one, (1/k + n_val/n_train) s^2, which widens the
    plain s^2/k because the CV training sets overlap. Clipped to ``[low, high]``,
    the range an accuracy can take (with few folds the t quantile is large).
    """
    from scipy import stats

    scores = [float(x) for x in fold_scores]
    variance = corrected_variance(scores, n_train, n_val)
    k = len(scores)
    mean = sum(scores) / k
    half = stats.t.ppf(0.5 + level / 2, k - 1) * math.sqrt(variance)
    return mean, max(mean - half, low), min(mean + half, high)


def corrected_variance(fold_scores, n_train, n_val):
    """The Nadeau-Bengio corrected variance of the CV mean of ``fold_scores``,
    (1/k + n_val/n_train) s^2: what :func:`fold_interval` takes the square root of."""
    scores = [float(x) for x in fold_scores]
    k = len(scores)
    if k < 2:
        raise ValueError(f"need >= 2 fold scores, got {k}")
    mean = sum(scores) / k
    return (1 / k + n_val / n_train) * (sum((x - mean) ** 2 for x in scores) / (k - 1))


def paired_sizes(test, entry):
    """(n_train, n_val) behind a recorded paired test (older results: from the dataset)."""
    if test.get("n_train") and test.get("n_val"):
        return test["n_train"], test["n_val"]
    return corrected_sizes(entry)


def gap_difference_test(first, second, first_sizes, second_sizes, level=CI_LEVEL):
    """Is the mean per-fold gap of one paired test larger than another's?

    The two datasets' folds are different images, so the gaps are two
    independent samples, not pairs: t = (mean_1 - mean_2) / sqrt(v_1 + v_2)
    with each v = (1/k + n_val/n_train) s^2 (Nadeau-Bengio corrected variance of
    a CV mean) and Welch-Satterthwaite degrees of freedom; two-sided p, and the
    ``level`` t-interval of the difference (``low``, ``high``).
    """
    from scipy import stats

    from helpers.stats.significance import ZERO_SPREAD, moment_t_test, welch_df

    parts = []
    for test, (n_train, n_val) in ((first, first_sizes), (second, second_sizes)):
        d = [float(x) for x in test["differences"]]
        spread = max(d) - min(d) > ZERO_SPREAD
        variance = corrected_variance(d, n_train, n_val) if spread else 0.0
        parts.append((sum(d) / len(d), variance, len(d)))
    (m1, v1, k1), (m2, v2, k2) = parts
    v = v1 + v2
    df = welch_df(v1, k1, v2, k2)
    t, p = moment_t_test(m1 - m2, v, 1.0, df)
    half = stats.t.ppf(0.5 + level / 2, df) * math.sqrt(v) if v > 0 else 0.0
    return {
        "mean_difference": m1 - m2,
        "t_statistic": t,
        "p_value": p,
        "df": df,
        "low": m1 - m2 - half,
        "high": m1 - m2 + half,
        "level": level,
    }


# Seeds needed before verdicts are judged on results pooled over seed runs.
MIN_POOLED_SEEDS = 3


def pooled_interval(means, level=CI_LEVEL):
    """Interval for the mean over independent runs (seeds) of a CV quantity.

    A seed draws its own training subset, folds and initial weights, so the runs'
    CV means are replicates (nearly independent: two subsets of n_train images drawn
    from the same N training images share about n_train / N of them), and their spread
    holds every source of run-to-run movement (data, folds, initial weights, the seed itself). The
    interval is the t-interval of their mean: sample variance over the runs / n,
    n - 1 degrees of freedom. Needs :data:`MIN_POOLED_SEEDS` runs.

    Returns
    -------
    tuple
        ``(mean, low, high)``.
    """
    means = [float(m) for m in means]
    if len(means) < MIN_POOLED_SEEDS:
        raise ValueError(f"need >= {MIN_POOLED_SEEDS} runs to pool, got {len(means)}")
    return t_interval(means, level)


def random_effects_interval(means, variances, level=CI_LEVEL):
    """Interval for the mean over runs (seeds) that each estimate it with their own
    variance: a random-effects meta-analysis of the runs.

    The between-run variance tau^2 is DerSimonian and Laird's (Controlled Clinical
    Trials 7, 1986); the interval is the modified Hartung-Knapp one (Roever, Knapp and
    Friede, BMC Medical Research Methodology 15:99, 2015): variance max(q, 1) / sum(w)
    with w = 1 / (v_i + tau^2) and q the weighted spread of the runs about their
    weighted mean over n - 1, a t quantile with n - 1 degrees of freedom. It is never
    narrower than what the runs' own variances allow, however closely a few runs happen
    to agree: the spread of three runs (2 df) can fall far below its true value by chance,
    the runs' own variances cannot be undercut by more runs agreeing. Needs
    :data:`MIN_POOLED_SEEDS` runs, each with a positive variance.

    Returns
    -------
    tuple
        ``(mean, low, high)``.
    """
    from scipy import stats

    means = [float(m) for m in means]
    variances = [float(v) for v in variances]
    n = len(means)
    if n < MIN_POOLED_SEEDS or len(variances) != n:
        raise ValueError(f"need >= {MIN_POOLED_SEEDS} runs with a variance each, got {n}")
    if min(variances) <= 0:
        raise ValueError(f"every run needs a positive variance, got {variances}")
    w = [1 / v for v in variances]
    fixed = sum(wi * m for wi, m in zip(w, means)) / sum(w)
    q_fixed = sum(wi * (m - fixed) ** 2 for wi, m in zip(w, means))
    tau2 = max(0.0, (q_fixed - (n - 1)) / (sum(w) - sum(wi**2 for wi in w) / sum(w)))
    w = [1 / (v + tau2) for v in variances]
    mean = sum(wi * m for wi, m in zip(w, means)) / sum(w)
    q = sum(wi * (m - mean) ** 2 for wi, m in zip(w, means)) / (n - 1)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * math.sqrt(max(q, 1.0) / sum(w))
    return mean, mean - half, mean + half


def fixed_effect_interval(means, variances, level=CI_LEVEL):
    """The inverse-variance (fixed-effect) interval of runs that each estimate one mean
    with their own variance: mean sum(w m) / sum(w), w = 1 / v, variance 1 / sum(w),
    a normal quantile. It assumes no between-run variance at all and its quantile is
    the normal's, so it is never wider than :func:`random_effects_interval`: a
    sensitivity analysis beside that primary one.

    Returns
    -------
    tuple
        ``(mean, low, high)``.
    """
    from scipy import stats

    means = [float(m) for m in means]
    variances = [float(v) for v in variances]
    if not means or len(variances) != len(means) or min(variances) <= 0:
        raise ValueError(f"need runs with a positive variance each, got {variances}")
    w = [1 / v for v in variances]
    mean = sum(wi * m for wi, m in zip(w, means)) / sum(w)
    half = stats.norm.ppf(0.5 + level / 2) / math.sqrt(sum(w))
    return mean, mean - half, mean + half


def t_interval(values, level=CI_LEVEL):
    """The t-interval of the mean of ``values`` (>= 2): sample variance / n, n - 1
    degrees of freedom, as ``(mean, low, high)``."""
    from scipy import stats

    values = [float(v) for v in values]
    n = len(values)
    if n < 2:
        raise ValueError(f"need >= 2 values for a t-interval, got {n}")
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * math.sqrt(var / n)
    return mean, mean - half, mean + half
