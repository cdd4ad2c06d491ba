"""Chapter 99's verdicts as the reader meets them: the findings first (plain sentences,
the findings table, the figure with its key, the method), each claim's pre-registered
analysis beside its exploratory ones, then each verdict's pages
(evidence, checks, every version of its rule, verdict 2's sensitivity analyses, the
rule in words) and where each threshold comes from. The PDF moves the pages to its
appendix; the HTML folds the evidence in place."""

from __future__ import annotations

import pandas as pd

from helpers.prose import summary as text
from helpers.summary.ledger import margin_rows
from helpers.summary.seeds import SEED_VERDICTS
from helpers.summary.verdicts import rule_constants
from helpers.tables import show_details, show_markdown, show_table

__all__ = ["STANDING_CAPTION", "show_findings", "show_standing", "show_verdict_details"]

STANDING_CAPTION = "Each claim: the pre-registered analysis beside the exploratory ones"


def show_findings(verdicts, results=None):
    """The summary's opening: what was found, the findings table, the figure of every
    check with its key, and how the checks are decided (``results``: this render's, for
    the protocol whose gap verdict 2 judges)."""
    import matplotlib.pyplot as plt

    from helpers.plots import decision_key, plot_decisions
    from helpers.prose.findings import plain_findings
    from helpers.summary.decisions import DECISION_LEVEL
    from helpers.summary.findings import findings_rows, gap_protocol
    from helpers.summary.verdicts import decision_note

    show_markdown(plain_findings(verdicts, DECISION_LEVEL, gap_protocol(results)))
    show_table(pd.DataFrame(findings_rows(verdicts)), caption="The study's conclusions: verdicts")
    if plot_decisions(verdicts) is not None:
        plt.show()
        # The figure's key: each check's code, full name and outcome.
        show_table(pd.DataFrame(decision_key(verdicts)))
    show_markdown(decision_note())


def show_standing(verdicts, seed_table=(), claim_rows=()):
    """Each claim's primary analysis, under its verdict's standing, and below it the
    exploratory analyses of the same claim (``seed_table``:
    :func:`helpers.summary.seeds.seed_rows`; ``claim_rows``:
    :func:`helpers.summary.sensitivity.claim_sensitivity`), so the confirmatory verdict
    is never read alone."""
    from helpers.summary.side_by_side import standing_rows

    rows = standing_rows(verdicts, seed_table, claim_rows)
    if rows:
        show_table(pd.DataFrame(rows), caption=STANDING_CAPTION)


def show_verdict_details(verdicts, seed_results=None, sensitivity=()):
    """Display each verdict's pages (``verdicts``: :func:`conclusion_verdicts`;
    ``seed_results``: the seed runs pooled, this run first; ``sensitivity``:
    :func:`helpers.summary.sensitivity.gap_sensitivity`'s rows)."""
    for i, v in enumerate(verdicts, 1):
        pooled = bool(seed_results) and i in SEED_VERDICTS
        show_markdown(text.verdict_heading(i, v))
        evidence = v["evidence"] + (text.seed_pool_note(seed_results) if pooled else "")
        appendix = text.appendix_title(i)
        show_details(f"Evidence for verdict {i}", evidence, appendix=appendix)
        if v["decisions"]:
            show_table(
                pd.DataFrame(v["decisions"]),
                caption=f"Verdict {i}: the checks",
                floatfmt=".4g",
                appendix=appendix,
            )
        show_table(
            pd.DataFrame(v["versions"]),
            caption=f"Verdict {i} under every version of its rule (the ledger)",
            appendix=appendix,
        )
        if i == 2 and sensitivity:
            show_table(
                pd.DataFrame(sensitivity),
                caption="Verdict 2 under the other variance models (sensitivity, not deciding)",
                floatfmt=".4f",
                appendix=appendix,
            )
        show_markdown(f"_Rule {i} (current): {v['rule']}_", appendix=appendix)
    show_table(
        pd.DataFrame(margin_rows(rule_constants())),
        caption="Where each threshold comes from",
        key="margins",
    )
