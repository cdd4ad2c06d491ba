"""Verdicts are generated from recorded numbers by the documented rules."""

from helpers.summary import study, verdicts
from helpers.summary.verdicts import accuracy_rows, conclusion_verdicts, reconstruction_verdicts


def _reconstruction(smooth, textured):
    table = [{"image": "smooth", "M": m, "mse_mean": v, "mae_mean": v**0.5} for m, v in smooth]
    table += [{"image": "textured", "M": m, "mse_mean": v, "mae_mean": v**0.5} for m, v in textured]
    return {"table": table, "phase_transition": {}}


def _classification(cnn_acc, mlp_acc, cnn_flops=25e6, mlp_flops=5e5):
    cnn = {
        "datasets": {
            n: {
                "mean": a,
                "std": 0.01,
                "test_accuracy": a,
                "flops_per_image": cnn_flops,
                "train_images_per_s": 500,
            }
            for n, a in cnn_acc.items()
        }
    }
    mlp = {
        "datasets": {
            n: {
                "mean": a,
                "std": 0.01,
                "test_accuracy": a,
                "flops_per_image": mlp_flops,
                "train_images_per_s": 7000,
                "M": 100,
            }
            for n, a in mlp_acc.items()
        },
        "paired_test": {},
    }
    return cnn, mlp


def _real_images(photographs, textures):
    """A recorded table of real images: name -> [(M, MSE)], with their groups."""
    table = [
        {"image": name, "M": m, "mse_mean": v, "mae_mean": v**0.5}
        for name, points in {**photographs, **textures}.items()
        for m, v in points
    ]
    groups = {"photograph": list(photographs), "texture": list(textures), "synthetic": ["smooth"]}
    return {"table": table, "image_groups": groups}


def _c1(photographs, textures):
    return conclusion_verdicts({"reconstruction": _real_images(photographs, textures)})[0]


def test_conclusion_1_is_judged_on_real_images():
    photos = {"camera": [(50, 1e-2), (600, 1e-4)], "moon": [(50, 1e-3), (600, 1e-5)]}
    textures = {"brick": [(50, 2e-2), (600, 1e-2)], "gravel": [(50, 3e-2), (600, 1e-2)]}
    good = _c1(photos, textures)
    assert good["verdict"] == "supported"
    assert "camera, moon" in good["evidence"] and "brick, gravel" in good["evidence"]
    assert f"{verdicts.C1_MIN_DROP_RATIO:g}x" in good["evidence"]
    # Textures falling as fast and ending as low: not supported.
    assert _c1(photos, {"brick": [(50, 1e-2), (600, 1e-5)]})["verdict"] == "not supported"
    # Faster fall but no higher floor (within the stated ratio): mixed.
    same_floor = {"brick": [(50, 1.5e-4), (600, 1e-4 * 1.2)]}
    assert _c1({"camera": [(50, 1e-2), (600, 1e-4)]}, same_floor)["verdict"] == "mixed"


def test_conclusion_1_needs_both_groups_of_real_images():
    synthetic = _reconstruction([(50, 1e-2), (600, 1e-5)], [(50, 2e-2), (600, 1e-2)])
    assert conclusion_verdicts({"reconstruction": synthetic})[0]["verdict"] == "no evidence"
    only_photos = _real_images({"camera": [(50, 1e-2), (600, 1e-4)]}, {})
    assert conclusion_verdicts({"reconstruction": only_photos})[0]["verdict"] == "no evidence"


def test_conclusions_2_and_3():
    cnn, mlp = _classification(
        {"cifar10": 0.40, "fashion_mnist": 0.87}, {"cifar10": 0.30, "fashion_mnist": 0.84}
    )
    verdicts = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})
    assert verdicts[1]["verdict"] == "supported" and verdicts[2]["verdict"] == "supported"
    assert "50x fewer FLOPs" in verdicts[2]["evidence"]
    cnn, mlp = _classification(
        {"cifar10": 0.30, "fashion_mnist": 0.87},
        {"cifar10": 0.32, "fashion_mnist": 0.70},
        mlp_flops=24e6,
    )
    verdicts = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})
    assert verdicts[1]["verdict"] == "not supported" and verdicts[2]["verdict"] == "not supported"


def test_missing_results_give_no_evidence():
    assert {v["verdict"] for v in conclusion_verdicts({})} == {"no evidence"}


def test_table_rows_quote_the_study_and_judge_ours():
    rows = reconstruction_verdicts(_reconstruction([(50, 0.073211 * 1.5)], [(50, 0.017756 * 3)]))
    assert rows[0]["MSE study"] == study.RECONSTRUCTION["smooth"][50][0]
    assert rows[0]["verdict"].startswith("agrees") and rows[1]["verdict"] == "ours higher"
    cnn, _ = _classification({"cifar10": 0.3678 + 0.2, "fashion_mnist": 0.8663}, {})
    by_name = {r["dataset"]: r for r in accuracy_rows(cnn, study.CNN)}
    assert by_name["cifar10"]["verdict"] == "above (> 2 sd)"
    assert by_name["fashion_mnist"]["verdict"] == "within 2 sd"
