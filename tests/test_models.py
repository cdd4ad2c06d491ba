"""The study's networks, their cost accounting, and resumable cross-validation."""

import json
import re

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers.nets.cost import flops_per_image, measure_latency, model_size_bytes
from helpers.nets.cross_validation import cross_validate
from helpers.nets.models import CNN_SPEC, MLP_SPEC, layer_table, study_cnn, study_mlp
from helpers.nets.protocol import Protocol, check_training, validation_split
from helpers.nets.seeding import set_seed
from helpers.nets.training import fit, train_final


def test_cnn_is_the_study_architecture_with_same_padding():
    rows = layer_table(study_cnn((32, 32)))
    assert [r["layer"] for r in rows] == [name for name, _ in CNN_SPEC]
    for row, (_, settings) in zip(rows, CNN_SPEC):
        for key, value in settings.items():
            assert row["settings"][key] == value
        if row["layer"] == "Conv2D":
            assert row["settings"]["padding"] == "same"
    assert rows[-5]["output_shape"] == (4, 4, 128)


def test_cnn_parameter_count_matches_hand_count():
    conv = [(1, 32), (32, 64), (64, 128), (128, 128)]
    expected = sum((9 * cin + 1) * cout for cin, cout in conv) + (4 * 4 * 128 + 1) * 128 + 129 * 10
    assert study_cnn((32, 32, 1)).count_params() == expected == 503818


@pytest.mark.parametrize("side", [28, 32])
def test_valid_padding_is_refused_where_it_does_not_fit(side):
    with pytest.raises(ValueError, match="does not fit.*use padding='same'"):
        study_cnn((side, side), padding="valid")
    assert study_cnn((64, 64), padding="valid").output_shape == (None, 10)


def test_mlp_is_the_study_architecture():
    rows = layer_table(study_mlp(100))
    assert [
        (r["layer"], {k: r["settings"][k] for k in s}) for r, (_, s) in zip(rows, MLP_SPEC)
    ] == [(name, s) for name, s in MLP_SPEC]
    assert study_mlp(100).count_params() == (101 * 512) + (513 * 256) + (257 * 128) + (129 * 10)


@pytest.mark.parametrize("learning_rate", [1e-3, 1e-4])
def test_fused_adam_steps_as_keras_adam(learning_rate):
    """Same weights after 50 steps of random gradients of mixed magnitudes, to 1e-4 of
    the distance moved: the kernel's 1 - beta_2 is computed in float32 (1.3e-5 relative
    off Keras'); a wrong bias correction or epsilon placement is off by far more."""
    from helpers.nets.optimizers import FusedAdam

    rng = np.random.default_rng(0)
    start = [rng.standard_normal((30, 20)), rng.standard_normal(20)]
    scales = [10.0 ** rng.integers(-4, 1, w.shape) for w in start]  # mixed magnitudes
    grads = [
        [(rng.standard_normal(w.shape) + 0.5) * c for w, c in zip(start, scales)] for _ in range(50)
    ]
    weights = {}
    for cls in (keras.optimizers.Adam, FusedAdam):
        variables = [keras.Variable(w.astype("float32")) for w in start]
        optimizer = cls(learning_rate=learning_rate)
        for step in grads:
            optimizer.apply([keras.ops.convert_to_tensor(g, "float32") for g in step], variables)
        weights[cls.__name__] = [np.asarray(v) for v in variables]
    for fused, plain, initial in zip(weights["FusedAdam"], weights["Adam"], start):
        moved = np.abs(plain - initial).max()
        assert moved > 20 * learning_rate  # the steps move the weights
        np.testing.assert_allclose(fused, plain, rtol=0, atol=1e-4 * moved)


def test_models_compile_with_fused_adam_and_reload(tmp_path):
    from helpers.nets.optimizers import FusedAdam

    model = study_mlp(8)
    assert isinstance(model.optimizer, FusedAdam)
    model.fit(np.ones((4, 8), "float32"), np.arange(4), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    assert isinstance(keras.saving.load_model(tmp_path / "m.keras").optimizer, FusedAdam)


def test_a_final_model_saved_by_one_process_loads_in_a_fresh_one(tmp_path):
    """A fresh process has not built a model yet (FusedAdam unregistered until imported):
    train_final must still load the cached model instead of deleting and retraining it
    (it did, for every final model, when the class was registered only on first use)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        f"""
        import numpy as np
        from helpers.nets.models import study_mlp
        from helpers.nets.protocol import Protocol
        from helpers.nets.training import train_final
        x, y = np.random.default_rng(0).random((60, 8)).astype("float32"), np.arange(60) % 3
        _, info = train_final(
            lambda s: study_mlp(s[0]), x, y, x[:10], y[:10], model_id="m",
            protocol=Protocol(1, 1, 0.2, 16), seed=0, model_dir={str(tmp_path)!r},
            log=print,
        )
        print("CACHED" if info["cached"] else "TRAINED")
        """
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr[-2000:]
    assert runs[0].stdout.split()[-1] == "TRAINED"
    assert runs[1].stdout.split()[-1] == "CACHED", runs[1].stdout[-2000:]


def test_flops_counted_from_shapes():
    inputs = keras.Input((8, 8, 2))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inputs, keras.layers.Dense(5)(x))
    conv = 2 * 8 * 8 * 3 * 3 * 2 * 4 + 8 * 8 * 4
    dense = 2 * 256 * 5 + 5
    assert flops_per_image(model) == conv + dense
    # The study's CNN on 32 x 32: ~24.8 MFLOP forward, ~74 MFLOP per training image.
    assert flops_per_image(study_cnn((32, 32))) == pytest.approx(24.77e6, rel=1e-3)


def test_flops_agree_with_tensorflow_profiler():
    tf = pytest.importorskip("tensorflow")
    if keras.config.backend() != "tensorflow":
        pytest.skip("profiler check needs the TensorFlow backend")
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    model = study_cnn((32, 32))
    fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        tf.TensorSpec([1, 32, 32, 1], tf.float32)
    )
    graph = convert_variables_to_constants_v2(fn).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    counted = tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops
    # TF counts bias adds, activations and pooling too: within a few percent of ours.
    assert counted == pytest.approx(flops_per_image(model), rel=0.05)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(folds=1), ValueError, "folds must be >= 2"),
        (dict(seed=1.0), TypeError, "seed must be an integer"),
        (dict(n=70000), ValueError, "larger than the training split"),
    ],
)
def test_bad_training_parameters(kwargs, error, message):
    args = {**dict(n=1000, folds=5, seed=0), **kwargs}
    with pytest.raises(error, match=message):
        check_training(args.pop("n"), n_available=60000, **args)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(max_epochs=0), "max_epochs must be >= 1"),
        (dict(patience=0), "patience must be >= 1"),
        (dict(validation_fraction=0.6), "validation_fraction must be in"),
    ],
)
def test_bad_protocol(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Protocol(**{**dict(max_epochs=3, patience=1), **kwargs})


def test_early_stopping_restores_the_best_epoch_and_counts_epochs(tiny):
    x, y = tiny
    set_seed(0)
    model = _cnn(x.shape[1:])
    # Validation labels that cannot be learned: the validation loss soon stops falling.
    rng = np.random.default_rng(1)
    run = fit(
        model,
        x,
        y,
        epochs=30,
        batch_size=16,
        validation_data=(x, rng.permutation(y)),
        patience=2,
    )
    losses = run["history"]["val_loss"]
    assert run["epochs_run"] == len(losses) < 30
    assert run["best_epoch"] == int(np.argmin(losses)) + 1
    assert run["epochs_run"] - run["best_epoch"] == 2  # stopped after `patience` worse epochs
    assert np.isfinite(model.evaluate(x, y, verbose=0)[0])  # the restored weights are usable


def test_epoch_lines_say_how_many_and_at_most_how_long_is_left(tiny, monkeypatch):
    from helpers.nets import training

    monkeypatch.setattr(training, "EPOCH_LOG_SECONDS", 0.0)  # every epoch is logged
    x, y = tiny
    set_seed(0)
    lines = []
    fit(_cnn(x.shape[1:]), x, y, epochs=3, batch_size=16, log=lines.append)
    assert len(lines) == 3
    for k, line in enumerate(lines, 1):
        assert re.match(rf"    epoch {k} of 3, at most about \d+ s left: \w", line), line
    assert "about 0 s left" in lines[-1]


def test_validation_runs_in_evaluation_batches_and_scores_as_evaluate(tiny):
    from helpers.nets.seeding import EVALUATION_BATCH_SIZE, evaluation_data, training_data

    x, y = tiny
    set_seed(0)
    model = _cnn(x.shape[1:])
    run = fit(model, x, y, epochs=1, batch_size=16, validation_data=(x, y))
    loss, accuracy = model.evaluate(x, y, batch_size=16, verbose=0)
    assert run["history"]["val_accuracy"][0] == pytest.approx(accuracy, abs=1e-12)
    assert run["history"]["val_loss"][0] == pytest.approx(loss, rel=1e-6)  # summed in other order
    data, options = evaluation_data(x, y)
    if keras.config.backend() == "tensorflow":
        # One pipeline setting for training and validation: tf.data's autotuner off,
        # its threads competing with training's on 2 cores (issue 27).
        for pipeline in (data, training_data(x, y, 16)[0][0]):
            assert pipeline.options().autotune.enabled is False
            assert pipeline.options().threading.private_threadpool_size == 1
        assert [len(b) for b, _ in data] == [min(len(x), EVALUATION_BATCH_SIZE)]
        assert options == {}
    else:
        assert options == {"validation_batch_size": EVALUATION_BATCH_SIZE}


def test_validation_split_is_stratified_and_seeded(tiny):
    _, y = tiny
    fit_idx, val_idx = validation_split(y, 0.25, seed=0)
    assert len(val_idx) == 20 and not set(fit_idx) & set(val_idx)
    assert np.bincount(y[val_idx]).tolist() == [5, 5, 5, 5]
    assert validation_split(y, 0.25, seed=0)[1].tolist() == val_idx.tolist()


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    y = np.arange(80) % 4
    # Class-dependent brightness so there is something to learn.
    x = (rng.random((80, 8, 8, 1)) * 0.5 + y[:, None, None, None] * 0.15).astype("float32")
    return x, y


def _cnn(shape):
    return study_cnn(shape, n_classes=4)


def test_cross_validation_is_seeded_cached_and_resumable(tiny, tmp_path):
    x, y = tiny
    kwargs = dict(
        model_id="t",
        folds=2,
        protocol=Protocol(max_epochs=2, patience=1, batch_size=16),
        seed=3,
        cache_dir=tmp_path,
        log=lambda m: None,
    )
    first = cross_validate(_cnn, x, y, **kwargs)
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 2 and not any(r.cached for r in first)
    again = cross_validate(_cnn, x, y, **kwargs)
    assert all(r.cached for r in again)
    assert [r.accuracy for r in again] == [r.accuracy for r in first]
    # A run killed after fold 1: only fold 2 is recomputed, to the same number.
    files[1].unlink()
    resumed = cross_validate(_cnn, x, y, **kwargs)
    assert [r.cached for r in resumed] == [True, False]
    assert resumed[1].accuracy == pytest.approx(first[1].accuracy, abs=1e-6)
    # Another parameter value never reuses a fold.
    changed = cross_validate(
        _cnn, x, y, **{**kwargs, "protocol": Protocol(max_epochs=2, patience=1, batch_size=8)}
    )
    assert not any(r.cached for r in changed)
    fold = json.loads(files[0].read_text())
    # The held-out fold is scored once; the training part gave up 10% for early stopping.
    assert fold["n_val"] == 40 and fold["n_train"] == 36
    assert 1 <= fold["best_epoch"] <= fold["epochs_run"] <= 2


def test_final_model_is_saved_and_reused(tiny, tmp_path):
    x, y = tiny
    kwargs = dict(
        model_id="t",
        protocol=Protocol(max_epochs=2, patience=1, batch_size=16),
        seed=0,
        model_dir=tmp_path,
        log=lambda m: None,
    )
    model, info = train_final(_cnn, x, y, x[:20], y[:20], **kwargs)
    assert not info["cached"] and len(info["predictions"]) == 20
    again, info2 = train_final(_cnn, x, y, x[:20], y[:20], **kwargs)
    assert info2["cached"] and info2["test_accuracy"] == info["test_accuracy"]
    np.testing.assert_allclose(
        again.predict(x[:5], verbose=0), model.predict(x[:5], verbose=0), rtol=1e-5
    )


def test_latency_is_timed_after_as_many_warm_up_calls():
    calls = []
    measure_latency(lambda batch: calls.append(len(batch)), np.zeros((8, 3)), (1, 4), 5)
    assert calls == [1] * 10 + [4] * 10  # 5 warm-up, then 5 timed, per batch size


def test_interleaved_latency_times_blocks_in_turn_and_reverses_their_order():
    from helpers.nets.cost import interleaved_latency

    calls = []
    times = interleaved_latency(
        {"a": lambda b: calls.append(("a", len(b))), "b": lambda b: calls.append(("b", len(b)))},
        np.zeros((8, 3)),
        batch_sizes=(1, 4),
        rounds=3,
        repeats=2,
    )
    warm = ["a"] * 2 + ["b"] * 2
    timed = ["a", "a", "b", "b"] + ["b", "b", "a", "a"] + ["a", "a", "b", "b"]  # 3 rounds
    assert [name for name, _ in calls] == (warm + timed) * 2
    assert [n for _, n in calls] == [1] * 16 + [4] * 16
    assert {k: len(v) for k, v in times["a"].items()} == {"1": 3, "4": 3}
    with pytest.raises(ValueError, match="rounds"):
        interleaved_latency({"a": len}, np.zeros((2, 1)), rounds=1)


# The CNN is saved untrained, its optimizer unbuilt: Keras warns that it skips its state.
@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_pipelines_answer_as_their_models_and_the_recorded_cnn_is_found(tmp_path):
    from helpers.nets.classification import cnn_pipeline, load_recorded_cnn, mlp_pipeline
    from helpers.nets.projection import make_projector, project

    rng = np.random.default_rng(0)
    images = rng.random((6, 8, 8)).astype("float32")
    flat = images.reshape(6, -1)
    projector = make_projector("gaussian", 5, 0).fit(flat)
    mlp = study_mlp(5)
    np.testing.assert_allclose(
        mlp_pipeline(mlp, projector)(images),
        mlp.predict(project(projector, flat), verbose=0),
        rtol=1e-5,
    )
    cnn = _cnn((8, 8, 1))
    cnn.save(tmp_path / "cnn-key.keras")
    loaded = load_recorded_cnn({"model_path": "/moved/away/cnn-key.keras"}, tmp_path)
    np.testing.assert_allclose(
        cnn_pipeline(loaded)(images), cnn.predict(images[..., None], verbose=0), rtol=1e-5
    )
    assert load_recorded_cnn({"model_path": "/x/missing.keras"}, tmp_path) is None
    assert load_recorded_cnn({}, tmp_path) is None


def test_latency_and_size(tiny):
    model = _cnn((8, 8, 1))
    latency = measure_latency(model, tiny[0], batch_sizes=(1, 32), repeats=2)
    assert 0 < latency[1]["ms_per_batch"] and latency[32]["ms_per_image"] > 0
    assert model_size_bytes(model) > 4 * model.count_params()


def test_accuracy_of_matches_keras_evaluate():
    from helpers.nets.models import accuracy_of, study_cnn

    set_seed(0)
    model = study_cnn((28, 28, 1))
    rng = np.random.default_rng(0)
    x = rng.random((300, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 300)
    _, expected = model.evaluate(x, y, batch_size=128, verbose=0)
    # An untrained model's class probabilities are nearly tied, so round-off between
    # graph and eager kernels may flip a few of its 300 argmaxes: at most 2%.
    assert accuracy_of(model, x, y, batch_size=128) == pytest.approx(expected, abs=0.02)
    with pytest.raises(ValueError, match="as many labels as images"):
        accuracy_of(model, x, y[:10])
