"""Folds trained side by side (helpers.nets.stacked): members never mix, each starts from
its own fold's weights, stops on its own validation loss, and the stacked CV scores as
the one-model-per-fold CV does, within fold noise."""

import numpy as np
import pytest

from helpers.nets.models import study_mlp
from helpers.nets.stacked import (
    fit_stacked,
    member_scores,
    predict_members,
    stack_members,
    stack_rows,
)
from helpers.nets.training import Protocol, cross_validate, set_seed


def _blobs(n, dim=8, seed=0, noise=1.0):
    """A learnable 10-class problem: Gaussian clusters."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((10, dim)) * 2.0
    y = rng.integers(0, 10, n)
    return (centers[y] + noise * rng.standard_normal((n, dim))).astype(np.float32), y


def _members(k, dim=8, seed=0):
    models = []
    for i in range(k):
        set_seed(seed + i)
        models.append(study_mlp(dim))
    return models


def test_a_stack_predicts_what_its_members_predict():
    members = _members(3)
    x, _ = _blobs(50)
    stacked = stack_members(members)
    probabilities = predict_members(stacked, np.stack([x, x + 1, x - 1], axis=1))
    for k, shift in enumerate((0, 1, -1)):
        alone = members[k].predict(x + shift, verbose=0)
        np.testing.assert_allclose(probabilities[:, k], alone, rtol=1e-4, atol=1e-6)


def test_a_member_does_not_depend_on_the_other_members_data():
    """Member 0 trains on the same data beside two different neighbours: its weights,
    history and early stopping come out the same, bit for bit."""
    x, y = _blobs(300)
    other_x, other_y = _blobs(300, seed=1)
    protocol = Protocol(4, 2, 0.1, 32)
    outcomes = []
    for neighbour_x, neighbour_y in ((other_x, other_y), (-x, (y + 3) % 10)):
        set_seed(0)
        model = stack_members(_members(2))
        runs = fit_stacked(
            model,
            [x[:250], neighbour_x[:250]],
            [y[:250], neighbour_y[:250]],
            [x[250:], neighbour_x[250:]],
            [y[250:], neighbour_y[250:]],
            protocol,
        )
        kernel = model.get_layer("dense1").kernel.numpy()[0]
        outcomes.append((kernel, runs[0]["history"], runs[0]["best_epoch"]))
    np.testing.assert_array_equal(outcomes[0][0], outcomes[1][0])
    assert outcomes[0][1] == outcomes[1][1]
    assert outcomes[0][2] == outcomes[1][2]


def test_each_member_stops_on_its_own_validation_loss_and_keeps_its_best_epoch():
    """Member 1's validation labels are noise, so its validation loss stops improving
    early; member 0 keeps improving. Each stops patience epochs after its own best and
    ends with its best epoch's weights."""
    x, y = _blobs(600)
    rng = np.random.default_rng(5)
    protocol = Protocol(12, 2, 0.1, 32)
    set_seed(0)
    model = stack_members(_members(2))
    x_vals, y_vals = [x[500:], x[500:]], [y[500:], rng.integers(0, 10, 100)]
    runs = fit_stacked(model, [x[:500]] * 2, [y[:500]] * 2, x_vals, y_vals, protocol)
    assert runs[1]["epochs_run"] < runs[0]["epochs_run"]
    x_val_stack, _ = stack_rows(x_vals, y_vals)
    restored = member_scores(predict_members(model, x_val_stack), y_vals)
    for k, run in enumerate(runs):
        losses = run["history"]["val_loss"]
        assert len(losses) == run["epochs_run"] == len(run["epoch_seconds"])
        assert run["best_epoch"] == int(np.argmin(losses)) + 1
        if run["epochs_run"] < protocol.max_epochs:
            assert run["epochs_run"] == run["best_epoch"] + protocol.patience
        assert restored[k][0] == pytest.approx(min(losses), rel=1e-5)


def test_stack_rows_pads_shorter_members_with_rows_the_loss_ignores():
    x, y = stack_rows([np.ones((3, 2)), 2 * np.ones((2, 2))], [[1, 2, 3], [4, 5]])
    assert x.shape == (3, 2, 2) and y.shape == (3, 2)
    assert y[2, 1] == -1 and not x[2, 1].any()
    probabilities = np.full((3, 2, 10), 0.1, dtype=np.float32)
    scores = member_scores(probabilities, [[1, 2, 3], [4, 5]])
    assert scores[1][0] == pytest.approx(np.log(10), rel=1e-5)


def test_stacked_cv_scores_as_one_model_per_fold_within_fold_noise(tmp_path):
    x, y = _blobs(1001, noise=2.5)  # 1001: folds of unequal size, so padding is exercised
    protocol = Protocol(8, 2, 0.1, 64)
    common = dict(model_id="mlp", protocol=protocol, folds=3, seed=0, log=lambda m: None)
    alone = cross_validate(lambda s: study_mlp(s[0]), x, y, **common)
    stacked = cross_validate(
        lambda s: study_mlp(s[0]), x, y, **common, stacked=True, cache_dir=tmp_path
    )
    assert [r.n_val for r in stacked] == [r.n_val for r in alone]
    assert [r.n_train for r in stacked] == [r.n_train for r in alone]
    a, s = np.array([r.accuracy for r in alone]), np.array([r.accuracy for r in stacked])
    assert a.mean() > 0.5  # learnable: a broken stack would score near 0.1
    assert abs(a.mean() - s.mean()) < 0.03
    # The stacked folds have their own cache entries; with one gone all are retrained
    # together, and the same parameters give the same numbers.
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 3
    files[1].unlink()
    again = cross_validate(
        lambda s: study_mlp(s[0]), x, y, **common, stacked=True, cache_dir=tmp_path
    )
    assert [r.accuracy for r in again] == [r.accuracy for r in stacked]
    assert [r.history for r in again] == [r.history for r in stacked]
    assert not any(r.cached for r in again)


def test_only_dense_and_dropout_layers_stack():
    from helpers.nets.models import study_cnn

    with pytest.raises(ValueError, match="vector input"):
        stack_members([study_cnn((28, 28)), study_cnn((28, 28))])
