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


def test_epoch_budget_note_names_the_fits_the_limit_ended():
    from helpers.nets.protocol import Protocol, epoch_budget_note, stopped_by_budget

    protocol = Protocol(max_epochs=15, patience=3)
    assert stopped_by_budget(13, 15, protocol) and stopped_by_budget(15, 15, protocol)
    assert not stopped_by_budget(12, 15, protocol)  # patience ended it at epoch 15
    assert not stopped_by_budget(8, 11, protocol)
    note = epoch_budget_note({"CNN, cifar10": [(13, 15), (9, 12)], "MLP": [(5, 8)]}, protocol)
    assert "CNN, cifar10: 1 of 2" in note and "MLP" not in note and "15-epoch" in note
    assert "Every one of the 3 fits" in epoch_budget_note(
        {"MLP": [(5, 8), (2, 5), (1, 4)]}, protocol
    )
