"""The summary's back matter (helpers.summary.appendix) and prose (helpers.prose.summary)."""

import pytest

from helpers.prose import summary as text
from helpers.summary.appendix import (
    configuration_rows,
    cost_plane_points,
    environment_tables,
    provenance_tables,
    where_the_folds_ran,
)


@pytest.mark.parametrize(
    "configuration, expected",
    [
        ({}, "MLP CV folds: this process; all else in-process"),
        (
            {"n_jobs": 2, "stacked_folds": True},
            "MLP CV folds: 2 single-threaded worker processes side by side, each CV's folds "
            "as one stacked model; all else in-process",
        ),
        (
            {"scheduler": "tcp://h:8786", "n_jobs": 4},
            "MLP CV folds: the Dask cluster given by --scheduler; all else in-process",
        ),
    ],
)
def test_where_the_folds_ran(configuration, expected):
    assert where_the_folds_ran(configuration) == expected


def test_training_note_names_stacks_threads_and_processes():
    assert text.training_note({}) == ""
    alone = text.training_note({"stacked_folds": True})
    assert "one stacked model per cross-validation;" in alone
    assert "thread count" not in alone
    parallel = text.training_note({"stacked_folds": True, "n_jobs": 3})
    assert "(3 stacks at a time, one per single-threaded worker process)" in parallel
    assert parallel.endswith("change the order of float sums in its training.")
    assert text.training_note({"n_jobs": 2}).startswith("The MLP's CV folds ran in other")


def _results():
    protocol = {"batch_size": 64, "max_epochs": 3, "patience": 2, "validation_fraction": 0.1}
    return {
        "cnn": {
            "datasets": {
                "fashion_mnist": {
                    "padding": "same",
                    "n_samples": 1000,
                    "folds": 2,
                    "protocol": protocol,
                    "test_accuracy": 0.81234,
                }
            }
        },
        "projection_mlp": {
            "configuration": {"projection": "gaussian", "M": 100, "folds": 2, "batch_size": 32}
        },
        "svd_compression": {
            "tolerance": 0.01,
            "chosen": {
                "fashion_mnist": {
                    "label": "energy 0.9",
                    "ratio": 2.5,
                    "test_accuracy": 0.8,
                    "control_test_accuracy": 0.81,
                    "narrow_test_accuracy": 0.78,
                    "narrow_params": 1234,
                    "speedup_batch1": 1.01,
                    "speedup_batch256": 1.7,
                },
                "cifar10": {"control_test_accuracy": 0.4},
            },
        },
    }


def test_configuration_rows_from_the_records():
    rows = dict(configuration_rows(_results()))
    assert rows["CNN folds / batch"] == "2 / 64"
    assert rows["MLP folds / batch"] == "2 (as the CNN's) / 32"
    assert rows["Training protocol (every classifier)"] == (
        "at most 3 epochs, early stopping with patience 2 on a 10% validation split"
    )
    assert "Exp. 1 solver" not in rows  # no reconstruction results, no rows
    assert configuration_rows({}) == []


def test_other_findings_from_the_records():
    out = text.other_findings(_results()).splitlines()
    assert out[0].startswith("- **SVD compression** (fashion_mnist): chosen on validation data")
    assert "2.5x fewer parameters; test accuracy 0.8000 against 0.8100" in out[0]
    assert out[1] == (
        "- **SVD compression** (cifar10): no level stayed within 0.01 of the equally "
        "fine-tuned CNN on validation data."
    )
    assert out[2] == (
        "- **CNN test split** (fashion_mnist): 0.8123 (the study reported no held-out score)."
    )
    assert text.other_findings({}) == "_No results recorded yet._"


def test_provenance_and_environment_tables():
    runs = [
        {
            "results": "cnn",
            "seconds": 10.0,
            "commit": "abc",
            "keras_backend": "jax",
            "devices": "cpu",
            "reason": "forced",
            "helpers": "/x",
            "parameters": {"seed": 0, "output_dir": "/o"},
            "phases": {"training": 8.0},
        }
    ]
    produced, why, phases = provenance_tables(runs, profile="quick", seed=0, cpu="EPYC")
    assert produced.caption == "Profile 'quick', seed 0: what produced each result set"
    assert phases.frame["share of wall time"].tolist() == [0.8]
    assert "CPU: EPYC" in phases.caption
    assert text.parameters_text(runs).endswith("- `cnn`: `seed=0`")
    machine = environment_tables({"cpu": "EPYC"}, {"numpy": "2"}, None)
    assert len(machine) == 1 and machine[0].frame["what"].tolist() == ["cpu", "version numpy"]
    datasets = {"fmnist": {"source": "/d/fmnist.npz", "sha256": "f" * 64}}
    assert environment_tables({}, {}, datasets)[1].frame["SHA-256"].tolist() == ["f" * 32]


def test_seed_hint_and_missing_text():
    hint = text.seed_hint("study", 0, (2, 3))
    assert "`scripts/seed-spread.sh study 10 20`" in hint and "verdicts 2 and 3 are" in hint
    assert text.missing_text([]) == ""
    assert text.missing_text(["cnn", "svd_compression"]).startswith(
        "_Results not found for: cnn, svd_compression ("
    )


def test_the_cost_plane_has_chapter_03s_points_and_each_chosen_svd_cnn():
    results = _results()
    results["projection_mlp"]["cost_points"] = [
        {"dataset": "fashion_mnist", "model": "CNN", "accuracy": 0.81, "flops_per_image": 9e6}
    ]
    results["svd_compression"]["rows"] = [
        {"dataset": "fashion_mnist", "label": "energy 0.9", "flops_per_image": 4e6}
    ]
    points = cost_plane_points(results)
    assert [p["model"] for p in points] == ["CNN", "SVD-CNN energy 0.9"]
    assert points[1]["flops_per_image"] == 4e6 and points[1]["accuracy"] == 0.8
    assert cost_plane_points({}) == []
