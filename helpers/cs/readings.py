"""What chapter 01's tables say, as generated Markdown: our MSE against the study's,
the best method per image and M, methods worse than a constant image, and basis
pursuit against the l1 solver. Differences are judged with their standard errors over
the measurement draws (paired where methods share the draws).

Used by notebooks/01_reconstruction.ipynb; the tables come from
:mod:`helpers.cs.experiments`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SE_MARGIN",
    "ratio_summary",
    "best_method_summary",
    "worse_than_mean_summary",
    "worse_than_constant_summary",
    "bp_agreement_summary",
]

# A difference is flagged only when it exceeds SE_MARGIN standard errors
# (standard error of the mean over measurement draws; paired where methods
# share the draws).
SE_MARGIN = 2.0


def ratio_summary(frame):
    """One generated Markdown line per image: our MSE relative to the study's."""
    lines = []
    for image, part in frame.dropna(subset=["MSE study"]).groupby("image", sort=False):
        ratio = part["MSE ours"] / part["MSE study"]
        lines.append(
            f"- **{image}**: our MSE is {ratio.min():.2g}x to {ratio.max():.2g}x the "
            f"study's over M = {part.M.min()}-{part.M.max()} "
            f"(median {ratio.median():.2g}x)."
        )
    return "\n".join(lines) or "_No M in common with the study's table._"


def best_method_summary(comparison, headline):
    """Generated Markdown: the lowest-MSE method per image and M (oracles excluded).

    ``comparison`` is :func:`compare_methods`' rows as a DataFrame with a
    ``method`` column; ``headline`` the ``(scheme, solver, basis)`` of Table 1.
    """
    lines = []
    usable = comparison[~comparison.solver.str.startswith("oracle") & comparison.mse_mean.notna()]
    scheme, solver, basis = headline
    for (image, m), part in usable.groupby(["image", "M"], sort=False):
        best = part.loc[part.mse_mean.idxmin()]
        mine = part[(part.scheme == scheme) & (part.solver == solver) & (part.basis == basis)]
        extra = f"; headline {mine.mse_mean.iloc[0]:.1e}" if len(mine) else ""
        lines.append(
            f"- {image}, M = {m}: lowest MSE by **{best.method}** ({best.mse_mean:.1e}{extra})"
        )
    return "\n".join(lines)


def _paired_difference(draws, reference_draws):
    """Mean and standard error of ``draws - reference_draws`` (paired by draw)."""
    d = np.asarray(draws, float) - np.asarray(reference_draws, float)
    se = float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("nan")
    return float(d.mean()), se


def worse_than_mean_summary(comparison, margin=SE_MARGIN):
    """Generated Markdown flagging methods whose MSE exceeds the constant image's.

    ``comparison`` holds :func:`compare_methods`' rows with a ``method``
    column, including ``mean`` rows (the constant image fitted to the
    measurements). A method is compared with the ``mean`` row of its own
    scheme: the same measurement draws, so the paired difference per draw,
    its mean and standard error; flagged only when the mean difference
    exceeds ``margin`` standard errors. Methods whose scheme has no ``mean``
    row (and oracles, which see the image) are compared with the lowest
    ``mean`` row, unpaired. With one draw there is no standard error and
    nothing is flagged; such cells are counted.
    """
    known = comparison[comparison.mse_mean.notna()]
    means = known[known.solver == "mean"]
    if means.empty:
        return "_No constant-image baseline in the comparison._"
    flagged, unresolved, no_se = [], 0, 0
    for (image, m), part in known.groupby(["image", "M"], sort=False):
        here = means[(means.image == image) & (means.M == m)]
        for row in part[part.solver != "mean"].itertuples():
            same = here[here.scheme == row.scheme]
            if len(same) and not str(row.solver).startswith("oracle"):
                ref = same.iloc[0]
                diff, se = _paired_difference(row.mse_draws, ref.mse_draws)
                how = "paired"
            else:
                ref = here.loc[here.mse_mean.idxmin()]
                diff = row.mse_mean - ref.mse_mean
                n1, n2 = len(row.mse_draws), len(ref.mse_draws)
                se = (
                    float(np.sqrt(row.mse_std**2 / n1 + ref.mse_std**2 / n2))
                    if min(n1, n2) > 1
                    else float("nan")
                )
                how = "unpaired"
            if diff <= 0:
                continue
            if not np.isfinite(se):
                no_se += 1
            elif diff > margin * se:
                flagged.append(
                    f"- {image}, M = {m}: **{row.method}** (MSE {row.mse_mean:.2e}) is worse "
                    f"than the constant image ({ref.mse_mean:.2e}) by {diff:.2e} +- {se:.1e} "
                    f"({how} SE over {len(row.mse_draws)} draws)"
                )
            else:
                unresolved += 1
    lines = []
    if flagged:
        lines.append(
            f"Worse than the constant image fitted to the same measurements by more than "
            f"{margin:g} standard errors (flagged):\n" + "\n".join(flagged)
        )
    else:
        lines.append(
            f"No method is worse than the constant image by more than {margin:g} standard errors."
        )
    if unresolved:
        lines.append(
            f"{unresolved} further (method, image, M) cells have a higher mean MSE than the "
            f"constant image, but within {margin:g} standard errors: not flagged."
        )
    if no_se:
        lines.append(
            f"{no_se} cells with a higher mean MSE than the constant image rest on one draw "
            f"(no standard error): not assessed."
        )
    return "\n\n".join(lines)


def worse_than_constant_summary(rows, variances, margin=SE_MARGIN):
    """Generated Markdown: per image, where the MSE is no better than var(x).

    var(x) is the MSE of the constant image at the true mean. Per (image, M)
    the MSE is *worse* when it exceeds var(x) by more than ``margin`` standard
    errors (over the draws), *better* when below by more than that, and
    otherwise *no better* (indistinguishable).
    """
    lines = []
    for image in dict.fromkeys(r["image"] for r in rows):
        variance = variances.get(image)
        if not variance:
            continue
        part = sorted((r for r in rows if r["image"] == image), key=lambda r: r["M"])
        status = {}
        for r in part:
            se = r["mse_std"] / np.sqrt(r["trials"]) if r["trials"] > 1 else 0.0
            diff = r["mse_mean"] - variance
            status[r["M"]] = (
                "worse"
                if diff > margin * se
                else ("better" if diff < -margin * se else "no better")
            )
        not_better = [m for m, v in status.items() if v != "better"]
        relative = [r["mse_mean"] / variance for r in part]
        text = (
            f"- **{image}** (var(x) = {variance:.2e}): relative MSE {relative[0]:.2f} at "
            f"M = {part[0]['M']} to {relative[-1]:.2f} at M = {part[-1]['M']}; "
        )
        if not not_better:
            text += "better than the constant image at every M."
        else:
            worse = [m for m, v in status.items() if v == "worse"]
            text += "no better than the constant image at M = " + ", ".join(map(str, not_better))
            text += (
                f" (worse by more than {margin:g} SE at M = {', '.join(map(str, worse))})."
                if worse
                else "."
            )
        lines.append(text)
    return "\n".join(lines)


def bp_agreement_summary(comparison, scheme, basis):
    """Generated Markdown: FISTA's MSE over exact basis pursuit's, same draws."""
    known = comparison[comparison.mse_mean.notna()]
    pick = known[(known.scheme == scheme) & (known.basis == basis)]
    fista = pick[pick.solver == "fista"].set_index(["image", "M"]).mse_mean
    bp = pick[pick.solver == "bp"].set_index(["image", "M"]).mse_mean
    both = fista.index.intersection(bp.index)
    if len(both) == 0:
        return "_Exact basis pursuit did not run at any M of the comparison._"
    ratio = fista[both] / bp[both]
    cells = ", ".join(f"{i} M = {m}: {r:.3g}" for (i, m), r in ratio.items())
    return (
        f"FISTA (the headline solver) against exact basis pursuit on the same {scheme} "
        f"measurements: FISTA's MSE is {ratio.min():.3g}x to {ratio.max():.3g}x the LP's "
        f"({cells})."
    )
