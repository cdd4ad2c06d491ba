"""A one-sided rank test as a three-outcome check, for verdict 1's rule v6
(:mod:`helpers.summary.reconstruction_rank`): Spearman's rho with its permutation null
(:func:`helpers.stats.rank.spearman_permutation`) read as holds, fails or inconclusive.
"""

from __future__ import annotations

import dataclasses

from helpers.summary.decisions import FAILS, HOLDS, INCONCLUSIVE, Decision

__all__ = ["RankDecision", "judge_rank"]


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
    """The three-outcome check on ``test`` (:class:`helpers.stats.rank.RankTest`): does rho lie above 0
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
