"""Chapter 01's and 03's steps (helpers.cs.study, helpers.nets.projection_study) and
their prose (helpers.prose), on small inputs."""

import numpy as np
import pandas as pd
import pytest

from helpers.cs import study as study1
from helpers.cs.images import GROUP_K
from helpers.nets import projection_study as study3
from helpers.prose import projection_mlp as text3
from helpers.prose import reconstruction as text1


def test_images_are_grouped_by_their_measure_never_by_name():
    images = study1.load_images(["smooth", "textured"], ["camera"], None, 64, seed=0)
    measures = study1.measure_images(images)
    groups = study1.group_images(images, measures)
    assert groups["synthetic"] == ["smooth", "textured"]
    assert groups[measures["camera"]["group"]] == ["camera"]
    # A user's file is its own role, whatever its measure.
    assert study1.group_images({"file": images["smooth"]}, {"file": measures["smooth"]}) == {
        "file": ["file"]
    }
    text = text1.grouping_text(measures)
    camera = measures["camera"]
    assert f"{camera['outside_best_k']:.1%} ({camera['group']}, roughness " in text
    assert f"roughness {camera['roughness']:.3g})" in text and "by their *roughness*" in text
    # A constant image has no roughness; the text says so instead of failing.
    assert "flat 0.0% (compressible, roughness none" in text1.grouping_text(
        {"flat": {"outside_best_k": 0.0, "group": "compressible", "roughness": None}}
    )
    assert "smooth" in text and "synthetic: reported, not judged" in text


def test_decay_rows_are_shares_of_the_variance_that_fall_with_k():
    from helpers.cs.operators import basis_operator

    images = study1.load_images(["smooth"], [], None, 32, seed=0)
    measures = study1.measure_images(images)
    groups = study1.group_images(images, measures)
    (row,) = study1.decay_rows(images, measures, groups, basis_operator("dct", 32), [50, 600])
    shares = [row[f"outside best {k}"] for k in sorted({50, GROUP_K, 600})]
    assert all(0 <= s <= 1 for s in shares) and shares == sorted(shares, reverse=True)
    assert row["role"] == "synthetic"


def test_comparison_tables_label_methods_and_oracles():
    rows = [
        {
            "scheme": s,
            "solver": v,
            "basis": "dct",
            "image": "a",
            "M": m,
            "mse_mean": e,
            "psnr_mean": -10 * np.log10(e),
            "seconds_mean": t,
        }
        for (s, v, m, e, t) in [
            ("gaussian", "fista", 100, 0.01, 0.5),
            ("gaussian", "fista", 200, 0.005, 0.7),
            ("gaussian", "oracle_m", 100, 0.001, 0.0),
            ("gaussian", "oracle_m", 200, 0.0005, 0.0),
        ]
    ]
    comparison, mse, psnr, ssim, seconds = study1.comparison_tables(rows)
    assert ssim is None  # not recorded in these rows
    rows[0]["ssim_mean"] = 0.8
    ssim = study1.comparison_tables(rows)[3].set_index("method")
    assert ssim.loc["gaussian / fista / dct", "a M=100"] == 0.8
    assert list(comparison.method.unique()) == ["gaussian / fista / dct", "oracle_m / dct"]
    assert list(mse.columns) == ["method", "a M=100", "a M=200"]
    assert mse.set_index("method").loc["oracle_m / dct", "a M=200"] == 0.0005
    assert psnr.set_index("method").loc["gaussian / fista / dct", "a M=100"] == pytest.approx(20.0)
    assert list(seconds.columns) == ["method", "s at M=100", "s at M=200"]
    methods = study1.comparison_methods("gaussian", "dct")
    assert (
        methods[0] == ("gaussian", "fista", "dct") and ("gaussian", "fista", "wavelet") in methods
    )
    assert study1.comparison_methods("gaussian", "wavelet")[3] == ("gaussian", "fista", "dct")


def test_image_descriptions_say_where_each_image_came_from():
    out = study1.image_descriptions(["smooth", "camera", "file"], "/x/y.png")
    assert out["file"] == "file: /x/y.png"
    assert out["camera"].startswith("scikit-image data.camera")
    assert out["smooth"].startswith("seeded synthetic")


def test_reconstruction_prose_fills_its_templates():
    caption = text1.table_1_caption(
        scheme="gaussian", basis="dct", solver="fista", trials=5, data_range=1.0
    )
    assert "gaussian measurements, DCT basis, fista, mean and std over 5 draws" in caption
    assert text1.field_caption(size=256, draws=1, data_range=1.0).endswith("over 1 draw")
    assert text1.field_caption(size=256, draws=5, data_range=1.0).endswith("over 5 draws")
    verdict = {"claim": "c", "verdict": "holds", "evidence": "e.", "rule": "r"}
    assert text1.verdict_text(verdict) == '**Verdict on "c": holds.** e.'


class _Data:
    def __init__(self, n_test, shape=(8, 8)):
        self.y_test = np.zeros(n_test)
        self.image_shape = shape


def _summary(mean, test, m, best=(2, 3), run=(3, 3)):
    return {
        "M": m,
        "mean": mean,
        "std": 0.01,
        "fold_accuracy": [mean - 0.01, mean + 0.01],
        "fold_best_epoch": list(best),
        "fold_epochs_run": list(run),
        "final_best_epoch": 3,
        "final_epochs_run": 3,
        "validation_accuracy": 0.7,
        "test_accuracy": test,
        "n_samples": 100,
        "folds": 2,
        "flops_per_image": 1e4,
        "params": 100,
        "train_images_per_s": 1000.0,
        "latency_ms": {"1": 0.1, "256": 1.0},
    }


def test_cv_plan_epochs_and_costs_of_the_projection_chapter():
    data = {"fm": _Data(100)}
    plan = study3.cv_plan(
        data,
        projection="gaussian",
        m=10,
        baselines=["pca", "pixels"],
        folds=2,
        sweep_methods=["gaussian"],
        sweep_m=[5, 20],
        sweep_folds=3,
    )
    assert [(method, m, folds) for _, method, m, folds in plan] == [
        ("gaussian", 10, 2),
        ("pca", 10, 2),
        ("pixels", 64, 2),
        ("gaussian", 5, 3),
        ("gaussian", 20, 3),
    ]
    headline = {"fm": _summary(0.7, 0.72, 10)}
    baselines = {"fm": {"pixels": _summary(0.8, 0.79, 64)}}
    rows = study3.epoch_rows(data, headline, baselines, "gaussian")
    assert rows[0] == {
        "dataset": "fm",
        "model": "gaussian, M=10",
        "fold 1": "2 / 3",
        "fold 2": "3 / 3",
        "final": "3 / 3",
    }
    runs = study3.epoch_runs(data, headline, baselines, "gaussian")
    assert runs["pixels MLP, fm"] == [(2, 3), (3, 3), (3, 3)]
    cnn = {"fm": _summary(0.9, 0.91, None)}
    points = study3.cost_points(data, cnn, headline, baselines, 10)
    assert [p["model"] for p in points] == ["CNN", "RP-MLP M=10", "pixels-MLP"]
    assert "latency b=1 (ms)" in study3.cost_frame(points).columns
    assert study3.pixel_points(baselines)[0]["M"] == 64
    paired, skipped = study3.paired_with_cnn({"fm": 0, "c10": 0}, cnn, {**headline, "c10": {}})
    assert skipped == ["c10"] and paired["fm"]["mean_difference"] == pytest.approx(0.2)
    assert study3.paired_rows(paired)[0]["CNN - MLP per fold"] == "+0.200, +0.200"


def test_cv_vs_test_and_jl_prose():
    data = {"fm": _Data(100)}
    out = text3.cv_vs_test_text(
        data, {"fm": _summary(0.7, 0.72, 10)}, {"fm": {}}, m=10, profile="quick", seed=0
    )
    assert "fm RP-MLP M=10: CV 0.7000, final model validation 0.7000" in out
    assert "test 0.7200" in out and f"fm {np.sqrt(0.72 * 0.28 / 100):.4f}" in out
    assert "`scripts/seed-spread.sh quick 10 20`" in out
    ratios = {"fm": np.linspace(0.9, 1.1, 101)}
    jl = text3.jl_text({0.1: 500, 0.5: 50}, ratios, n_points=1000, m=32)
    assert "eps = 0.1: M >= 500, eps = 0.5: M >= 50" in jl
    assert "is below the smallest of these (50)" in jl and "fm 0.910 to 1.090" in jl
    record = study3.jl_record({0.5: 50}, ratios, 32)
    np.testing.assert_allclose(record["ratio_quantiles"]["fm"], [0.91, 1.0, 1.09])


def test_latency_rows_from_recorded_rounds():
    headline = {
        "fm": {
            "latency_vs_cnn": {
                "1": {"cnn_ms": [2.0, 4.0], "mlp_ms": [1.0, 1.0], "ratio": 3.0, "low": 2, "high": 4}
            }
        }
    }
    (row,) = study3.latency_rows({"fm": 0}, headline, 0.9)
    assert row["batch"] == 1 and row["CNN (ms)"] == 3.0 and row["90% high"] == 4
    assert np.isnan(row["per-call floor (ms)"])  # recorded before verdict 3's v7
    assert isinstance(pd.DataFrame([row]), pd.DataFrame)


def test_latency_against_the_cnn_times_the_per_call_floor_in_the_same_rounds():
    pytest.importorskip("keras")
    from helpers.nets.classification import mlp_pipeline
    from helpers.nets.models import study_cnn, study_mlp

    images = np.random.default_rng(0).random((4, 28, 28), dtype=np.float32)
    turns = study3.latency_against_cnn(
        study_cnn((28, 28)),
        mlp_pipeline(study_mlp(784), None),
        images,
        m=784,
        rounds=2,
        repeats=1,
        level=0.9,
    )
    assert set(turns) == {"1", "256"}
    for turn in turns.values():
        assert len(turn["floor_ms"]) == len(turn["mlp_ms"]) == turn["rounds"] == 2
        assert all(t > 0 for t in turn["floor_ms"])
    headline = {"fm": {"latency_vs_cnn": turns}}
    rows = study3.latency_rows({"fm": 0}, headline, 0.9)
    assert [r["per-call floor (ms)"] for r in rows] == [
        np.median(t["floor_ms"]) for t in turns.values()
    ]


def test_a_leading_reference_opens_every_round_and_the_compared_pair_alternates():
    from helpers.nets.cost import interleaved_latency

    calls = []
    pipelines = {name: (lambda b, n=name: calls.append(n)) for name in ("floor", "A", "B")}
    interleaved_latency(pipelines, np.zeros((4, 2)), batch_sizes=(1,), rounds=4, repeats=1)
    assert calls[3:] == ["floor", "A", "B", "B", "A", "floor", "floor", "A", "B", "B", "A", "floor"]
    calls.clear()
    interleaved_latency(pipelines, np.zeros((4, 2)), batch_sizes=(1,), rounds=4, repeats=1, lead=1)
    timed = calls[3:]  # after one warm-up call each
    assert timed == ["floor", "A", "B", "floor", "B", "A"] * 2
    # A and B each follow the floor in half of the rounds and each other otherwise.
    follows = [(timed[i - 1], n) for i, n in enumerate(timed) if i and n != "floor"]
    assert follows.count(("floor", "A")) == follows.count(("floor", "B")) == 2
