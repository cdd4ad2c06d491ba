"""The original study's reported numbers, quoted (never used as our results).

Transcribed from the study (the project's ``study-results.md``);
``tests/test_study.py`` checks this transcription against that file when it is
present, so a typo cannot slip in.
"""

from __future__ import annotations

__all__ = [
    "RECONSTRUCTION",
    "CNN",
    "PROJECTION_MLP",
    "CONCLUSIONS",
    "reconstruction_rows",
    "compare_accuracy",
]

M_VALUES = (50, 100, 200, 300, 400, 500, 600)

# image -> M -> (MSE, MAE)
RECONSTRUCTION = {
    "smooth": {
        50: (0.073211, 0.206209),
        100: (0.037500, 0.146185),
        200: (0.003654, 0.046571),
        300: (0.000423, 0.015975),
        400: (0.000141, 0.009167),
        500: (0.000070, 0.006400),
        600: (0.000050, 0.005382),
    },
    "textured": {
        50: (0.017756, 0.105444),
        100: (0.014255, 0.095968),
        200: (0.002000, 0.035190),
        300: (0.002278, 0.038092),
        400: (0.001605, 0.031892),
        500: (0.001512, 0.031116),
        600: (0.001401, 0.029822),
    },
}

# dataset -> (CV mean accuracy, std)
CNN = {"cifar10": (0.3678, 0.0503), "fashion_mnist": (0.8663, 0.0048)}
PROJECTION_MLP = {"cifar10": (0.2412, 0.0177), "fashion_mnist": (0.8308, 0.0102)}

CONCLUSIONS = (
    "Reconstruction error falls quickly with M for smooth images and more slowly, "
    "to a higher floor, for textured ones.",
    "The CNN beats the projection-MLP clearly on CIFAR-10 and only slightly on "
    "Fashion-MNIST (0.87 vs 0.83).",
    "Projection + MLP is a cost-effective substitute for a CNN on simple data when "
    "compute is limited (the study never measured the cost).",
)


def reconstruction_rows():
    """The study's Table 1 as rows ``{image, M, mse, mae}``."""
    return [
        {"image": image, "M": m, "mse": v[0], "mae": v[1]}
        for image, by_m in RECONSTRUCTION.items()
        for m, v in by_m.items()
    ]


def compare_accuracy(ours_mean, study_mean, study_std, k=2.0):
    """Our mean accuracy against the study's: difference, in study SDs, and a verdict.

    The verdict is "within" when the difference is at most ``k`` of the study's
    standard deviations, else "above" or "below".
    """
    difference = float(ours_mean) - float(study_mean)
    in_sds = difference / study_std if study_std > 0 else float("inf")
    verdict = "within" if abs(in_sds) <= k else ("above" if difference > 0 else "below")
    return {
        "difference": difference,
        "in_study_sds": in_sds,
        "verdict": f"within {k:g} sd" if verdict == "within" else f"{verdict} (> {k:g} sd)",
    }
