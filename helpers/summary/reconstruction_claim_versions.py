"""Verdict 1 under the earlier versions of its rule (ledger versions 1-4,
:mod:`helpers.summary.ledger`), each in its own words, evaluated beside the current
rule of :mod:`helpers.summary.reconstruction_claim` on the same results.
"""

from __future__ import annotations

from helpers.summary.decisions import claim_verdict, legacy_verdict
from helpers.summary.reconstruction_claim import (
    C1_MIN_DROP_RATIO,
    C1_MIN_FLOOR_RATIO,
    C1_SE_MARGIN,
    C1_SMOOTH_GROUP,
    _c1_decision,
    _c1_halves,
    _c1_inputs,
    _leave_one_out,
    _rows_by_image,
    judge_claim_1,
)

__all__ = ["claim_1_versions", "judge_claim_1_v4"]


def claim_1_versions(rec):
    """Verdict 1 under the ledger's earlier versions, in their own words (None: the
    inputs that version used are not recorded)."""
    by_image = _rows_by_image(rec)
    out = {1: None, 2: None, 3: None, 4: None, 5: None}
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
    v5 = judge_claim_1(rec)  # v5c, the median-roughness split of five images
    out[5] = None if v5 is None or v5["verdict"] == "no evidence" else v5["verdict"]
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
