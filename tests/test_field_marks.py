"""Experiment 1 at the field's level: named images, sampling ratios, PSNR/SSIM over draws."""

import pytest

from helpers.cs.field_marks import PUBLISHED, aims_summary, best_per_image, field_marks


@pytest.fixture(scope="module")
def rows():
    return field_marks(["phantom"], [0.4], [("tv", "dct"), ("fista", "dct")], n=32, draws=2, seed=0)


def test_one_row_per_image_ratio_and_solver_with_the_spread_over_draws(rows):
    assert [(r["image"], r["N"], r["ratio"], r["solver"], r["basis"]) for r in rows] == [
        ("phantom", 32, 0.4, "tv", "-"),
        ("phantom", 32, 0.4, "fista", "dct"),
    ]
    assert all(r["M"] == round(0.4 * 32 * 32) and r["draws"] == 2 for r in rows)
    assert all(r["psnr_sd"] >= 0 and 0 < r["ssim_mean"] <= 1 for r in rows)


def test_tv_is_the_best_prior_for_the_piecewise_constant_phantom(rows):
    (best,) = best_per_image(rows)
    assert best["solver"] == "tv"
    assert best["psnr_mean"] > max(r["psnr_mean"] for r in rows if r["solver"] != "tv")


def test_the_aims_are_reported_reached_or_not(rows):
    tv = next(r for r in rows if r["solver"] == "tv")
    met, missed = tv["psnr_mean"] - 1, tv["psnr_mean"] + 1
    text = aims_summary(rows, {"phantom": (0.4, met)})[0]
    assert ": reached (the aim is set for 256 x 256; this run used 32 x 32)." in text
    text = aims_summary(rows, {"phantom": (0.4, missed)})[0]
    assert ": not reached (" in text and "best prior TV" in text
    assert aims_summary(rows, {"camera": (0.4, 28.0)}) == []


def test_bad_ratios_are_refused_and_published_figures_name_their_operator():
    with pytest.raises(ValueError, match="sampling ratios must lie in"):
        field_marks(["phantom"], [1.5], n=16)
    assert all(p["operator"] and p["images"] and 0 < p["ratio"] < 1 for p in PUBLISHED)
