"""Chapter 04's study steps (helpers.nets.svd_study) and its prose (helpers.prose)."""

import numpy as np
import pytest

from helpers.prose import svd_compression as text

keras = pytest.importorskip("keras")


def _tiny_data(n=60, side=16):
    from helpers.data import Dataset

    rng = np.random.default_rng(0)
    y = np.arange(n) % 10
    x = rng.random((n, side, side)).astype("float32")
    return {"tiny": Dataset("tiny", x, y, x[:20], y[:20], tuple(map(str, range(10))), "t", True)}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The chapter's three steps end to end on a tiny dataset (seconds)."""
    from helpers.nets.protocol import Protocol
    from helpers.nets.svd_study import score_choices, svd_sweep, sweep_table

    data = _tiny_data()
    protocol = Protocol(max_epochs=1, patience=1, validation_fraction=0.2, batch_size=16)
    model_dir = tmp_path_factory.mktemp("models")
    settings = dict(protocol=protocol, seed=0, padding="same", model_dir=model_dir)
    sweep = svd_sweep(
        data,
        energies=[0.5],
        rank_fractions=[0.25],
        layer_drops=[0.5],
        latency_repeats=1,
        **settings,
    )
    table = sweep_table(sweep)
    # A tolerance of 0.99 accepts every candidate: the smallest one is chosen and scored.
    best = score_choices(data, sweep, table, latency_repeats=1, tolerance=0.99, **settings)
    return data, sweep, table, best


def test_the_sweep_has_the_original_the_control_and_every_candidate(study):
    _, sweep, table, _ = study
    assert list(table.label) == [
        "original",
        "original + fine-tune",
        "energy 0.5",
        "rank x0.25",
        "per-layer, drop 0.5",
    ]
    assert sweep.exactness["tiny"] < 1e-4  # full rank: the same function, up to round-off
    original = table[table.label == "original"].iloc[0]
    assert (table.ratio == original.params / table.params).all()
    control = table[table.label == "original + fine-tune"].iloc[0]
    assert control["speed-up b=1"] == pytest.approx(1.0)
    from helpers.nets.svd_study import timing_noise

    ratio = original.latency_ms["256"] / control.latency_ms["256"]
    assert timing_noise(table) == {"tiny": pytest.approx(max(ratio, 1 / ratio))}
    assert set(sweep.sensitivity["tiny"]) == {"0.5"}


def test_the_choice_is_the_smallest_candidate_and_scored_against_both_baselines(study):
    data, sweep, table, best = study
    entry = best["tiny"]
    candidates = table[~table.label.isin(["original", "original + fine-tune"])]
    assert entry["label"] == candidates.loc[candidates.params.idxmin(), "label"]
    assert entry["params"] == candidates.params.min()
    n_test = len(data["tiny"].y_test)
    for key in ("test_accuracy", "control_test_accuracy", "narrow_test_accuracy"):
        assert entry[key] * n_test == pytest.approx(round(entry[key] * n_test))
    difference = entry["test_accuracy"] - entry["control_test_accuracy"]
    assert entry["versus_control"]["accuracy_difference"] == pytest.approx(difference)
    assert 0 <= entry["versus_narrow"]["p_value"] <= 1
    # A tolerance nobody meets: no choice, only the control's test score.
    from helpers.nets.svd_study import score_choice

    none = score_choice(
        data["tiny"],
        sweep,
        table,
        protocol=None,
        seed=0,
        padding="same",
        model_dir=None,
        latency_repeats=1,
        tolerance=-1.0,
    )
    assert set(none) == {"control_test_accuracy"}


def test_results_record(study):
    from helpers.nets.protocol import Protocol
    from helpers.nets.svd_study import svd_results

    data, sweep, table, best = study
    record = svd_results(
        sweep,
        table,
        best,
        profile="t",
        seed=0,
        protocol=Protocol(1, 1, 0.2, 16),
        tolerance=1.0,
        precision="float32",
    )
    assert len(record["rows"]) == len(table) and "ratio" not in record["rows"][0]
    assert record["chosen"] is best


def _entry(p_control, ratio, speedup):
    return {
        "label": "energy 0.5",
        "ratio": ratio,
        "params": 100,
        "val_accuracy": 0.80,
        "control_val_accuracy": 0.81,
        "test_accuracy": 0.79,
        "control_test_accuracy": 0.80,
        "speedup_batch1": 1.1,
        "speedup_batch256": speedup,
        "narrow_width": 0.5,
        "narrow_params": 120,
        "narrow_test_accuracy": 0.75,
        "narrow_epochs": "3 of 3, then 1 of 2 fine-tuning",
        "versus_narrow": {
            "accuracy_difference": 0.04,
            "only_a": 30,
            "only_b": 10,
            "p_value": 0.002,
        },
        "versus_control": {"accuracy_difference": -0.01, "p_value": p_control},
    }


@pytest.mark.parametrize(
    "p_control, ratio, speedup, shown, aim",
    [
        (0.01, 3.0, 1.2, "shown (p < 0.05)", "met."),
        (0.20, 3.0, 0.9, "not shown", "missed (slower at batch 256)."),
        (0.01, 1.5, 0.9, "shown", "missed (1.50x fewer parameters, slower at batch 256)."),
    ],
)
def test_choice_text_states_the_tests_and_the_aim_from_the_numbers(
    p_control, ratio, speedup, shown, aim
):
    line = text.choice_line(
        "fmnist",
        _entry(p_control, ratio, speedup),
        tolerance=0.01,
        alpha=0.05,
        target_ratio=2.0,
        timing_noise=1.03,
    )
    assert f"one-sided p = {p_control:.3g}): {shown}" in line
    assert line.endswith(aim)
    assert f"({ratio:.2f}x fewer parameters;" in line and "on the 40 test images" in line
    assert "differs by 1.03x" in line


def test_choice_text_without_a_choice_and_the_rule_in_standard_errors():
    out = text.choice_text(
        {"fmnist": {"control_test_accuracy": 0.8}},
        n_val=100,
        se=0.04,
        tolerance=0.01,
        alpha=0.05,
        target_ratio=2.0,
        timing_noise={"fmnist": 1.0},
    )
    assert "one image is 0.0100" in out and "about 0.2 standard errors" in out
    assert "- **fmnist**: no compressed model stayed within 0.01" in out
    assert "0.8000" in out


def test_exactness_text_explains_rounding_only_outside_float32():
    assert text.exactness_text({"a": 2e-7}, "float32", 256).endswith(
        "a: 2.0e-07, computed in float32."
    )
    assert "bfloat16 keeps about 3" in text.exactness_text({"a": 2e-3}, "mixed_bfloat16", 256)
