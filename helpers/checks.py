"""Input checks shared by every entry point.

Each function raises an error whose message names the parameter, the value it
got, and what it accepts, so that a bad papermill parameter fails in the first
cell rather than an hour into a run.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_int", "check_choice", "check_seed", "check_fraction"]


def check_int(value, name, *, min_value=None, max_value=None):
    """Return ``value`` as a Python ``int`` after checking type and range.

    Parameters
    ----------
    value : object
        The value to check. Booleans and floats are rejected, even ``3.0``:
        a float here almost always means a mistyped parameter.
    name : str
        Parameter name used in the error message.
    min_value, max_value : int, optional
        Inclusive bounds.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is outside ``[min_value, max_value]``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer, got {value!r} ({type(value).__name__}); "
            f"write it without quotes or decimals, e.g. {name}=3"
        )
    value = int(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {value}")
    return value


def check_seed(value, name="seed"):
    """Check a random seed: a non-negative integer (NumPy's requirement)."""
    return check_int(value, name, min_value=0)


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``.

    The message lists the accepted values, so a typo is fixed at once.
    """
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"unknown {name} {value!r}; choose one of: {', '.join(map(repr, choices))}"
        )
    return value


def check_fraction(value, name, *, low_inclusive=False, high_inclusive=True):
    """Check a real number in (0, 1] (bounds' inclusion configurable)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    low_ok = value >= 0 if low_inclusive else value > 0
    high_ok = value <= 1 if high_inclusive else value < 1
    if not (low_ok and high_ok):
        lo = "[" if low_inclusive else "("
        hi = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be in {lo}0, 1{hi}, got {value}")
    return value
