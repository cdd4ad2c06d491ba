import numpy as np
import pytest

from helpers.checks import check_choice, check_fraction, check_int, check_seed


def test_check_int_accepts_numpy_integers():
    assert check_int(np.int64(3), "n") == 3 and type(check_int(np.int64(3), "n")) is int


@pytest.mark.parametrize("value", [3.0, "3", True, None])
def test_check_int_rejects_non_integers(value):
    with pytest.raises(TypeError, match="n must be an integer"):
        check_int(value, "n")


def test_check_int_bounds():
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        check_int(0, "n", min_value=1)
    with pytest.raises(ValueError, match="n must be <= 4, got 5"):
        check_int(5, "n", max_value=4)


def test_check_seed_negative():
    with pytest.raises(ValueError, match="seed must be >= 0"):
        check_seed(-1)


def test_check_choice_lists_options():
    with pytest.raises(ValueError, match="unknown solver 'lasso'; choose one of: 'fista', 'omp'"):
        check_choice("lasso", "solver", ["fista", "omp"])


@pytest.mark.parametrize("value", [0, 1.5, -0.1])
def test_check_fraction_range(value):
    with pytest.raises(ValueError, match=r"energy must be in \(0, 1\]"):
        check_fraction(value, "energy")
    assert check_fraction(1, "energy") == 1.0
