"""Chapter 01's verdict: two sentences saying what it means, its checks in a table
(Table 1k), not the summary's paragraph of numbers (issue 34, item 6)."""

import json

from helpers.prose import reconstruction as text
from tests.conftest import PROJECT_ROOT


def _check(outcome, **extra):
    return {"check": "c", "outcome": outcome, **extra}


def test_the_verdict_says_what_its_counted_checks_mean():
    verdict = {
        "claim": "Error falls.",
        "verdict": "inconclusive",
        "standing": "exploratory (no pre-registration)",
        "checks": [
            _check("holds"),
            _check("inconclusive"),
            _check("inconclusive"),
            _check("fails", uncounted="shown, not counted"),
            _check("holds", cited_from="verdict 2"),
        ],
        "evidence": "Camera: roughness 0.362; relative MSE 1.25 at M = 50. " * 20,
    }
    lead = text.verdict_lead(verdict)
    assert lead == (
        '**Verdict on "Error falls.": inconclusive** (exploratory). Of its 3 counted '
        "checks, 1 holds and 2 are undecided, so the data cannot decide it yet "
        "(Table 1k; the summary gives the evidence in full)."
    )
    assert "roughness" not in lead  # the evidence stays in the summary
    one = {**verdict, "verdict": "contradicted", "checks": [_check("fails")]}
    assert "Of its 1 counted check, 1 fails, so the data contradict the study" in (
        text.verdict_lead(one)
    )
    none = {**verdict, "verdict": "no evidence", "checks": []}
    assert text.verdict_lead(none).endswith("No check could be made, so it is not judged.")
    assert text.CHECKS_CAPTION.startswith("Table 1k. ")


def test_chapter_01_shows_the_lead_and_the_checks_table_not_the_paragraph():
    cells = json.loads((PROJECT_ROOT / "notebooks" / "01_reconstruction.ipynb").read_text())
    source = "\n".join("".join(c["source"]) for c in cells["cells"] if c["cell_type"] == "code")
    assert "text.verdict_lead(c1)" in source
    assert "pd.DataFrame(text.check_rows(c1)), caption=text.CHECKS_CAPTION" in source
    assert "verdict_text(c1)" not in source


def test_the_checks_table_has_four_short_columns():
    verdict = {
        "checks": [
            {
                "check": "drop ratio",
                "unit": "x",
                "estimate": 2.7042,
                "low": 1.305,
                "high": 5.606,
                "threshold": 2.0,
                "direction": "above",
                "outcome": "inconclusive",
            },
            {
                "check": "beats the constant image",
                "unit": "",
                "estimate": 1.11,
                "low": 1.11,
                "high": 1.11,
                "threshold": 1.0,
                "direction": "below",
                "outcome": "fails",
                "uncounted": "shown, not counted: ...",
            },
            {"check": "cited", "cited_from": "verdict 2"},
        ]
    }
    assert text.check_rows(verdict) == [
        {
            "check": "drop ratio",
            "estimate [interval]": "2.7x [1.3, 5.61]x",
            "claim needs": "\u2265 2x",
            "outcome": "inconclusive",
        },
        {
            "check": "beats the constant image",
            "estimate [interval]": "1.11",
            "claim needs": "\u2264 1",
            "outcome": "fails, not counted",
        },
    ]
