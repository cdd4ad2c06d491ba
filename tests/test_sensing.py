import numpy as np
import pytest
import scipy.fft

from helpers.cs.baselines import best_k_term, cubic_interpolation, lowpass_least_squares
from helpers.cs.experiments import (
    empirical_phase_transition,
    error_table,
    l1_phase_transition,
    trial_seed,
)
from helpers.cs.images import load_image_file, make_test_image
from helpers.cs.operators import (
    BASES,
    DCT2,
    SCHEMES,
    GaussianMeasurement,
    PixelRestriction,
    SubsampledDCT,
    Wavelet2,
    basis_operator,
    dct2,
    dense_matrix,
    idct2,
    measurement_operator,
    sensing_operator,
)
from helpers.cs.reconstruction import mse, reconstruct
from helpers.cs.solvers import FistaOptions, basis_pursuit_lp, fista_l1


def _dot_test(op, rng):
    x, y = rng.standard_normal(op.shape[1]), rng.standard_normal(op.shape[0])
    return np.dot(op.matvec(x), y), np.dot(x, op.rmatvec(y))


@pytest.mark.parametrize("kind", ["smooth", "textured"])
def test_test_images_are_seeded_and_in_unit_range(kind):
    a, b = make_test_image(kind, 32, 1), make_test_image(kind, 32, 1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, make_test_image(kind, 32, 2))
    assert a.min() == 0 and a.max() == 1 and a.shape == (32, 32)


def test_smooth_image_is_more_compressible_than_textured():
    energy = {}
    for kind in ("smooth", "textured"):
        c = np.sort(dct2(make_test_image(kind, 64, 0)).ravel() ** 2)[::-1]
        energy[kind] = c[:100].sum() / c.sum()
    assert energy["smooth"] > 0.999 > energy["textured"]


@pytest.mark.parametrize("n", [8, 64, 200])
def test_dct2_matches_scipy_and_inverts(n):
    x = np.random.default_rng(0).random((n, n))
    np.testing.assert_allclose(dct2(x), scipy.fft.dctn(x, norm="ortho"), atol=1e-12)
    np.testing.assert_allclose(idct2(dct2(x)), x, atol=1e-12)


@pytest.mark.parametrize("kind", BASES)
def test_bases_are_orthonormal(kind):
    psi = basis_operator(kind, 32)
    x = np.random.default_rng(1).random(32 * 32)
    c = psi.matvec(x)
    np.testing.assert_allclose(psi.H.matvec(c), x, atol=1e-10)
    assert np.linalg.norm(c) == pytest.approx(np.linalg.norm(x))


@pytest.mark.parametrize(
    "op",
    [
        GaussianMeasurement(16, 40, 3),
        PixelRestriction(16, 40, 3),
        SubsampledDCT(16, 40, 3),
        DCT2(16),
        Wavelet2(16),
        DCT2(16).H,
        Wavelet2(16).H,
    ],
    ids=lambda op: type(op).__name__,
)
def test_each_operator_passes_the_dot_test(op):
    """<A x, y> == <x, A^H y> to 1e-10 relative, for every operator class on its own."""
    lhs, rhs = _dot_test(op, np.random.default_rng(7))
    assert lhs == pytest.approx(rhs, rel=1e-10)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("basis", BASES)
def test_composed_operator_adjoint_is_exact(scheme, basis):
    op = measurement_operator(scheme, 16, 40, 3) @ basis_operator(basis, 16).H
    lhs, rhs = _dot_test(op, np.random.default_rng(2))
    assert lhs == pytest.approx(rhs, rel=1e-10)
    c = np.random.default_rng(3).standard_normal(256)
    np.testing.assert_allclose(dense_matrix(op) @ c, op.matvec(c), atol=1e-10)


def test_factories_map_names_to_classes_and_reject_others():
    assert isinstance(measurement_operator("pixels", 8, 5), PixelRestriction)
    assert isinstance(basis_operator("wavelet", 8), Wavelet2)
    with pytest.raises(ValueError, match="differ"):
        sensing_operator(SubsampledDCT(8, 5), DCT2(16))


def test_measurement_rows_have_unit_norm():
    for scheme in ("pixels", "dct"):
        a = dense_matrix(sensing_operator(measurement_operator(scheme, 16, 30, 0), DCT2(16)))
        np.testing.assert_allclose(a @ a.T, np.eye(30), atol=1e-10)
    g = GaussianMeasurement(32, 200, 0).matrix
    assert np.mean(np.sum(g**2, axis=1)) == pytest.approx(1.0, rel=0.05)


def test_fista_recovers_a_sparse_vector_like_exact_basis_pursuit():
    rng = np.random.default_rng(4)
    n, m, k = 256, 100, 12
    op = GaussianMeasurement(16, m, 5) @ DCT2(16).H
    c_true = np.zeros(n)
    c_true[rng.choice(n, k, replace=False)] = rng.standard_normal(k)
    y = op.matvec(c_true)
    c_bp = basis_pursuit_lp(dense_matrix(op), y)
    c_fista, info = fista_l1(op, y, FistaOptions(lam_ratio=1e-6, tol=1e-8), max_iter=5000)
    assert np.linalg.norm(c_bp - c_true) < 1e-6 * np.linalg.norm(c_true)
    assert np.linalg.norm(c_fista - c_true) < 1e-3 * np.linalg.norm(c_true)


@pytest.mark.parametrize("kind", ["smooth", "textured"])
def test_fista_reaches_exact_bp_error_on_a_small_image(kind):
    image = make_test_image(kind, 16, 0)
    bp = reconstruct(image, 100, scheme="dct", solver="bp", random_state=1, clip=False)
    fista = reconstruct(image, 100, scheme="dct", solver="fista", random_state=1, clip=False)
    assert mse(fista.image, image) <= 1.1 * mse(bp.image, image)


def test_noise_changes_measurements_reproducibly():
    image = make_test_image("smooth", 16, 0)
    a = reconstruct(image, 80, noise_std=0.05, random_state=3)
    b = reconstruct(image, 80, noise_std=0.05, random_state=3)
    clean = reconstruct(image, 80, noise_std=0.0, random_state=3)
    np.testing.assert_array_equal(a.image, b.image)
    assert mse(a.image, image) > mse(clean.image, image)


def test_baselines():
    n = 16
    u, v = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ramp = (u + 2 * v) / (3 * (n - 1))
    phi = PixelRestriction(n, 120, 0)
    assert mse(cubic_interpolation(phi, phi.forward(ramp)), ramp) < 1e-4
    image = make_test_image("textured", n, 0)
    np.testing.assert_allclose(best_k_term(image, n * n), image, atol=1e-12)
    assert mse(best_k_term(image, 10), image) > mse(best_k_term(image, 100), image)
    low = idct2(np.pad(np.random.default_rng(0).random((3, 3)), ((0, n - 3), (0, n - 3))))
    gauss = GaussianMeasurement(n, 60, 1)
    assert (
        mse(lowpass_least_squares(gauss, gauss.forward(low), k=15), low) < 1e-20
    )  # i + j <= 4 covers the 3 x 3 block


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(m=0), ValueError, "M must be >= 1"),
        (dict(m=257), ValueError, "M must be <= 256"),
        (dict(m=10.0), TypeError, "M must be an integer"),
        (dict(scheme="fourier"), ValueError, "unknown measurement scheme 'fourier'"),
        (dict(basis="haar"), ValueError, "unknown basis 'haar'"),
        (dict(solver="lasso"), ValueError, "unknown solver 'lasso'"),
        (dict(random_state=1.5), TypeError, "seed must be an integer"),
        (dict(noise_std=-1), ValueError, "noise_std must be a number >= 0"),
        (dict(solver="cubic", scheme="gaussian"), ValueError, "cubic interpolation needs pixel"),
    ],
)
def test_bad_inputs_fail_before_work(kwargs, error, message):
    args = {"m": 50, **kwargs}
    with pytest.raises(error, match=message):
        reconstruct(make_test_image("smooth", 16, 0), args.pop("m"), **args)


def test_bad_image_size_and_kind():
    with pytest.raises(ValueError, match="N must be >= 2"):
        make_test_image("smooth", 1)
    with pytest.raises(ValueError, match="unknown image kind 'noisy'"):
        make_test_image("noisy", 16)
    with pytest.raises(ValueError, match="image must be square"):
        reconstruct(np.zeros((4, 5)), 3)


def test_image_file_loading(tmp_path):
    from PIL import Image

    Image.fromarray(np.full((40, 30, 3), 255, np.uint8)).save(tmp_path / "white.png")
    img = load_image_file(tmp_path / "white.png", 16)
    assert img.shape == (16, 16) and np.allclose(img, 1.0)
    (tmp_path / "fake.png").write_text("hello")
    with pytest.raises(ValueError, match="not a readable image"):
        load_image_file(tmp_path / "fake.png")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image_file(tmp_path / "none.png")


def test_error_table_is_reproducible_and_smooth_error_falls_with_m():
    images = {"smooth": make_test_image("smooth", 32, 0)}
    rows, examples = error_table(images, [40, 150, 400], trials=2, seed=5, keep=[150])
    again, _ = error_table(images, [40, 150, 400], trials=2, seed=5)
    assert [r["mse_mean"] for r in rows] == [r["mse_mean"] for r in again]
    mses = [r["mse_mean"] for r in rows]
    assert mses[0] > mses[1] > mses[2]
    assert set(examples) == {("smooth", 150)}
    # PSNR and SSIM rise as the MSE falls. PSNR is averaged over the trials in dB, so
    # (-log being convex) it is at least the PSNR of the mean MSE, for range [0, 1].
    psnrs, ssims = [r["psnr_mean"] for r in rows], [r["ssim_mean"] for r in rows]
    assert psnrs[0] < psnrs[1] < psnrs[2] and ssims[0] < ssims[2] <= 1
    assert all(r["psnr_mean"] >= -10 * np.log10(r["mse_mean"]) - 1e-9 for r in rows)


def test_psnr_and_ssim_are_scikit_images_for_range_one():
    from helpers.cs.reconstruction import psnr, ssim

    truth = make_test_image("textured", 32, 0)
    noisy = np.clip(truth + 0.05 * np.random.default_rng(0).standard_normal(truth.shape), 0, 1)
    assert psnr(noisy, truth) == pytest.approx(10 * np.log10(1 / np.mean((noisy - truth) ** 2)))
    assert psnr(truth, truth) == float("inf") and ssim(truth, truth) == pytest.approx(1.0)
    assert 0 < ssim(noisy, truth) < 1


def test_trial_seeds_are_distinct_and_stable():
    seeds = {trial_seed(0, m, t) for m in (50, 100) for t in range(5)}
    assert len(seeds) == 10 and trial_seed(0, 50, 1) == trial_seed(0, 50, 1)


def test_theoretical_phase_transition_matches_donoho_tanner():
    # Donoho-Tanner's weak l1 threshold at delta = 0.5 is rho ~ 0.385 (k/M).
    assert l1_phase_transition([0.5])[0] == pytest.approx(0.385, abs=0.01)
    curve = l1_phase_transition(np.linspace(0.1, 0.9, 9))
    assert np.all(np.diff(curve) > 0)


def test_empirical_phase_transition_agrees_far_from_the_curve():
    rates = empirical_phase_transition(60, [0.5], [0.1, 0.8], trials=4, seed=0)
    assert rates[0, 0] == 1.0 and rates[1, 0] == 0.0


@pytest.mark.parametrize("shape", [(30, 200), (200, 30), (60, 60), (600, 4096)])
def test_operator_norm_is_an_upper_bound_close_to_the_exact_norm(shape):
    from scipy.sparse.linalg import aslinearoperator

    from helpers.cs.operators import operator_norm

    rng = np.random.default_rng(shape[0])
    matrix = rng.standard_normal(shape) * rng.uniform(0.1, 10)
    exact = np.linalg.norm(matrix, 2)
    bound = operator_norm(aslinearoperator(matrix))
    assert exact <= bound <= exact * (1 + 1e-9)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("basis", BASES)
def test_operator_norm_of_composed_sensing_operators(scheme, basis):
    from helpers.cs.operators import operator_norm

    op = measurement_operator(scheme, 16, 120, 1) @ basis_operator(basis, 16).H
    exact = np.linalg.norm(dense_matrix(op), 2)
    assert exact <= operator_norm(op) <= exact * (1 + 1e-9)


def test_operator_norm_refuses_large_operators_without_a_bound():
    from scipy.sparse.linalg import LinearOperator

    from helpers.cs.operators import operator_norm

    big = LinearOperator((5000, 5000), matvec=lambda x: x, rmatvec=lambda x: x, dtype=float)
    with pytest.raises(ValueError, match="no guaranteed norm bound"):
        operator_norm(big)


def test_wavelet_basis_decomposes_fully_and_beats_a_constant_image():
    assert Wavelet2(64).level == 6 and Wavelet2(48).level == 4
    image = make_test_image("smooth", 64, 0)
    wavelet = reconstruct(image, 100, basis="wavelet", random_state=0)
    constant = reconstruct(image, 100, solver="mean", random_state=0)
    assert mse(wavelet.image, image) < mse(constant.image, image)


def test_mean_baseline_fits_the_level_from_measurements_only():
    from helpers.cs.baselines import mean_image

    for scheme in SCHEMES:
        phi = measurement_operator(scheme, 16, 50, 2)
        np.testing.assert_allclose(mean_image(phi, phi.forward(np.full(256, 0.3))), 0.3)
    image = make_test_image("textured", 16, 0)
    phi = PixelRestriction(16, 50, 2)
    level = mean_image(phi, phi.forward(image))
    assert level[0, 0] == pytest.approx(image.ravel()[phi.rows].mean())


def test_oracles_are_named_for_their_k():
    image = make_test_image("textured", 16, 0)
    quarter = reconstruct(image, 80, solver="oracle_m4", clip=False)
    full = reconstruct(image, 80, solver="oracle_m", clip=False)
    assert quarter.info["k"] == 20 and full.info["k"] == 80
    assert mse(full.image, image) < mse(quarter.image, image)


def _without_times(rows):
    return [{k: v for k, v in r.items() if k != "seconds_mean"} for r in rows]


def test_parallel_tables_equal_serial_ones():
    from helpers.cs.experiments import compare_methods

    images = {k: make_test_image(k, 16, 0) for k in ("smooth", "textured")}
    kwargs = dict(trials=2, seed=3, keep=[60])
    serial, ex_serial = error_table(images, [30, 60], n_jobs=1, **kwargs)
    parallel, ex_parallel = error_table(images, [30, 60], n_jobs=2, **kwargs)
    assert _without_times(serial) == _without_times(parallel)
    for key in ex_serial:
        np.testing.assert_array_equal(ex_serial[key], ex_parallel[key])
    methods = [("gaussian", "fista", "dct"), ("pixels", "mean", "dct"), ("dct", "bp", "dct")]
    a = compare_methods(images, [30, 60], methods, trials=2, bp_max_m=30, n_jobs=1)
    b = compare_methods(images, [30, 60], methods, trials=2, bp_max_m=30, n_jobs=2)
    assert _without_times(a) == _without_times(b)
    assert [r["note"] != "" for r in a].count(True) == 2  # bp skipped at M = 60, both images
    for row in a:  # PSNR and SSIM beside the MSE wherever the method ran
        if row["note"]:
            assert row["psnr_mean"] is None and row["ssim_mean"] is None
        else:
            assert np.isfinite(row["psnr_mean"]) and -1 <= row["ssim_mean"] <= 1


def test_n_jobs_is_checked():
    with pytest.raises(ValueError, match="n_jobs must be"):
        error_table({"s": make_test_image("smooth", 8, 0)}, [10], n_jobs=0)


def test_real_images_load_offline_and_are_grouped_by_a_measurement(monkeypatch):
    import socket

    from helpers.cs import images as cs_images
    from helpers.cs.images import (
        GROUP_K,
        GROUP_MAX_OUTSIDE,
        REAL_IMAGES,
        compressibility_group,
        load_real_image,
        variance_outside_best_k,
    )

    def no_network(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    n = 64  # the chapter's N: the grouping is a property of the image at this size
    outside, groups = {}, {}
    for name in REAL_IMAGES:
        image = load_real_image(name, n)
        assert image.shape == (n, n) and image.min() == 0 and image.max() == 1
        # The measurement is the best k-term approximation's error relative to var(x).
        energy = np.sort(dct2(image - image.mean()).ravel() ** 2)[::-1]
        outside[name] = variance_outside_best_k(image)
        assert outside[name] == pytest.approx(energy[GROUP_K:].sum() / energy.sum())
        groups[name] = compressibility_group(image)
        assert (groups[name] == "compressible") == (outside[name] <= GROUP_MAX_OUTSIDE)
    # No typed group survives: the rule, not the name, decides (moon is measured, not
    # called a photograph), and both groups are non-empty at the chapter's N.
    assert not hasattr(cs_images, "image_group")
    assert set(groups.values()) == {"compressible", "incompressible"}, outside
    # Less variance outside the best k coefficients, never a worse group.
    ranked = sorted(outside, key=outside.get)
    assert [groups[n] for n in ranked] == sorted(groups.values()), outside
    # A constant image has no variance outside anything; white noise is incompressible.
    assert variance_outside_best_k(np.full((n, n), 0.5)) == 0.0
    noise = np.random.default_rng(0).uniform(size=(n, n))
    assert compressibility_group(noise) == "incompressible"
    assert compressibility_group(make_test_image("smooth", n, 0)) == "compressible"
    with pytest.raises(ValueError, match="unknown real image 'lena'"):
        load_real_image("lena")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_noise_penalty_scales_with_the_column_norms(scheme):
    from helpers.cs.reconstruction import noise_penalty

    n, sigma = 16, 0.1
    universal = sigma * np.sqrt(2 * np.log(n * n))
    penalties = {}
    for m in (64, 256):
        phi = measurement_operator(scheme, n, m, 0)
        columns = np.linalg.norm(dense_matrix(phi @ DCT2(n).H), axis=0)
        penalties[m] = noise_penalty(sigma, phi)
        # Exactly the universal threshold times the RMS column norm of A ...
        assert penalties[m] == pytest.approx(universal * np.sqrt(np.mean(columns**2)), rel=1e-10)
        # ... which is about sqrt(M) / N, not the 1 that unit-norm columns would give.
        assert penalties[m] / universal == pytest.approx(np.sqrt(m) / n, rel=0.1)
    assert penalties[256] / penalties[64] == pytest.approx(2.0, rel=0.1)


def test_scaled_noise_penalty_is_as_good_as_bpdn_on_a_small_case():
    from helpers.cs.noise import noise_std_for_snr

    image = make_test_image("smooth", 16, 0)
    sigma = noise_std_for_snr(image, 10)
    assert 10 * np.log10(np.mean(image**2) / sigma**2) == pytest.approx(10)
    fista = reconstruct(image, 120, noise_std=sigma, random_state=4)
    bpdn = reconstruct(image, 120, solver="bpdn", noise_std=sigma, random_state=4)
    old = reconstruct(
        image, 120, noise_std=sigma, random_state=4, lam=sigma * np.sqrt(2 * np.log(256))
    )
    assert mse(fista.image, image) <= 1.5 * mse(bpdn.image, image)
    assert mse(fista.image, image) < mse(old.image, image)


def _comparison_rows(image, m, method_draws):
    """compare_methods-like rows: (scheme, solver) -> per-draw MSEs."""
    import pandas as pd

    rows = []
    for (scheme, solver), draws in method_draws.items():
        rows.append(
            {
                "image": image,
                "M": m,
                "scheme": scheme,
                "solver": solver,
                "basis": "dct",
                "mse_mean": float(np.mean(draws)),
                "mse_std": float(np.std(draws, ddof=1)),
                "mse_draws": list(draws),
                "method": f"{scheme} / {solver} / dct",
            }
        )
    return pd.DataFrame(rows)


def test_worse_than_mean_flags_only_beyond_two_paired_standard_errors():
    from helpers.cs.readings import SE_MARGIN, worse_than_mean_summary

    mean = [1.0, 2.0, 3.0]
    # Consistently 0.1 worse on every shared draw: the paired SE is 0, so flagged,
    # although unpaired the spread of the draws would swamp the difference.
    steady = _comparison_rows("a", 100, {("g", "mean"): mean, ("g", "fista"): [1.1, 2.1, 3.1]})
    text = worse_than_mean_summary(steady)
    assert "**g / fista / dct**" in text and f"{SE_MARGIN:g} standard errors" in text
    # Worse on average but not on every draw by much: within 2 SE, not flagged.
    noisy = _comparison_rows("a", 100, {("g", "mean"): mean, ("g", "fista"): [1.5, 1.9, 2.9]})
    text = worse_than_mean_summary(noisy)
    assert "No method is worse" in text and "1 further" in text
    # Better than the constant image: nothing said about it.
    good = _comparison_rows("a", 100, {("g", "mean"): mean, ("g", "fista"): [0.1, 0.2, 0.3]})
    assert "further" not in worse_than_mean_summary(good)


def test_worse_than_constant_summary_uses_the_variance_and_a_margin():
    from helpers.cs.readings import worse_than_constant_summary

    def row(m, mse_mean, std):
        return {"image": "x", "M": m, "mse_mean": mse_mean, "mse_std": std, "trials": 4}

    rows = [row(50, 1.5e-2, 1e-3), row(300, 1.01e-2, 1e-3), row(600, 5e-3, 1e-4)]
    text = worse_than_constant_summary(rows, {"x": 1e-2})
    assert "relative MSE 1.50 at M = 50 to 0.50 at M = 600" in text
    assert "no better than the constant image at M = 50, 300" in text
    assert "worse by more than 2 SE at M = 50)" in text
    better = worse_than_constant_summary([row(600, 5e-3, 1e-4)], {"x": 1e-2})
    assert "better than the constant image at every M" in better


def test_bp_agreement_is_reported_from_the_comparison():
    from helpers.cs.readings import bp_agreement_summary

    frame = _comparison_rows(
        "a", 100, {("gaussian", "fista"): [1.0, 1.2], ("gaussian", "bp"): [1.0, 1.0]}
    )
    assert "1.1x to 1.1x the LP's" in bp_agreement_summary(frame, "gaussian", "dct")
    assert "did not run" in bp_agreement_summary(frame, "dct", "dct")


def test_compressibility_snr_and_per_image_noise_summary():
    from helpers.cs.noise import compressibility_snr_db, noise_summary, noise_sweep

    smooth, noise = (
        make_test_image("smooth", 16, 0),
        np.random.default_rng(1).uniform(size=(16, 16)),
    )
    # A compressible image's own approximation error sits at a far higher SNR.
    assert compressibility_snr_db(smooth, 64) > compressibility_snr_db(noise, 64) + 10
    rows = noise_sweep({"s": smooth, "n": noise}, [64], [40, 5], trials=2, seed=0)
    assert {r["trials"] for r in rows} == {2} and all(len(r["mse_draws"]) == 2 for r in rows)
    # PSNR in the field's units, per draw from its MSE (pixels in [0, 1]), then averaged;
    # a noisier measurement gives a lower PSNR and SSIM.
    for r in rows:
        expected = np.mean([10 * np.log10(1.0 / m) for m in r["mse_draws"]])
        assert r["psnr_mean"] == pytest.approx(expected, rel=1e-9)
        assert -1 <= r["ssim_mean"] <= 1 and r["ssim_std"] >= 0
    by = {(r["image"], r["SNR dB"], r["method"]): r for r in rows}
    for method in {r["method"] for r in rows}:
        assert by[("s", 40, method)]["psnr_mean"] > by[("s", 5, method)]["psnr_mean"]
    text = noise_summary(rows)
    lines = text.splitlines()
    assert len(lines) == 2 and lines[0].startswith("- **s**") and lines[1].startswith("- **n**")
    # The white-noise image's approximation error is above the noise at 40 dB, not at 5 dB.
    assert "M = 64: 40 dB)" in lines[1]
    contrast = 10 * np.log10(noise.var() / np.mean(noise**2))
    assert f"{-contrast:.1f} dB lower" in lines[1]


def test_solver_settings_are_generated_from_the_solvers_defaults():
    from helpers.cs.reconstruction import solver_settings
    from helpers.cs.solvers import FistaOptions

    o = FistaOptions()
    text = solver_settings("fista")
    assert f"{o.n_stages} continuation stages" in text and f"<= {o.max_iter} iterations" in text
    assert "noise penalty" in solver_settings("fista", noise_std=0.01)
    assert solver_settings("omp").startswith("OMP, k = round(0.25 M)")
    with pytest.raises(ValueError):
        solver_settings("magic")


def _blocks(n=32):
    """A piecewise-constant image: three overlapping rectangles, values in [0, 1]."""
    image = np.zeros((n, n))
    image[6:20, 5:17] = 0.8
    image[14:28, 12:26] = 0.4
    image[2:8, 20:30] = 1.0
    return image


def test_gradient_adjoint_and_norm_bound():
    from helpers.cs.operators import Gradient2

    grad = Gradient2(16)
    a, b = _dot_test(grad, np.random.default_rng(0))
    assert a == pytest.approx(b, rel=1e-12)
    # Power iteration: the largest singular value stays under the bound sqrt(8).
    x = np.random.default_rng(1).standard_normal(256)
    for _ in range(300):
        x = grad.rmatvec(grad.matvec(x))
        x /= np.linalg.norm(x)
    assert np.sqrt(np.dot(x, grad.rmatvec(grad.matvec(x)))) <= grad.norm_bound()
    # Forward differences, zero across the last row and column.
    ramp = np.tile(np.arange(16.0), (16, 1))
    g = grad.matvec(ramp.ravel())
    assert np.all(g[:256] == 0) and np.all(g[256:].reshape(16, 16)[:, :-1] == 1)


def test_total_variation_of_known_images():
    from helpers.cs.solvers import total_variation

    assert total_variation(np.full((8, 8), 0.3)) == 0
    step = np.zeros((8, 8))
    step[:, 4:] = 1.0
    assert total_variation(step) == pytest.approx(8.0)  # one unit jump per row


@pytest.mark.parametrize("scheme", ["gaussian", "dct"])
def test_tv_recovers_a_piecewise_constant_image(scheme):
    from helpers.cs.reconstruction import psnr
    from helpers.cs.solvers import total_variation

    image = _blocks()
    rec = reconstruct(image, 410, scheme=scheme, solver="tv", random_state=0)  # 40%
    assert psnr(rec.image, image) > 40
    # The estimate is at least as good for the objective as the true image.
    phi = measurement_operator(scheme, 32, 410, 0)
    y = phi.forward(image)

    def objective(x):
        return 0.5 * np.sum((phi.forward(x) - y) ** 2) + rec.info["lam"] * total_variation(x)

    # Within the default budget the objective gets within 0.5% of the true image's (an
    # upper bound on the optimum's); a larger budget gets closer still.
    assert objective(rec.image) <= objective(image) * 1.005
    longer = reconstruct(image, 410, scheme=scheme, solver="tv", random_state=0, max_iter=6000)
    assert objective(longer.image) <= objective(rec.image)


def test_tv_beats_l1_in_the_dct_on_a_piecewise_constant_image():
    image = _blocks()
    tv = reconstruct(image, 300, solver="tv", random_state=0)
    l1 = reconstruct(image, 300, solver="fista", random_state=0)
    assert mse(tv.image, image) < mse(l1.image, image) / 10


def test_tv_options_are_checked_and_described():
    from helpers.cs.reconstruction import solver_settings
    from helpers.cs.solvers import TVOptions

    with pytest.raises(ValueError, match="lam must be >= 0"):
        TVOptions(lam=-1)
    assert solver_settings("tv").startswith("isotropic TV, primal-dual (Condat-Vu)")


def test_table_1_under_other_priors_sets_them_side_by_side_and_judges_each():
    from helpers.cs import study as study1
    from helpers.cs.experiments import error_table
    from helpers.cs.reconstruction import solver_settings
    from helpers.prose.reconstruction import priors_text

    images = {
        "smooth": make_test_image("smooth", 16, 0),
        "textured": make_test_image("textured", 16, 0),
    }
    l1, _ = error_table(images, [40, 120], trials=2, seed=0, solver="fista")
    tv, _ = error_table(images, [40, 120], trials=2, seed=0, solver="tv")
    variances = {name: float(np.var(x)) for name, x in images.items()}
    table = study1.prior_rows({"fista (dct)": l1, "tv": tv[1:]}, variances)
    # Only the (image, M) every prior ran; relative MSE = MSE / var(x).
    assert [(r["image"], r["M"]) for r in table] == [(r["image"], r["M"]) for r in l1[1:]]
    first = table[0]
    assert first["rel. MSE, tv"] == pytest.approx(tv[1]["mse_mean"] / variances[tv[1]["image"]])
    assert first["PSNR dB, fista (dct)"] == l1[1]["psnr_mean"]
    # TV recovers the piecewise-smooth synthetic image better than noise-level error.
    assert all(r["psnr_mean"] > 15 for r in tv if r["image"] == "smooth" and r["M"] == 120)
    measures = study1.measure_images(images)
    reconstruction = {
        "table": l1,
        "image_groups": study1.group_images(images, measures),
        "image_measures": measures,
        "grouping": study1.grouping_record(),
    }
    verdicts = study1.verdict_by_prior(reconstruction, {"fista (dct)": l1, "tv": tv})
    assert set(verdicts) == {"fista (dct)", "tv"}
    assert all(
        v["verdict"] in ("supported", "contradicted", "inconclusive", "no evidence")
        for v in verdicts.values()
    )
    record = study1.prior_record({"tv": tv}, verdicts, {"tv": solver_settings("tv")})
    assert record["table_by_prior"]["tv"][0].keys() == set(study1.TABLE_KEYS)
    assert record["verdict_by_prior"]["tv"]["verdict"] == verdicts["tv"]["verdict"]
    text = priors_text(verdicts, [40, 120])
    assert "M = 40 to 120" in text and "under tv: **" in text and "not the headline" not in text
    assert "not the headline's range (40 to 240)" in priors_text(verdicts, [40, 120], [40, 240])
    # On the headline's own rows and M, the rule gives the headline's verdict.
    from helpers.summary.verdicts import conclusion_verdicts

    headline = conclusion_verdicts({"reconstruction": reconstruction})[0]
    assert verdicts["fista (dct)"]["verdict"] == headline["verdict"]
    assert record["settings_by_prior"]["tv"].startswith("isotropic TV")


def test_chapter_01_figures_draw_psnr_ssim_and_the_fields_marks():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.cs.field_marks import AIMS, PUBLISHED
    from helpers.plots import plot_field_marks, plot_noise_sweep, plot_quality_vs_m

    rows = [
        {
            "image": "camera",
            "M": m,
            "psnr_mean": p,
            "psnr_std": 0.5,
            "ssim_mean": s,
            "ssim_std": 0.01,
        }
        for m, p, s in ((50, 15.0, 0.3), (600, 22.0, 0.7))
    ]
    fig = plot_quality_vs_m(rows)
    (psnr_line,) = [c for c in fig.axes[0].containers]
    assert list(psnr_line.lines[0].get_ydata()) == [15.0, 22.0]
    assert fig.axes[1].get_ylabel() == "SSIM"
    noise = [
        {
            "image": "camera",
            "M": 200,
            "SNR dB": snr,
            "method": "fista",
            "mse_mean": 0.01,
            "mse_std": 0.0,
            "psnr_mean": snr / 2,
            "psnr_std": 0.1,
        }
        for snr in (10, 40)
    ]
    fig = plot_noise_sweep(noise, metric="psnr")
    assert fig.axes[0].get_yscale() == "linear" and fig.axes[0].get_ylabel() == "PSNR (dB)"
    with pytest.raises(ValueError, match="metric must be one of"):
        plot_noise_sweep(noise, metric="mae")
    field = [
        {
            "image": image,
            "ratio": ratio,
            "solver": solver,
            "basis": "dct",
            "psnr_mean": db,
            "psnr_sd": 0.2,
        }
        for image in ("camera", "phantom")
        for ratio, db in ((0.1, 25.0), (0.25, 30.0))
        for solver in ("tv", "fista")
    ]
    fig = plot_field_marks(field, PUBLISHED, AIMS)
    camera, phantom = fig.axes
    labels = camera.get_legend_handles_labels()[1]
    quoted = "quoted: BM3D-AMP, Set11 avg., block Gaussian"
    assert {"TV", "l1, dct", quoted, "aim"} == set(
        labels
    ) and camera.get_title() == "camera, 256 x 256"
    squares = [line for line in camera.lines if line.get_marker() == "s"]
    assert list(squares[0].get_ydata()) == [p["psnr"] for p in PUBLISHED]
    assert quoted not in phantom.get_legend_handles_labels()[1]
    # The aims are set for 256 x 256: not drawn at another size.
    small = plot_field_marks(field, PUBLISHED, AIMS, n=64)
    assert "aim" not in small.axes[0].get_legend_handles_labels()[1]


def test_roughness_measures_pixel_to_pixel_variation_with_no_basis():
    from helpers.cs import study as study1
    from helpers.cs.images import roughness, variance_outside_best_k

    rng = np.random.default_rng(0)
    noise = rng.standard_normal((256, 256))
    assert roughness(noise) == pytest.approx(2.0, rel=0.02)  # each difference: variance 2
    t = np.linspace(0, 1, 64)
    ramp = np.add.outer(t, t)
    assert roughness(ramp) < 0.1
    # Not the best-k share in disguise: a fine grating is rough, yet two DCT
    # coefficients hold it; noise is as rough and no k-term model holds it.
    grating = np.cos(np.pi * 30 * (np.arange(64) + 0.5) / 64)[None, :] * np.ones((64, 1))
    assert roughness(grating) > 1.0 and variance_outside_best_k(grating, 2) < 1e-9
    assert variance_outside_best_k(noise[:64, :64], 2) > 0.9
    assert roughness(3 * ramp + 1) == pytest.approx(roughness(ramp))  # scale-free
    with pytest.raises(ValueError, match="constant image"):
        roughness(np.ones((8, 8)))
    with pytest.raises(ValueError, match="2-D image"):
        roughness(np.ones(8))
    measures = study1.measure_images({"ramp": ramp}, m_values=[50, 600])
    assert measures["ramp"]["roughness"] == roughness(ramp)
    assert measures["ramp"]["outside_best_m"] == {
        str(k): variance_outside_best_k(ramp, k) for k in (12, 50, 150, 600)
    }
    # A constant image has no roughness; the chapter records None, the rule skips it.
    assert study1.measure_images({"flat": np.ones((16, 16))})["flat"]["roughness"] is None
    # Its square is the DCT energy weighted by the finite-difference Laplacian's
    # eigenvalues: a spectral moment (so not independent of a DCT prior's errors).
    from scipy.fft import dctn

    x = ramp + 0.1 * rng.standard_normal(ramp.shape)
    c = dctn(x - x.mean(), norm="ortho")
    lam = 4 * np.sin(np.pi * np.arange(64) / 128) ** 2
    weighted = (np.add.outer(lam, lam) * c**2).sum() / (c**2).sum()
    assert roughness(x) ** 2 == pytest.approx(64 / 63 * weighted, rel=1e-9)
