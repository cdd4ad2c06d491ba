"""The summary chapter: the study's tables beside ours, and verdicts on its
conclusions, all computed from the recorded results (never typed by hand)."""

from __future__ import annotations

import dataclasses

from helpers.stats.intervals import (
    CI_LEVEL,
    MIN_POOLED_SEEDS,
    corrected_sizes,
    fold_interval,
    gap_difference_test,
)
from helpers.summary import study
from helpers.summary.cnn_vs_mlp import (
    C2_MAX_SLIGHT_GAP,
    C2_MIN_CLEAR_GAP,
    C3_DATASET,
    C3_LATENCY_BATCHES,
    C3_MIN_SPEEDUP,
    judge_claim_2,
    judge_claim_3,
)
from helpers.summary.cnn_vs_mlp_versions import claim_2_versions, claim_3_versions
from helpers.summary.decisions import DECISION_LEVEL, ZERO_WIDTH
from helpers.summary.findings import deciding_check, findings_rows
from helpers.summary.ledger import POST_HOC, versions_of
from helpers.summary.preregistration import load_preregistration, standing, verdict_runs
from helpers.summary.reconstruction_claim import (
    C1_MIN_DROP_RATIO,
    C1_MIN_FLOOR_RATIO,
    C1_SE_MARGIN,
    conclusion_1_rule,
)
from helpers.summary.reconstruction_claim_versions import claim_1_versions
from helpers.summary.reconstruction_rank import conclusion_1_rule_v6, judge_claim_1_v6
from helpers.summary.seed_latency import C3_SECONDARY_BATCHES

__all__ = [
    "C1_MIN_DROP_RATIO",
    "C1_MIN_FLOOR_RATIO",
    "C1_SE_MARGIN",
    "reconstruction_verdicts",
    "conclusion_1_rule",
    "accuracy_rows",
    "fold_interval",
    "gap_difference_test",
    "conclusion_verdicts",
    "rule_texts",
    "rule_constants",
    "deciding_check",
    "findings_rows",
    "decision_note",
    "table_notes",
    "load_all",
]

RESULT_NAMES = ("datasets", "reconstruction", "cnn", "projection_mlp", "svd_compression")

# Table 1: a row "agrees" when our MSE is within this factor of the study's.
TABLE1_TOLERANCE = 2.0
# Verdicts 2 and 3 (CNN against RP-MLP): helpers.summary.cnn_vs_mlp.


def load_all(output_dir):
    """Every recorded result set that exists, keyed by name (missing ones left out)."""
    from helpers.results import read_results

    found = read_results(output_dir)
    return {name: found[name] for name in RESULT_NAMES if name in found}


def _ratio_verdict(ratio, tolerance=TABLE1_TOLERANCE):
    if ratio is None:
        return "n/a"
    if 1 / tolerance <= ratio <= tolerance:
        return f"agrees (within {tolerance:g}x)"
    return "ours lower" if ratio < 1 else "ours higher"


def reconstruction_verdicts(reconstruction):
    """Study Table 1 rows with our MSE/MAE, ratio ours/study and a verdict per row."""
    ours = {(r["image"], r["M"]): r for r in reconstruction["table"]}
    rows = []
    for ref in study.reconstruction_rows():
        mine = ours.get((ref["image"], ref["M"]))
        if mine is None:
            continue
        ratio = mine["mse_mean"] / ref["mse"] if ref["mse"] else None
        rows.append(
            {
                "image": ref["image"],
                "M": ref["M"],
                "MSE study": ref["mse"],
                "MSE ours": mine["mse_mean"],
                "MSE ours/study": ratio,
                "MAE study": ref["mae"],
                "MAE ours": mine["mae_mean"],
                "verdict": _ratio_verdict(ratio),
            }
        )
    return rows


def accuracy_rows(results, table, key_prefix=""):
    """Study accuracy rows (CNN or projection-MLP) beside ours.

    Ours: the CV mean with a :data:`CI_LEVEL` interval over our folds
    (:func:`fold_interval`); the row is "consistent with the study" when the
    study's mean lies in that interval, else ours is "higher" or "lower".
    """
    rows = []
    for name, (mean, std) in table.items():
        mine = results.get("datasets", {}).get(name)
        if mine is None:
            continue
        sizes = corrected_sizes(mine)
        folds = mine.get("fold_accuracy") or []
        if sizes and len(folds) >= 2:
            ours, low, high = fold_interval(folds, *sizes)
            interval = f"[{low:.4f}, {high:.4f}]"
            comparison = study.compare_with_interval(low, high, mean)
        else:
            ours, interval, comparison = mine["mean"], "-", "no interval (folds not recorded)"
        rows.append(
            {
                "dataset": f"{key_prefix}{name}",
                "ours": ours,
                f"ours {CI_LEVEL:.0%} CI": interval,
                "folds": len(folds),
                "study": f"{mean:.4f} ± {std:.4f}",
                "ours - study": ours - mean,
                "comparison": comparison,
                "ours (test)": mine.get("test_accuracy"),
            }
        )
    return rows


_OUTCOMES = (
    "Each check holds, fails (the data contradict it) or is inconclusive (its interval "
    "straddles the threshold); a claim is supported when every half holds, contradicted "
    'when one fails, inconclusive otherwise; "no evidence" when the results needed were '
    "not recorded."
)


def rule_texts():
    """The current verdict rules, one per study conclusion, generated from the constants.

    Every one was revised after results had been seen; :mod:`helpers.summary.ledger`
    lists each version and :func:`conclusion_verdicts` evaluates them all.
    """
    batches = " and ".join(C3_LATENCY_BATCHES)
    secondary = " and ".join(C3_SECONDARY_BATCHES)
    level = f"{DECISION_LEVEL:.0%}"
    return [
        conclusion_1_rule_v6() + " " + _OUTCOMES,
        "On the CNN minus RP-MLP CV accuracy gap over the same folds, with "
        f"{level} t-intervals (Nadeau-Bengio corrected for overlapping CV training sets; "
        "when at least three seeds ran, pooled over them by a random-effects interval, "
        "never narrower than the inverse-variance one with a t quantile: DerSimonian-Laird, "
        "modified Hartung-Knapp, seeds - 1 df). Clearly on CIFAR-10: "
        f"the gap's interval lies above {C2_MIN_CLEAR_GAP:g} (fails when it lies below). "
        "Only slightly on Fashion-MNIST: the gap's interval lies above 0 (the CNN beats the "
        f"MLP) and below {C2_MAX_SLIGHT_GAP:g}, and the CIFAR-10 gap exceeds it (Welch "
        "interval of the difference above 0; the two datasets' folds are different images, "
        "so not paired); each fails when its interval lies wholly on the other side. " + _OUTCOMES,
        f"Judged on {C3_DATASET} with measured times, not FLOPs. Cheaper: the {level} "
        "intervals of the RP-MLP's speed-up over the CNN, in training and per image, lie "
        f"above {C3_MIN_SPEEDUP:g}x. Training: the time to a trained model, each final fit "
        "timed over every epoch it ran, with an interval over the seeds (t on the log "
        f"ratios) when at least {MIN_POOLED_SEEDS} ran; one run's ratio is shown, not "
        "counted, and leaves 'cheaper' undecided. "
        "Per image: projection included, timed in turn with the CNN at batch sizes "
        f"{batches}. Each seed's speed-up is the geometric mean over its rounds. With at "
        f"least {MIN_POOLED_SEEDS} seeds it has an interval over them (t on the logs); one "
        "run's speed-ups are shown, not counted. "
        f"Batch {secondary} is a secondary check, reported and never counted: one image per "
        "call times mostly the framework's per-call overhead (a one-layer model on the "
        "RP-MLP's input, timed in the same rounds, is shown beside). "
        f"Close in accuracy: verdict 2's check that the Fashion-MNIST gap lies below "
        f"{C2_MAX_SLIGHT_GAP:g}, cited (the same gap is not judged twice). " + _OUTCOMES,
    ]


def rule_constants():
    """Every constant the current verdict rules decide with, by name (checked against
    :mod:`helpers.summary.ledger` by the tests)."""
    from helpers.summary import cnn_vs_mlp, reconstruction_claim, reconstruction_rank

    return {
        "C1_MIN_DROP_RATIO": reconstruction_claim.C1_MIN_DROP_RATIO,
        "C1_MIN_FLOOR_RATIO": reconstruction_claim.C1_MIN_FLOOR_RATIO,
        "C1_SE_MARGIN": reconstruction_claim.C1_SE_MARGIN,
        "C1_MIN_REAL_IMAGES": reconstruction_claim.C1_MIN_REAL_IMAGES,
        "C1_MIN_RANK_IMAGES": reconstruction_rank.C1_MIN_RANK_IMAGES,
        "C1_RANK_RESAMPLES": reconstruction_rank.C1_RANK_RESAMPLES,
        "C1_RANK_SEED": reconstruction_rank.C1_RANK_SEED,
        "C2_MIN_CLEAR_GAP": cnn_vs_mlp.C2_MIN_CLEAR_GAP,
        "C2_MAX_SLIGHT_GAP": cnn_vs_mlp.C2_MAX_SLIGHT_GAP,
        "C3_MIN_SPEEDUP": cnn_vs_mlp.C3_MIN_SPEEDUP,
        "C3_MAX_FLOOR_SHARE": cnn_vs_mlp.C3_MAX_FLOOR_SHARE,
        "DECISION_LEVEL": DECISION_LEVEL,
        "MIN_POOLED_SEEDS": MIN_POOLED_SEEDS,
        "ZERO_WIDTH": ZERO_WIDTH,
        "C3_DATASET": C3_DATASET,
        "C3_LATENCY_BATCHES": C3_LATENCY_BATCHES,
        "C3_SECONDARY_BATCHES": C3_SECONDARY_BATCHES,
    }


def decision_note():
    """How every check is decided, in words, from the constants."""
    return (
        "Each verdict comes from a rule in `helpers/summary/` (`verdicts.py`, "
        "`cnn_vs_mlp.py`); the rules, their thresholds' sources and every version of each "
        "rule (`ledger.py`) are printed from the code. "
        f"Each check holds, fails or is inconclusive on a {DECISION_LEVEL:.0%} interval "
        f"(a one-sided test at {(1 - DECISION_LEVEL) / 2:.0%} for holds, another for fails), "
        "and says at which threshold its outcome would change; on an interval of zero width "
        "(replicates that did not vary; not verdict 1's leave-one-out ranges) it is "
        "inconclusive, the noise being unestimated. A claim holds when all its "
        "checks hold and fails when any fails, so with k checks a false 'fails' has a "
        f"chance of up to k x {(1 - DECISION_LEVEL) / 2:.0%}. The findings table gives each "
        "verdict's deciding check: the first that fails, the first inconclusive one, or the "
        "holding check nearest its threshold (@fig:decisions draws every check). It also "
        "gives what the claim needs of that check and the verdict under earlier versions of "
        f"its rule. \u2020 marks a range that is not a {DECISION_LEVEL:.0%} interval. Verdict 1's "
        "checks are rank correlations over its panel of images, each decided by a one-sided "
        f"permutation test at {(1 - DECISION_LEVEL) / 2:.0%} in the direction the claim "
        "needs and another the other way; their range is rho less the permutation null's "
        "points. Checks marked 'shown, not counted' do not enter their claim. Where each "
        "threshold comes from: @tbl:margins. "
        + _current_timing()
        + " Each verdict is shown under every version of its rule (in the PDF, in its "
        "appendix), and is confirmatory only where a committed pre-registration fixed its "
        "rule, code and seeds before its results were made; otherwise exploratory."
    )


def _current_timing():
    """Which current rules were written after results had been seen, from the ledger."""
    current = [versions_of(c)[-1] for c in range(1, 4)]
    late = [f"{i}" for i, v in enumerate(current, start=1) if v.timing == POST_HOC]
    if not late:
        return "No current rule was written after its results had been seen."
    return (
        f"The current rule{'s' if len(late) > 1 else ''} of verdict "
        f"{', '.join(late)} {'were' if len(late) > 1 else 'was'} written after results "
        f"had been seen ({POST_HOC})."
    )


def table_notes():
    """How the summary's tables compare our numbers with the study's (from the constants)."""
    return (
        f'Table 1 (reconstruction): a row "agrees" when our MSE is within a factor '
        f"{TABLE1_TOLERANCE:g} of the study's single number. Tables 2 and 3 (accuracy): our "
        f"CV mean with a {CI_LEVEL:.0%} t-interval over our folds (k - 1 degrees of freedom), "
        "its variance the Nadeau-Bengio corrected (1/k + n_val/n_train) s^2, wider than s^2/k "
        "because the CV training sets overlap, clipped to [0, 1]. Ours is "
        '"consistent with the study" when the study\'s mean lies inside it, otherwise '
        '"higher" or "lower". The study\'s ± is its '
        "reported std, shown but not used: it is a spread of its folds, not the uncertainty "
        "of its mean."
    )


def _version_rows(claim, outcomes, current, data="this run"):
    """One row per ledger version of ``claim``'s rule with its outcome on these results
    (``data``: what the current version was judged on; an earlier one's outcome is an
    ``(outcome, data)`` pair where it pooled seed runs, else it saw this run)."""
    rows = []
    versions = versions_of(claim)
    for v in versions:
        latest = v is versions[-1]
        outcome = current if latest else outcomes.get(v.version) if v.judge else None
        judged_on = data if latest else "this run"
        if isinstance(outcome, tuple):
            outcome, judged_on = outcome
        if not latest and v.recorded_outcome:  # code not kept: evaluated once, recorded
            outcome, judged_on = v.recorded_outcome, "the pinned study inputs, by its commit"
        rows.append(
            {
                "version": v.label,
                "date": v.date,
                "commit": v.commit,
                "results seen": v.results_seen,
                "change": v.change,
                "judged on": judged_on,
                "outcome": outcome
                or "not re-evaluated ("
                + ("its inputs are not recorded)" if v.judge else "its code is not kept)"),
            }
        )
    return rows


_FROM_REPOSITORY = object()


def conclusion_verdicts(results, seed_results=(), prereg=_FROM_REPOSITORY):
    """Each of the study's conclusions with its verdict, checks and evidence.

    Returns
    -------
    list of dict
        ``claim``, ``rule`` (:func:`rule_texts`), ``verdict``, ``halves`` (half ->
        outcome), ``decisions`` (the checks with their intervals and flip
        thresholds, as table rows; ``checks``: the same as numbers), ``evidence`` (a paragraph) and ``versions``
        (the outcome under every version of the rule in the ledger).

    ``seed_results``: other seeds' recorded results of the same profile
    (:func:`helpers.summary.seeds.load_seed_runs`); verdicts 2 and 3 then judge the
    accuracy gaps pooled over every seed. The earlier rule versions see the seeds where
    they pooled them (verdict 2's v4-v5; verdict 3's v6-v7 through verdict 2), else this
    run only.
    """
    has_nets = {"cnn", "projection_mlp"} <= set(results)
    rec = results.get("reconstruction")
    missing = {"verdict": "no evidence", "evidence": "The results needed were not recorded."}
    c1 = (judge_claim_1_v6(rec) if rec else None) or missing
    seed_mlps = [r["projection_mlp"] for r in seed_results if "projection_mlp" in r]
    seed_runs = [
        (r["cnn"], r["projection_mlp"]) for r in seed_results if {"cnn", "projection_mlp"} <= set(r)
    ]
    c2 = judge_claim_2(results["projection_mlp"], seed_mlps) if has_nets else None
    c3 = (
        judge_claim_3(
            results["cnn"],
            results["projection_mlp"],
            c2,
            results.get("svd_compression"),
            seed_runs=seed_runs,
        )
        if has_nets
        else None
    )
    past = {
        1: claim_1_versions(rec) if rec else {},
        2: claim_2_versions(results["projection_mlp"], seed_mlps) if has_nets else {},
        3: (
            claim_3_versions(results["cnn"], results["projection_mlp"], seed_runs)
            if has_nets
            else {}
        ),
    }
    if prereg is _FROM_REPOSITORY:
        prereg = load_preregistration()
    out = []
    for number, (claim, rule, check) in enumerate(
        zip(study.CONCLUSIONS, rule_texts(), (c1, c2 or missing, c3 or missing)), start=1
    ):
        judged = standing(number, verdict_runs(number, results, seed_results), prereg)
        out.append(
            {
                "claim": claim,
                "rule": rule,
                "verdict": check["verdict"],
                "halves": check.get("halves", {}),
                "decisions": [d.as_row() for d in check.get("decisions", [])],
                "checks": [dataclasses.asdict(d) for d in check.get("decisions", [])],
                "evidence": check["evidence"],
                "versions": _version_rows(
                    number, past[number], check["verdict"], check.get("data", "this run")
                ),
                "standing": judged.label,
                "standing_reasons": list(judged.reasons),
            }
        )
    return out
