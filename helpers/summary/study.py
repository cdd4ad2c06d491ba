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
    "UNKNOWN_PROTOCOL",
    "reconstruction_rows",
    "compare_with_interval",
    "unknown_protocol_note",
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

# What the study left unstated for Tables 2-3 (its "Not stated by the study"
# notes): our protocol fills each in, so a difference from its numbers may come
# from any of these rather than from the models.
UNKNOWN_PROTOCOL = (
    "the number of cross-validation folds (so the train/validation split)",
    "the number of epochs",
    "the batch size",
    "the projection's dimension M",
    "the projection's distribution",
    'the training subset sizes ("adapted to hardware capabilities")',
    "whether its std is a spread over folds",
)

CONCLUSIONS = (
    "Reconstruction error falls quickly with M for smooth images and more slowly, "
    "to a higher floor, for textured ones.",
    "The CNN beats the projection-MLP clearly on CIFAR-10 and only slightly on "
    "Fashion-MNIST (in the study's words, the MLP gets \"results close to CNN (0.83 vs "
    '0.86)").',
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


def compare_with_interval(low, high, study_mean):
    """Word our interval against the study's mean, as far as the data allow.

    "consistent with" when the study's mean lies in ``[low, high]``, else our
    mean is "higher" or "lower" than the study's (the study's own spread is not
    used: it is a spread of its folds, not the uncertainty of its mean).
    """
    if low <= study_mean <= high:
        return "consistent with the study"
    return "higher than the study" if low > study_mean else "lower than the study"


def unknown_protocol_note():
    """Two sentences on what the study did not state (for the summary's tables)."""
    return (
        "The study does not state "
        + ", ".join(UNKNOWN_PROTOCOL[:-1])
        + f" or {UNKNOWN_PROTOCOL[-1]}. Our numbers come from our own protocol for each, "
        "so a difference from the study's may come from these choices, not the models."
    )
