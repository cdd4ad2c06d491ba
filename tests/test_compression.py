import numpy as np
import pytest

keras = pytest.importorskip("keras")

from helpers.nets.compression import check_ranks, compress_model, ranks_for_energy, singular_values
from helpers.nets.cost import flops_per_image
from helpers.nets.models import study_cnn


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return study_cnn((16, 16))


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).random((8, 16, 16, 1)).astype("float32")


# bfloat16 keeps ~3 significant digits: a layer and its exact factorization then
# round differently; in float32 they agree to round-off.
@pytest.mark.parametrize("precision, atol", [("float32", 1e-5), ("mixed_bfloat16", 3e-3)])
def test_full_rank_rebuild_reproduces_the_original(precision, atol, x, monkeypatch):
    monkeypatch.setenv("REPORT_PRECISION", precision)
    keras.utils.set_random_seed(0)
    model = study_cnn((16, 16))
    full = {name: len(v) for name, v in singular_values(model).items()}
    rebuilt, applied = compress_model(model, full, factorize_all=True)
    assert applied == full
    assert keras.mixed_precision.global_policy().name == precision
    np.testing.assert_allclose(
        rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), atol=atol
    )
    assert model.get_layer("output").compute_dtype == "float32"  # softmax in float32


def test_compression_reduces_parameters_as_computed(model):
    ranks = {"conv2": 8, "conv4": 16, "dense1": 12}
    compressed, applied = compress_model(model, ranks)
    assert applied["conv2"] == 8 and applied["dense1"] == 12
    saved = 0
    for name, rank in ranks.items():
        kernel = model.get_layer(name).get_weights()[0]
        rows, cols = int(np.prod(kernel.shape[:-1])), kernel.shape[-1]
        saved += rows * cols - rank * (rows + cols)
    assert compressed.count_params() == model.count_params() - saved
    assert flops_per_image(compressed) < flops_per_image(model)


def test_layers_where_factoring_saves_nothing_are_kept(model):
    full = {name: len(v) for name, v in singular_values(model).items()}
    compressed, applied = compress_model(model, full)
    assert all(rank is None for rank in applied.values())
    assert compressed.count_params() == model.count_params()


def test_energy_ranks(model):
    values = singular_values(model)["dense1"]
    rank = ranks_for_energy(model, 0.8)["dense1"]
    energy = np.cumsum(values.astype(np.float64) ** 2) / np.sum(values.astype(np.float64) ** 2)
    assert energy[rank - 1] >= 0.8 > energy[rank - 2]
    assert all(r == len(singular_values(model)[n]) for n, r in ranks_for_energy(model, 1.0).items())


@pytest.mark.parametrize(
    "ranks, message",
    [
        ({"conv2": 0}, "rank of conv2 must be >= 1"),
        ({"conv2": 65}, "rank of conv2 must be <= 64"),
        ({"pool1": 2}, "layer 'pool1' cannot be factorized"),
    ],
)
def test_bad_ranks(model, ranks, message):
    with pytest.raises(ValueError, match=message):
        check_ranks(model, ranks)


@pytest.mark.parametrize("energy", [0, 1.2, -0.5])
def test_bad_energy(model, energy):
    with pytest.raises(ValueError, match=r"energy must be in \(0, 1\]"):
        ranks_for_energy(model, energy)


def test_a_convolution_is_factorized_only_where_its_factors_halve_its_cost(model):
    conv1, conv3 = model.get_layer("conv1"), model.get_layer("conv3")  # 9x32, 576x128
    from helpers.nets.compression import can_get_faster

    # conv1 (9 x 32): r (9 + 32) <= 288 / 2 only for r <= 3 of its 9
    assert [r for r in range(1, 10) if can_get_faster(conv1, r)] == [1, 2, 3]
    # conv3: rank r costs r (576 + 128) multiply-adds per pixel against 576 * 128.
    assert can_get_faster(conv3, 52) and not can_get_faster(conv3, 53)
    assert can_get_faster(model.get_layer("dense1"), 60)  # dense: parameters suffice


def test_layer_sensitivity_ranks_respect_the_drop_budget(model, x):
    from helpers.nets.compression import can_get_faster, layer_sensitivity_ranks

    y = np.argmax(model.predict(x, verbose=0), axis=1)  # the model is right on every image
    ranks, trials = layer_sensitivity_ranks(model, x, y, max_drop=0.0)
    assert trials
    for name, rank in ranks.items():
        assert can_get_faster(model.get_layer(name), rank)
        chosen = [t for t in trials if t["layer"] == name and t["rank"] == rank]
        assert chosen and chosen[0]["drop"] <= 0.0
        # every smaller candidate of that layer was tried and cost more than the budget
        assert all(t["drop"] > 0.0 for t in trials if t["layer"] == name and t["rank"] < rank)
    with pytest.raises(ValueError, match="max_drop"):
        layer_sensitivity_ranks(model, x, y, max_drop=1.5)


def test_choose_compression_keeps_a_model_exactly_at_the_tolerance():
    from helpers.nets.compression import choose_compression

    # float32 accuracies over 1000 images: 877 vs 887 correct is exactly 0.01 below.
    control = float(np.float32(0.887))
    rows = [
        {"label": "control", "val_accuracy_finetuned": control, "params": 100},
        {"label": "a", "val_accuracy_finetuned": float(np.float32(0.877)), "params": 20},
        {"label": "b", "val_accuracy_finetuned": float(np.float32(0.876)), "params": 10},
    ]
    assert choose_compression(rows, "control", 0.01)["label"] == "a"
    assert choose_compression(rows[:1] + rows[2:], "control", 0.01) is None


def _tiny_dataset(n=60, side=16, seed=0):
    from helpers.data import Dataset

    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    x = rng.random((n, side, side)).astype("float32")
    return Dataset("tiny", x, y, x[:10], y[:10], tuple(map(str, range(10))), "test", True)


def test_a_fine_tuning_is_cached_and_served_as_trained(tmp_path, monkeypatch):
    """A re-run serves each finished fine-tuning (no fit) with the same weights and
    scores; a changed protocol or a corrupt entry fine-tunes again."""
    import helpers.nets.training as training
    from helpers.nets.finetuning import compression_sweep
    from helpers.nets.protocol import Protocol

    keras.utils.set_random_seed(0)
    base = study_cnn((16, 16))
    ds = _tiny_dataset()
    configurations = [("control", 1.0, {}), ("rank 4", None, {"dense1": 4})]
    protocol = Protocol(max_epochs=2, patience=1, validation_fraction=0.2, batch_size=16)
    fits = []
    real_fit = training.fit_with_protocol

    def counting_fit(*args, **kwargs):
        fits.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(training, "fit_with_protocol", counting_fit)

    def sweep(protocol=protocol, configurations=configurations, cache_dir=tmp_path):
        return compression_sweep(
            base,
            ds,
            configurations,
            protocol=protocol,
            seed=0,
            latency_repeats=1,
            cache_dir=cache_dir,
        )

    first_rows, first_models = sweep()
    assert len(fits) == 2
    second_rows, second_models = sweep()
    assert len(fits) == 2  # both served from the cache
    drop = ("latency_ms", "latency_ms_per_image")
    assert [{k: v for k, v in r.items() if k not in drop} for r in second_rows] == [
        {k: v for k, v in r.items() if k not in drop} for r in first_rows
    ]
    for label in first_models:
        for a, b in zip(first_models[label].get_weights(), second_models[label].get_weights()):
            np.testing.assert_array_equal(a, b)
    sweep(Protocol(max_epochs=1, patience=1, validation_fraction=0.2, batch_size=16))
    assert len(fits) == 4  # a changed protocol is a new key
    sweep(configurations=[("control", 1.0, {}), ("rank 4", None, {"dense1": 5})])
    assert len(fits) == 5  # so is a changed rank (the control is served)
    # Weights without their record (a save interrupted between the two): not served.
    interrupted = tmp_path / "interrupted"
    sweep(configurations=configurations[:1], cache_dir=interrupted)
    next(interrupted.glob("*.json")).unlink()
    sweep(configurations=configurations[:1], cache_dir=interrupted)
    assert len(fits) == 7
    for path in tmp_path.glob("*.weights.h5"):
        path.write_bytes(b"not a weights file")
    rows, _ = sweep()
    assert len(fits) == 9  # unreadable entries are fine-tuned again, not served
    assert [r["val_accuracy_finetuned"] for r in rows] == [
        r["val_accuracy_finetuned"] for r in first_rows
    ]


def test_a_sweep_that_stops_at_the_choice_makes_the_same_choice(tmp_path, monkeypatch):
    """Fine-tuned from the fewest parameters up, the sweep stops at the rule's choice:
    the same choice, the same fine-tuned rows and weights as fine-tuning every candidate,
    fewer fits; when nothing passes, every candidate is fine-tuned."""
    import helpers.nets.training as training
    from helpers.nets.compression import choose_compression
    from helpers.nets.finetuning import compression_sweep
    from helpers.nets.protocol import Protocol

    keras.utils.set_random_seed(0)
    base = study_cnn((16, 16))
    ds = _tiny_dataset()
    # The smallest candidate is listed between two larger ones: the order is by size.
    configurations = [
        ("control", 1.0, {}),
        ("rank 4", None, {"dense1": 4}),
        ("rank 2", None, {"dense1": 2}),
        ("rank 8", None, {"dense1": 8}),
    ]
    protocol = Protocol(max_epochs=2, patience=1, validation_fraction=0.2, batch_size=16)
    fits = []
    real_fit = training.fit_with_protocol
    monkeypatch.setattr(
        training, "fit_with_protocol", lambda *a, **k: fits.append(1) or real_fit(*a, **k)
    )

    def sweep(**options):
        fits.clear()
        rows, models = compression_sweep(
            base, ds, configurations, protocol=protocol, seed=0, latency_repeats=1, **options
        )
        return rows, models, len(fits)

    drop = ("latency_ms", "latency_ms_per_image")  # timed again in each sweep

    def timeless(rows):
        return [{k: v for k, v in r.items() if k not in drop} for r in rows]

    every, every_models, n_every = sweep()
    assert n_every == 4 and all(r["fine_tuned"] for r in every)
    # Any candidate passes at tolerance 1: the choice is the smallest, found second.
    lazy, lazy_models, n_lazy = sweep(fine_tune_all=False, control_label="control", tolerance=1.0)
    assert n_lazy == 2
    assert [r["label"] for r in lazy] == [label for label, _, _ in configurations]
    assert choose_compression(lazy, "control", 1.0)["label"] == "rank 2"
    assert choose_compression(every, "control", 1.0)["label"] == "rank 2"
    for mine, theirs in zip(lazy, every):
        if mine["label"] in ("control", "rank 2"):
            assert timeless([mine]) == timeless([theirs])
            for a, b in zip(
                lazy_models[mine["label"]].get_weights(), every_models[mine["label"]].get_weights()
            ):
                np.testing.assert_array_equal(a, b)
        else:  # larger than the choice: rebuilt and costed, not fine-tuned
            assert not mine["fine_tuned"] and np.isnan(mine["val_accuracy_finetuned"])
            assert mine["val_accuracy"] == theirs["val_accuracy"]
            assert mine["params"] == theirs["params"] and mine["label"] not in lazy_models
    # Nothing passes (tolerance -1: above the control by 1): every candidate is tried.
    strict, _, n_strict = sweep(fine_tune_all=False, control_label="control", tolerance=-1.0)
    assert n_strict == 4 and choose_compression(strict, "control", -1.0) is None
    assert timeless(strict) == timeless(every)
    with pytest.raises(ValueError, match="control_label"):
        sweep(fine_tune_all=False, control_label="no such row")
