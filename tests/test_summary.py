"""Verdicts are generated from recorded numbers by the documented rules."""

import dataclasses

import numpy as np
import pytest
from scipy import stats

from helpers.stats.significance import paired_tests
from helpers.summary import (
    reconstruction_claim,
    reconstruction_claim_versions,
    reconstruction_rank,
    study,
    verdicts,
)
from helpers.summary.cnn_vs_mlp import judge_claim_2, judge_claim_3
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


def _real_images(
    compressible, incompressible, variances=None, synthetic=None, spread=0.0, roughness=None
):
    """A recorded table of real images: name -> [(M, MSE)], with measured groups.

    Variances default to 1e-2, so the relative MSE is 100x the MSE; the MSE's std over
    the 5 draws is ``spread`` x its mean. Roughness: 0.1, 0.2, ... in the order given
    (compressible first), or as given.
    """
    synthetic = synthetic or {}
    curves = {**compressible, **incompressible, **synthetic}
    variances = {name: 1e-2 for name in curves} | (variances or {})
    roughness = {n: 0.1 * (i + 1) for i, n in enumerate(curves)} | (roughness or {})
    table = [
        {
            "image": name,
            "M": m,
            "mse_mean": v,
            "mse_std": spread * v,
            "trials": 5,
            "mae_mean": v**0.5,
        }
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
            "roughness": roughness[name],
            "outside_best_m": {"600": 1e-3},
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
    """Verdict 1 under rule v4 (compressibility groups: still evaluated beside v5), with
    its checks as the summary's rows."""
    judged = reconstruction_claim_versions.judge_claim_1_v4(
        _real_images(compressible, incompressible, **kwargs)
    )
    return {**judged, "decisions": [d.as_row() for d in judged.get("decisions", [])]}


GOOD = {"camera": [(50, 1e-3), (600, 1e-4)], "moon": [(50, 1e-3), (600, 2e-4)]}
FLAT = {"brick": [(50, 1e-2), (600, 8e-3)], "gravel": [(50, 1.2e-2), (600, 1.1e-2)]}
# Rule v5: five real images, split at the median roughness (roughness 0.1-0.5 in this
# order: camera and moon smoother, grass at the median, brick and wood rougher).
MEDIAN = {"grass": [(50, 5e-3), (600, 2e-3)]}
ROUGH = {"brick": [(50, 1e-2), (600, 4e-3)], "wood": [(50, 1.2e-2), (600, 5e-3)]}


def _as_summary(judged):
    """A judge's verdict with its checks as the summary gives them (rows and numbers)."""
    decisions = judged.get("decisions", [])
    return {
        **judged,
        "decisions": [d.as_row() for d in decisions],
        "checks": [dataclasses.asdict(d) for d in decisions],
    }


def _c1_v5(smooth=GOOD, rough=ROUGH, median=MEDIAN, spread=0.1, **kwargs):
    """Verdict 1 under rule v5 (evaluated beside v6) as the summary gives it."""
    recorded = _real_images({**smooth, **median}, rough, spread=spread, **kwargs)
    return _as_summary(reconstruction_claim.judge_claim_1(recorded))


def _check(verdict, start):
    return next(d for d in verdict["decisions"] if d["check"].startswith(start))


ROUGH_HALF = "slowly, to a higher floor, for textured images"
SMOOTH_HALF = "falls quickly for smooth images"


def test_conclusion_1_splits_real_images_at_their_median_roughness():
    good = _c1_v5()
    assert good["verdict"] == "supported", good["evidence"]
    assert list(good["halves"].values()) == ["holds", "holds"]
    assert [d["outcome"] for d in good["decisions"]] == ["holds"] * 5
    assert "Smoother: camera, moon; rougher: brick, wood" in good["evidence"]
    assert (
        "Camera: roughness 0.1;" in good["evidence"]
        and "Brick: roughness 0.4;" in (good["evidence"])
    )
    assert "at the median, not judged: grass" in good["evidence"]
    assert "400x its best 600-term approximation's" in good["evidence"]  # brick: 0.4 / 1e-3
    assert (
        "Spearman rho = " in good["evidence"] and "without camera, drop ratio" in good["evidence"]
    )
    assert "With grass counted smoother the verdict would be" in good["evidence"]
    # The split follows the roughness, never the compressibility groups: with camera
    # the roughest and wood the smoothest, the smoother half no longer falls faster.
    swapped = _c1_v5(roughness={"camera": 0.5, "wood": 0.1})
    assert "Smoother: wood, moon; rougher: brick, camera" in swapped["evidence"]
    assert swapped["halves"][SMOOTH_HALF] == "fails"
    assert swapped["verdict"] == "contradicted"
    # An even count: no image sits out.
    even = _c1_v5(median={"grass": MEDIAN["grass"], "sand": [(50, 5e-3), (600, 2e-3)]})
    assert "at the median" not in even["evidence"] and "6 real images" in even["evidence"]


def test_conclusion_1_smoother_images_must_beat_the_constant_image():
    # Both smoother images end above the constant image's error: that half fails ...
    stuck = {"camera": [(50, 2e-2), (600, 1.2e-2)], "moon": [(50, 2e-2), (600, 1.3e-2)]}
    verdict = _c1_v5(smooth=stuck)
    assert _check(verdict, "smoother images beat")["outcome"] == "fails"
    assert verdict["halves"][SMOOTH_HALF] == "fails"
    # ... one of them alone does not decide it.
    one = {"camera": GOOD["camera"], "moon": stuck["moon"]}
    assert _check(_c1_v5(smooth=one), "smoother images beat")["outcome"] == "inconclusive"


def test_conclusion_1_rougher_images_not_recovered_is_at_most_inconclusive():
    # brick and wood end at relative MSE 1.3 and 1.25: their error falls, slowly, to a
    # higher floor, but above the constant image's: the claim does not promise
    # recovery, so that check is shown, not counted, and the half holds.
    stuck = {"brick": [(50, 1.6e-2), (600, 1.3e-2)], "wood": [(50, 1.6e-2), (600, 1.25e-2)]}
    verdict = _c1_v5(rough=stuck)
    recovered = _check(verdict, "rougher images beat")
    assert recovered["outcome"] == "fails" and recovered["would flip"].startswith("shown, not")
    assert "largest relative MSE: brick" in recovered["check"] and recovered["threshold"] == "1"
    assert verdict["halves"][ROUGH_HALF] == "holds"
    assert verdicts.deciding_check(verdict)["check"] != recovered["check"]
    # Rougher images whose error rises over the M range: that half fails.
    rising = {"brick": [(50, 5e-3), (600, 8e-3)], "wood": [(50, 6e-3), (600, 9e-3)]}
    verdict = _c1_v5(rough=rising)
    assert _check(verdict, "rougher images' relative MSE falls")["outcome"] == "fails"
    assert verdict["verdict"] == "contradicted"


def test_conclusion_1_per_image_checks_use_the_draws_spread():
    near = {"brick": [(50, 1.5e-2), (600, 5e-3)], "wood": [(50, 1.6e-2), (600, 9.7e-3)]}
    assert _check(_c1_v5(rough=near, spread=0.2), "rougher images beat")["outcome"] == (
        "inconclusive"
    )
    assert _check(_c1_v5(rough=near, spread=0.01), "rougher images beat")["outcome"] == "holds"
    # No spread over the draws: the per-image checks decide nothing, at any threshold.
    flat = _c1_v5(spread=0.0)
    undecided = _check(flat, "smoother images beat")
    assert "no spread over the draws" in undecided["check"]
    assert undecided["would flip"].startswith("inconclusive at any threshold")
    assert flat["verdict"] == "inconclusive"
    # The margin is t with 4 df (2.13 for 5 draws), not 2: a relative MSE 2.05 SE below 1
    # does not beat the constant image. SE = spread x relative MSE / sqrt(5).
    r = 1 / (1 + 2.05 * 0.2 / 5**0.5)
    edge = {"camera": [(50, 1.5e-2), (600, r * 1e-2)], "moon": GOOD["moon"]}
    assert _check(_c1_v5(smooth=edge, spread=0.2), "smoother images beat")["outcome"] == (
        "inconclusive"
    )


def test_conclusion_1_per_image_fails_need_two_images():
    # Three a side (seven images): one rough image rising is inconclusive, two fail it.
    smooth = {**GOOD, "coffee": [(50, 1e-3), (600, 1e-4)]}
    rising = [(50, 5e-3), (600, 8e-3)]
    falling = [(50, 1.2e-2), (600, 5e-3)]
    for n_rising, expected in ((1, "inconclusive"), (2, "fails")):
        rough = {
            name: rising if i < n_rising else falling
            for i, name in enumerate(("brick", "wood", "sand"))
        }
        verdict = _c1_v5(smooth=smooth, rough=rough)
        assert _check(verdict, "rougher images' relative MSE falls")["outcome"] == expected


def test_conclusion_1_on_the_study_render_s_numbers():
    # Relative MSE at M = 50 and 600 and the SE over 5 draws of the study render
    # (2026-12-04, float32), with each image's roughness at 64 x 64: the ratios are
    # inconclusive (camera alone makes them), gravel never beats the constant image.
    curves = {
        "camera": (0.11052, 0.013796, 9.0e-3, 6.2e-4, 0.09285, 0.362),
        "moon": (3.942e-3, 1.8165e-3, 8.9e-4, 6.8e-5, 2.908e-3, 0.718),
        "grass": (0.025676, 0.019301, 3.1e-3, 6.0e-4, 0.017675, 1.43),
        "brick": (0.047856, 0.028688, 5.5e-3, 1.3e-3, 0.035794, 1.459),
        "gravel": (0.032802, 0.027473, 3.5e-3, 7.9e-4, 0.024233, 1.519),
    }
    table = [
        {"image": n, "M": m, "mse_mean": mean, "mse_std": std, "trials": 5}
        for n, (lo, hi, sd_lo, sd_hi, _, _) in curves.items()
        for m, mean, std in ((50, lo, sd_lo), (600, hi, sd_hi))
    ]
    rec = {
        "table": table,
        "image_groups": {
            "compressible": ["camera", "moon"],
            "incompressible": ["brick", "grass", "gravel"],
        },
        "image_measures": {
            n: {"variance": v[4], "roughness": v[5], "outside_best_k": 0.5}
            for n, v in curves.items()
        },
    }
    verdict = _as_summary(reconstruction_claim.judge_claim_1(rec))
    outcomes = [d["outcome"] for d in verdict["decisions"]]
    assert outcomes == ["inconclusive", "holds", "inconclusive", "holds", "inconclusive"]
    assert verdict["verdict"] == "inconclusive"
    assert "largest relative MSE: gravel" in _check(verdict, "rougher images beat")["check"]
    assert "Spearman rho = 0.90" in verdict["evidence"]
    assert "at the median, not judged: grass" in verdict["evidence"]
    # Every image starts near the constant image's error at M = 50: said, not hidden.
    assert "the drop ratio mostly restates the floor ratio" in verdict["evidence"]


def test_conclusion_1_v5_needs_five_real_images_and_its_measures():
    # Fewer than five real images: not judged, and said why.
    four = _c1_v5(median={})
    assert four["verdict"] == "no evidence" and "4 real image(s)" in four["evidence"]
    # Results from before rule v5 (no roughness recorded): no evidence, v4 still shown.
    recorded = _real_images({**GOOD, **MEDIAN}, ROUGH, spread=0.1)
    for m in recorded["image_measures"].values():
        del m["roughness"]
    old = _as_summary(reconstruction_claim.judge_claim_1(recorded))
    assert old["verdict"] == "no evidence" and "roughness was not recorded" in old["evidence"]
    summary = conclusion_verdicts({"reconstruction": recorded})[0]
    assert [str(v["version"]) for v in summary["versions"]][:4] == ["1", "2", "3", "4"]
    assert summary["versions"][3]["outcome"] in {"supported", "inconclusive", "contradicted"}
    # Synthetic images are described, not judged, roughness or none.
    synthetic = {"smooth": [(50, 1e-2), (600, 1e-6)]}
    with_synthetic = _c1_v5(synthetic=synthetic)
    assert "Controlled cases, not judged" in with_synthetic["evidence"]
    assert with_synthetic["verdict"] == _c1_v5()["verdict"]


def test_conclusion_1_is_judged_on_measured_groups_with_leave_one_out():
    good = _c1(GOOD, FLAT)
    assert good["verdict"] == "supported"
    assert set(good["halves"].values()) == {"holds"}
    assert "Compressible: camera (10.0% of variance outside its best 150" in good["evidence"]
    assert "at most 50% of its variance" in good["evidence"]
    assert "without camera, falls quickly holds, floor holds" in good["evidence"]
    assert f"{verdicts.C1_MIN_DROP_RATIO:g}x" in good["evidence"]
    # gravel's relative MSE at M = 600 is 1.1: no better than the constant image.
    assert "floor 1.10 +- 0.00, no better than a constant image" in good["evidence"]
    # Incompressible images falling as fast and ending as low, whichever is left out:
    # both halves fail, the claim is contradicted.
    fast = {"brick": [(50, 1e-3), (600, 1e-4)], "gravel": [(50, 1e-3), (600, 1e-4)]}
    both_fail = _c1(GOOD, fast)
    assert both_fail["verdict"] == "contradicted"
    assert set(both_fail["halves"].values()) == {"fails"}


def test_conclusion_1_is_inconclusive_when_one_image_decides_it():
    # moon alone neither falls faster nor ends lower; camera carries both halves.
    flat_moon = {"camera": [(50, 1e-2), (600, 1e-5)], "moon": [(50, 9e-3), (600, 8e-3)]}
    verdict = _c1(flat_moon, FLAT)
    assert "without camera, falls quickly fails, floor fails" in verdict["evidence"]
    assert set(verdict["halves"].values()) == {"inconclusive"}
    assert verdict["verdict"] == "inconclusive"
    # A group of one image: leaving it out empties the group, so nothing is decided.
    single = _c1(GOOD, {"brick": FLAT["brick"]})
    assert single["verdict"] == "inconclusive" and "a group would be empty" in single["evidence"]


def test_conclusion_1_uses_the_relative_mse_not_the_mse():
    # moon's and camera's MSE is 10x lower than the textures' only because their
    # variance is 10x lower: relative to the constant image they are as bad.
    comp = {"moon": [(50, 1e-3), (600, 1e-4)], "camera": [(50, 1e-3), (600, 1e-4)]}
    incomp = {"brick": [(50, 1e-2), (600, 1e-3)], "gravel": [(50, 1e-2), (600, 1e-3)]}
    same = _c1(comp, incomp, variances={"moon": 1e-3, "camera": 1e-3})
    assert same["halves"]["higher floor for incompressible images"] == "fails"
    # With their variance as large as the textures', the floor is 10x lower; the drops
    # are still equal, so the claim is contradicted on its first half only.
    lower = _c1(comp, incomp)
    assert lower["halves"] == {
        "falls quickly for compressible images": "fails",
        "higher floor for incompressible images": "holds",
    }
    assert lower["verdict"] == "contradicted"


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
    assert conclusion_verdicts({"reconstruction": only_photos})[0]["verdict"] == "no evidence"
    one_group = reconstruction_claim_versions.judge_claim_1_v4(only_photos)
    assert one_group["verdict"] == "no evidence"
    assert "incompressible: none" in one_group["evidence"]


def test_flops_alone_give_no_evidence_for_conclusions_2_and_3():
    # Means and a 50x FLOP ratio but no paired test and no measured latency.
    cnn, mlp = _classification(
        {"cifar10": 0.40, "fashion_mnist": 0.87}, {"cifar10": 0.30, "fashion_mnist": 0.84}
    )
    c2, c3 = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[1:]
    assert c2["verdict"] == "no evidence" and "cifar10, fashion_mnist" in c2["evidence"]
    assert c3["verdict"] == "no evidence" and "latency_vs_cnn.1" in c3["evidence"]


def test_missing_results_give_no_evidence():
    assert {v["verdict"] for v in conclusion_verdicts({})} == {"no evidence"}


def test_table_rows_quote_the_study_and_judge_ours():
    rows = reconstruction_verdicts(_reconstruction([(50, 0.073211 * 1.5)], [(50, 0.017756 * 3)]))
    assert rows[0]["MSE study"] == study.RECONSTRUCTION["smooth"][50][0]
    assert rows[0]["verdict"].startswith("agrees") and rows[1]["verdict"] == "ours higher"


# Conclusions 2 and 3 and Tables 2-3 on recorded results in the JSON format of
# cnn.json and projection_mlp.json (fold scores, paired tests, measured cost).
N_SAMPLES = 10000


def _recorded(
    cifar_gaps,
    fashion_gaps,
    train=(500.0, 7000.0),
    latency_1=(2.0, 0.5),
    latency_256=(0.05, 0.01),
    test=(0.87, 0.84),
    latency_spread=1.1,
    epoch_spread=1.1,
    floor_share=(0.2, 0.01),
):
    """(cnn, projection_mlp) results whose per-fold CNN - RP-MLP gaps are given; the
    latencies timed in turn have intervals ``ratio / spread`` to ``ratio * spread``, and
    each final fit's epochs (after a slow first one) train ``train`` images per second
    times 1/spread, 1, spread, 1. The per-call floor takes ``floor_share`` of the
    RP-MLP's time at batch 1 and 256."""
    base = {"cifar10": 0.30, "fashion_mnist": 0.83}
    cnn = {"datasets": {}}
    mlp = {"datasets": {}, "paired_test": {}, "configuration": {"M": 100}}
    for name, gaps in (("cifar10", cifar_gaps), ("fashion_mnist", fashion_gaps)):
        k = len(gaps)
        mlp_folds = [base[name] + 0.002 * i for i in range(k)]
        cnn_folds = [a + g for a, g in zip(mlp_folds, gaps)]
        for out, folds, i in ((cnn, cnn_folds, 0), (mlp, mlp_folds, 1)):
            out["datasets"][name] = {
                "n_samples": N_SAMPLES,
                "folds": k,
                "fold_accuracy": folds,
                "mean": float(np.mean(folds)),
                "std": float(np.std(folds, ddof=1)),
                "test_accuracy": test[i],
                "train_images_per_s": train[i],
                "train_epoch_seconds": [2000 / train[i]]
                + [1000 / (train[i] * f) for f in (1 / epoch_spread, 1, epoch_spread, 1)],
                "train_images_per_epoch": 1000,
                "latency_ms_per_image": {"1": latency_1[i], "256": latency_256[i]},
                "flops_per_image": (25e6, 8e5)[i],
            }
        mlp["datasets"][name]["latency_vs_cnn"] = {
            b: {
                "ratio": r,
                "low": r / latency_spread,
                "high": r * latency_spread,
                "rounds": 10,
                "mlp_ms": [fast * int(b)] * 3,
                "floor_ms": [fast * int(b) * share] * 3,
            }
            for b, (slow, fast), share in zip(("1", "256"), (latency_1, latency_256), floor_share)
            for r in [slow / fast]
        }
        n_val = N_SAMPLES / k
        mlp["paired_test"][name] = paired_tests(
            cnn_folds, mlp_folds, n_train=N_SAMPLES - n_val, n_val=n_val
        )
    return cnn, mlp


CLEAR = [0.10, 0.11, 0.12, 0.10, 0.11]  # CIFAR-10: large and consistent
SLIGHT = [0.02, 0.03, 0.025, 0.035, 0.03]  # Fashion-MNIST: small and consistent


def _c2(cifar_gaps, fashion_gaps):
    return conclusion_verdicts(
        dict(zip(("cnn", "projection_mlp"), _recorded(cifar_gaps, fashion_gaps)))
    )[1]


def _c3(fashion=SLIGHT, seeds=3, rule=None, **kwargs):
    """Verdict 3 over ``seeds`` runs of :func:`_recorded` (one: this run alone), each
    seed's Fashion-MNIST gaps and CNN fit times a little apart, so that intervals over
    the seeds have a width; the earlier rule versions read the first. Each seed's
    latency speed-ups are its recorded ratio times s^0, s, 1/s, ... with s chosen so the
    seeds' 90% interval of three runs spans ratio / latency_spread to ratio x
    latency_spread, as one run's rounds do (the first seed keeps the ratio).
    ``rule``: judge under that version of verdict 3's rule (default: the current one)."""
    spread = kwargs.get("latency_spread", 1.1)
    step = spread ** (1 / (stats.t.ppf(0.95, 2) / np.sqrt(3)))
    runs = []
    for i in range(seeds):
        cnn, mlp = _recorded(CLEAR, [g + 0.001 * i for g in fashion], **kwargs)
        entry = cnn["datasets"]["fashion_mnist"]
        entry["train_epoch_seconds"] = [t * (1 + 0.03 * i) for t in entry["train_epoch_seconds"]]
        factor = step ** ((i + 1) // 2 * (1 if i % 2 else -1))
        for turn in mlp["datasets"]["fashion_mnist"]["latency_vs_cnn"].values():
            turn.update({k: turn[k] * factor for k in ("ratio", "low", "high")})
            turn["mlp_ms"] = [t / factor for t in turn["mlp_ms"]]
            turn["floor_ms"] = [t / factor for t in turn["floor_ms"]]
        runs.append({"cnn": cnn, "projection_mlp": mlp})
    if rule is None:
        return conclusion_verdicts(runs[0], runs[1:])[2]
    mlps = [r["projection_mlp"] for r in runs]
    claim_2 = judge_claim_2(mlps[0], mlps[1:])
    pairs = [(r["cnn"], r["projection_mlp"]) for r in runs[1:]]
    judged = judge_claim_3(runs[0]["cnn"], mlps[0], claim_2, version=rule, seed_runs=pairs)
    return _as_summary(judged)


def _halves(verdict):
    return tuple(verdict["halves"].values())


def test_conclusion_2_every_outcome_of_every_half():
    good = _c2(CLEAR, SLIGHT)
    assert good["verdict"] == "supported" and _halves(good) == ("holds", "holds")
    assert "CIFAR-10 +0.1080" in good["evidence"] and "Fashion-MNIST +0.0280" in good["evidence"]
    assert "90% interval" in good["evidence"]
    # Every check prints its interval, threshold and where it would flip.
    first = good["decisions"][0]
    assert first["threshold"] == f"{verdicts.C2_MIN_CLEAR_GAP:g}"
    assert first["would flip"].startswith("holds for a threshold up to 0.09")
    # Clear on CIFAR-10, but the Fashion-MNIST gap is as large: contradicted.
    assert _halves(_c2(CLEAR, CLEAR)) == ("holds", "fails")
    assert _c2(CLEAR, CLEAR)["verdict"] == "contradicted"
    # A consistent CIFAR-10 gap whose whole interval is below the minimum: "clearly"
    # fails; a Fashion-MNIST gap around 0 does not show that the CNN beats the MLP.
    small = [0.04, 0.045, 0.04, 0.045, 0.04]
    flat = [0.0, 0.005, -0.005, 0.0, 0.005]
    assert _halves(_c2(small, flat)) == ("fails", "inconclusive")
    assert _halves(_c2(small, SLIGHT)) == ("fails", "holds")
    # The same mean CIFAR-10 gap (+0.12) spread so widely that its interval straddles
    # 0.05: "clearly" is inconclusive, not failed.
    noisy = [0.40, -0.20, 0.35, -0.15, 0.20]
    assert _c2(noisy, SLIGHT)["halves"]["clearly on CIFAR-10"] == "inconclusive"
    assert _c2(noisy, SLIGHT)["verdict"] == "inconclusive"
    # A Fashion-MNIST gap whose mean (0.044) is below the size but whose interval
    # straddles it: "only slightly" is inconclusive.
    straddling = [0.01, 0.08, 0.02, 0.07, 0.04]
    verdict = _c2(CLEAR, straddling)
    assert _halves(verdict) == ("holds", "inconclusive")
    assert verdict["verdict"] == "inconclusive"
    # The CNN clearly worse on Fashion-MNIST: "only slightly" (it beats the MLP) fails.
    worse = [-0.03, -0.02, -0.025, -0.035, -0.03]
    verdict = _c2(CLEAR, worse)
    assert _halves(verdict) == ("holds", "fails")
    outcomes = {d["check"]: d["outcome"] for d in verdict["decisions"]}
    assert outcomes["Fashion-MNIST: the gap lies above 0 (the CNN beats it)"] == "fails"
    assert outcomes["Fashion-MNIST: the gap lies below 0.05"] == "holds"
    # CNN worse on CIFAR-10 and far better on Fashion-MNIST: both halves fail.
    assert _halves(_c2([-0.02, -0.03, -0.02, -0.03, -0.02], CLEAR)) == ("fails", "fails")
    # Results recorded before paired tests kept n_train / n_val: the sizes come
    # from the dataset entries (same verdict); without those either, no evidence.
    cnn, mlp = _recorded(CLEAR, SLIGHT)
    for test in mlp["paired_test"].values():
        del test["n_train"], test["n_val"]
    assert conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[1] == good
    del mlp["datasets"]["cifar10"]["n_samples"]
    assert conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[1]["verdict"] == "no evidence"
    # A missing paired test: no evidence.
    cnn, mlp = _recorded(CLEAR, SLIGHT)
    del mlp["paired_test"]["fashion_mnist"]
    assert conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[1]["verdict"] == "no evidence"


def test_conclusion_2_on_gaps_that_do_not_vary_is_inconclusive():
    # Every fold's gap equal (a few fold accuracies on few images can be): the
    # interval has zero width, the noise is not estimated, and no check is decided,
    # however far its point lies from the threshold.
    verdict = _c2([0.10] * 5, [0.02] * 5)
    assert _halves(verdict) == ("inconclusive", "inconclusive")
    assert verdict["verdict"] == "inconclusive"
    assert {d["outcome"] for d in verdict["decisions"]} == {"inconclusive"}
    assert all("zero spread" in d["would flip"] for d in verdict["decisions"])
    # One varying dataset decides its own checks; the other stays undecided.
    assert _halves(_c2(CLEAR, [0.02] * 5)) == ("holds", "inconclusive")


def test_conclusion_2_is_shown_under_every_version_of_its_rule():
    # The straddling Fashion-MNIST gap (mean 0.044): the point rules (v1, v2) pass it,
    # the 95% interval rule (v3) does not, the current rule calls it inconclusive.
    versions = _c2(CLEAR, [0.01, 0.08, 0.02, 0.07, 0.04])["versions"]
    assert [v["outcome"] for v in versions] == [
        "supported",
        "supported",
        "mixed",
        "inconclusive",
        "inconclusive",
        "inconclusive",
    ]
    assert [v["results seen"] for v in versions][-4:] == ["yes", "yes", "yes", "yes"]
    assert [v["version"] for v in versions] == ["1", "2", "3", "4", "5", "6"]
    # Gaps that do not vary: v4 decided on the zero-width interval, v5 and v6 do not.
    constant = [v["outcome"] for v in _c2([0.10] * 5, [0.02] * 5)["versions"]][-3:]
    assert constant == ["supported", "inconclusive", "inconclusive"]


def test_gap_difference_test_is_a_corrected_welch_test():
    cnn, mlp = _recorded(CLEAR, SLIGHT)
    first, second = mlp["paired_test"]["cifar10"], mlp["paired_test"]["fashion_mnist"]
    sizes = (8000, 2000)
    out = verdicts.gap_difference_test(first, second, sizes, sizes)
    v1, v2 = ((1 / 5 + 2000 / 8000) * np.var(g, ddof=1) for g in (CLEAR, SLIGHT))
    assert out["mean_difference"] == pytest.approx(np.mean(CLEAR) - np.mean(SLIGHT))
    assert out["t_statistic"] == pytest.approx(out["mean_difference"] / np.sqrt(v1 + v2))
    assert out["df"] == pytest.approx((v1 + v2) ** 2 / (v1**2 / 4 + v2**2 / 4))
    same = verdicts.gap_difference_test(first, first, sizes, sizes)
    assert same["t_statistic"] == 0 and same["p_value"] == 1


def test_conclusion_3_every_outcome_on_measured_cost_under_rule_v9():
    # Rule v9 (latency from one run's rounds, a failing check gated by the floor), as
    # the ledger table still evaluates it; v10 is tested below.
    good = _c3(rule=9)
    assert good["verdict"] == "supported" and _halves(good) == ("holds", "holds")
    assert "the CNN takes 14.4x as long (geometric mean over 3 seeds" in good["evidence"]
    assert "On the test split, one final model each, 0.8400 against 0.8700" in good["evidence"]
    # One run alone: its training time is shown, not counted, so "cheaper" is undecided.
    alone = _c3(rule=9, seeds=1)
    assert _halves(alone) == ("inconclusive", "holds")
    training = alone["decisions"][0]
    assert training["outcome"] == "holds" and "(this run; not counted)" in training["check"]
    assert training["would flip"].startswith("counted over at least 3 seeds")
    assert "the CNN takes 14x as long in this run (12 s over 5 epochs" in alone["evidence"]
    assert "4x as fast per image at batch 1" in good["evidence"]
    assert "31.2x fewer FLOPs" in good["evidence"] and "not judged" in good["evidence"]
    # 31x fewer FLOPs, but measured no faster to train: "cheaper" fails (FLOPs do not count).
    slow = _c3(rule=9, train=(500.0, 600.0))
    assert _halves(slow) == ("fails", "holds") and slow["verdict"] == "contradicted"
    # 2.4x faster at batch 1, but its interval reaches down to 1.85x: inconclusive.
    wide = _c3(rule=9, latency_1=(1.2, 0.5), latency_spread=1.3)
    assert _halves(wide) == ("inconclusive", "holds") and wide["verdict"] == "inconclusive"
    assert "2.4x as fast per image at batch 1 (1.85-3.12x" in wide["evidence"]
    # "Close in accuracy" is verdict 2's Fashion-MNIST margin, cited: its three outcomes.
    far = [0.15, 0.17, 0.16, 0.18, 0.15]
    assert _halves(_c3(rule=9, fashion=far)) == ("holds", "fails")
    straddling = _c3(rule=9, fashion=[0.01, 0.08, 0.02, 0.07, 0.04])
    assert _halves(straddling) == ("holds", "inconclusive")
    assert "cited from verdict 2" in straddling["evidence"]
    # One final model's test gap is reported, never judged.
    assert _c3(rule=9, test=(0.87, 0.70))["verdict"] == "supported"
    # No latency timed in turn with the CNN, or no epoch-throughput range: no evidence.
    for entry, key, named in (
        ("mlp", "latency_vs_cnn", "latency_vs_cnn.1"),
        ("cnn", "train_epoch_seconds", "train_epoch_seconds"),
    ):
        cnn, mlp = _recorded(CLEAR, SLIGHT)
        del {"cnn": cnn, "mlp": mlp}[entry]["datasets"]["fashion_mnist"][key]
        verdict = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[2]
        assert verdict["verdict"] == "no evidence" and named in verdict["evidence"]
    # Latency checks count only where the model's work sets the time. 1.8x at batch 1
    # fails; with the per-call floor at 40% of the RP-MLP's time that counts ...
    slow_1 = {"latency_1": (0.9, 0.5)}
    assert _c3(rule=9, **slow_1, floor_share=(0.4, 0.01))["verdict"] == "contradicted"
    # ... with the floor at 60% it is shown, not counted, and says why; batch 256 decides.
    bound = _c3(rule=9, **slow_1, floor_share=(0.6, 0.01))
    assert _halves(bound) == ("holds", "holds")
    at_1 = next(d for d in bound["decisions"] if "batch 1 " in d["check"])
    assert at_1["outcome"] == "fails" and "framework-bound, not counted" in at_1["check"]
    assert at_1["would flip"].startswith("counted only where the per-call floor takes at most 50%")
    assert "per-call floor 60% of its time" in bound["evidence"]
    assert verdicts.deciding_check(bound)["check"] != next(
        c["check"] for c in bound["checks"] if "batch 1 " in c["check"]
    )
    # The same at batch 256; and with no latency check counted, "cheaper" is undecided.
    slow_256 = {"latency_256": (0.018, 0.01)}
    assert _halves(_c3(rule=9, **slow_256, floor_share=(0.01, 0.7))) == ("holds", "holds")
    assert _halves(_c3(rule=9, **slow_1, **slow_256, floor_share=(0.7, 0.7)))[0] == "inconclusive"
    # A check that holds counts whatever the floor: overhead only pulls a speed-up to 1.
    assert _c3(rule=9, floor_share=(0.9, 0.9))["verdict"] == "supported"
    # Results without the floor timed: no evidence under v9 (v6 still judges them; v10
    # reads one run's latency as a point, not counted, and needs no floor for that).
    cnn, mlp = _recorded(CLEAR, SLIGHT)
    del mlp["datasets"]["fashion_mnist"]["latency_vs_cnn"]["1"]["floor_ms"]
    claim_2 = judge_claim_2(mlp)
    v9 = judge_claim_3(cnn, mlp, claim_2, version=9)
    assert v9["verdict"] == "no evidence" and "latency_vs_cnn.1.floor_ms" in v9["evidence"]
    verdict = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[2]
    assert verdict["verdict"] == "inconclusive"
    assert verdict["versions"][5]["outcome"] == "supported"
    assert verdict["versions"][-3]["outcome"].startswith("not re-evaluated")  # v9
    # Timed in turn at batch 1 but not at 256: no evidence either.
    cnn, mlp = _recorded(CLEAR, SLIGHT)
    del mlp["datasets"]["fashion_mnist"]["latency_vs_cnn"]["256"]
    verdict = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[2]
    assert verdict["verdict"] == "no evidence" and "latency_vs_cnn.256" in verdict["evidence"]


def test_conclusion_3_reads_latency_at_the_decision_level_from_the_round_times():
    from helpers.stats.ratios import latency_ratio

    cnn, mlp = _recorded(CLEAR, SLIGHT)
    cnn_ms, mlp_ms = [1.2, 1.3, 1.25, 1.4], [0.5, 0.55, 0.6, 0.5]
    mlp["datasets"]["fashion_mnist"]["latency_vs_cnn"]["1"].update(
        cnn_ms=cnn_ms, mlp_ms=mlp_ms, floor_ms=[0.1] * 4
    )
    expected = latency_ratio(cnn_ms, mlp_ms, level=0.90)
    # Rule v9 judged one run's rounds at the decision level ...
    v9 = _as_summary(judge_claim_3(cnn, mlp, judge_claim_2(mlp), version=9))
    at_1 = next(d for d in v9["decisions"] if "batch 1 " in d["check"])
    assert at_1["90% interval"] == f"[{expected['low']:.4g}, {expected['high']:.4g}]x"
    assert "as recorded" not in at_1["check"]
    # Without the round times the recorded (95%, wider) interval is used, and said so.
    at_256 = next(d for d in v9["decisions"] if "batch 256" in d["check"])
    assert "(95% interval, as recorded)" in at_256["check"]
    # ... v10 takes the same geometric mean as this run's speed-up, shown, not counted.
    verdict = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[2]
    at_1 = next(c for c in verdict["checks"] if "batch 1 " in c["check"])
    assert at_1["estimate"] == pytest.approx(expected["ratio"])
    assert at_1["uncounted"] and "(this run; not counted)" in at_1["check"]


def test_conclusion_3_is_shown_under_every_version_of_its_rule():
    # 2.4x at batch 1 with an interval down to 1.85x: the point rules pass it, the 95%
    # interval rules (v4, v5) do not, the 90% interval rules (v6, v7) call it inconclusive.
    # v7a's code is not kept (b2cf7a3 rewrote v7 in place): shown, not re-evaluated.
    versions = _c3(latency_1=(1.2, 0.5), latency_spread=1.3)["versions"]
    assert [v["version"] for v in versions][5:8] == ["6", "7a", "7b"]
    assert [v["outcome"] for v in versions] == [
        "supported",
        "supported",
        "supported",
        "mixed",
        "mixed",
        "inconclusive",
        "not re-evaluated (its code is not kept)",
        "inconclusive",
        "inconclusive",
        "inconclusive",
        "inconclusive",
        "supported",  # v11: batch 1 reported, not counted; training and batch 256 hold
    ]
    # A failed batch-1 speed-up that the framework's floor sets: v6 counted it, v7b-v9
    # do not; v10 does not count it either (nor would it count one that held there).
    floored = _c3(latency_1=(0.9, 0.5), floor_share=(0.8, 0.01))["versions"]
    assert [v["outcome"] for v in floored][5:] == [
        "contradicted",
        "not re-evaluated (its code is not kept)",
        "supported",
        "supported",
        "supported",
        "supported",
        "supported",  # v11: batch 1 reported, never counted
    ]
    # v4 bounded training by the slowest RP-MLP epoch against the fastest CNN epoch; v5
    # by a Welch interval: epochs 2.5x faster on average, a little jittery, split the two.
    jittery = _c3(train=(500.0, 1250.0), epoch_spread=1.15)["versions"]
    assert [v["outcome"] for v in jittery][3:5] == ["mixed", "supported"]


def test_training_speed_interval_decides_cheaper():
    # 2.5x faster per epoch, but the epochs vary so much that v7's per-epoch interval
    # reaches below 2x: inconclusive there; with steady epochs it holds. The current rule
    # reads the whole fits over the seeds, whose ratios (about 2.5x) agree: it holds.
    jittery = _c3(train=(500.0, 1250.0), epoch_spread=1.5)
    assert jittery["versions"][7]["version"] == "7b"
    assert jittery["versions"][7]["outcome"] == "inconclusive"
    assert jittery["halves"]["cheaper"] == "holds"
    assert "the CNN takes 2.57x as long (geometric mean over 3 seeds" in jittery["evidence"]
    steady_epochs = _c3(train=(500.0, 1250.0), epoch_spread=1.05)
    assert steady_epochs["versions"][7]["outcome"] == "supported"
    # Latency rounds that did not vary at all: that check decides nothing.
    steady = _c3(latency_256=(0.05, 0.01), latency_spread=1.0)
    assert steady["halves"]["cheaper"] == "inconclusive"
    at_1 = next(d for d in steady["decisions"] if "batch 256 " in d["check"])
    assert at_1["would flip"].startswith("inconclusive at any threshold: zero spread")


def _seeded_c3(ratios, **kwargs):
    """Verdict 3 over one seed per entry of ``ratios``: each seed's final CNN fit takes
    that many times as long, whole, as its RP-MLP fit (Fashion-MNIST gaps a little
    apart, so that verdict 2 pools over the seeds too)."""
    runs = []
    for i, ratio in enumerate(ratios):
        cnn, mlp = _recorded(CLEAR, [g + 0.002 * i for g in SLIGHT], **kwargs)
        jitter = [0.9, 1.1, 1.0, 1.05, 0.95]  # sums to 5: the whole fit is unchanged
        cnn["datasets"]["fashion_mnist"]["train_epoch_seconds"] = [2.0 * ratio * j for j in jitter]
        mlp["datasets"]["fashion_mnist"]["train_epoch_seconds"] = jitter * 2
        for turn in mlp["datasets"]["fashion_mnist"]["latency_vs_cnn"].values():
            turn["ratio"] *= 1 + 0.02 * i  # the seeds' latency a little apart
        runs.append({"cnn": cnn, "projection_mlp": mlp})
    return conclusion_verdicts(runs[0], runs[1:])[2]


def test_conclusion_3_judges_training_over_the_seeds_time_to_a_trained_model():
    held = _seeded_c3([7.1, 7.3, 8.3])
    assert _halves(held) == ("holds", "holds") and held["verdict"] == "supported"
    assert "the CNN takes 7.55x as long (geometric mean over 3 seeds" in held["evidence"]
    assert "t with 2 df on the log ratios" in held["evidence"]
    assert "4.08x at batch 1 (3.95-4.22x over 3 seeds" in held["evidence"]
    training = held["decisions"][0]
    assert "time to a trained model, CNN over RP-MLP above 2x (over 3 seeds)" in (training["check"])
    assert held["versions"][-1]["judged on"].startswith("cost over 3 seeds")
    assert held["versions"][-3]["judged on"].startswith("training time over 3 seeds")  # v9
    # Per epoch the RP-MLP is over 2x as fast, but it runs twice the epochs: its whole
    # fits take about as long as the CNN's, so "cheaper" fails.
    slow = _seeded_c3([1.1, 1.3, 1.2])
    assert _halves(slow) == ("fails", "holds") and slow["verdict"] == "contradicted"
    assert slow["versions"][-1]["outcome"] == "contradicted"
    # Seeds that disagree about which side of 2x: inconclusive.
    assert _halves(_seeded_c3([1.5, 3.0, 2.4]))[0] == "inconclusive"
    # Two seeds are too few: this run's whole fits decide, with the jitter of its epochs
    # only, and say so; v7, reading its per-epoch throughputs (about 2.2x), called it
    # supported.
    two = _seeded_c3([1.1, 1.3])
    assert _halves(two)[0] == "inconclusive"
    assert two["decisions"][0]["outcome"] == "fails"
    assert "(this run; not counted)" in two["decisions"][0]["check"]
    assert "2 seeds with comparable final fits; 3 decide it" in two["evidence"]
    assert two["versions"][-4]["outcome"] == "supported"
    # A seed that lacks the dataset does not count towards the three: two such seeds
    # leave this run's fits alone (not counted), and 'cheaper' undecided.
    cnn, mlp = _recorded(CLEAR, SLIGHT)
    del cnn["datasets"]["fashion_mnist"]
    found = conclusion_verdicts(
        {"cnn": _recorded(CLEAR, SLIGHT)[0], "projection_mlp": mlp},
        [{"cnn": cnn, "projection_mlp": mlp}] * 2,
    )[2]
    assert "(this run; not counted)" in found["decisions"][0]["check"]
    assert "over 3 seeds" not in found["decisions"][0]["check"]
    assert _halves(found)[0] == "inconclusive"


def test_cached_final_fits_count_only_when_both_were_timed_on_one_machine():
    from helpers.summary.measured_cost import comparable

    fresh = {"final_cached": False}
    here = {"final_cached": True, "final_trained_on": "CPU A (2 CPUs), Keras tensorflow, float32"}
    there = {**here, "final_trained_on": "CPU B (16 CPUs), Keras tensorflow, float32"}
    assert comparable(fresh, fresh) and comparable(here, dict(here))
    assert not comparable(here, there) and not comparable({"final_cached": True}, fresh)
    # A seed whose two fits were timed on different machines drops out of the seeds.
    runs = []
    for i, ratio in enumerate([7.1, 7.3, 8.3]):
        cnn, mlp = _recorded(CLEAR, [g + 0.002 * i for g in SLIGHT])
        cnn["datasets"]["fashion_mnist"]["train_epoch_seconds"] = [2.0 * ratio] * 5
        mlp["datasets"]["fashion_mnist"]["train_epoch_seconds"] = [1.0] * 10
        runs.append({"cnn": cnn, "projection_mlp": mlp})
    runs[2]["cnn"]["datasets"]["fashion_mnist"].update(here)
    runs[2]["projection_mlp"]["datasets"]["fashion_mnist"].update(there)
    found = conclusion_verdicts(runs[0], runs[1:])[2]
    assert "(this run; not counted)" in found["decisions"][0]["check"]
    assert "2 seeds with comparable final fits" in found["evidence"]


def test_rule_texts_are_generated_from_the_constants(monkeypatch):
    rules = verdicts.rule_texts()
    assert len(rules) == len(study.CONCLUSIONS)
    assert "90% t-intervals" in rules[1]
    assert f"interval lies above {verdicts.C2_MIN_CLEAR_GAP:g}" in rules[1]
    assert f"lie above {verdicts.C3_MIN_SPEEDUP:g}x" in rules[2] and "not FLOPs" in rules[2]
    assert "cited" in rules[2]
    assert "stated before" not in " ".join(rules)
    monkeypatch.setattr(verdicts, "DECISION_LEVEL", 0.8)
    monkeypatch.setattr(verdicts, "C2_MAX_SLIGHT_GAP", 0.123)
    rules = verdicts.rule_texts()
    assert "80% t-intervals" in rules[1] and "lies below 0.123" in rules[2]
    # The verdicts carry the rule they were judged by.
    assert [v["rule"] for v in conclusion_verdicts({})] == rules


def test_fold_interval_matches_a_hand_computed_example():
    # Scores 0.80, 0.82, 0.84: mean 0.82, s^2 = 4e-4, k = 3, n_val/n_train = 1/2.
    # With 2 degrees of freedom the t quantile is (2q - 1) / sqrt(2 q (1 - q)).
    q = 0.975
    half = (2 * q - 1) / np.sqrt(2 * q * (1 - q)) * np.sqrt((1 / 3 + 1 / 2) * 4e-4)
    mean, low, high = verdicts.fold_interval([0.80, 0.82, 0.84], n_train=2, n_val=1)
    assert (mean, low, high) == pytest.approx((0.82, 0.82 - half, 0.82 + half))
    # Two folds far apart: t with 1 degree of freedom, clipped to accuracies.
    assert verdicts.fold_interval([0.1, 0.9], n_train=1, n_val=1)[1:] == (0.0, 1.0)


def test_accuracy_rows_word_the_comparison_by_our_interval():
    cnn, _ = _recorded(CLEAR, SLIGHT)
    study_cifar, _ = study.CNN["cifar10"]
    folds = cnn["datasets"]["cifar10"]["fold_accuracy"]
    # Shift our folds so the study's mean sits at our mean, then far above it.
    for shift, expected in ((0.0, "consistent with the study"), (0.2, "higher than the study")):
        cnn["datasets"]["cifar10"]["fold_accuracy"] = [
            f - np.mean(folds) + study_cifar + shift for f in folds
        ]
        row = next(r for r in accuracy_rows(cnn, study.CNN) if r["dataset"] == "cifar10")
        assert row["comparison"] == expected
        assert row["ours - study"] == pytest.approx(shift)
    cnn["datasets"]["cifar10"]["fold_accuracy"] = [f - 0.3 for f in folds]
    row = next(r for r in accuracy_rows(cnn, study.CNN) if r["dataset"] == "cifar10")
    assert row["comparison"] == "lower than the study"
    assert all("sd" not in str(v) for r in accuracy_rows(cnn, study.CNN) for v in r.values())


def test_the_unknown_protocol_is_stated_once_from_the_study_module():
    note = study.unknown_protocol_note()
    assert all(item in note for item in study.UNKNOWN_PROTOCOL)


def test_conclusion_1_rule_is_generated_from_the_constants(monkeypatch):
    from helpers.cs.images import GROUP_K

    rule = reconstruction_rank.conclusion_1_rule_v6()
    assert f"at least {reconstruction_rank.C1_MIN_RANK_IMAGES})" in rule
    assert f"seed {reconstruction_rank.C1_RANK_SEED}" in rule and "99,999" in rule
    assert "median roughness" not in rule  # v5's split
    assert f"best {GROUP_K}" not in rule  # the compressibility groups are v4's
    monkeypatch.setattr(reconstruction_rank, "C1_MIN_RANK_IMAGES", 25)
    assert "at least 25)" in reconstruction_rank.conclusion_1_rule_v6()


def test_conclusion_1_prints_the_leave_one_out_range_as_its_flip_thresholds():
    flat_moon = {"camera": [(50, 1e-2), (600, 1e-5)], "moon": [(50, 9e-3), (600, 8e-3)]}
    verdict = _c1(flat_moon, FLAT)
    drop = verdict["decisions"][0]
    assert drop["outcome"] == "inconclusive" and drop["threshold"] == "2x"
    low, high = (float(x) for x in drop["range over leave-one-out sets"].strip("[]x").split(", "))
    # The range runs from the set without camera (below 2x) to one above 2x.
    assert low < 2 <= high
    assert drop["would flip"].startswith(f"holds for a threshold up to {low:.4g}x")


def test_one_runs_verdict_3_says_it_was_judged_on_this_run():
    assert _c3(seeds=1)["versions"][-1]["judged on"] == "this run"
    assert _c3()["versions"][-1]["judged on"].startswith("cost over 3 seeds")


def test_conclusion_3_rule_v10_judges_latency_over_the_seeds_or_not_at_all():
    # Three seeds a little apart: every speed-up's interval over the seeds lies above 2x.
    good = _c3(rule=10)
    assert good["verdict"] == "supported" and _halves(good) == ("holds", "holds")
    at_1 = next(c for c in good["checks"] if "batch 1 " in c["check"])
    assert "(over 3 seeds)" in at_1["check"] and at_1["low"] < 4 < at_1["high"]
    # One run: its speed-ups and training time are shown, not counted: 'cheaper' is
    # undecided however fast, so two identical runs give one verdict whatever the load.
    alone = _c3(rule=10, seeds=1)
    assert _halves(alone) == ("inconclusive", "holds")
    assert all(c["uncounted"] for c in alone["checks"] if not c.get("cited_from"))
    assert (
        _c3(rule=10, seeds=1, latency_1=(1.0, 0.9))["halves"] == alone["halves"]
    )  # 1.1x: the same
    # Seeds whose speed-ups straddle 2x: inconclusive; all below: contradicted.
    assert _halves(_c3(rule=10, latency_1=(1.2, 0.5), latency_spread=1.3))[0] == "inconclusive"
    assert _c3(rule=10, latency_1=(0.9, 0.5), floor_share=(0.2, 0.01))["verdict"] == "contradicted"
    # The per-call floor gates both ways: above 50% a check is not counted, held or not.
    for slow, expected in (((0.9, 0.5), "supported"), ((2.0, 0.5), "supported")):
        gated = _c3(rule=10, latency_1=slow, floor_share=(0.8, 0.01))
        at_1 = next(c for c in gated["checks"] if "batch 1 " in c["check"])
        assert at_1["uncounted"].startswith("the per-call floor takes 80%")
        assert gated["verdict"] == expected  # batch 256 decides
    # No latency check counts: 'cheaper' is undecided.
    both = _c3(rule=10, floor_share=(0.8, 0.8))
    assert _halves(both)[0] == "inconclusive"


def test_conclusion_3_rule_v11_counts_training_and_batch_256_and_reports_batch_1():
    # Batch 1 at 1.8x, below 2x, with the floor at 20% or at 80%: reported with its
    # outcome, never counted; training and batch 256 over the seeds decide.
    for floor in ((0.2, 0.01), (0.8, 0.01)):
        found = _c3(latency_1=(0.9, 0.5), floor_share=floor)
        assert found["verdict"] == "supported"
        at_1 = next(c for c in found["checks"] if "batch 1 " in c["check"])
        assert at_1["outcome"] == "fails" and at_1["uncounted"].startswith("a secondary check")
        assert (
            "1.8x at batch 1" in found["evidence"]
            and "secondary, not counted" in (found["evidence"])
        )
    # Batch 256 below 2x over the seeds: contradicted, whatever batch 1 shows.
    assert _c3(latency_256=(0.018, 0.01))["verdict"] == "contradicted"
    # No floor timed: v11 does not need it (it gates nothing).
    runs = []
    for i in range(3):
        cnn, mlp = _recorded(CLEAR, [g + 0.001 * i for g in SLIGHT])
        entry = cnn["datasets"]["fashion_mnist"]
        entry["train_epoch_seconds"] = [t * (1 + 0.03 * i) for t in entry["train_epoch_seconds"]]
        for turn in mlp["datasets"]["fashion_mnist"]["latency_vs_cnn"].values():
            turn["ratio"] *= 1 + 0.02 * i
            del turn["floor_ms"]
        runs.append({"cnn": cnn, "projection_mlp": mlp})
    assert conclusion_verdicts(runs[0], runs[1:])[2]["verdict"] == "supported"


def test_one_runs_verdicts_do_not_depend_on_its_timings():
    # Issue 37: two identical quick renders gave verdict 3 inconclusive in one and
    # contradicted in the other, from timings taken under the machine's momentary load.
    # Under rule v10 one run's timings are shown, never counted: any timings, one verdict.
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(20):
        cnn, mlp = _recorded(
            CLEAR,
            SLIGHT,
            train=tuple(rng.uniform(100, 8000, 2)),
            latency_1=tuple(rng.uniform(0.1, 3.0, 2)),
            latency_256=tuple(rng.uniform(0.005, 0.1, 2)),
            latency_spread=rng.uniform(1.0, 2.0),
            epoch_spread=rng.uniform(1.0, 2.0),
            floor_share=tuple(rng.uniform(0.0, 0.9, 2)),
        )
        found = conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})
        seen.add(tuple(v["verdict"] for v in found))
    assert seen == {("no evidence", "supported", "inconclusive")}


def test_rule_v10_does_not_judge_latency_over_seeds_when_a_seed_lacks_the_floor():
    # The floor gate cannot be read: nothing is decided, instead of the gate switching off.
    runs = []
    for i in range(3):
        cnn, mlp = _recorded(CLEAR, [g + 0.001 * i for g in SLIGHT])
        runs.append({"cnn": cnn, "projection_mlp": mlp})
    del runs[2]["projection_mlp"]["datasets"]["fashion_mnist"]["latency_vs_cnn"]["1"]["floor_ms"]
    pairs = [(r["cnn"], r["projection_mlp"]) for r in runs[1:]]
    mlps = [r["projection_mlp"] for r in runs]
    judged = judge_claim_3(
        runs[0]["cnn"], mlps[0], judge_claim_2(mlps[0], mlps[1:]), version=10, seed_runs=pairs
    )
    verdict = _as_summary(judged)
    assert verdict["verdict"] == "no evidence"
    assert "latency_vs_cnn.1.floor_ms of every seed" in verdict["evidence"]
