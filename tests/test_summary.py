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


def _real_images(compressible, incompressible, variances=None, synthetic=None):
    """A recorded table of real images: name -> [(M, MSE)], with measured groups.

    Variances default to 1e-2, so the relative MSE is 100x the MSE.
    """
    synthetic = synthetic or {}
    curves = {**compressible, **incompressible, **synthetic}
    variances = {name: 1e-2 for name in curves} | (variances or {})
    table = [
        {"image": name, "M": m, "mse_mean": v, "mse_std": 0.0, "trials": 5, "mae_mean": v**0.5}
        for name, points in curves.items()
        for m, v in points
    ]
    groups = {
        "compressible": list(compressible),
        "incompressible": list(incompressible),
        "synthetic": list(synthetic),
    }
    measures = {
        name: {
            "variance": variances[name],
            "outside_best_k": 0.1 if name in compressible else 0.7,
            "group": "compressible" if name in compressible else "incompressible",
        }
        for name in curves
    }
    return {
        "table": table,
        "image_groups": groups,
        "image_measures": measures,
        "grouping": {"k": 150, "max_outside": 0.5},
    }


def _c1(compressible, incompressible, **kwargs):
    recorded = _real_images(compressible, incompressible, **kwargs)
    return conclusion_verdicts({"reconstruction": recorded})[0]


GOOD = {"camera": [(50, 1e-3), (600, 1e-4)], "moon": [(50, 1e-3), (600, 2e-4)]}
FLAT = {"brick": [(50, 1e-2), (600, 8e-3)], "gravel": [(50, 1.2e-2), (600, 1.1e-2)]}


def test_conclusion_1_is_judged_on_measured_groups_with_leave_one_out():
    good = _c1(GOOD, FLAT)
    assert good["verdict"] == "supported"
    assert "Compressible: camera (10.0% of variance outside its best 150" in good["evidence"]
    assert "at most 50% of its variance" in good["evidence"]
    assert "without camera, supported" in good["evidence"]
    assert f"{verdicts.C1_MIN_DROP_RATIO:g}x" in good["evidence"]
    # gravel's relative MSE at M = 600 is 1.1: no better than the constant image.
    assert "floor 1.10 +- 0.00, no better than a constant image" in good["evidence"]
    # Incompressible images falling as fast and ending as low: not supported.
    assert _c1(GOOD, {"brick": [(50, 1e-3), (600, 1e-4)]})["verdict"] == "not supported"


def test_conclusion_1_is_mixed_when_it_rests_on_one_image():
    # moon alone neither falls faster nor ends lower; camera carries both halves.
    flat_moon = {"camera": [(50, 1e-2), (600, 1e-5)], "moon": [(50, 9e-3), (600, 8e-3)]}
    verdict = _c1(flat_moon, FLAT)
    assert "On all images: supported" in verdict["evidence"]
    assert "without camera, not supported" in verdict["evidence"]
    assert verdict["verdict"] == "mixed"


def test_conclusion_1_uses_the_relative_mse_not_the_mse():
    # moon's MSE is 10x lower than brick's only because its variance is 10x lower:
    # relative to the constant image it is as bad, so there is no higher floor.
    compressible = {"moon": [(50, 1e-3), (600, 1e-4)]}
    incompressible = {"brick": [(50, 1e-2), (600, 1e-3)]}
    same = _c1(compressible, incompressible, variances={"moon": 1e-3})
    assert same["verdict"] == "not supported"
    # With moon's variance as large as brick's, the floor is 10x lower: mixed.
    assert _c1(compressible, incompressible)["verdict"] == "mixed"


def test_synthetic_images_are_reported_but_not_judged():
    synthetic = {"smooth": [(50, 1e-2), (600, 1e-9)]}
    with_synthetic = _c1(GOOD, FLAT, synthetic=synthetic)
    assert with_synthetic["verdict"] == _c1(GOOD, FLAT)["verdict"]
    assert "Controlled cases, not judged" in with_synthetic["evidence"]
    assert "smooth (" in with_synthetic["evidence"]


def test_conclusion_1_needs_both_groups_of_real_images():
    synthetic = _reconstruction([(50, 1e-2), (600, 1e-5)], [(50, 2e-2), (600, 1e-2)])
    assert conclusion_verdicts({"reconstruction": synthetic})[0]["verdict"] == "no evidence"
    only_photos = _real_images({"camera": [(50, 1e-2), (600, 1e-4)]}, {})
    one_group = conclusion_verdicts({"reconstruction": only_photos})[0]
    assert one_group["verdict"] == "no evidence"
    assert "incompressible: none" in one_group["evidence"]


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


def test_conclusion_1_rule_is_generated_from_the_constants():
    from helpers.cs.images import GROUP_K

    rule = verdicts.conclusion_1_rule()
    assert f"best {GROUP_K} DCT" in rule and f"{verdicts.C1_MIN_FLOOR_RATIO:g}x" in rule
