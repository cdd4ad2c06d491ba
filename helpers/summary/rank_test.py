"""A one-sided rank test as a three-outcome check: Spearman's rank correlation with a
permutation null, for verdict 1's rule v6 (:mod:`helpers.summary.reconstruction_claim`).

The null distribution of Spearman's rho under "the ranks are paired at random" is
taken by permuting one variable's ranks: every permutation when there are at most
``n_resamples`` of them (exact), else ``n_resamples`` seeded random permutations, with
the p-value (count of null values at least as extreme + 1) / (resamples + 1), which is
a valid p-value for any number of resamples (Phipson and Smyth 2010), not an
approximation to one: ``scipy.stats.permutation_test``. Not
``scipy.stats.spearmanr``'s p, which is from a t approximation.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from helpers.summary.decisions import FAILS, HOLDS, INCONCLUSIVE, Decision

__all__ = ["RankTest", "RankDecision", "spearman_permutation", "judge_rank"]


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


@dataclasses.dataclass(frozen=True)
class RankDecision(Decision):
    """A check decided by a one-sided rank test each way, not by an interval.

    Drawn and tabled like the other checks: ``estimate`` is rho, ``[low, high]`` is rho
    less the null's upper and lower ``alpha`` points (so it lies wholly on one side of
    0 about when the test is significant that way); the outcome comes from the
    p-values. ``p_claimed``: the p-value in the claimed direction, ``p_against``: in
    the other.
    """

    p_claimed: float = 1.0
    p_against: float = 1.0
    alpha: float = 0.05
    note: str = ""

    def flip_text(self):
        if self.uncounted:
            return self.uncounted
        return (
            f"holds at a one-sided level of {self.p_claimed:.3g} or more, fails at "
            f"{self.p_against:.3g} or more ({self.alpha:.0%} used), inconclusive below both"
            + (f"; {self.note}" if self.note else "")
        )


def judge_rank(check, test, direction, *, alpha, min_n, span):
    """The three-outcome check on ``test`` (:class:`RankTest`): does rho lie above 0
    (``direction="above"``) or below it (``"below"``)? Holds when the one-sided p-value
    in that direction is at most ``alpha``, fails when the one in the other direction
    is (the data rank the other way), else inconclusive; inconclusive too with fewer
    than ``min_n`` pairs, whatever the p-values (the rule fixed ``min_n`` beforehand)."""
    if direction not in ("above", "below"):
        raise ValueError(f"unknown direction {direction!r}")
    claimed, against = (
        (test.p_greater, test.p_less) if direction == "above" else (test.p_less, test.p_greater)
    )
    outcome = HOLDS if claimed <= alpha else (FAILS if against <= alpha else INCONCLUSIVE)
    note = ""
    if test.n < min_n:
        outcome = INCONCLUSIVE
        note = f"{test.n} images, fewer than the {min_n} the rule needs: undecided"
    return RankDecision(
        check=check + (f" ({note})" if note else ""),
        outcome=outcome,
        estimate=test.rho,
        low=test.rho - test.null_high,
        high=test.rho - test.null_low,
        threshold=0.0,
        direction=direction,
        span=span,
        interval=False,
        p_claimed=claimed,
        p_against=against,
        alpha=alpha,
        note=note,
    )
