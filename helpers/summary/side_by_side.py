"""Each claim's primary analysis beside its exploratory ones, in one table (chapter 99).

The primary analysis is the verdict under the current rule: pre-registered where the
verdict's standing is confirmatory. Everything else the report computes on the same
claim is exploratory, whatever its outcome: every earlier version of the rule (the
ledger), each seed's own single-run verdict (claims 2-3) and verdict 2 under the
variance models it was not judged by (:func:`helpers.summary.sensitivity.claim_sensitivity`).
Shown side by side, a reader sees at once whether the confirmatory verdict stands alone
or whether the other analyses agree with it.
"""

from __future__ import annotations

from collections import Counter

from helpers.summary.ledger import CONFIRMATORY, EXPLORATORY
from helpers.summary.sensitivity import PRIMARY

__all__ = ["COLUMNS", "standing_rows"]

COLUMNS = ("claim", "analysis", "standing", "judged on", "verdict")
# The outcome the ledger rows give a version it could not evaluate again.
_NOT_RE_EVALUATED = "not re-evaluated"
# The claims whose verdicts the seed section gives per seed, and the claim with
# variance-model sensitivity analyses.
_SEED_CLAIMS = (2, 3)
_SENSITIVITY_CLAIM = 2


def _row(claim, analysis, standing, judged_on, verdict):
    return dict(zip(COLUMNS, (claim, analysis, standing, judged_on, verdict)))


def _seed_count(seed_table, claim):
    """ "12 seeds: 10 supported, 2 inconclusive" from the seed section's rows (one row per
    seed and dataset: each seed counted once), or None without that claim's column."""
    column = f"verdict {claim}"
    by_seed = {}
    for row in seed_table:
        if column in row:
            by_seed.setdefault(row["seed"], row[column])
    if not by_seed:
        return None
    counts = Counter(by_seed.values()).most_common()
    n = len(by_seed)
    return f"{n} seed{'s' if n != 1 else ''}: " + ", ".join(f"{k} {v}" for v, k in counts)


def standing_rows(verdicts, seed_table=(), claim_sensitivity_rows=()):
    """Rows (claim, analysis, standing, judged on, verdict): per claim, the primary
    analysis under the verdict's own standing first, then the exploratory ones.

    ``verdicts``: :func:`helpers.summary.verdicts.conclusion_verdicts`; ``seed_table``:
    :func:`helpers.summary.seeds.seed_rows`; ``claim_sensitivity_rows``:
    :func:`helpers.summary.sensitivity.claim_sensitivity` (verdict 2's variance models).
    """
    rows = []
    for claim, v in enumerate(verdicts, 1):
        versions = list(v.get("versions") or [])
        current = versions[-1] if versions else {}
        label = current.get("version", "?")
        primary = (
            f"pre-registered rule v{label}"
            if v["standing"].startswith(CONFIRMATORY)
            else f"current rule v{label}"
        )
        rows.append(_row(claim, primary, v["standing"], current.get("judged on", ""), v["verdict"]))
        for past in versions[:-1]:
            if str(past["outcome"]).startswith(_NOT_RE_EVALUATED):
                continue
            rows.append(
                _row(
                    claim,
                    f"earlier rule v{past['version']}",
                    EXPLORATORY,
                    past.get("judged on", ""),
                    past["outcome"],
                )
            )
        count = _seed_count(seed_table, claim) if claim in _SEED_CLAIMS else None
        if count:
            rows.append(
                _row(
                    claim,
                    "each seed alone (single-run rule)",
                    EXPLORATORY,
                    "each seed's own run",
                    count,
                )
            )
        if claim == _SENSITIVITY_CLAIM:
            for other in claim_sensitivity_rows:
                if other["analysis"] == PRIMARY:
                    continue
                rows.append(
                    _row(
                        claim,
                        f"variance model: {other['analysis']}",
                        EXPLORATORY,
                        current.get("judged on", ""),
                        other["verdict"],
                    )
                )
    return rows
