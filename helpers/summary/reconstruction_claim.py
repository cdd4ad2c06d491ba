"""Verdict 1 of the summary: does reconstruction error fall quickly for smooth images
and slowly, to a higher floor, for textured ones?

Judged on the real images of chapter 01, split at their median roughness (a
measurement of each image that involves no basis and no reconstruction), on the
relative MSE, with every judged image required to beat the constant image by its
draws' spread; the earlier versions of the rule (see
:mod:`helpers.summary.ledger`) are evaluated beside the current one.
"""

from __future__ import annotations

import dataclasses
import math

from helpers.summary.decisions import (
    DECISION_LEVEL,
    INCONCLUSIVE,
    claim_verdict,
    combine_outcomes,
    judge_above,
    judge_below,
    judge_range_above,
)

__all__ = [
    "C1_MIN_DROP_RATIO",
    "C1_MIN_FLOOR_RATIO",
    "C1_SE_MARGIN",
    "C1_MIN_REAL_IMAGES",
    "conclusion_1_rule",
    "judge_claim_1",
]

# Chapter 01 records its real images under their compressibility groups
# (helpers.cs.images.compressibility_group), ``image_groups``: rule v4 compared those
# groups; v5 takes the real images from them and splits them by roughness. The
# synthetic images are controlled cases we built, reported beside, not judged.
C1_SMOOTH_GROUP = "compressible"
C1_TEXTURED_GROUP = "incompressible"
# The error is scale-free: relative MSE = MSE / var(x), the MSE relative to the
# constant image at the true mean (1 = no better than that constant).
# "Falls quickly": the smoother images' relative MSE drop over the M range is at least
# C1_MIN_DROP_RATIO times the rougher images'. "Higher floor": the rougher images'
# relative MSE at the largest M is at least C1_MIN_FLOOR_RATIO times the smoother
# images'. Both are geometric means over a half's images (v4: over its groups).
C1_MIN_DROP_RATIO = 2.0
C1_MIN_FLOOR_RATIO = 2.0
# v4's words: a relative MSE within C1_SE_MARGIN standard errors (over measurement
# draws) of 1, or above, is "no better than a constant image" (shown). v5 decides with
# the one-sided DECISION_LEVEL t quantile over the draws instead.
C1_SE_MARGIN = 2.0
# Rule v5 splits at least this many real images at their median roughness
# (helpers.cs.images.roughness; the median image of an odd count sits out).
C1_MIN_REAL_IMAGES = 5
SMOOTHER, ROUGHER = "smoother", "rougher"


def conclusion_1_rule():
    """The rule of verdict 1 in words, generated from the constants (for the report)."""
    t = (
        f"t margin of a {DECISION_LEVEL:.0%} interval over the draws, a one-sided test at "
        f"{(1 - DECISION_LEVEL) / 2:.0%}"
    )
    return (
        f"(1) judged on the real images (at least {C1_MIN_REAL_IMAGES}), split at their median "
        "roughness. Roughness is the RMS difference of neighbouring pixels over the standard "
        "deviation: a moment of the frequency spectrum with no reconstruction in it, chosen "
        "after results had been seen. The median image of an odd count sits out; the verdict "
        "with it in either half is shown. The error is the relative MSE (MSE / var(x); 1 = "
        "the constant image at the mean). Falls quickly for smooth images: the smoother half's "
        f"relative MSE falls over the M range by at least {C1_MIN_DROP_RATIO:g}x the rougher "
        "half's factor, and the smoother images beat the constant image at the largest M "
        f"(relative MSE below 1 by the {t}). Slowly, to a higher floor, for textured images: "
        "the rougher half's relative MSE at the largest M is at least "
        f"{C1_MIN_FLOOR_RATIO:g}x the smoother half's, and the rougher images' relative MSE "
        "does fall over the M range (by the t margin); whether they beat the constant image "
        "is shown, not counted (the claim does not promise it). Ratios are geometric means, "
        "holding or failing only when every single image left out gives the same answer; a "
        "per-image check fails only when at least two images fail it. Each image's error is "
        "shown beside its best M/4-term approximation's (what l1 recovery from M "
        "measurements can be expected to approach) and its best M-term one's (which no "
        "method reaches from M measurements); not judged."
    )


def _geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _relative_curve(rows, variance):
    """(M_low, M_high, relative-MSE drop, relative floor, floor's standard error)."""
    rows = sorted(rows, key=lambda r: r["M"])
    _, _, floor, floor_se, _ = _ends(rows, variance)
    return rows[0]["M"], rows[-1]["M"], rows[0]["mse_mean"] / rows[-1]["mse_mean"], floor, floor_se


def _c1_halves(stats, compressible, incompressible):
    """(faster, higher, drops, floors) of the two-part rule on the given images, or None
    when a group is empty."""
    if not compressible or not incompressible:
        return None
    drop = [_geometric_mean([stats[n][2] for n in g]) for g in (compressible, incompressible)]
    floor = [_geometric_mean([stats[n][3] for n in g]) for g in (compressible, incompressible)]
    faster = drop[0] >= C1_MIN_DROP_RATIO * drop[1]
    higher = floor[1] >= C1_MIN_FLOOR_RATIO * floor[0]
    return faster, higher, drop, floor


def _c1_decision(check, on_all, left_out, threshold):
    """A half of verdict 1 as a decision on the range of its ratio over all images and
    every leave-one-out set: holds / fails when they all agree, inconclusive when one
    image decides it (or leaving one out empties a group, ``None`` in ``left_out``)."""
    ratios = [on_all] + [r for r in left_out if r is not None]
    decision = judge_range_above(
        check, on_all, min(ratios), max(ratios), threshold, "x", "range over leave-one-out sets"
    )
    if None in left_out:
        decision = dataclasses.replace(decision, outcome=INCONCLUSIVE)
    return decision


def _rows_by_image(rec):
    by_image = {}
    for r in rec["table"]:
        by_image.setdefault(r["image"], []).append(r)
    return by_image


def _leave_one_out(stats, compressible, incompressible):
    """Image -> :func:`_c1_halves` on the images without it."""
    return {
        x: _c1_halves(
            stats, [n for n in compressible if n != x], [n for n in incompressible if n != x]
        )
        for x in compressible + incompressible
    }


def _c1_inputs(rec):
    """(stats per image, compressible names, incompressible names, synthetic names)."""
    groups = rec.get("image_groups", {})
    measures = rec.get("image_measures", {})
    by_image = _rows_by_image(rec)
    usable = [n for n in by_image if n in measures and measures[n].get("variance", 0) > 0]
    comp = [n for n in groups.get(C1_SMOOTH_GROUP, []) if n in usable]
    incomp = [n for n in groups.get(C1_TEXTURED_GROUP, []) if n in usable]
    synthetic = [n for n in groups.get("synthetic", []) if n in usable]
    stats = {
        n: _relative_curve(by_image[n], measures[n]["variance"]) for n in comp + incomp + synthetic
    }
    return stats, comp, incomp, synthetic


def _ends(rows, variance):
    """(relative MSE at the smallest M, its SE, at the largest M, its SE, draws)."""
    rows = sorted(rows, key=lambda r: r["M"])
    low, high = rows[0], rows[-1]
    trials = max(int(high.get("trials", 1)), 1)
    se = [r.get("mse_std", 0.0) / math.sqrt(trials) / variance for r in (low, high)]
    return low["mse_mean"] / variance, se[0], high["mse_mean"] / variance, se[1], trials


# What a per-image check's [low, high] is: the near end with one image left out.
_PER_IMAGE_SPAN = "t bounds over images, one left out at the near end"


def _t_margin(trials):
    """The t margin of a DECISION_LEVEL interval over ``trials`` draws (a one-sided test
    at (1 - DECISION_LEVEL) / 2 each way), trials - 1 df; None for one draw."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + DECISION_LEVEL / 2, trials - 1)) if trials > 1 else None


def _second(values, largest=True):
    """The second largest (smallest) value: what is left after the most extreme one is
    left out, so one image never decides a 'fails' alone."""
    ordered = sorted(values, reverse=largest)
    return ordered[1] if len(ordered) > 1 else ordered[0]


def _split_inputs(rec):
    """The measured real images and their curves, or why the rule cannot be judged."""
    groups = rec.get("image_groups", {})
    measures = rec.get("image_measures", {})
    by_image = _rows_by_image(rec)
    usable = {n for n in by_image if measures.get(n, {}).get("variance", 0) > 0}
    real = [
        n for g in (C1_SMOOTH_GROUP, C1_TEXTURED_GROUP) for n in groups.get(g, []) if n in usable
    ]
    if any(measures[n].get("roughness") is None for n in real):
        return "The images' roughness was not recorded (chapter 01 before rule v5)."
    if len(real) < C1_MIN_REAL_IMAGES:
        return (
            f"{len(real)} real image(s) measured ({', '.join(real) or 'none'}); the rule "
            f"splits at least {C1_MIN_REAL_IMAGES} at their median roughness."
        )
    synthetic = [n for n in groups.get("synthetic", []) if n in usable]
    names = real + synthetic
    return {
        "real": sorted(real, key=lambda n: (measures[n]["roughness"], n)),
        "synthetic": synthetic,
        "stats": {n: _relative_curve(by_image[n], measures[n]["variance"]) for n in names},
        "ends": {n: _ends(by_image[n], measures[n]["variance"]) for n in names},
        "measures": measures,
    }


def _recovered(label, names, ends, m_high, counted):
    """Do the half's images beat the constant image at the largest M? Holds when every
    image's relative MSE + t SE lies below 1; fails when at least two images lie above
    1 by t SE (it still fails with any one left out); else inconclusive. No spread over
    the draws: undecided. Not ``counted``: shown beside its half, not combined in it."""
    t = _t_margin(min(ends[n][4] for n in names)) or 0.0
    unestimated = t == 0 or any(ends[n][3] <= 0 for n in names)
    highs = [ends[n][2] + t * ends[n][3] for n in names]
    lows = [ends[n][2] - t * ends[n][3] for n in names]
    worst = max(names, key=lambda n: ends[n][2])
    decision = judge_below(
        f"{label} images beat the constant image at M = {m_high} (largest relative MSE: {worst})",
        ends[worst][2],
        _second(lows),
        max(highs),
        1.0,
    )
    if unestimated:
        decision = _undecided(decision)
    if not counted:
        decision = dataclasses.replace(
            decision,
            uncounted="shown, not counted: the claim does not promise that textured images "
            "are recovered",
        )
    return dataclasses.replace(decision, span=_PER_IMAGE_SPAN)


def _falls(label, names, ends, m_low, m_high):
    """Does each image's relative MSE fall from the smallest to the largest M? Holds when
    every fall exceeds t SE (SEs of both ends combined); fails when at least two images
    rise by more than t SE (it still fails with any one left out); else inconclusive."""
    t = _t_margin(min(ends[n][4] for n in names)) or 0.0
    unestimated = t == 0 or any(ends[n][1] <= 0 or ends[n][3] <= 0 for n in names)
    falls = {n: ends[n][0] - ends[n][2] for n in names}
    spread = {n: math.hypot(ends[n][1], ends[n][3]) for n in names}
    least = min(names, key=lambda n: falls[n])
    decision = judge_above(
        f"{label} images' relative MSE falls from M = {m_low} to {m_high} (least: {least})",
        falls[least],
        min(falls[n] - t * spread[n] for n in names),
        _second([falls[n] + t * spread[n] for n in names], largest=False),
        0.0,
    )
    if unestimated:
        decision = _undecided(decision)
    return dataclasses.replace(decision, span=_PER_IMAGE_SPAN)


def _undecided(decision):
    """A per-image check without a spread over the draws (one draw, or equal draws):
    the noise is not estimated, so it decides nothing."""
    return dataclasses.replace(
        decision,
        outcome=INCONCLUSIVE,
        low=decision.estimate,
        high=decision.estimate,
        check=decision.check + " (no spread over the draws: undecided)",
    )


def _judge_split(inputs, smooth, rough):
    """Rule v5's checks and halves on one split of the real images."""
    stats, ends = inputs["stats"], inputs["ends"]
    _, _, drop, floor = _c1_halves(stats, smooth, rough)
    left_out = _leave_one_out(stats, smooth, rough)
    m_low, m_high = stats[smooth[0]][0], stats[smooth[0]][1]
    decisions = [
        _c1_decision(
            "smoother images' drop / rougher images' drop",
            drop[0] / drop[1],
            [o and o[2][0] / o[2][1] for o in left_out.values()],
            C1_MIN_DROP_RATIO,
        ),
        _recovered(SMOOTHER, smooth, ends, m_high, counted=True),
        _c1_decision(
            "rougher images' floor / smoother images' floor",
            floor[1] / floor[0],
            [o and o[3][1] / o[3][0] for o in left_out.values()],
            C1_MIN_FLOOR_RATIO,
        ),
        _falls(ROUGHER, rough, ends, m_low, m_high),
        _recovered(ROUGHER, rough, ends, m_high, counted=False),
    ]
    halves = {
        "falls quickly for smooth images": combine_outcomes(d.outcome for d in decisions[:2]),
        "slowly, to a higher floor, for textured images": combine_outcomes(
            d.outcome for d in decisions[2:] if not d.uncounted
        ),
    }
    return decisions, halves, drop, floor, left_out


def _starts_text(ends, names, m_low):
    """A warning when the judged images start alike: their drop ratio then mostly
    restates the floor ratio, and 'quickly' is not tested apart from 'higher floor'."""
    starts = [ends[n][0] for n in names]
    spread = max(starts) / min(starts)
    if spread >= C1_MIN_DROP_RATIO:
        return ""
    return (
        f"At M = {m_low} the judged images' relative MSE lies between {min(starts):.3g} and "
        f"{max(starts):.3g} ({spread:.3g}x apart), so the drop ratio mostly restates the "
        "floor ratio: 'quickly' is not tested apart from 'a higher floor'. "
    )


def _rank_correlation(x, y):
    from scipy import stats

    return float(stats.spearmanr(x, y).statistic)


def judge_claim_1(rec):
    """Verdict 1 under the current rule (ledger version 5), or None when no real image
    was measured.

    The real images are split at their median roughness (the median image of an odd
    count sits out; the verdict with it in either half is shown). Falls quickly for
    smooth images: the smoother half's relative-MSE drop over the M range is at least
    C1_MIN_DROP_RATIO x the rougher half's, and the smoother images beat the constant
    image at the largest M. Slowly, to a higher floor, for textured images: the rougher
    half's relative MSE at the largest M is at least C1_MIN_FLOOR_RATIO x the smoother
    half's, the rougher images' error does fall, and they beat the constant image
    (which the claim does not promise: failing it makes the half at most
    inconclusive). Ratios: geometric means on the range over leave-one-out sets; the
    per-image checks: one-sided DECISION_LEVEL t margins over the draws, failing only
    when no single image decides it.
    """
    inputs = _split_inputs(rec)
    if isinstance(inputs, str):
        if not rec.get("image_groups"):
            return None
        return {"verdict": "no evidence", "evidence": inputs}
    real, measures, stats, ends = (
        inputs["real"],
        inputs["measures"],
        inputs["stats"],
        inputs["ends"],
    )
    half = len(real) // 2
    smooth, rough = real[:half], real[-half:]
    median = real[half] if len(real) % 2 else None
    decisions, halves, drop, floor, left_out = _judge_split(inputs, smooth, rough)
    m_low, m_high = stats[smooth[0]][0], stats[smooth[0]][1]
    rho = _rank_correlation([measures[n]["roughness"] for n in real], [stats[n][3] for n in real])

    def describe(name):
        low, _, high, se, trials = ends[name]
        best = measures[name].get("outside_best_m", {})
        oracle = [(k, best.get(str(k))) for k in (m_high // 4, m_high)]
        rough_text = measures[name].get("roughness")
        # One sentence per image: the summary reads in short sentences.
        return (
            f"{name[0].upper() + name[1:]}: "
            + (f"roughness {rough_text:.3g}; " if rough_text is not None else "")
            + f"relative MSE {low:.3g} at M = {m_low}, {high:.3g} +- {se:.2g} at M = {m_high} "
            f"(SE over {trials} draws)"
            + "".join(
                f"; {high / v:.3g}x its best {k}-term approximation's" for k, v in oracle if v
            )
            + "."
        )

    def said(out):
        if out is None:
            return "a half would be empty"
        return f"drop ratio {out[2][0] / out[2][1]:.3g}x, floor ratio {out[3][1] / out[3][0]:.3g}x"

    evidence = (
        f"Judged on {len(real)} real images, split at their median roughness. Roughness is "
        "the RMS difference of neighbouring pixels over the standard deviation: a moment of "
        "the frequency spectrum (the DCT diagonalizes the finite-difference Laplacian), not "
        "a count of coefficients, chosen after results had been seen. The error is the "
        "relative MSE (MSE / var(x); 1 = the constant image at the mean), from M = "
        f"{m_low} to {m_high}. Roughness and the relative MSE at M = {m_high} rank the real "
        f"images alike to Spearman rho = {rho:.2f}. Smoother: {', '.join(smooth)}; rougher: "
        f"{', '.join(rough)}"
        + (f"; at the median, not judged: {median}" if median else "")
        + ". "
        + " ".join(describe(n) for n in smooth + rough + ([median] if median else []))
        + f" Geometric means: the relative MSE falls {drop[0]:.3g}x for the smoother and "
        f"{drop[1]:.3g}x for the rougher images (rule: at least {C1_MIN_DROP_RATIO:g}x more "
        f"for the smoother); at M = {m_high} the rougher images' relative MSE "
        f"({floor[1]:.3g}) is {floor[1] / floor[0]:.3g}x the smoother images' ({floor[0]:.3g}) "
        f"(rule: at least {C1_MIN_FLOOR_RATIO:g}x). Leaving one image out: "
        + "; ".join(f"without {n}, {said(o)}" for n, o in left_out.items())
        + ". "
        + _starts_text(ends, smooth + rough, m_low)
        + " ".join(f"{h[0].upper() + h[1:]}: {o}." for h, o in halves.items())
    )
    if median:
        placed = {
            side: claim_verdict(_judge_split(inputs, *split)[1].values())
            for side, split in (
                (SMOOTHER, (smooth + [median], rough)),
                (ROUGHER, (smooth, [median] + rough)),
            )
        }
        evidence += (
            f" With {median} counted {SMOOTHER} the verdict would be {placed[SMOOTHER]}; "
            f"counted {ROUGHER}, {placed[ROUGHER]} (shown, not used)."
        )
    if inputs["synthetic"]:
        evidence += (
            " Controlled cases, not judged (we built them to be smooth and textured): "
            f"{', '.join(inputs['synthetic'])}. "
            + " ".join(describe(n) for n in inputs["synthetic"])
        )
    return {
        "verdict": claim_verdict(halves.values()),
        "halves": halves,
        "decisions": decisions,
        "evidence": evidence,
    }
