"""Verdict 1's rule v6: the rank panel of real images, the Spearman permutation test,
and the judge on panels where the claim must hold, must fail and cannot be decided."""

import dataclasses
import itertools
import socket

import numpy as np
import pytest
from scipy import stats

from helpers.cs.images import RANK_IMAGES, REAL_IMAGES, load_real_image, roughness
from helpers.stats.rank import spearman_permutation
from helpers.summary import reconstruction_claim
from helpers.summary import reconstruction_rank as rc
from helpers.summary.rank_test import judge_rank


def test_the_rank_panel_is_twenty_distinct_offline_images(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert len(RANK_IMAGES) >= rc.C1_MIN_RANK_IMAGES and set(RANK_IMAGES) <= set(REAL_IMAGES)
    # The names other chapters' parameters use are still there.
    assert {"camera", "moon", "brick", "grass", "gravel", "phantom"} <= set(RANK_IMAGES)
    loaded = {name: load_real_image(name, 64) for name in RANK_IMAGES}
    for name, image in loaded.items():
        assert image.shape == (64, 64) and image.dtype == np.float64, name
        assert image.min() == 0 and image.max() == 1, name
        assert np.array_equal(image, load_real_image(name, 64)), name  # deterministic
    # No two are the same picture (nor one a brightness change of another).
    flat = np.array([loaded[n].ravel() for n in RANK_IMAGES])
    corr = np.corrcoef(flat)
    np.fill_diagonal(corr, 0)
    assert np.abs(corr).max() < 0.99
    # Distinct roughness values: the ranks have no ties.
    values = [roughness(image) for image in loaded.values()]
    assert len(set(np.round(values, 6))) == len(values)


def test_a_non_square_picture_keeps_its_centred_square(monkeypatch):
    import skimage.data

    from helpers.cs.images import _central_square

    wide = np.arange(12.0).reshape(2, 6)
    assert np.array_equal(_central_square(wide), wide[:, 2:4])
    tall = np.arange(15.0).reshape(5, 3)
    assert np.array_equal(_central_square(tall), tall[1:4])
    # A picture whose sides differ: its left and right ends play no part.
    picture = skimage.data.text()
    assert picture.shape[0] < picture.shape[1]
    before = load_real_image("text", 32)
    side, left = picture.shape[0], (picture.shape[1] - picture.shape[0]) // 2
    changed = picture.copy()
    changed[:, :left] = 0
    changed[:, left + side :] = 255
    monkeypatch.setattr(skimage.data, "text", lambda: changed)
    assert np.array_equal(load_real_image("text", 32), before)
    changed[:, left] = 255 - changed[:, left]  # the square's own pixels do count
    assert not np.array_equal(load_real_image("text", 32), before)


def test_spearman_permutation_matches_scipy_and_enumerates_small_samples():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=22), rng.normal(size=22)
    y = x + 1.5 * y
    test = spearman_permutation(x, y, n_resamples=9_999, seed=1, alpha=0.05)
    assert test.rho == pytest.approx(stats.spearmanr(x, y).statistic)
    assert not test.exact and test.resamples == 9_999 and test.n == 22
    # Seeded: the same p-values again; the two sides' p-values cover every permutation.
    again = spearman_permutation(x, y, n_resamples=9_999, seed=1, alpha=0.05)
    assert again == test
    assert test.p_greater + test.p_less >= 1
    assert test.null_low < 0 < test.null_high
    # Six pairs: all 720 permutations, p by counting them.
    x6, y6 = [1.0, 2, 3, 4, 5, 6], [2.0, 1, 4, 3, 6, 5]
    small = spearman_permutation(x6, y6, n_resamples=9_999, seed=1, alpha=0.05)
    rho = [stats.spearmanr(x6, p).statistic for p in itertools.permutations(y6)]
    assert small.exact and small.resamples == 720
    assert small.p_greater == pytest.approx(np.mean(np.array(rho) >= small.rho - 1e-12))
    with pytest.raises(ValueError, match="vary"):
        spearman_permutation([1, 1, 1], [1, 2, 3], n_resamples=99, seed=0, alpha=0.05)


def _test(rho, p_greater, p_less, n=20):
    from helpers.stats.rank import RankTest

    return RankTest(rho, p_greater, p_less, -0.38, 0.38, n, 99_999, False)


@pytest.mark.parametrize(
    "p_greater, p_less, above, below",
    [
        (0.01, 0.99, "holds", "fails"),
        (0.99, 0.01, "fails", "holds"),
        (0.2, 0.8, "inconclusive", "inconclusive"),
        (0.05, 0.95, "holds", "fails"),  # at the level: significant
    ],
)
def test_judge_rank_gives_each_outcome(p_greater, p_less, above, below):
    settings = {"alpha": 0.05, "min_n": 20, "span": "s"}
    assert judge_rank("c", _test(0.5, p_greater, p_less), "above", **settings).outcome == above
    assert judge_rank("c", _test(0.5, p_greater, p_less), "below", **settings).outcome == below
    # Too few images: undecided whatever the p-values, and said so.
    few = judge_rank("c", _test(0.9, p_greater, p_less, n=8), "above", **settings)
    assert few.outcome == "inconclusive" and "fewer than the 20" in few.check
    decided = judge_rank("c", _test(0.5, 0.01, 0.99), "above", **settings)
    assert decided.low == pytest.approx(0.5 - 0.38) and decided.high == pytest.approx(0.88)
    assert "one-sided level of 0.01 or more" in decided.flip_text()


def _panel(floors, starts=None, spread=0.1, trials=5):
    """A chapter-01 record with a rank panel: image i has roughness 0.1 (i + 1), the
    relative MSE ``starts[i]`` at M = 50 and ``floors[i]`` at M = 600 (variance 1e-2)."""
    starts = starts if starts is not None else [0.9] * len(floors)
    names = [f"img{i:02d}" for i in range(len(floors))]
    table = [
        {"image": n, "M": m, "mse_mean": v * 1e-2, "mse_std": spread * v * 1e-2, "trials": trials}
        for n, s, f in zip(names, starts, floors)
        for m, v in ((50, s), (600, f))
    ]
    measures = {n: {"variance": 1e-2, "roughness": 0.1 * (i + 1)} for i, n in enumerate(names)}
    panel = {"m_values": [50, 600], "trials": trials, "table": table, "image_measures": measures}
    return {"table": [], "image_groups": {"synthetic": []}, "rank_panel": panel}


def _floors(n, order):
    """Floors rising with the roughness (``order`` +1), falling (-1), or shuffled (0)."""
    base = np.geomspace(0.01, 0.5, n)
    if order == 0:
        return list(base[np.random.default_rng(0).permutation(n)])
    return list(base if order > 0 else base[::-1])


def test_v6_supported_when_floor_rises_and_fall_slows_with_roughness():
    verdict = rc.judge_claim_1_v6(_panel(_floors(20, +1)))
    assert [d.outcome for d in verdict["decisions"]] == ["holds", "holds"]
    assert verdict["verdict"] == "supported", verdict["evidence"]
    assert "Judged on 20 real images" in verdict["evidence"]
    assert "rho = 1.00" in verdict["evidence"]


def test_v6_contradicted_when_the_rougher_images_end_lower():
    verdict = rc.judge_claim_1_v6(_panel(_floors(20, -1)))
    assert [d.outcome for d in verdict["decisions"]] == ["fails", "fails"]
    assert verdict["verdict"] == "contradicted"
    # The floor alone the wrong way: falls in no order with the roughness.
    floors = _floors(20, -1)
    factors = [200 * f for f in _floors(20, 0)]
    one = rc.judge_claim_1_v6(_panel(floors, starts=[f * k for f, k in zip(floors, factors)]))
    assert one["halves"] == {rc.HALF_FLOOR: "fails", rc.HALF_DROP: "inconclusive"}
    assert one["verdict"] == "contradicted"


def test_v6_inconclusive_without_order_or_with_too_few_images():
    shuffled = rc.judge_claim_1_v6(_panel(_floors(20, 0)))
    assert shuffled["verdict"] == "inconclusive", shuffled["evidence"]
    assert {d.outcome for d in shuffled["decisions"]} == {"inconclusive"}
    # Perfectly ordered, but 12 images: the rule fixed 20 beforehand.
    few = rc.judge_claim_1_v6(_panel(_floors(12, +1)))
    assert few["verdict"] == "inconclusive"
    assert all("fewer than the 20" in d.check for d in few["decisions"])
    assert min(d.p_claimed for d in few["decisions"]) < 0.05  # it would have held


def test_v6_says_why_it_cannot_judge():
    old = {"table": [], "image_groups": {"compressible": ["camera"]}, "image_measures": {}}
    found = rc.judge_claim_1_v6(old)
    assert found["verdict"] == "no evidence" and "rank panel was not recorded" in found["evidence"]
    assert rc.judge_claim_1_v6({"table": []}) is None
    two = _panel([0.1, 0.2])
    assert "needs at least 3" in rc.judge_claim_1_v6(two)["evidence"]


def test_v6_shows_the_synthetic_pair_beside_without_judging_it():
    rec = _panel(_floors(20, +1))
    rec["table"] = [
        {"image": "smooth", "M": 50, "mse_mean": 5e-3, "mse_std": 0, "trials": 5},
        {"image": "smooth", "M": 600, "mse_mean": 1e-5, "mse_std": 0, "trials": 5},
        {"image": "textured", "M": 50, "mse_mean": 8e-3, "mse_std": 0, "trials": 5},
        {"image": "textured", "M": 600, "mse_mean": 4e-3, "mse_std": 0, "trials": 5},
    ]
    rec["image_measures"] = {"smooth": {"variance": 1e-2}, "textured": {"variance": 1e-2}}
    verdict = rc.judge_claim_1_v6(rec)
    assert "textured image's floor is 400x the smooth one's" in verdict["evidence"]
    assert verdict["verdict"] == rc.judge_claim_1_v6(_panel(_floors(20, +1)))["verdict"]


def test_v5_is_still_evaluated_beside_v6():
    from tests.test_summary import GOOD, MEDIAN, ROUGH, _real_images

    recorded = _real_images({**GOOD, **MEDIAN}, ROUGH, spread=0.1)
    assert reconstruction_claim.judge_claim_1(recorded)["verdict"] == "supported"
    assert rc.judge_claim_1_v6(recorded)["verdict"] == "no evidence"  # no panel recorded


def test_the_rank_panel_reuses_table_1_rows_and_runs_the_rest():
    from helpers.cs.experiments import error_table
    from helpers.cs.study import rank_panel, rank_rows

    n, ms, settings = 16, [10, 20, 40], {"scheme": "gaussian", "basis": "dct", "solver": "fista"}
    images = {"camera": load_real_image("camera", n)}
    rows, _ = error_table(images, ms, trials=2, seed=5, noise_std=0.0, **settings)
    panel = rank_panel(
        images,
        rows,
        ["camera", "coins"],
        ms,
        n=n,
        trials=2,
        seed=5,
        settings={**settings, "noise_std": 0.0},
    )
    assert panel["m_values"] == [10, 40] and set(panel["image_measures"]) == {"camera", "coins"}
    assert [(r["image"], r["M"]) for r in panel["table"]] == [
        ("camera", 10),
        ("camera", 40),
        ("coins", 10),
        ("coins", 40),
    ]
    # camera's rows are Table 1's; run afresh they would be the same draws.
    fresh, _ = error_table(images, [10, 40], trials=2, seed=5, noise_std=0.0, **settings)
    for mine, again in zip(panel["table"][:2], fresh):
        assert mine["mse_mean"] == again["mse_mean"]
    shown = rank_rows(panel)
    assert [r["image"] for r in shown] == sorted(
        ["camera", "coins"], key=lambda k: panel["image_measures"][k]["roughness"]
    )
    assert all(r["fall"] == pytest.approx(r["rel. MSE, M=10"] / r["rel. MSE, M=40"]) for r in shown)


def test_rank_decisions_are_plain_rows_and_dicts():
    verdict = rc.judge_claim_1_v6(_panel(_floors(20, +1)))
    row = verdict["decisions"][0].as_row()
    assert row["outcome"] == "holds" and "one-sided level" in row["would flip"]
    assert dataclasses.asdict(verdict["decisions"][0])["p_claimed"] < 0.05


# The study render of 2026-12-06 (e500435 code, 5 draws): image -> (roughness, relative
# MSE at M = 50, at M = 600), as Table 1j printed them (3 significant digits).
STUDY_PANEL = {
    "clock": (0.282, 1.2, 0.072),
    "retina": (0.34, 0.963, 0.0847),
    "camera": (0.362, 1.19, 0.149),
    "cell": (0.454, 1.36, 0.234),
    "horse": (0.471, 1.27, 0.241),
    "coffee": (0.497, 1.2, 0.278),
    "rocket": (0.504, 0.994, 0.262),
    "immunohistochemistry": (0.512, 1.35, 0.271),
    "logo": (0.527, 1.2, 0.254),
    "astronaut": (0.603, 1.52, 0.483),
    "motorcycle": (0.693, 1.34, 0.5),
    "coins": (0.705, 1.27, 0.36),
    "moon": (0.718, 1.36, 0.625),
    "chelsea": (0.735, 1.42, 0.614),
    "microaneurysms": (0.746, 1.39, 0.49),
    "checkerboard": (0.798, 1.07, 0.0823),
    "phantom": (0.911, 1.23, 0.56),
    "page": (0.967, 1.17, 0.374),
    "text": (1.02, 1.44, 0.694),
    "hubble_deep_field": (1.29, 1.2, 0.994),
    "grass": (1.43, 1.45, 1.09),
    "brick": (1.46, 1.34, 0.801),
    "gravel": (1.52, 1.35, 1.13),
}


def test_v6_on_the_study_render_s_panel():
    table = [
        {"image": n, "M": m, "mse_mean": v * 1e-2, "mse_std": 0.0, "trials": 5}
        for n, (_, start, floor) in STUDY_PANEL.items()
        for m, v in ((50, start), (600, floor))
    ]
    measures = {n: {"variance": 1e-2, "roughness": r} for n, (r, _, _) in STUDY_PANEL.items()}
    panel = {"m_values": [50, 600], "trials": 5, "table": table, "image_measures": measures}
    verdict = rc.judge_claim_1_v6({"table": [], "image_groups": {}, "rank_panel": panel})
    assert verdict["verdict"] == "supported"
    floor, fall = verdict["decisions"]
    assert floor.estimate == pytest.approx(0.839, abs=0.005)
    assert fall.estimate == pytest.approx(-0.850, abs=0.005)
    # Far beyond chance: no permutation of the 99,999 reached it (p = 1 / 100,000).
    assert floor.p_claimed == fall.p_claimed == pytest.approx(1e-5)
    # Without the five images of rule v5 (its median split's), it still holds.
    for name in ("camera", "moon", "brick", "grass", "gravel"):
        del measures[name]
    rest = rc.judge_claim_1_v6({"table": [], "image_groups": {}, "rank_panel": panel})
    assert len(rest["decisions"]) == 2 and "18 real images" in rest["evidence"]
    assert rest["verdict"] == "inconclusive"  # 18 < 20: undecided by the rule
    assert all(d.p_claimed < 0.001 for d in rest["decisions"])


def test_the_rank_panel_figure_draws_floor_and_fall_with_the_pair_apart():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plots import plot_rank_panel

    rows = [
        {"image": n, "roughness": r, "rel. MSE, M=50": s, "rel. MSE, M=600": f, "fall": s / f}
        for n, (r, s, f) in STUDY_PANEL.items()
    ]
    pair = [{"image": "smooth", "roughness": 0.08, "rel. MSE, M=600": 2e-4, "fall": 3e3}]
    fig = plot_rank_panel(rows, pair)
    left, right = fig.axes
    assert left.get_yscale() == right.get_yscale() == "log"
    assert left.get_ylabel() == "relative MSE at M=600"
    # Every panel image is a filled point; the pair is drawn apart, open.
    assert len(left.collections[0].get_offsets()) == len(STUDY_PANEL)
    assert len(left.collections) == 2
    labels = {t.get_text() for t in left.texts}
    assert "smooth" in labels and "clock" in labels and "gravel" in labels
