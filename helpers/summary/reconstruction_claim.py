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
    INCONCLUSIVE,
    claim_verdict,
    combine_outcomes,
    judge_below,
    judge_range_above,
    legacy_verdict,
)

__all__ = [
    "C1_MIN_DROP_RATIO",
    "C1_MIN_FLOOR_RATIO",
    "C1_SE_MARGIN",
    "C1_MIN_REAL_IMAGES",
    "conclusion_1_rule",
    "judge_claim_1",
    "claim_1_versions",
]

# Conclusion 1 is judged on real images, grouped by a measurement of each image
# itself (helpers.cs.images.compressibility_group: the fraction of variance
# outside its best GROUP_K DCT coefficients), recorded as ``image_groups``; the
# synthetic images are controlled cases we built, reported beside, not judged.
C1_SMOOTH_GROUP = "compressible"
C1_TEXTURED_GROUP = "incompressible"
# The error is scale-free: relative MSE = MSE / var(x), the MSE relative to the
# constant image at the true mean (1 = no better than that constant).
# "Falls quickly": the compressible images' relative MSE drop over the M range is
# at least C1_MIN_DROP_RATIO times the incompressible images'. "Higher floor":
# the incompressible images' relative MSE at the largest M is at least
# C1_MIN_FLOOR_RATIO times the compressible images'. Both are geometric means
# over a group's images.
C1_MIN_DROP_RATIO = 2.0
C1_MIN_FLOOR_RATIO = 2.0
# A relative MSE within C1_SE_MARGIN standard errors (over measurement draws)
# of 1, or above, is "no better than a constant image".
C1_SE_MARGIN = 2.0
# Rule v5 splits at least this many real images at their median roughness
# (helpers.cs.images.roughness; the median image of an odd count sits out).
C1_MIN_REAL_IMAGES = 5
SMOOTHER, ROUGHER = "smoother", "rougher"


def conclusion_1_rule():
    """The rule of verdict 1 in words, generated from the constants (for the report)."""
    return (
        f"(1) judged on the real images (at least {C1_MIN_REAL_IMAGES}), split at their median "
        "roughness (RMS difference of neighbouring pixels over the standard deviation: a "
        "measurement of the image with no basis and no reconstruction in it; the median image "
        "of an odd count sits out), on the relative MSE (MSE / var(x); 1 = the constant image "
        "at the mean). Falls quickly for smooth images: the smoother half's relative MSE falls "
        f"over the M range by at least {C1_MIN_DROP_RATIO:g}x the rougher half's factor, and "
        "every smoother image beats the constant image at the largest M. Slowly, to a higher "
        "floor, for textured images: the rougher half's relative MSE at the largest M is at "
        f"least {C1_MIN_FLOOR_RATIO:g}x the smoother half's, and every rougher image beats the "
        "constant image there (never getting below it is no recovery, not a slow one). Ratios "
        "are geometric means, holding or failing only when every single image left out gives "
        "the same answer (inconclusive when one image decides them); beating the constant "
        f"image: relative MSE + {C1_SE_MARGIN:g} standard errors over the draws below 1 "
        f"(fails when relative MSE - {C1_SE_MARGIN:g} SE lies above 1), judged on the worst "
        "image of the half."
    )


def _geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _relative_curve(rows, variance):
    """(M_low, M_high, relative-MSE drop, relative floor, floor's standard error)."""
    rows = sorted(rows, key=lambda r: r["M"])
    low, high = rows[0], rows[-1]
    se = high.get("mse_std", 0.0) / math.sqrt(max(high.get("trials", 1), 1))
    return (
        low["M"],
        high["M"],
        low["mse_mean"] / high["mse_mean"],
        high["mse_mean"] / variance,
        se / variance,
    )


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


def claim_1_versions(rec):
    """Verdict 1 under the ledger's earlier versions, in their own words (None: the
    inputs that version used are not recorded)."""
    by_image = _rows_by_image(rec)
    out = {1: None, 2: None, 3: None, 4: None}
    if {"smooth", "textured"} <= set(by_image):  # v1: the synthetic pair, absolute MSE
        drop, floor = {}, {}
        for image in ("smooth", "textured"):
            rows = sorted(by_image[image], key=lambda r: r["M"])
            drop[image] = rows[0]["mse_mean"] / rows[-1]["mse_mean"]
            floor[image] = rows[-1]["mse_mean"]
        out[1] = legacy_verdict(
            drop["smooth"] > drop["textured"], floor["textured"] > floor["smooth"]
        )
    v4 = judge_claim_1_v4(rec)
    out[4] = None if v4 is None or v4["verdict"] == "no evidence" else v4["verdict"]
    # v2 grouped photographs and textures by eye; those labels are no longer recorded.
    stats, comp, incomp, _ = _c1_inputs(rec)
    on_all = _c1_halves(stats, comp, incomp)
    if on_all:  # v3: mixed unless it holds with every single image left out
        verdict = legacy_verdict(*on_all[:2])
        left_out = _leave_one_out(stats, comp, incomp).values()
        robust = all(o and legacy_verdict(*o[:2]) == verdict for o in left_out)
        out[3] = "mixed" if verdict == "supported" and not robust else verdict
    return out


def judge_claim_1_v4(rec):
    """Verdict 1 under ledger version 4 (compressibility groups), or None when no real
    image was measured."""
    stats, comp, incomp, synthetic = _c1_inputs(rec)
    if not comp and not incomp:
        return None
    if not comp or not incomp:
        return {
            "verdict": "no evidence",
            "evidence": (
                f"Every real image measured falls in one group (compressible: "
                f"{', '.join(comp) or 'none'}; incompressible: {', '.join(incomp) or 'none'}), "
                f"so the two kinds of image cannot be compared."
            ),
        }
    measures = rec.get("image_measures", {})
    faster, higher, drop, floor = _c1_halves(stats, comp, incomp)
    left_out = _leave_one_out(stats, comp, incomp)
    decisions = [
        _c1_decision(
            "compressible images' drop / incompressible images' drop",
            drop[0] / drop[1],
            [o and o[2][0] / o[2][1] for o in left_out.values()],
            C1_MIN_DROP_RATIO,
        ),
        _c1_decision(
            "incompressible images' floor / compressible images' floor",
            floor[1] / floor[0],
            [o and o[3][1] / o[3][0] for o in left_out.values()],
            C1_MIN_FLOOR_RATIO,
        ),
    ]
    halves = dict(
        zip(
            ("falls quickly for compressible images", "higher floor for incompressible images"),
            (d.outcome for d in decisions),
        )
    )
    m_low, m_high = stats[comp[0]][0], stats[comp[0]][1]
    grouping = rec.get("grouping", {})
    k = grouping.get("k", "k")
    limit = grouping.get("max_outside")

    def describe(name):
        _, _, d, f, se = stats[name]
        outside = measures[name].get("outside_best_k")
        worse = f >= 1 - C1_SE_MARGIN * se
        return (
            f"{name} ({outside:.1%} of variance outside its best {k}; relative MSE falls "
            f"{d:.3g}x, floor {f:.2f} +- {se:.2f}"
            + (", no better than a constant image" if worse else "")
            + ")"
        )

    def said(outcome):
        if outcome is None:
            return "a group would be empty"
        return f"falls quickly {'holds' if outcome[0] else 'fails'}, floor {'holds' if outcome[1] else 'fails'}"

    rule = (
        f"an image is compressible when at most {limit:.0%} of its variance lies outside its "
        f"best {k} DCT coefficients"
        if limit is not None
        else "groups as recorded"
    )
    evidence = (
        f"Judged on real images grouped by a measurement of the image ({rule}), on the "
        f"relative MSE (MSE / var(x); 1 = the constant image at the mean), from M = {m_low} "
        f"to {m_high}. Compressible: {'; '.join(describe(n) for n in comp)}. "
        f"Incompressible: {'; '.join(describe(n) for n in incomp)}. "
        f"Geometric means: the relative MSE falls {drop[0]:.3g}x for the compressible and "
        f"{drop[1]:.3g}x for the incompressible images (rule: at least "
        f"{C1_MIN_DROP_RATIO:g}x more for the compressible); at M = {m_high} the "
        f"incompressible images' relative MSE ({floor[1]:.2f}) is {floor[1] / floor[0]:.3g}x "
        f"the compressible images' ({floor[0]:.2f}) (rule: at least {C1_MIN_FLOOR_RATIO:g}x). "
        "Leaving one image out: "
        + "; ".join(f"without {n}, {said(o)}" for n, o in left_out.items())
        + ". "
        + " ".join(f"{h[0].upper() + h[1:]}: {o}." for h, o in halves.items())
    )
    if synthetic:
        evidence += (
            " Controlled cases, not judged (we built them to be smooth and textured, so "
            "they would confirm the claim by construction): "
            + "; ".join(
                describe(n)
                + f" [measured {'compressible' if measures[n].get('group') == C1_SMOOTH_GROUP else 'incompressible'}]"
                for n in synthetic
            )
            + "."
        )
    return {
        "verdict": claim_verdict(halves.values()),
        "halves": halves,
        "decisions": decisions,
        "evidence": evidence,
    }


def _roughness_halves(rec):
    """(stats per image, smoother names, rougher names, median image or None, synthetic
    names), or a reason why the rule cannot be judged."""
    groups = rec.get("image_groups", {})
    measures = rec.get("image_measures", {})
    by_image = _rows_by_image(rec)
    real = [
        n
        for g in (C1_SMOOTH_GROUP, C1_TEXTURED_GROUP)
        for n in groups.get(g, [])
        if n in by_image and measures.get(n, {}).get("variance", 0) > 0
    ]
    if any("roughness" not in measures[n] for n in real):
        return "The images' roughness was not recorded (chapter 01 before rule v5)."
    if len(real) < C1_MIN_REAL_IMAGES:
        return (
            f"{len(real)} real image(s) measured ({', '.join(real) or 'none'}); the rule "
            f"splits at least {C1_MIN_REAL_IMAGES} at their median roughness."
        )
    ordered = sorted(real, key=lambda n: (measures[n]["roughness"], n))
    half = len(ordered) // 2
    median = ordered[half] if len(ordered) % 2 else None
    synthetic = [n for n in groups.get("synthetic", []) if n in by_image]
    stats = {
        n: _relative_curve(by_image[n], measures[n]["variance"])
        for n in ordered + synthetic
        if measures.get(n, {}).get("variance", 0) > 0
    }
    return stats, ordered[:half], ordered[-half:], median, synthetic


def _recovered(group, names, stats, m_high):
    """Does every image of ``group`` beat the constant image at the largest M, by
    C1_SE_MARGIN standard errors over the draws? Judged on the worst image: holds when
    every image's relative MSE + margin lies below 1, fails when one image's relative
    MSE - margin lies above 1 (significantly worse than the constant), else
    inconclusive."""
    highs = {n: stats[n][3] + C1_SE_MARGIN * stats[n][4] for n in names}
    lows = {n: stats[n][3] - C1_SE_MARGIN * stats[n][4] for n in names}
    worst = max(names, key=lambda n: stats[n][3])
    decision = judge_below(
        f"{group} images recovered at M = {m_high}: worst relative MSE ({worst}) below 1, "
        "the constant image's",
        stats[worst][3],
        max(lows.values()),
        max(highs.values()),
        1.0,
    )
    # An interval (zero width: no spread, undecided), but not a DECISION_LEVEL one.
    return dataclasses.replace(decision, span=f"worst image +-{C1_SE_MARGIN:g} SE")


def judge_claim_1(rec):
    """Verdict 1 under the current rule (ledger version 5), or None when no real image
    was measured.

    The real images are split at their median roughness (the median image of an odd
    count sits out). Falls quickly for smooth images: the smoother half's relative-MSE
    drop over the M range is at least C1_MIN_DROP_RATIO x the rougher half's, and
    every smoother image beats the constant image at the largest M. Slowly, to a
    higher floor, for textured images: the rougher half's relative MSE at the largest
    M is at least C1_MIN_FLOOR_RATIO x the smoother half's, and every rougher image
    beats the constant image there (an error that never gets below the constant's is
    no recovery, not a slow one). Ratios: geometric means, decided on the range over
    leave-one-out sets; recovery: by C1_SE_MARGIN standard errors over the draws.
    """
    inputs = _roughness_halves(rec)
    if isinstance(inputs, str):
        if not rec.get("image_groups"):
            return None
        return {"verdict": "no evidence", "evidence": inputs}
    stats, smooth, rough, median, synthetic = inputs
    measures = rec["image_measures"]
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
        _recovered(SMOOTHER, smooth, stats, m_high),
        _c1_decision(
            "rougher images' floor / smoother images' floor",
            floor[1] / floor[0],
            [o and o[3][1] / o[3][0] for o in left_out.values()],
            C1_MIN_FLOOR_RATIO,
        ),
        _recovered(ROUGHER, rough, stats, m_high),
    ]
    halves = {
        "falls quickly for smooth images": combine_outcomes(d.outcome for d in decisions[:2]),
        "slowly, to a higher floor, for textured images": combine_outcomes(
            d.outcome for d in decisions[2:]
        ),
    }

    def describe(name):
        _, _, d, f, se = stats[name]
        best = measures[name].get("outside_best_m", {}).get(str(m_high))
        return (
            f"{name} (roughness {measures[name]['roughness']:.3g}; relative MSE falls {d:.3g}x "
            f"to {f:.3g} +- {se:.2g} at M = {m_high}"
            + (f", {f / best:.3g}x its best {m_high}-term approximation's" if best else "")
            + ")"
        )

    evidence = (
        f"Judged on {len(smooth) + len(rough) + bool(median)} real images split at their "
        "median roughness (RMS difference of neighbouring pixels over the standard "
        "deviation; no basis, no reconstruction), on the relative MSE (MSE / var(x); 1 = "
        f"the constant image at the mean), from M = {m_low} to {m_high}. Smoother: "
        f"{'; '.join(describe(n) for n in smooth)}. Rougher: "
        f"{'; '.join(describe(n) for n in rough)}."
        + (f" At the median, not judged: {describe(median)}." if median else "")
        + f" Geometric means: the relative MSE falls {drop[0]:.3g}x for the smoother and "
        f"{drop[1]:.3g}x for the rougher images (rule: at least {C1_MIN_DROP_RATIO:g}x more "
        f"for the smoother); at M = {m_high} the rougher images' relative MSE "
        f"({floor[1]:.3g}) is {floor[1] / floor[0]:.3g}x the smoother images' ({floor[0]:.3g}) "
        f"(rule: at least {C1_MIN_FLOOR_RATIO:g}x). "
        + " ".join(f"{h[0].upper() + h[1:]}: {o}." for h, o in halves.items())
    )
    if synthetic:
        evidence += (
            " Controlled cases, not judged (we built them to be smooth and textured): "
            + "; ".join(describe(n) for n in synthetic if n in stats)
            + "."
        )
    return {
        "verdict": claim_verdict(halves.values()),
        "halves": halves,
        "decisions": decisions,
        "evidence": evidence,
    }
