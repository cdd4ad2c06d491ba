"""Spearman's rank correlation with a permutation null, one-sided each way (verdict 1's
rule v6 decides its checks with it: :mod:`helpers.summary.rank_test`).

The null distribution of Spearman's rho under "the ranks are paired at random" is
taken by permuting one variable's ranks: every permutation when there are at most
``n_resamples`` of them (exact), else ``n_resamples`` seeded random permutations, with
the p-value (count of null values at least as extreme + 1) / (resamples + 1), which is
a valid p-value for any number of resamples (Phipson and Smyth 2010), not an
approximation to one. Not ``scipy.stats.spearmanr``'s p, which is from a t
approximation.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

__all__ = ["RankTest", "spearman_permutation"]


@dataclasses.dataclass(frozen=True)
class RankTest:
    """Spearman's rho of ``n`` pairs, its one-sided permutation p-values and the null's
    lower and upper ``alpha`` points (``exact``: every permutation was enumerated)."""

    rho: float
    p_greater: float
    p_less: float
    null_low: float
    null_high: float
    n: int
    resamples: int
    exact: bool


def _rank_correlation(x_ranks, y_ranks, axis=-1):
    """Pearson correlation of ranks along ``axis`` (Spearman's rho, ties averaged)."""
    x = x_ranks - x_ranks.mean(axis=axis, keepdims=True)
    y = y_ranks - y_ranks.mean(axis=axis, keepdims=True)
    return (x * y).sum(axis=axis) / np.sqrt((x * x).sum(axis=axis) * (y * y).sum(axis=axis))


def spearman_permutation(x, y, *, n_resamples, seed, alpha):
    """Spearman's rho of ``x`` and ``y`` with one-sided permutation p-values each way.

    Parameters
    ----------
    x, y : sequence of float
        Paired values, at least 3, neither constant.
    n_resamples : int
        Random permutations when ``len(x)!`` exceeds it (else all are enumerated).
    seed : int
        Seed of the random permutations (the same null for both sides).
    alpha : float
        The one-sided level whose null points are returned (``null_low``: the
        ``alpha`` quantile, ``null_high``: the ``1 - alpha`` one).

    Returns
    -------
    RankTest
    """
    from scipy import stats

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size < 3:
        raise ValueError(
            f"need two 1-D sequences of the same length >= 3, got {x.shape}, {y.shape}"
        )
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("a rank correlation needs values that vary")
    x_ranks, y_ranks = stats.rankdata(x), stats.rankdata(y)

    def statistic(permuted, axis=-1):
        return _rank_correlation(permuted, y_ranks, axis=axis)

    tests = {
        side: stats.permutation_test(
            (x_ranks,),
            statistic,
            permutation_type="pairings",
            vectorized=True,
            n_resamples=n_resamples,
            alternative=side,
            random_state=seed,
        )
        for side in ("greater", "less")
    }
    null = tests["greater"].null_distribution
    return RankTest(
        rho=float(tests["greater"].statistic),
        p_greater=float(tests["greater"].pvalue),
        p_less=float(tests["less"].pvalue),
        null_low=float(np.quantile(null, alpha)),
        null_high=float(np.quantile(null, 1 - alpha)),
        n=int(x.size),
        resamples=int(null.size),
        exact=math.factorial(x.size) <= n_resamples,
    )
