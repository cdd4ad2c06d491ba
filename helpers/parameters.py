"""Every notebook parameter's allowed values, checked in one place.

``render.sh`` checks a whole profile (with its ``-p`` overrides) before the
first notebook starts; each notebook checks its own parameters with the same
rules in its set-up call (:func:`helpers.notebook.setup_notebook`), so a run
from JupyterLab or plain papermill fails just as early and just as clearly.
A message names the parameter as the user typed it (``-p NAME VALUE``) and
says what it accepts.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpers.checks import check_choice, check_fraction, check_int

__all__ = ["ParameterError", "RULES", "check_parameters", "describe_rules"]


class ParameterError(ValueError):
    """A parameter value outside what its rule allows."""


@dataclass(frozen=True)
class Rule:
    """How to check one parameter: ``check(value, name)`` raises on a bad value."""

    check: Callable
    allowed: str


# --------------------------------------------------------------------------- checkers


def _int(min_value=None, max_value=None):
    return lambda v, name: check_int(v, name, min_value=min_value, max_value=max_value)


def _number(min_value=None, max_value=None):
    def check(value, name):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        if min_value is not None and value < min_value:
            raise ValueError(f"{name} must be >= {min_value}, got {value}")
        if max_value is not None and value > max_value:
            raise ValueError(f"{name} must be <= {max_value}, got {value}")
        return value

    return check


def _fraction(value, name):
    return check_fraction(value, name)


def _choice(choices):
    return lambda v, name: check_choice(v, name, choices() if callable(choices) else choices)


def _optional(check):
    return lambda v, name: None if v is None else check(v, name)


def _list_of(check, *, min_len=1, unique=True):
    def check_list(values, name):
        if not isinstance(values, (list, tuple)):
            raise TypeError(f"{name} must be a list, e.g. [1, 2], got {values!r}")
        if len(values) < min_len:
            raise ValueError(f"{name} must have at least {min_len} entry, got {values!r}")
        if unique and len(set(map(repr, values))) != len(values):
            raise ValueError(f"{name} has repeated entries: {values!r}")
        return [check(v, f"{name} entry") for v in values]

    return check_list


def _boolean(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be true or false, got {value!r}")
    return value


def _text(value, name):
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _existing(kind):
    def check(value, name):
        path = Path(_text(value, name)).expanduser()
        if not (path.is_dir() if kind == "dir" else path.is_file()):
            raise ValueError(f"{name}: {kind} {str(path)!r} does not exist")
        return value

    return check


def _datasets():
    from helpers.data import DATASETS

    return tuple(DATASETS)


def _cs_choices(module, attribute):
    def choices():
        import importlib

        return tuple(getattr(importlib.import_module(f"helpers.cs.{module}"), attribute))

    return choices


def _cs_solvers():
    from helpers.cs.reconstruction import BASELINES, SOLVERS

    return tuple(SOLVERS) + tuple(BASELINES)


def _cs_image_names():
    from helpers.cs.images import IMAGE_KINDS, REAL_IMAGES

    return tuple(IMAGE_KINDS) + tuple(REAL_IMAGES)


_POSITIVE = _int(min_value=1)

RULES = {
    # common
    "profile": Rule(_text, "a profile name (a file params/<name>.yaml)"),
    "output_dir": Rule(_optional(_text), "a folder path, or null for reports/<profile>"),
    "data_dir": Rule(_optional(_existing("dir")), "an existing folder with <dataset>.npz"),
    "seed": Rule(_int(min_value=0), "an integer >= 0"),
    "datasets": Rule(_list_of(_choice(_datasets)), "a non-empty list of fashion_mnist, cifar10"),
    "n_train": Rule(_optional(_int(min_value=10)), "an integer >= 10, or null for all images"),
    "n_test": Rule(_optional(_int(min_value=10)), "an integer >= 10, or null for all images"),
    # Experiment 1
    "cs_image_size": Rule(_int(min_value=8, max_value=512), "an integer N in [8, 512]"),
    "cs_m_values": Rule(_list_of(_POSITIVE), "a list of integers M in [1, N^2]"),
    "cs_images": Rule(
        _list_of(_choice(_cs_choices("images", "IMAGE_KINDS")), min_len=0),
        "a list of synthetic test images: smooth, textured",
    ),
    "cs_real_images": Rule(
        _list_of(_choice(_cs_choices("images", "REAL_IMAGES")), min_len=0),
        "a list of scikit-image pictures (see helpers/cs/images.py REAL_IMAGES)",
    ),
    "cs_rank_images": Rule(
        _optional(_list_of(_choice(_cs_choices("images", "REAL_IMAGES")), min_len=0)),
        "a list of scikit-image pictures for verdict 1's rank test, or null for all of them",
    ),
    "cs_comparison_images": Rule(
        _list_of(_choice(_cs_image_names)), "images taken from cs_images and cs_real_images"
    ),
    "cs_noise_images": Rule(
        _list_of(_choice(_cs_image_names)), "images taken from cs_images and cs_real_images"
    ),
    "cs_noise_m": Rule(_list_of(_POSITIVE), "a list of integers M in [1, N^2]"),
    "cs_noise_snr_db": Rule(_list_of(_number()), "a list of finite SNRs in dB"),
    "cs_noise_trials": Rule(_POSITIVE, "an integer >= 1"),
    "cs_n_jobs": Rule(_int(min_value=-1), "an integer >= 1, or -1 for all cores"),
    "seed_runs": Rule(
        _list_of(_existing("dir"), min_len=0),
        "a list of output folders rendered with other seeds (scripts/seed-spread.sh), or []",
    ),
    "effect_runs": Rule(
        _list_of(_existing("dir"), min_len=0),
        "a list of output folders of this profile and seed with one setting changed "
        "(docs/reproducibility.md), or []",
    ),
    "mlp_n_jobs": Rule(
        _int(min_value=1), "an integer >= 1 (worker processes for MLP stacks or folds)"
    ),
    "mlp_stack_folds": Rule(_boolean, "true or false (an MLP's CV folds as one stacked model)"),
    "cs_image_file": Rule(_optional(_existing("file")), "an existing image file, or null"),
    "cs_scheme": Rule(_choice(_cs_choices("operators", "SCHEMES")), "a measurement scheme"),
    "cs_basis": Rule(_choice(_cs_choices("operators", "BASES")), "a sparsifying basis"),
    "cs_solver": Rule(_choice(_cs_solvers), "a solver or baseline"),
    "cs_trials": Rule(_POSITIVE, "an integer >= 1"),
    "cs_noise_std": Rule(_number(min_value=0), "a finite number >= 0"),
    "cs_grid_m": Rule(_list_of(_POSITIVE), "a list of M taken from cs_m_values"),
    "cs_table1_priors": Rule(
        _list_of(_choice(_cs_solvers), min_len=0),
        "a list of solvers Table 1 is repeated with (e.g. [tv]), or []",
    ),
    "cs_prior_m": Rule(_list_of(_POSITIVE, min_len=2), "two or more M taken from cs_m_values"),
    "cs_comparison_m": Rule(_list_of(_POSITIVE), "a list of integers M in [1, N^2]"),
    "cs_comparison_trials": Rule(_POSITIVE, "an integer >= 1"),
    "cs_bp_max_m": Rule(_POSITIVE, "an integer >= 1"),
    "cs_phase_n": Rule(_int(min_value=10), "an integer >= 10"),
    "cs_phase_grid": Rule(_int(min_value=2), "an integer >= 2"),
    "cs_phase_trials": Rule(_POSITIVE, "an integer >= 1"),
    "cs_scaling_sizes": Rule(_list_of(_int(min_value=8, max_value=512)), "a list of N in [8, 512]"),
    "cs_scaling_ratio": Rule(_fraction, "a number in (0, 1]"),
    "cs_field_images": Rule(
        _list_of(_choice(_cs_choices("images", "REAL_IMAGES")), min_len=0),
        "a list of scikit-image pictures for the field's marks (e.g. camera, phantom), or []",
    ),
    "cs_field_size": Rule(_int(min_value=8, max_value=512), "an integer N in [8, 512]"),
    "cs_field_ratios": Rule(_list_of(_fraction), "a list of sampling ratios M / N^2 in (0, 1]"),
    "cs_field_draws": Rule(_POSITIVE, "an integer >= 1"),
    # The training protocol, shared by every classifier
    "max_epochs": Rule(_POSITIVE, "an integer >= 1"),
    "patience": Rule(_POSITIVE, "an integer >= 1"),
    "validation_fraction": Rule(
        _number(min_value=0.01, max_value=0.49), "a number in [0.01, 0.49]"
    ),
    # Experiment 2
    "cnn_folds": Rule(_int(min_value=2), "an integer >= 2"),
    "cnn_batch_size": Rule(_POSITIVE, "an integer >= 1"),
    "cnn_padding": Rule(_choice(("same", "valid")), "same or valid"),
    "cnn_latency_repeats": Rule(_POSITIVE, "an integer >= 1"),
    # Experiment 3
    "mlp_m": Rule(_POSITIVE, "an integer M in [1, pixels per image]"),
    "mlp_projection": Rule(_choice(("gaussian", "sparse")), "gaussian or sparse"),
    "mlp_batch_size": Rule(_POSITIVE, "an integer >= 1"),
    "mlp_baselines": Rule(
        _list_of(_choice(("pca", "pixels")), min_len=0), "a list of pca, pixels (may be empty)"
    ),
    "mlp_sweep_m": Rule(
        _list_of(_POSITIVE, min_len=0),
        "a list of integers M in [1, pixels per image]; empty: no sweep (the seed runs)",
    ),
    "mlp_sweep_methods": Rule(
        _list_of(_choice(("gaussian", "sparse", "pca"))), "a list of gaussian, sparse, pca"
    ),
    "mlp_sweep_folds": Rule(_int(min_value=2), "an integer >= 2"),
    "mlp_latency_repeats": Rule(_POSITIVE, "an integer >= 1"),
    "mlp_latency_rounds": Rule(_int(min_value=2), "an integer >= 2"),
    # Experiment 4
    "svd_energies": Rule(_list_of(_fraction), "a list of numbers in (0, 1]"),
    "svd_rank_fractions": Rule(_list_of(_fraction, min_len=0), "a list of numbers in (0, 1]"),
    "svd_layer_drops": Rule(
        _list_of(_fraction, min_len=0), "a list of accuracy drops in (0, 1], e.g. [0.01, 0.03]"
    ),
    "svd_finetune_all": Rule(
        _boolean, "true or false (fine-tune every SVD candidate, or stop at the rule's choice)"
    ),
    "svd_latency_repeats": Rule(_POSITIVE, "an integer >= 1"),
}


# --------------------------------------------------------------------------- cross checks


def _fail(name, problem, allowed):
    raise ParameterError(f"parameter {name}: {problem}. Allowed: {allowed}.")


def _check_measurements(values):
    n = values.get("cs_image_size")
    if n is None:
        return
    for name in ("cs_m_values", "cs_grid_m", "cs_comparison_m", "cs_noise_m", "cs_prior_m"):
        too_big = [m for m in values.get(name) or () if m > n * n]
        if too_big:
            _fail(
                name,
                f"{too_big} exceed N^2 = {n * n} pixels (cs_image_size {n})",
                f"integers M in [1, {n * n}]",
            )
    for name in ("cs_grid_m", "cs_prior_m"):
        if name not in values or "cs_m_values" not in values:
            continue
        missing = sorted(set(values[name]) - set(values["cs_m_values"]))
        if missing:
            _fail(
                name,
                f"{missing} are not in cs_m_values {values['cs_m_values']}",
                "M values taken from cs_m_values",
            )
    chosen = set(values.get("cs_images") or ()) | set(values.get("cs_real_images") or ())
    for name in ("cs_comparison_images", "cs_noise_images"):
        unknown = sorted(set(values.get(name) or ()) - chosen)
        if name in values and unknown:
            _fail(
                name,
                f"{unknown} are not among cs_images + cs_real_images {sorted(chosen)}",
                "images taken from cs_images and cs_real_images",
            )


# Training images in each dataset's official split (Keras' load_data()).
TRAINING_SPLIT_SIZES = {"fashion_mnist": 60000, "cifar10": 50000}


def _training_sizes(values):
    """``{dataset: (training images used, pixels per image)}`` of the chosen datasets."""
    from helpers.data import DATASETS

    out = {}
    for name in values.get("datasets") or ():
        spec = DATASETS[name]
        pixels = spec.image_shape[0] * spec.image_shape[1]  # grayscale
        n = values.get("n_train") or TRAINING_SPLIT_SIZES.get(name)
        out[name] = (n, pixels)
    return out


def _check_training(values):
    sizes = _training_sizes(values)
    for folds_name in ("cnn_folds", "mlp_sweep_folds"):
        folds = values.get(folds_name)
        n_train = values.get("n_train")
        if folds is not None and n_train is not None and n_train < 10 * folds:
            _fail(
                "n_train",
                f"{n_train} images are too few for {folds_name} = {folds}",
                f"at least 10 images per fold, i.e. n_train >= {10 * folds}",
            )
    for name, (n, _) in sizes.items():
        full = TRAINING_SPLIT_SIZES[name]
        if n > full:
            _fail(
                "n_train",
                f"{n} exceeds {name}'s {full} training images",
                f"at most {full}, or null for all",
            )
    if not sizes:
        return
    pixels = min(p for _, p in sizes.values())
    for name in ("mlp_m", "mlp_sweep_m"):
        value = values.get(name)
        too_big = [m for m in (value if isinstance(value, list) else [value]) if m and m > pixels]
        if too_big:
            _fail(
                name,
                f"{too_big} exceed the {pixels} pixels of the smallest chosen dataset",
                f"integers M in [1, {pixels}]",
            )
    # PCA keeps at most as many components as a training fold has images.
    for name, methods, folds_name in (
        ("mlp_sweep_m", values.get("mlp_sweep_methods"), "mlp_sweep_folds"),
        ("mlp_m", values.get("mlp_baselines"), "cnn_folds"),
    ):
        folds = values.get(folds_name)
        if "pca" not in (methods or ()) or not folds or values.get(name) is None:
            continue
        smallest = min(n for n, _ in sizes.values()) * (folds - 1) // folds
        chosen = values[name] if isinstance(values[name], list) else [values[name]]
        too_big = [m for m in chosen if m > smallest]
        if too_big:
            _fail(
                name,
                f"{too_big} exceed the {smallest} training images of a fold "
                "(PCA keeps at most that many components)",
                f"M <= {smallest}",
            )


CROSS_CHECKS = (_check_measurements, _check_training)


# --------------------------------------------------------------------------- entry points


def check_parameters(values):
    """Check every known parameter in ``values`` (a mapping; others are ignored).

    Parameters
    ----------
    values : mapping
        Parameter name -> value, e.g. a merged profile, or a notebook's
        ``globals()``.

    Returns
    -------
    dict
        The known parameters found, as checked.

    Raises
    ------
    ParameterError
        Naming the first bad parameter, the problem and the allowed values.
    """
    found = {name: values[name] for name in RULES if name in values}
    for name, value in found.items():
        rule = RULES[name]
        try:
            rule.check(value, name)
        except (TypeError, ValueError) as exc:
            _fail(name, str(exc), rule.allowed)
    for cross_check in CROSS_CHECKS:
        cross_check(found)
    return found


def describe_rules():
    """``{name: allowed values}`` for help texts."""
    return {name: rule.allowed for name, rule in RULES.items()}
