"""Three-outcome decisions on intervals: what the verdicts of the summary are built from.

A claim about a size ("the gap lies above 0.05", "the speed-up is at least 2x")
*holds* when the whole :data:`DECISION_LEVEL` interval of the size lies on the
claimed side of the threshold, *fails* when the whole interval lies on the other
side (the data contradict it), and is *inconclusive* when the interval straddles
the threshold. With a 90% two-sided interval each side is a one-sided test at 5%
("holds" and "fails" are each such a test, in opposite directions), the
construction of equivalence and non-inferiority testing (Schuirmann's two
one-sided tests, 1987; Wellek, *Testing Statistical Hypotheses of Equivalence and
Noninferiority*, 2010), so neither is declared on a difference the noise could
produce. A claim made of several checks holds only when all hold (an
intersection-union test: no adjustment needed) and fails when any fails, so with
k checks a false "fails" has a chance of up to k x 5%. An interval of zero width
(replicates that do not vary at all, as a handful of fold accuracies on a few hundred
images can) estimates no noise: its check is inconclusive, whatever its position.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = [
    "DECISION_LEVEL",
    "HOLDS",
    "FAILS",
    "INCONCLUSIVE",
    "Decision",
    "judge_above",
    "judge_range_above",
    "judge_below",
    "combine_outcomes",
    "claim_verdict",
    "legacy_verdict",
]

# A one-sided test at 5% for "holds" and another for "fails".
DECISION_LEVEL = 0.90
INTERVAL_SPAN = f"{DECISION_LEVEL:.0%} interval"
# Relative width under which an interval counts as zero width (float round-off of equal
# replicates; a real spread of accuracies on a few hundred images is 1e-3 or more).
ZERO_WIDTH = 1e-12

HOLDS, FAILS, INCONCLUSIVE = "holds", "fails", "inconclusive"
SUPPORTED, CONTRADICTED = "supported", "contradicted"


@dataclass(frozen=True)
class Decision:
    """One check of a claim: its outcome, the interval it was read from and where it flips.

    ``direction`` is ``"above"`` (the claim is that the size exceeds ``threshold``)
    or ``"below"``.
    """

    check: str
    outcome: str
    estimate: float
    low: float
    high: float
    threshold: float
    direction: str
    unit: str = ""
    # What [low, high] is: an interval at DECISION_LEVEL, or another range (verdict 1's
    # leave-one-out range).
    span: str = INTERVAL_SPAN
    # The verdict whose check this is, when shown again under another (cited, not re-judged).
    cited_from: str = ""
    # False for a range that is not a confidence interval (verdict 1's): the zero-width
    # rule does not apply to it.
    interval: bool = True
    # Why a check is shown but not counted in its claim (empty: counted).
    uncounted: str = ""

    def flip_text(self):
        """The thresholds at which the outcome would change, in words."""
        u = self.unit
        if self.uncounted:
            return self.uncounted
        if self.interval and _unestimated(self.low, self.high):
            return "inconclusive at any threshold: zero spread, the noise is not estimated"
        if self.direction == "above":
            return (
                f"holds for a threshold up to {self.low:.4g}{u}, fails for one above "
                f"{self.high:.4g}{u}, inconclusive between"
            )
        if self.direction == "below":
            return (
                f"holds for a threshold from {self.high:.4g}{u} up, fails for one below "
                f"{self.low:.4g}{u}, inconclusive between"
            )
        raise ValueError(f"unknown direction {self.direction!r}")

    def as_row(self):
        return {
            "check": self.check,
            "outcome": self.outcome,
            "estimate": self.estimate,
            self.span: f"[{self.low:.4g}, {self.high:.4g}]{self.unit}",
            "threshold": f"{self.threshold:g}{self.unit}",
            "would flip": self.flip_text(),
        }


def _checked(low, high):
    low, high = float(low), float(high)
    if not low <= high:
        raise ValueError(f"an interval needs low <= high, got [{low}, {high}]")
    return low, high


def _unestimated(low, high):
    """An interval of zero width (to float round-off): replicates that did not vary
    estimate no noise."""
    return high - low <= ZERO_WIDTH * max(1.0, abs(low), abs(high))


def judge_above(check, estimate, low, high, threshold, unit="", zero_width_decides=False):
    """Does the size exceed ``threshold``? Holds when ``low >= threshold``, fails when
    ``high < threshold``, else (or on an interval of zero width) inconclusive.
    ``zero_width_decides``: as the rules before verdict 2's v5 and 3's v7 (the ledger)."""
    low, high = _checked(low, high)
    outcome = HOLDS if low >= threshold else (FAILS if high < threshold else INCONCLUSIVE)
    if _unestimated(low, high) and not zero_width_decides:
        outcome = INCONCLUSIVE
    return Decision(check, outcome, float(estimate), low, high, float(threshold), "above", unit)


def judge_range_above(check, estimate, low, high, threshold, unit, span):
    """:func:`judge_above` on a range that is not a confidence interval (``span`` names
    it): read as it is, zero width included."""
    decision = judge_above(check, estimate, low, high, threshold, unit, zero_width_decides=True)
    return replace(decision, span=span, interval=False)


def judge_below(check, estimate, low, high, threshold, unit="", zero_width_decides=False):
    """Is the size at most ``threshold``? Holds when ``high <= threshold``, fails when
    ``low > threshold``, else (or on an interval of zero width) inconclusive."""
    low, high = _checked(low, high)
    outcome = HOLDS if high <= threshold else (FAILS if low > threshold else INCONCLUSIVE)
    if _unestimated(low, high) and not zero_width_decides:
        outcome = INCONCLUSIVE
    return Decision(check, outcome, float(estimate), low, high, float(threshold), "below", unit)


def combine_outcomes(outcomes):
    """All of several checks: fails when one fails, holds when all hold, else inconclusive."""
    outcomes = list(outcomes)
    if not outcomes:
        raise ValueError("no outcomes to combine")
    unknown = set(outcomes) - {HOLDS, FAILS, INCONCLUSIVE}
    if unknown:
        raise ValueError(f"unknown outcome(s) {sorted(unknown)}")
    if FAILS in outcomes:
        return FAILS
    return HOLDS if all(o == HOLDS for o in outcomes) else INCONCLUSIVE


def claim_verdict(half_outcomes):
    """A claim made of halves: supported when every half holds, contradicted when one
    fails (the data show it false, at least in part), inconclusive otherwise."""
    return {HOLDS: SUPPORTED, FAILS: CONTRADICTED, INCONCLUSIVE: INCONCLUSIVE}[
        combine_outcomes(half_outcomes)
    ]


def legacy_verdict(first, second):
    """The outcome words of the two-half rules before issue 22 (each half a yes or no):
    supported, mixed or not supported."""
    return "supported" if first and second else ("mixed" if first or second else "not supported")
