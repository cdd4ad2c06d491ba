"""Chapter 01's prose (notebooks/01_reconstruction.ipynb)."""

from __future__ import annotations

from helpers.cs.images import GROUP_K, GROUP_MAX_OUTSIDE, REAL_IMAGES

__all__ = [
    "decay_caption",
    "grouping_text",
    "table_1_caption",
    "constant_text",
    "verdict_text",
    "verdict_lead",
    "check_rows",
    "CHECKS_CAPTION",
    "field_caption",
    "priors_caption",
    "priors_text",
    "rank_caption",
]

DECAY_CAPTION = (
    "Table 1a. Fraction of each image's variance outside its best k {basis} coefficients "
    "(mean removed), its variance and its roughness (RMS difference of neighbouring pixels "
    "over the standard deviation: about 2 for white noise); role: the measured group of a "
    "real image, or synthetic"
)
GROUPING = (
    "**Grouping rule** (fixed in `helpers/cs/images.py`, measured on the image alone): a "
    "real image is *compressible* when at most {max_outside:.0%} of its variance lies outside "
    "its best {k} DCT coefficients ({k} = M/4 at M = {m_largest}, the study's largest M), "
    "otherwise *incompressible*. Measured here: {measured}. Verdict 1 (the summary) does "
    "not use these groups, which restate the share its floor is close to: it ranks the "
    "real images of its panel (Table 1j) by their *roughness* (RMS pixel difference over "
    "the standard deviation, Table 1a: a moment of the frequency spectrum, not a count of "
    "coefficients)."
)
TABLE_1_CAPTION = (
    "Table 1. Reconstruction error, {scheme} measurements, {basis} basis, {solver}, mean "
    "and std over {trials} draws (study: one number each); PSNR (dB) and SSIM (scikit-image) "
    "for pixel values in [0, {data_range:g}], means over the draws"
)
CONSTANT = "Against the constant image (margin {margin:g} standard errors over the {trials} draws):"
VERDICT = '**Verdict on "{claim}": {verdict}.** {evidence}'
FIELD_CAPTION = (
    "Table 1g. The field's marks: {size} x {size} images, random-sign DCT measurements, "
    "PSNR (dB) and SSIM for pixel values in [0, {data_range:g}], mean and sd over {draws} "
    "draw{plural}"
)


def decay_caption(basis):
    return DECAY_CAPTION.format(basis=basis.upper())


def grouping_text(measures):
    """The grouping rule and each image's measured share and group."""
    measured = "; ".join(
        f"{name} {m['outside_best_k']:.1%} ({m['group']}, roughness "
        + ("none" if m.get("roughness") is None else f"{m['roughness']:.3g}")
        + (", synthetic: reported, not judged" if name not in REAL_IMAGES else "")
        + ")"
        for name, m in measures.items()
    )
    return GROUPING.format(
        max_outside=GROUP_MAX_OUTSIDE, k=GROUP_K, m_largest=4 * GROUP_K, measured=measured
    )


def table_1_caption(*, scheme, basis, solver, trials, data_range):
    return TABLE_1_CAPTION.format(
        scheme=scheme, basis=basis.upper(), solver=solver, trials=trials, data_range=data_range
    )


def constant_text(summary, *, margin, trials):
    """The comparison with a constant image, ``summary`` from
    :func:`helpers.cs.readings.worse_than_constant_summary`."""
    return CONSTANT.format(margin=margin, trials=trials) + "\n\n" + summary


PRIORS_CAPTION = (
    "Table 1i. Table 1 under each prior: relative MSE (mean MSE / var(x); 1 = the constant "
    "image) and PSNR (mean of the per-draw dB, pixels in [0, {data_range:g}]; not converted "
    "from the mean MSE) over {trials} draws, the same measurement draws for every prior and "
    "image ({scheme} measurements). Settings: {settings}"
)
PRIOR_VERDICT = "under {prior}: **{verdict}** ({halves})"
PRIORS_TEXT = (
    "Verdict 1's rule v5 (the same images, thresholds and roughness halves; rule v6's "
    "rank panel is run under the headline prior only) on each prior's "
    "rows, M = {m_low} to {m_high}: {verdicts}. The halves come from the images alone "
    "(Table 1a's roughness), the same for every prior; under TV, whose penalty is the "
    "L1 counterpart of roughness, the split is not neutral. A sensitivity check: the "
    "summary judges the study's claim on the headline prior."
)
PRIORS_RANGE = (
    " These M are not the headline's range ({m_low} to {m_high}): the 'floor' is read at "
    "M = {prior_high}, so these verdicts may differ from the summary's for that reason alone."
)


def priors_caption(*, trials, scheme, data_range, settings):
    """``settings``: prior -> its solver settings in words (``solver_settings``)."""
    return PRIORS_CAPTION.format(
        trials=trials,
        scheme=scheme,
        data_range=data_range,
        settings="; ".join(f"{p}: {s}" for p, s in settings.items()),
    )


def priors_text(verdicts, m_values, headline_m_values=None):
    """Verdict 1 under each prior, from :func:`helpers.cs.study.verdict_by_prior`, judged
    on ``m_values``; says so when they do not span the headline's ``headline_m_values``."""
    parts = [
        PRIOR_VERDICT.format(
            prior=prior,
            verdict=v["verdict"],
            halves="; ".join(f"{h}: {o}" for h, o in v.get("halves", {}).items()) or "-",
        )
        for prior, v in verdicts.items()
    ]
    text = PRIORS_TEXT.format(m_low=min(m_values), m_high=max(m_values), verdicts="; ".join(parts))
    headline = headline_m_values or m_values
    if (min(m_values), max(m_values)) != (min(headline), max(headline)):
        text += PRIORS_RANGE.format(
            m_low=min(headline), m_high=max(headline), prior_high=max(m_values)
        )
    return text


RANK_CAPTION = (
    "Table 1j. Verdict 1's rank panel: {count} real images, smoothest first, by roughness "
    "(measured on the image alone); relative MSE (mean MSE / var(x); 1 = the constant image) "
    "at M = {m_low} and {m_high} and its fall between them, {scheme} measurements, {basis} "
    "basis, {solver}, over {trials} draws (those of Table 1)"
)


def rank_caption(panel, *, scheme, basis, solver):
    """Table 1j's caption from the panel record (:func:`helpers.cs.study.rank_panel`)."""
    low, high = panel["m_values"]
    return RANK_CAPTION.format(
        count=len(panel["image_measures"]),
        m_low=low,
        m_high=high,
        scheme=scheme,
        basis=basis.upper(),
        solver=solver,
        trials=panel["trials"],
    )


def verdict_text(verdict):
    return VERDICT.format(**verdict)


# Chapter 01's verdict: two sentences, then its checks as a table (Table 1k), not the
# summary's paragraph of numbers.
CHECKS_CAPTION = (
    "Table 1k. Verdict 1's checks: each estimate with its interval (or its range over "
    "leave-one-out sets), the threshold the claim needs, and the outcome"
)
_MEANS = {
    "supported": "so the data support the study",
    "contradicted": "so the data contradict the study",
    "inconclusive": "so the data cannot decide it yet",
    "no evidence": "so it is not judged",
}
_OUTCOME_WORDS = {
    "holds": "{n} hold{s}",
    "fails": "{n} fail{s}",
    "inconclusive": "{n} {are} undecided",
}


def verdict_lead(verdict):
    """Chapter 01's verdict in two sentences: the outcome and its standing, then what
    its counted checks say and what that means; Table 1k (:data:`CHECKS_CAPTION`,
    the verdict's ``decisions``) holds their numbers and the summary the evidence in full."""
    counted = [
        c for c in verdict.get("checks", []) if not c.get("uncounted") and not c.get("cited_from")
    ]
    counts = {o: sum(c["outcome"] == o for c in counted) for o in _OUTCOME_WORDS}
    said = [
        words.format(n=n, s="s" if n == 1 else "", are="is" if n == 1 else "are")
        for outcome, words in _OUTCOME_WORDS.items()
        if (n := counts[outcome])
    ]
    standing = verdict.get("standing", "exploratory").split(" (")[0]
    lead = f'**Verdict on "{verdict["claim"]}": {verdict["verdict"]}** ({standing}).'
    if not counted:
        return f"{lead} No check could be made, {_MEANS['no evidence']}."
    listed = ", ".join(said[:-1]) + (" and " if len(said) > 1 else "") + said[-1]
    checks = "check" if len(counted) == 1 else "checks"
    return (
        f"{lead} Of its {len(counted)} counted {checks}, {listed}, "
        f"{_MEANS.get(verdict['verdict'], '')} (Table 1k; the summary gives the evidence in full)."
    )


def field_caption(*, size, draws, data_range):
    return FIELD_CAPTION.format(
        size=size, draws=draws, data_range=data_range, plural="s" if draws > 1 else ""
    )


def check_rows(verdict):
    """Table 1k's rows: each of the verdict's own checks (not one cited from another
    verdict) with its estimate and interval, the threshold the claim needs and its
    outcome; four short columns where the summary's decisions table has seven."""
    rows = []
    for check in verdict.get("checks", []):
        if check.get("cited_from"):
            continue
        unit = check["unit"]
        value = f"{check['estimate']:.3g}{unit}"
        if check["low"] != check["high"]:
            value += f" [{check['low']:.3g}, {check['high']:.3g}]{unit}"
        # A check holds at equality (helpers.summary.decisions).
        sign = "\u2265" if check["direction"] == "above" else "\u2264"
        rows.append(
            {
                "check": check["check"],
                "estimate [interval]": value,
                "claim needs": f"{sign} {check['threshold']:g}{unit}",
                "outcome": check["outcome"] + (", not counted" if check.get("uncounted") else ""),
            }
        )
    return rows
