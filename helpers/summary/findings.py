"""The summary's findings: the check each verdict turns on and the findings table
(chapter 99), read from :func:`helpers.summary.verdicts.conclusion_verdicts`."""

from __future__ import annotations

import math

from helpers.summary.decisions import INTERVAL_SPAN
from helpers.summary.ledger import versions_of

__all__ = ["EVIDENCE", "deciding_check", "findings_rows", "gap_protocol"]


# Where each verdict's evidence is in the report (chapter headings and table captions).
# Links to the tables' anchors (helpers/report/figures.py numbers and anchors them).
EVIDENCE = {
    1: "Experiment 1: [Table 1j](#table-1j) (rank panel), @fig:rank-panel",
    2: "Experiment 3: [Table 3b](#table-3b) (paired test)",
    3: "Experiment 3: [Table 3c](#table-3c) (cost), [Table 3d](#table-3d) (latency), "
    "[Table 3b](#table-3b) (accuracy, cited)",
}


def gap_protocol(results):
    """dataset -> (images, folds) of the CV that verdict 2's gap is measured on: this
    render's profile, from its ``projection_mlp`` results (``n_samples``, ``folds``);
    empty where they were not recorded."""
    datasets = ((results or {}).get("projection_mlp") or {}).get("datasets") or {}
    return {
        name: (int(d["n_samples"]), int(d["folds"]))
        for name, d in datasets.items()
        if d.get("n_samples") and d.get("folds")
    }


# The outcome of the check that decides each verdict (helpers.summary.decisions).
_DECIDING_OUTCOME = {"contradicted": "fails", "inconclusive": "inconclusive", "supported": "holds"}


def deciding_check(verdict):
    """The check that decides a verdict: the first that fails for "contradicted", the
    first inconclusive one for "inconclusive", and for "supported" the holding check
    whose interval's near end lies closest to its threshold (the one the smallest change
    of threshold would flip; log scale for ratios). None without checks."""
    checks = verdict.get("checks") or []
    wanted = _DECIDING_OUTCOME.get(verdict["verdict"])
    candidates = [c for c in checks if c["outcome"] == wanted and not c.get("uncounted")]
    if not candidates:
        return None
    if wanted != "holds":
        return candidates[0]

    def margin(c):
        near = c["low"] if c["direction"] == "above" else c["high"]
        if c["unit"] == "x":  # ratios: distance on the log scale
            return abs(math.log(near / c["threshold"])) if near > 0 < c["threshold"] else math.inf
        return abs(near - c["threshold"])

    return min(candidates, key=margin)


def _earlier_rules(versions):
    """ "earlier: v1 supported; v2, v3 mixed" for earlier rule versions whose outcome
    differs from the current one's (those re-evaluated), or "same under earlier rules"."""
    current = versions[-1]["outcome"]
    by_outcome = {}
    for r in versions[:-1]:
        if r["outcome"] != current and not r["outcome"].startswith("not re-evaluated"):
            by_outcome.setdefault(r["outcome"], []).append(f"v{r['version']}")
    if not by_outcome:
        return "same under earlier rules"
    return "earlier: " + "; ".join(f"{', '.join(v)} {o}" for o, v in by_outcome.items())


def findings_rows(verdicts):
    """The summary's first table: for each study conclusion its verdict, the rule version
    it was judged by (post hoc or not) and what earlier versions gave, the check that
    decides it (:func:`deciding_check`: estimate, interval, what the claim needs, how many
    checks share its outcome) and where the evidence is."""
    rows = []
    for number, v in enumerate(verdicts, start=1):
        current = versions_of(number)[-1]
        check = deciding_check(v)
        checks = v.get("checks") or []
        row = {
            "claim": number,
            "standing": v.get("standing", "-"),
            "verdict": f"{v['verdict']} (v{current.label}, {current.timing}"
            + (f"; {_earlier_rules(v['versions'])})" if v.get("versions") else ")"),
            "deciding check": "-",
            "estimate [interval]": "-",
            "claim needs": "-",
            "evidence": EVIDENCE.get(number, "-"),
        }
        if check is not None:
            unit = check["unit"]
            dagger = "" if check["span"] == INTERVAL_SPAN else " \u2020"
            same = sum(c["outcome"] == check["outcome"] for c in checks)
            row["deciding check"] = check["check"] + (
                f" ({same} of {len(checks)} checks {check['outcome']})" if len(checks) > 1 else ""
            )
            row["estimate [interval]"] = (
                f"{check['estimate']:.4g}{unit} [{check['low']:.4g}, {check['high']:.4g}]"
                f"{unit}{dagger}"
            )
            # A check holds at equality (helpers.summary.decisions).
            sign = "\u2265" if check["direction"] == "above" else "\u2264"
            row["claim needs"] = f"{sign} {check['threshold']:g}{unit}"
        rows.append(row)
    return rows
