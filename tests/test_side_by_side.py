"""Each claim's primary analysis beside its exploratory ones
(helpers.summary.side_by_side): earlier rule versions, each seed alone, and verdict 2
under the other variance models, each labelled exploratory."""

from helpers.summary.ledger import EXPLORATORY
from helpers.summary.seeds import seed_rows
from helpers.summary.sensitivity import PRIMARY, claim_sensitivity
from helpers.summary.side_by_side import COLUMNS, standing_rows
from helpers.summary.verdicts import conclusion_verdicts
from tests.test_summary import CLEAR, SLIGHT, _recorded

CONFIRMED = "confirmatory (pre-registered at abc1234567, 2026-12-06)"


def _versions(*outcomes):
    """Ledger rows v1.. with these outcomes, the last the current rule's."""
    return [
        {"version": str(i), "judged on": "this run", "outcome": o}
        for i, o in enumerate(outcomes, 1)
    ]


def _verdict(verdict, standing, versions):
    return {"verdict": verdict, "standing": standing, "versions": versions}


def _seed_table(claim_2, claim_3):
    """Two rows (two datasets) per seed, as the seed section gives them."""
    return [
        {"seed": s, "dataset": d, "verdict 2": v2, "verdict 3": v3}
        for s, (v2, v3) in enumerate(zip(claim_2, claim_3))
        for d in ("cifar10", "fashion_mnist")
    ]


def test_each_claim_leads_with_its_primary_analysis_then_the_exploratory_ones():
    verdicts = [
        _verdict(
            "supported",
            CONFIRMED,
            _versions("not re-evaluated (its code is not kept)", "inconclusive", "supported"),
        ),
        _verdict("inconclusive", EXPLORATORY, _versions("supported", "inconclusive")),
        _verdict("supported", CONFIRMED, _versions("supported")),
    ]
    table = _seed_table(["supported"] * 10 + ["inconclusive"] * 2, ["supported"] * 12)
    models = [
        {"analysis": PRIMARY, "verdict": "inconclusive"},
        {"analysis": "fixed effect", "verdict": "supported"},
        {"analysis": "seeds' gaps alone (rule v5)", "verdict": "supported"},
    ]
    rows = standing_rows(verdicts, table, models)
    assert all(tuple(r) == COLUMNS for r in rows)
    got = [(r["claim"], r["analysis"], r["standing"], r["verdict"]) for r in rows]
    assert got == [
        (1, "pre-registered rule v3", CONFIRMED, "supported"),
        (1, "earlier rule v2", EXPLORATORY, "inconclusive"),
        (2, "current rule v2", EXPLORATORY, "inconclusive"),
        (2, "earlier rule v1", EXPLORATORY, "supported"),
        (
            2,
            "each seed alone (single-run rule)",
            EXPLORATORY,
            "12 seeds: 10 supported, 2 inconclusive",
        ),
        (2, "variance model: fixed effect", EXPLORATORY, "supported"),
        (2, "variance model: seeds' gaps alone (rule v5)", EXPLORATORY, "supported"),
        (3, "pre-registered rule v1", CONFIRMED, "supported"),
        (3, "each seed alone (single-run rule)", EXPLORATORY, "12 seeds: 12 supported"),
    ]


def test_without_seeds_or_models_only_the_rule_versions_are_shown():
    verdicts = [_verdict("inconclusive", EXPLORATORY, _versions("fails", "inconclusive"))] * 3
    rows = standing_rows(verdicts)
    assert [r["analysis"] for r in rows] == ["current rule v2", "earlier rule v1"] * 3


def test_on_recorded_results_of_three_seeds():
    runs = {
        seed: dict(zip(("cnn", "projection_mlp"), _recorded(CLEAR, [g + s for g in SLIGHT])))
        for seed, s in ((0, 0.0), (1, 0.002), (2, 0.004))
    }
    first, *others = runs.values()
    verdicts = conclusion_verdicts(first, others, prereg=None)
    models = claim_sensitivity(first["projection_mlp"], [r["projection_mlp"] for r in others])
    rows = standing_rows(verdicts, seed_rows(runs), models)
    claim_2 = [r for r in rows if r["claim"] == 2]
    assert claim_2[0]["verdict"] == verdicts[1]["verdict"]
    assert claim_2[0]["analysis"].startswith("current rule v")  # no pre-registration
    assert {r["standing"] for r in rows} == {EXPLORATORY}
    seeds = [r for r in claim_2 if r["analysis"].startswith("each seed")]
    assert len(seeds) == 1 and seeds[0]["verdict"].startswith("3 seeds: ")
    assert [r["analysis"] for r in claim_2 if r["analysis"].startswith("variance")] == [
        "variance model: fixed effect",
        "variance model: seeds' gaps alone (rule v5)",
    ]
    assert not any(r["verdict"].startswith("not re-evaluated") for r in rows)
