"""Folds trained side by side (helpers.nets.stacked): members never mix, each starts from
its own fold's weights, stops on its own validation loss, and the stacked CV scores as
the one-model-per-fold CV does, within fold noise."""

import numpy as np
import pytest

from helpers.nets.cross_validation import cross_validate, cross_validate_many
from helpers.nets.models import study_mlp
from helpers.nets.protocol import Protocol
from helpers.nets.seeding import set_seed
from helpers.nets.stacked import (
    EarlyStoppingRule,
    fit_stacked,
    member_scores,
    predict_members,
    stack_members,
    stack_rows,
)


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
    logits = predict_members(stacked, np.stack([x, x + 1, x - 1], axis=1))
    probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    for k, shift in enumerate((0, 1, -1)):
        alone = members[k].predict(x + shift, verbose=0)
        np.testing.assert_allclose(probabilities[:, k], alone, rtol=1e-4, atol=1e-6)


def _small_members(sizes, monkeypatch, optimizer="sgd"):
    """Dropout-free float32 members. With plain SGD (``"sgd"``) their weights after a few
    steps are linear in the gradients, so any error in a member's loss or its scale
    shows; ``"adam"`` compiles them as every classifier of the report is
    (:func:`helpers.nets.models.compile_model`: Adam, fused on TensorFlow), whose
    per-weight moments and step count a stack must keep apart per member."""
    import keras

    from helpers.nets.models import compile_model

    monkeypatch.setenv("REPORT_PRECISION", "float32")
    keras.mixed_precision.set_global_policy("float32")
    members = []
    for i, _ in enumerate(sizes):
        set_seed(i)
        model = keras.Sequential(
            [
                keras.Input((8,)),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        if optimizer == "adam":
            compile_model(model, learning_rate=0.01)
        else:
            model.compile(
                optimizer=keras.optimizers.SGD(learning_rate=0.1),
                loss="sparse_categorical_crossentropy",
            )
        members.append(model)
    return members


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_each_member_steps_as_it_would_alone_padding_and_a_confident_error_included(
    monkeypatch, optimizer
):
    """Member 1 has fewer rows (its last batch is half padding); on TensorFlow member 0
    also has a row it gets confidently wrong (true-class probability ~1e-30), whose
    gradient a clipped-probability loss would drop. After two epochs of SGD, and of the
    report's Adam, each member's weights equal those of the same model trained alone on
    its own rows. (Dropout is left out: a stack's members share one stream of masks.)"""
    import keras

    sizes = (32, 24)
    x, y = _blobs(sum(sizes))
    parts = [(x[:32].copy(), y[:32].copy()), (x[32:], y[32:])]
    if keras.config.backend() == "tensorflow":  # Keras' JAX backend clips a model alone
        parts[0][0][0] *= 400.0
    members = _small_members(sizes, monkeypatch, optimizer)
    stacked = stack_members(members)
    if keras.config.backend() == "tensorflow":
        logits = predict_members(
            stacked, stack_rows([p[0] for p in parts], [p[1] for p in parts])[0]
        )
        wrong = int(np.argmin(logits[0, 0]))
        parts[0][1][0] = wrong
        assert logits[0, 0].max() - logits[0, 0, wrong] > 70  # probability < 1e-30
    x_stack, y_stack = stack_rows([p[0] for p in parts], [p[1] for p in parts])
    stacked.fit(x_stack, y_stack, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for k, (member, (x_k, y_k)) in enumerate(zip(members, parts)):
        member.fit(x_k, y_k, batch_size=16, epochs=2, shuffle=False, verbose=0)
        for alone, together in zip(member.weights, stacked.weights):
            np.testing.assert_allclose(
                together.numpy()[k], alone.numpy(), rtol=1e-5, atol=1e-6, err_msg=alone.name
            )


@pytest.mark.parametrize(
    "losses",
    [
        [3.0, 2.0, 2.5, 2.5, 2.5, 1.0],
        [3.0, 3.0, 3.0, 3.0],  # ties never improve
        [float("nan"), 2.0, 2.0, 2.0, 2.0],  # a NaN first epoch is Keras' best for good
        [2.0, float("nan"), 1.0, 3.0, 3.0],
        [float("nan"), float("nan"), float("nan")],
        [5.0, 4.0, 3.0, 2.0],
    ],
)
def test_the_stopping_rule_decides_as_keras_early_stopping(losses):
    """The same scripted validation losses into keras.callbacks.EarlyStopping and into
    the per-member rule: the same epoch saved last, the same stopping epoch."""
    import keras

    class Scripted:  # stands in for a model: its "weights" are the epoch they are from
        stop_training = False
        epoch = None

        def get_weights(self):
            return self.epoch

        def set_weights(self, weights):
            self.restored = weights

    fake = Scripted()
    keras_rule = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=2, restore_best_weights=True
    )
    keras_rule.set_model(fake)
    keras_rule.on_train_begin()
    ours, kept, stopped_at = EarlyStoppingRule(2), None, None
    for epoch, value in enumerate(losses):
        fake.epoch = epoch
        keras_rule.on_epoch_end(epoch, {"val_loss": value})
        keep, stop = ours.update(epoch, value)
        kept = epoch if keep else kept
        if stop:
            stopped_at = epoch
            break
        assert not fake.stop_training
    keras_rule.on_train_end()
    assert fake.stop_training == (stopped_at is not None)
    assert fake.restored == kept


def test_a_member_does_not_depend_on_the_other_members_values():
    """Member 0 trains on the same data beside different neighbours (other values, and
    fewer rows: padded): its weights, history and early stopping come out the same, bit
    for bit. (More rows than member 0 would pad it and change the batches.)"""
    x, y = _blobs(300)
    other_x, other_y = _blobs(300, seed=1)
    protocol = Protocol(4, 2, 0.1, 32)
    outcomes = []
    for neighbour_x, neighbour_y in (
        (other_x, other_y),
        (-x, (y + 3) % 10),
        (other_x[:200], other_y[:200]),
    ):
        set_seed(0)
        model = stack_members(_members(2))
        runs = fit_stacked(
            model,
            [x[:250], neighbour_x[:-50]],
            [y[:250], neighbour_y[:-50]],
            [x[250:], neighbour_x[-50:]],
            [y[250:], neighbour_y[-50:]],
            protocol,
        )
        kernel = model.get_layer("dense1").kernel.numpy()[0]
        outcomes.append((kernel, runs[0]["history"], runs[0]["best_epoch"]))
    for other in outcomes[1:]:
        np.testing.assert_array_equal(outcomes[0][0], other[0])
        assert outcomes[0][1] == other[1]
        assert outcomes[0][2] == other[2]


def test_a_reused_stack_trains_exactly_as_a_freshly_built_one():
    """The traced stack of an architecture is kept and re-loaded for the next CV: after
    another CV (other members, data and seed) it must start from nothing of that one's
    state (weights, Adam's step and moments, dropout streams, the shuffle seed)."""
    import keras

    from helpers.nets import stacked

    if keras.config.backend() != "tensorflow":
        pytest.skip("stacks are re-used on TensorFlow only")

    x, y = _blobs(300)
    other_x, other_y = _blobs(300, seed=1)
    protocol = Protocol(3, 3, 0.1, 32)

    def train(data_x, data_y, seed):
        set_seed(seed)
        model = stack_members(_members(2, seed=seed), seed=seed)
        runs = fit_stacked(
            model,
            [data_x[:250], data_x[50:]],
            [data_y[:250], data_y[50:]],
            [data_x[250:], data_x[:50]],
            [data_y[250:], data_y[:50]],
            protocol,
        )
        return model, [w.numpy() for w in model.weights], [r["history"] for r in runs]

    stacked._STACKS.clear()
    fresh_model, fresh_weights, fresh_history = train(x, y, 3)
    stacked._STACKS.clear()
    other_model, _, _ = train(other_x, other_y, 0)
    reused_model, reused_weights, reused_history = train(x, y, 3)
    assert reused_model is other_model  # re-used, not rebuilt
    assert reused_history == fresh_history
    for fresh, reused in zip(fresh_weights, reused_weights):
        np.testing.assert_array_equal(fresh, reused)


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
    uniform = np.zeros((3, 2, 10), dtype=np.float32)  # logits of equal probabilities
    scores = member_scores(uniform, [[1, 2, 3], [4, 5]])
    assert scores[1][0] == pytest.approx(np.log(10), rel=1e-5)


def test_stacked_cv_scores_as_one_model_per_fold_within_fold_noise(tmp_path, monkeypatch):
    from helpers.nets import cross_validation

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
    # Folds cached by an older stacked training are not served to this one.
    version = cross_validation.STACKED_TRAINING_VERSION
    monkeypatch.setattr(cross_validation, "STACKED_TRAINING_VERSION", version + 1)
    fresh = cross_validate(
        lambda s: study_mlp(s[0]), x, y, **common, stacked=True, cache_dir=tmp_path
    )
    assert not any(r.cached for r in fresh)


def test_many_cross_validations_submitted_together_equal_each_alone(tmp_path):
    """cross_validate_many (chapter 03 submits every CV at once, so N workers train N
    stacks side by side) gives each CV what cross_validate gives it, caches each, and
    re-runs only the CV whose cache lost a fold."""
    x, y = _blobs(400)
    other_x, other_y = _blobs(300, dim=8, seed=2)
    protocol = Protocol(3, 2, 0.1, 32)
    jobs = [
        dict(
            build_model=lambda s: study_mlp(s[0]),
            x=data_x,
            y=data_y,
            model_id=name,
            protocol=protocol,
            folds=folds,
            seed=seed,
        )
        for name, data_x, data_y, folds, seed in [
            ("a", x, y, 3, 0),
            ("b", x, y, 2, 5),
            ("c", other_x, other_y, 2, 0),
        ]
    ]
    alone = [cross_validate(**job, stacked=True, log=lambda m: None) for job in jobs]
    messages = []
    together = cross_validate_many(
        [{**job, "cache_dir": tmp_path} for job in [*jobs, jobs[0]]], log=messages.append
    )
    assert together.pop() == together[0]  # listed twice: the same result, trained once
    assert sum(m.strip().startswith("a (seed 0): CV ") for m in messages) == 1
    # Three CVs to train (the fourth listing is the first's): each header counts them.
    headers = [m.split(": CV ")[1] for m in messages if ": CV " in m]
    assert [h.split(",")[0] for h in headers] == ["1 of 3", "2 of 3", "3 of 3"]
    assert headers[-1] == "3 of 3, about 0 s left"
    for one, many in zip(alone, together, strict=True):
        assert [r.history for r in many] == [r.history for r in one]
        assert [(r.accuracy, r.loss) for r in many] == [(r.accuracy, r.loss) for r in one]
    assert len(list(tmp_path.glob("*.json"))) == 3 + 2 + 2
    next(tmp_path.glob("b-*-fold1.json")).unlink()
    again = cross_validate_many(
        [{**job, "cache_dir": tmp_path} for job in jobs], log=lambda m: None
    )
    assert [all(r.cached for r in cv) for cv in again] == [True, False, True]
    assert [r.history for r in again[1]] == [r.history for r in together[1]]


def test_only_dense_and_dropout_layers_stack():
    from helpers.nets.models import study_cnn

    with pytest.raises(ValueError, match="vector input"):
        stack_members([study_cnn((28, 28)), study_cnn((28, 28))])
