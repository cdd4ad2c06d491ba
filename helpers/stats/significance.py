"""Significance tests of paired scores and paired predictions.

Cross-validated scores of two models on the same folds (:func:`paired_tests`: the
plain and the Nadeau-Bengio corrected resampled t-test), two classifiers' predictions
on the same test images (:func:`mcnemar_test`, :func:`noninferiority_test`), and the
pieces other tests share (:func:`moment_t_test`, :func:`welch_df`). Chapters 03 and
04 test with them; the summary's verdicts read what they recorded.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "ZERO_SPREAD",
    "welch_df",
    "moment_t_test",
    "paired_tests",
    "mcnemar_test",
    "noninferiority_test",
]


# Differences whose spread is below this are treated as exactly equal (fold
# accuracies are multiples of 1/n_val, so exact ties happen; float rounding of
# a - b must not turn them into a huge t).
ZERO_SPREAD = 1e-12


def welch_df(var_1, n_1, var_2, n_2):
    """Welch-Satterthwaite degrees of freedom of a difference of two means whose squared
    standard errors are ``var_1`` and ``var_2`` (samples of ``n_1`` and ``n_2``);
    ``n_1 + n_2 - 2`` when both are 0."""
    total = var_1 + var_2
    if total <= 0:
        return float(n_1 + n_2 - 2)
    return total**2 / (var_1**2 / (n_1 - 1) + var_2**2 / (n_2 - 1))


def moment_t_test(mean, var, scale, df):
    """(t, two-sided p) for t = ``mean / sqrt(scale * var)`` with ``df`` degrees of freedom.

    Zero variance (all differences equal): when the mean difference is 0 as
    well there is no evidence of a difference, t = 0 and p = 1; otherwise every
    fold moved the same nonzero amount, t = +-inf and p = 0 (the limit of the
    test as the spread goes to 0; defensible only as "every fold agrees", since
    a t-test cannot measure a spread of 0).
    """
    from scipy import stats

    if var <= ZERO_SPREAD**2:
        if abs(mean) <= ZERO_SPREAD:
            return 0.0, 1.0
        return math.copysign(math.inf, mean), 0.0
    t = mean / math.sqrt(scale * var)
    return t, float(2 * stats.t.sf(abs(t), df=df))


def paired_tests(a, b, n_train, n_val):
    """Paired comparison of fold scores ``a`` and ``b`` (same folds).

    Returns the per-fold differences ``a - b``, the plain paired t-test
    (t = mean / sqrt(s^2 / k)) and the Nadeau-Bengio corrected resampled t-test
    (t = mean / sqrt((1/k + n_val/n_train) s^2)), which widens the variance because
    CV training sets overlap (the plain test is over-confident for
    cross-validation); both two-sided with k - 1 degrees of freedom, s^2 the
    sample variance of the k differences. Degenerate case (all differences
    equal): see :func:`moment_t_test`. ``n_train`` and ``n_val`` are returned too, so
    that a later test (e.g. of two datasets' gaps) can apply the same correction.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(
            f"need two equal-length lists of >= 2 fold scores, got {a.shape}, {b.shape}"
        )
    if n_train <= 0 or n_val <= 0:
        raise ValueError(f"n_train and n_val must be positive, got {n_train}, {n_val}")
    d = a - b
    k = len(d)
    mean = float(d.mean())
    var = float(d.var(ddof=1)) if np.ptp(d) > ZERO_SPREAD else 0.0
    t, p = moment_t_test(mean, var, 1 / k, k - 1)
    corrected_t, corrected_p = moment_t_test(mean, var, 1 / k + n_val / n_train, k - 1)
    return {
        "differences": d.tolist(),
        "mean_difference": mean,
        "t_statistic": float(t),
        "p_value": float(p),
        "corrected_t_statistic": float(corrected_t),
        "corrected_p_value": float(corrected_p),
        "folds": k,
        "n_train": float(n_train),
        "n_val": float(n_val),
    }


def _upper_tail_of_difference(n, p_only_a, p_only_b, k):
    """P(only_a - only_b >= k) for counts (only_a, only_b, rest) ~ Multinomial(n, ...)."""
    from scipy import stats

    if p_only_b <= 0:
        return float(stats.binom.sf(k - 1, n, p_only_a))
    b = np.arange(n + 1)
    weight = stats.binom.pmf(b, n, p_only_b)
    keep = weight > 1e-16
    b, weight = b[keep], weight[keep]
    # Given only_b = b, only_a ~ Binomial(n - b, p_only_a / (1 - p_only_b)).
    conditional = stats.binom.sf(b + k - 1, n - b, min(1.0, p_only_a / (1 - p_only_b)))
    return float(np.sum(weight * conditional))


def noninferiority_test(y_true, pred_new, pred_reference, margin, grid=200):
    """Exact unconditional test that one classifier is at most ``margin`` less accurate
    than a reference on the same test images (paired).

    H0: acc(new) - acc(reference) <= -margin against H1: it is above -margin. With
    ``only_new`` and ``only_ref`` the images only one of them gets right, the statistic
    is ``only_new - only_ref``; its null distribution depends on the unknown share of
    discordant images, so the p-value is the largest tail probability over that share
    on the null boundary. As in Berger & Boos (1994), the share is searched only inside
    its ``1 - gamma`` Clopper-Pearson interval (``gamma`` = 0.001) and ``gamma`` is
    added, which keeps the test exact without letting shares the data rule out
    (e.g. every image discordant) decide it; the search is a grid of ``grid`` shares,
    refined around the largest.

    Returns
    -------
    dict
        ``only_new``, ``only_reference``, ``accuracy_difference`` (new minus
        reference), ``margin`` and the one-sided ``p_value``.
    """
    y_true, pred_new, pred_reference = (
        np.asarray(v).ravel() for v in (y_true, pred_new, pred_reference)
    )
    if not len(y_true) == len(pred_new) == len(pred_reference) or len(y_true) == 0:
        raise ValueError("need predictions of both classifiers for the same, non-empty images")
    if not 0 < margin < 1:
        raise ValueError(f"margin must be in (0, 1), got {margin}")
    n = len(y_true)
    right_new, right_ref = pred_new == y_true, pred_reference == y_true
    only_new = int(np.sum(right_new & ~right_ref))
    only_ref = int(np.sum(right_ref & ~right_new))
    k = only_new - only_ref

    def tail(share):
        # On the boundary: P(only_new) - P(only_ref) = -margin, P(only_new) + P(only_ref) = share.
        return _upper_tail_of_difference(n, (share - margin) / 2, (share + margin) / 2, k)

    from scipy import stats

    gamma = 0.001
    discordant = only_new + only_ref
    interval = stats.binomtest(discordant, n).proportion_ci(confidence_level=1 - gamma)
    first, last = max(margin, interval.low), min(1.0, interval.high)
    if first > last:  # every share the data allow lies off the null boundary
        p_value = gamma
    else:
        shares = np.linspace(first, last, grid)
        tails = np.array([tail(s) for s in shares])
        best = int(np.argmax(tails))
        low, high = shares[max(best - 1, 0)], shares[min(best + 1, grid - 1)]
        p_value = max(tails.max(), max(tail(s) for s in np.linspace(low, high, 41))) + gamma
    return {
        "only_new": only_new,
        "only_reference": only_ref,
        "accuracy_difference": k / n,
        "margin": float(margin),
        "p_value": float(min(1.0, p_value)),
    }


def mcnemar_test(y_true, pred_a, pred_b):
    """Exact McNemar test of two classifiers' predictions on the same test images.

    Only the images exactly one of them gets right count: under the null of equal
    accuracy each is equally likely to be either one's (binomial, p = 1/2).

    Returns
    -------
    dict
        ``only_a`` and ``only_b`` (images only that classifier gets right),
        ``accuracy_difference`` (a minus b) and the two-sided ``p_value``.
    """
    from scipy import stats

    y_true, pred_a, pred_b = (np.asarray(v).ravel() for v in (y_true, pred_a, pred_b))
    if not len(y_true) == len(pred_a) == len(pred_b):
        raise ValueError(
            f"need predictions for the same images, got {len(y_true)}, {len(pred_a)}, {len(pred_b)}"
        )
    right_a, right_b = pred_a == y_true, pred_b == y_true
    only_a, only_b = int(np.sum(right_a & ~right_b)), int(np.sum(right_b & ~right_a))
    p = 1.0 if only_a + only_b == 0 else stats.binomtest(only_a, only_a + only_b).pvalue
    return {
        "only_a": only_a,
        "only_b": only_b,
        "accuracy_difference": (only_a - only_b) / len(y_true),
        "p_value": float(p),
    }
