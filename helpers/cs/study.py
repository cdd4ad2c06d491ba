"""Chapter 01's set-up and bookkeeping (notebooks/01_reconstruction.ipynb): the test
images, their measured groups, the methods compared, and the results record.

The reconstructions themselves are in :mod:`helpers.cs.experiments`,
:mod:`helpers.cs.noise` and :mod:`helpers.cs.field_marks`.
"""

from __future__ import annotations

import numpy as np

from helpers.cs.images import (
    GROUP_K,
    GROUP_MAX_OUTSIDE,
    RANK_IMAGES,
    REAL_IMAGES,
    compressibility_group,
    load_image_file,
    load_real_image,
    make_test_image,
    roughness,
    variance_outside_best_k,
)

__all__ = [
    "TABLE_KEYS",
    "load_images",
    "measure_images",
    "group_images",
    "decay_rows",
    "comparison_methods",
    "comparison_tables",
    "image_descriptions",
    "grouping_record",
    "prior_rows",
    "verdict_by_prior",
    "prior_record",
    "rank_panel",
    "rank_rows",
    "pair_rows",
]

# The columns of Table 1 kept in the results record.
TABLE_KEYS = (
    "image",
    "M",
    "mse_mean",
    "mse_std",
    "mae_mean",
    "mae_std",
    "psnr_mean",
    "psnr_std",
    "ssim_mean",
    "ssim_std",
    "trials",
    "seconds_mean",
)


def load_images(synthetic, real, image_file, n, seed):
    """The chapter's ``n`` x ``n`` test images by name: seeded synthetic ones, scikit-image's
    real ones, and a user's file (named ``"file"``) when ``image_file`` is given."""
    images = {kind: make_test_image(kind, n, random_state=seed) for kind in synthetic}
    images.update({name: load_real_image(name, n) for name in real})
    if image_file:
        images["file"] = load_image_file(image_file, n)
    return images


def measure_images(images, m_values=()):
    """Per image: variance, mean square, share of variance outside its best
    ``GROUP_K`` DCT coefficients, the measured group, its :func:`roughness`, and the
    relative MSE of its best M-term and M/4-term DCT approximations for each of
    ``m_values`` (``outside_best_m``, by term count: the error no model of that many
    coefficients can beat; M/4 terms is what l1 recovery from M measurements can
    be expected to find)."""
    terms = sorted({k for m in m_values for k in (m, m // 4) if k > 0})
    return {
        name: {
            "variance": float(image.var()),
            "mean_square": float(np.mean(image**2)),
            "outside_best_k": variance_outside_best_k(image, GROUP_K, "dct"),
            "group": compressibility_group(image),
            "roughness": roughness(image) if image.std() > 0 else None,
            "outside_best_m": {str(k): variance_outside_best_k(image, k, "dct") for k in terms},
        }
        for name, image in images.items()
    }


def group_images(images, measures):
    """Group -> image names. Real images by the measured rule (helpers/cs/images.py),
    never by name or by reconstruction results; synthetic images and a user's file are
    reported, not grouped."""
    groups = {}
    for name in images:
        if name == "file":
            role = "file"
        elif name in REAL_IMAGES:
            role = measures[name]["group"]
        else:
            role = "synthetic"
        groups.setdefault(role, []).append(name)
    return groups


def decay_rows(images, measures, groups, analysis, m_values):
    """Table 1a: the share of each image's variance (mean removed) outside its best k
    coefficients of ``analysis`` (a basis operator), k at the smallest M, ``GROUP_K``
    and the largest M."""
    ks = sorted({min(m_values), GROUP_K, max(m_values)})
    rows = []
    for name, image in images.items():
        energy = np.sort(analysis.matvec(image.ravel() - image.mean()) ** 2)[::-1]
        rows.append(
            {
                "image": name,
                "role": next(g for g, names in groups.items() if name in names),
                "var(x)": measures[name]["variance"],
                "roughness": measures[name]["roughness"],
                **{f"outside best {k}": energy[k:].sum() / energy.sum() for k in ks},
            }
        )
    return rows


def comparison_methods(scheme, basis):
    """Table 1b's ``(scheme, solver, basis)`` triples: the chapter's own method, other
    schemes, bases and solvers, the baselines and the oracles."""
    other_basis = "wavelet" if basis == "dct" else "dct"
    return [
        (scheme, "fista", basis),
        ("dct", "fista", basis),
        ("pixels", "fista", basis),
        (scheme, "fista", other_basis),
        (scheme, "omp", basis),
        (scheme, "bp", basis),
        # Total variation in the pixel domain: the basis plays no part.
        (scheme, "tv", basis),
        ("pixels", "cubic", basis),
        ("pixels", "lowpass", basis),
        (scheme, "lowpass", basis),
        (scheme, "mean", basis),
        ("pixels", "mean", basis),
        (scheme, "oracle_m4", basis),
        (scheme, "oracle_m", basis),
    ]


def comparison_tables(rows):
    """``(comparison, mse, psnr, ssim, seconds)`` from :func:`compare_methods`' rows: all
    rows with a ``method`` label; MSE, PSNR and SSIM per method and (image, M) (SSIM None
    when the rows do not record it); seconds per solve per M."""
    import pandas as pd

    comparison = pd.DataFrame(rows)
    comparison["method"] = comparison.scheme + " / " + comparison.solver + " / " + comparison.basis
    # Oracles see the image, not measurements: no scheme in their label.
    oracle = comparison.solver.str.startswith("oracle")
    comparison.loc[oracle, "method"] = comparison.solver + " / " + comparison.basis
    wide = {}
    for value in ("mse_mean", "psnr_mean", "ssim_mean"):
        if value not in comparison:
            wide[value] = None
            continue
        table = comparison.pivot_table(
            index="method", columns=["image", "M"], values=value, sort=False
        )
        table.columns = [f"{image} M={m}" for image, m in table.columns]
        wide[value] = table.reset_index()
    seconds = comparison.pivot_table(index="method", columns="M", values="seconds_mean", sort=False)
    seconds.columns = [f"s at M={m}" for m in seconds.columns]
    return (
        comparison,
        wide["mse_mean"],
        wide["psnr_mean"],
        wide["ssim_mean"],
        seconds.reset_index(),
    )


def image_descriptions(images, image_file):
    """Where each image came from, for the results record."""
    descriptions = {}
    for name in images:
        if name == "file":
            descriptions[name] = "file: " + str(image_file)
        elif name in REAL_IMAGES:
            descriptions[name] = (
                f"scikit-image data.{REAL_IMAGES[name][0]}, grayscale, its centred square "
                "resized with anti_aliasing=True, stretched to [0, 1]"
            )
        else:
            descriptions[name] = "seeded synthetic, see helpers.cs.images.make_test_image"
    return descriptions


def grouping_record(basis=None):
    """The grouping rule's constants (``basis`` added when given)."""
    record = {"k": GROUP_K, "max_outside": GROUP_MAX_OUTSIDE}
    return {**record, "basis": basis} if basis else record


def prior_rows(rows_by_prior, variances):
    """Table 1 under each prior, side by side: per image and M (those every prior ran),
    the relative MSE (MSE / var(x)) and the PSNR of each.

    Parameters
    ----------
    rows_by_prior : dict
        Prior label -> :func:`helpers.cs.experiments.error_table` rows (the same images
        and measurement draws).
    variances : dict
        Image -> var(x), the constant image's MSE.
    """
    tables = {p: {(r["image"], r["M"]): r for r in rows} for p, rows in rows_by_prior.items()}
    shared = set.intersection(*(set(t) for t in tables.values())) if tables else set()
    first = next(iter(rows_by_prior.values()), [])
    out = []
    for r in first:
        key = (r["image"], r["M"])
        if key not in shared:
            continue
        row = {"image": key[0], "M": key[1]}
        for prior, table in tables.items():
            row[f"rel. MSE, {prior}"] = table[key]["mse_mean"] / variances[key[0]]
        for prior, table in tables.items():
            row[f"PSNR dB, {prior}"] = table[key]["psnr_mean"]
        out.append(row)
    return out


def verdict_by_prior(reconstruction, rows_by_prior):
    """Verdict 1's rule v5 on each prior's Table 1 (the same images, roughness halves and
    rule; v6's rank panel is run under the headline prior only): prior -> the verdict."""
    from helpers.summary.reconstruction_claim import judge_claim_1 as judge_claim_1_v5

    missing = {"verdict": "no evidence", "halves": {}}
    return {
        prior: judge_claim_1_v5({**reconstruction, "table": rows}) or missing
        for prior, rows in rows_by_prior.items()
    }


def prior_record(rows_by_prior, verdicts, settings):
    """The results record of Table 1 under each prior: ``table_by_prior`` (prior -> rows,
    :data:`TABLE_KEYS`), ``verdict_by_prior`` (prior -> verdict and halves) and
    ``settings_by_prior`` (``settings``: each added solver's settings in words, as the
    caption gives them; the headline's are the configuration's ``solver_settings``)."""
    return {
        "settings_by_prior": dict(settings),
        "table_by_prior": {
            prior: [{k: row[k] for k in TABLE_KEYS} for row in rows]
            for prior, rows in rows_by_prior.items()
        },
        "verdict_by_prior": {
            prior: {"verdict": v["verdict"], "halves": v.get("halves", {})}
            for prior, v in verdicts.items()
        },
    }


def rank_panel(images, rows, names, m_values, *, n, trials, seed, settings, n_jobs=1):
    """Verdict 1's rank panel (rule v6): the real images ``names`` (None:
    :data:`helpers.cs.images.RANK_IMAGES`) at the smallest and largest of ``m_values``,
    their measures and their error rows.

    ``n``: the images' side. An image already in Table 1 (``images``, ``rows``) keeps its
    rows: the draws are the same (each trial's seed depends on the seed, M and trial
    only), so running it again would repeat them bit for bit. The others are run with the same ``trials``, ``seed``
    and ``settings`` (scheme, basis, solver, noise_std: Table 1's).

    Returns
    -------
    dict
        ``m_values`` (the two M), ``trials``, ``images`` (where each came from),
        ``image_measures`` (:func:`measure_images`) and ``table`` (rows, :data:`TABLE_KEYS`).
    """
    from helpers.cs.experiments import error_table

    names = list(RANK_IMAGES if names is None else names)
    ends = [min(m_values), max(m_values)]
    panel = {name: images.get(name) for name in names}
    panel = {name: load_real_image(name, n) if img is None else img for name, img in panel.items()}
    reused = [r for r in rows if r["image"] in names and r["image"] in images and r["M"] in ends]
    new = {name: img for name, img in panel.items() if name not in images}
    fresh, _ = (
        error_table(new, ends, trials=trials, seed=seed, n_jobs=n_jobs, **settings)
        if new
        else ([], None)
    )
    table = [{k: r[k] for k in TABLE_KEYS} for r in reused + fresh]
    return {
        "m_values": ends,
        "trials": trials,
        "images": image_descriptions(panel, None),
        "image_measures": measure_images(panel),
        "table": sorted(table, key=lambda r: (names.index(r["image"]), r["M"])),
    }


def rank_rows(panel):
    """Table 1j: each panel image's roughness and relative MSE at the two M, with its
    fall, smoothest first."""
    measures = panel["image_measures"]
    low, high = panel["m_values"]
    by = {(r["image"], r["M"]): r for r in panel["table"]}
    out = []
    for name in sorted(measures, key=lambda n: (measures[n]["roughness"] or 0.0, n)):
        var = measures[name]["variance"]
        if (name, low) not in by or (name, high) not in by or not var:
            continue
        start, floor = by[(name, low)]["mse_mean"] / var, by[(name, high)]["mse_mean"] / var
        out.append(
            {
                "image": name,
                "roughness": measures[name]["roughness"],
                f"rel. MSE, M={low}": start,
                f"rel. MSE, M={high}": floor,
                "fall": start / floor,
                "draws": by[(name, high)]["trials"],
            }
        )
    return out


def pair_rows(panel, rows, measures, names):
    """:func:`rank_rows` of the synthetic images ``names`` from Table 1's ``rows`` and
    ``measures``, at the panel's two M (shown beside the panel, not in its test)."""
    chosen = {n: measures[n] for n in names if measures.get(n, {}).get("roughness") is not None}
    return rank_rows({**panel, "table": rows, "image_measures": chosen})
