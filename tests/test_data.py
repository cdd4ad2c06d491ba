import zipfile

import numpy as np
import pytest

from helpers import data as data_module
from helpers.data import (
    DatasetFileError,
    DatasetNotFoundError,
    fingerprint,
    load_dataset,
    stratified_subset,
    to_grayscale,
)
from tests.conftest import make_arrays


@pytest.fixture(autouse=True)
def isolated_search(monkeypatch, tmp_path):
    """No test sees the developer's REPORT_DATA_DIR or data/ or the network."""
    monkeypatch.delenv("REPORT_DATA_DIR", raising=False)
    monkeypatch.setattr(data_module, "REPO_DATA_DIR", tmp_path / "no-repo-data")

    def offline(name):
        raise OSError("URL fetch failure: no network in tests")

    monkeypatch.setattr(data_module, "_download_with_keras", offline)


def test_loads_valid_archive_scaled_to_unit_interval(write_archive):
    directory = write_archive("fashion_mnist")
    ds = load_dataset("fashion_mnist", data_dir=directory)
    raw = make_arrays("fashion_mnist")
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape == (40, 28, 28)
    np.testing.assert_allclose(ds.x_train * 255, raw["x_train"], atol=1e-4)
    assert ds.y_test.dtype == np.int64
    np.testing.assert_array_equal(ds.y_test, raw["y_test"])
    assert ds.source.endswith("fashion_mnist.npz")


def test_unscaled_load_keeps_uint8(write_archive):
    ds = load_dataset("fashion_mnist", data_dir=write_archive(), scale=False)
    assert ds.x_train.dtype == np.uint8


def test_cached_arrays_cannot_be_modified_by_a_caller(write_archive):
    ds = load_dataset("fashion_mnist", data_dir=write_archive(), scale=False)
    with pytest.raises(ValueError):
        ds.x_train[0, 0, 0] = 1


def test_grayscale_uses_bt601_luma(write_archive):
    arrays = make_arrays("cifar10")
    directory = write_archive("cifar10", arrays)
    ds = load_dataset("cifar10", data_dir=directory, grayscale=True)
    rgb = arrays["x_train"].astype(np.float64)
    expected = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255
    assert ds.x_train.shape == (40, 32, 32)
    np.testing.assert_allclose(ds.x_train, expected, atol=1e-5)
    assert ds.grayscale


def test_to_grayscale_pure_colours():
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], dtype=np.uint8)
    np.testing.assert_allclose(to_grayscale(pixels)[0], [76.245, 149.685, 29.07, 255.0], rtol=1e-5)


def test_to_grayscale_in_chunks_equals_one_pass(monkeypatch):
    """Chunk boundaries (here every 1000 pixels, mid-image) change no pixel's value."""
    import helpers.data

    images = np.random.default_rng(0).integers(0, 256, size=(7, 32, 32, 3), dtype=np.uint8)
    whole = np.tensordot(images.astype(np.float32), helpers.data.BT601_LUMA, axes=([-1], [0]))
    monkeypatch.setattr(helpers.data, "_GRAYSCALE_CHUNK", 1000)
    chunked = to_grayscale(images)
    assert chunked.shape == (7, 32, 32) and chunked.dtype == np.float32
    np.testing.assert_allclose(chunked, whole, rtol=1e-6)


def test_stratified_subset_is_seeded_and_balanced():
    y = np.repeat(np.arange(10), 100)
    a = stratified_subset(y, 200, random_state=3)
    b = stratified_subset(y, 200, random_state=3)
    c = stratified_subset(y, 200, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.bincount(y[a]).tolist() == [20] * 10
    assert len(np.unique(a)) == 200


def test_subset_through_load_dataset(write_archive):
    ds = load_dataset(
        "fashion_mnist", data_dir=write_archive(), n_train=20, n_test=10, random_state=1
    )
    assert len(ds.y_train) == 20 and len(ds.y_test) == 10
    assert np.bincount(ds.y_train).tolist() == [2] * 10


@pytest.mark.parametrize("n, error", [(41, ValueError), (5, ValueError), (2.5, TypeError)])
def test_bad_subset_size(write_archive, n, error):
    with pytest.raises(error, match="n_train"):
        load_dataset("fashion_mnist", data_dir=write_archive(), n_train=n)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'.*fashion_mnist.*cifar10"):
        load_dataset("mnist")


def test_non_integer_seed(write_archive):
    with pytest.raises(TypeError, match="random_state must be an integer"):
        load_dataset("fashion_mnist", data_dir=write_archive(), random_state="0")


def test_search_order_env_var_before_repo_data(monkeypatch, tmp_path, write_archive):
    env_dir = write_archive(directory=tmp_path / "env")
    repo_dir = write_archive(arrays=make_arrays(seed=9), directory=tmp_path / "repo")
    monkeypatch.setattr(data_module, "REPO_DATA_DIR", repo_dir)
    monkeypatch.setenv("REPORT_DATA_DIR", str(env_dir))
    assert load_dataset("fashion_mnist").source == str(env_dir / "fashion_mnist.npz")
    monkeypatch.delenv("REPORT_DATA_DIR")
    assert load_dataset("fashion_mnist").source == str(repo_dir / "fashion_mnist.npz")


def test_explicit_data_dir_is_the_only_place_searched(monkeypatch, tmp_path, write_archive):
    monkeypatch.setenv("REPORT_DATA_DIR", str(write_archive(directory=tmp_path / "env")))
    with pytest.raises(DatasetNotFoundError, match="data_dir argument"):
        load_dataset("fashion_mnist", data_dir=tmp_path / "elsewhere")


def test_missing_data_offline_names_every_place_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("REPORT_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(DatasetNotFoundError) as info:
        load_dataset("cifar10")
    message = str(info.value)
    assert "$REPORT_DATA_DIR" in message and str(tmp_path / "empty") in message
    assert "no-repo-data" in message
    assert "Keras download" in message and "no network" in message
    assert "Fix: set REPORT_DATA_DIR" in message


def test_keras_fallback_is_used_and_validated(monkeypatch):
    arrays = make_arrays("cifar10")
    monkeypatch.setattr(
        data_module,
        "_download_with_keras",
        lambda name: {**arrays, "y_train": arrays["y_train"][:, None]},
    )
    ds = load_dataset("cifar10")
    assert ds.source == "keras.datasets.cifar10" and ds.y_train.shape == (40,)


def _corrupt(directory, mutate):
    arrays = make_arrays()
    mutate(arrays)
    np.savez(directory / "fashion_mnist.npz", **arrays)
    return directory


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda a: a.update(x_train=a["x_train"][:, :27]), r"x_train has shape \(40, 27, 28\)"),
        (lambda a: a.update(x_test=a["x_test"].astype(np.float32)), "x_test has dtype float32"),
        (lambda a: a.update(y_train=a["y_train"] + 5), r"labels in \[5, 14\].*0\.\.9"),
        (lambda a: a.update(y_test=a["y_test"][:-1]), "20 images but y_test has 19 labels"),
        (
            lambda a: a.update(y_train=np.zeros(40, np.uint8) + (np.arange(40) % 9)),
            r"y_train lacks class\(es\) \[9\]",
        ),
        (lambda a: a.pop("y_test"), r"missing array\(s\) \['y_test'\]"),
        (lambda a: a.update(y_train=a["y_train"].astype(np.float32)), "y_train has dtype float32"),
    ],
)
def test_invalid_archive_contents(tmp_path, mutate, message):
    directory = _corrupt(tmp_path, mutate)
    with pytest.raises(DatasetFileError, match=message):
        load_dataset("fashion_mnist", data_dir=directory)


def test_truncated_archive(tmp_path, write_archive):
    path = write_archive() / "fashion_mnist.npz"
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetFileError, match="not a readable .npz.*truncated or corrupt"):
        load_dataset("fashion_mnist", data_dir=tmp_path)


def test_not_an_archive(tmp_path):
    (tmp_path / "fashion_mnist.npz").write_text("<html>404</html>")
    with pytest.raises(DatasetFileError, match="not a readable .npz"):
        load_dataset("fashion_mnist", data_dir=tmp_path)


def test_corrupt_member_inside_valid_zip(tmp_path, write_archive):
    path = write_archive() / "fashion_mnist.npz"
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning, match="Duplicate"):
        zf.writestr("x_train.npy", b"garbage")  # shadows the good member
    with pytest.raises(DatasetFileError, match="x_train.npy is not a NumPy array"):
        load_dataset("fashion_mnist", data_dir=tmp_path)


def test_replaced_file_is_read_again(tmp_path, write_archive):
    write_archive(arrays=make_arrays(seed=1))
    first = load_dataset("fashion_mnist", data_dir=tmp_path, scale=False).x_train.copy()
    import os
    import time

    write_archive(arrays=make_arrays(seed=2))
    os.utime(tmp_path / "fashion_mnist.npz", ns=(time.time_ns() + 10**9,) * 2)
    second = load_dataset("fashion_mnist", data_dir=tmp_path, scale=False).x_train
    assert not np.array_equal(first, second)


def test_fingerprint_depends_on_content_shape_and_dtype():
    a = np.arange(12, dtype=np.uint8)
    assert fingerprint(a) == fingerprint(a.copy())
    assert fingerprint(a) != fingerprint(a.reshape(3, 4))
    assert fingerprint(a) != fingerprint(a.astype(np.int16))
    b = a.copy()
    b[0] = 1
    assert fingerprint(a) != fingerprint(b)


@pytest.mark.needs_data
def test_real_datasets_have_the_documented_format(data_dir):
    for name, n_train, shape in (
        ("fashion_mnist", 60000, (28, 28)),
        ("cifar10", 50000, (32, 32, 3)),
    ):
        ds = load_dataset(name, data_dir=data_dir, scale=False)
        assert ds.x_train.shape == (n_train, *shape)
        assert len(ds.y_test) == 10000
        assert np.bincount(ds.y_test).tolist() == [1000] * 10


def test_compact_copy_stores_cifar_as_luma_and_loads_like_the_original(tmp_path, write_archive):
    from helpers.data_compact import main

    arrays = make_arrays("cifar10", n_train=40, n_test=20)
    src = write_archive("cifar10", arrays, tmp_path / "orig")
    write_archive("fashion_mnist", None, src)
    out = tmp_path / "compact"
    assert main([str(out), "--data-dir", str(src)]) == 0
    with np.load(out / "cifar10.npz") as archive:
        assert archive["x_train"].shape == (40, 32, 32) and archive["x_train"].dtype == np.uint8
        assert "luma" in str(archive["luma"])
    original = load_dataset("cifar10", data_dir=src, grayscale=True)
    compact = load_dataset("cifar10", data_dir=out, grayscale=True)
    assert compact.grayscale and compact.x_train.shape == original.x_train.shape == (40, 32, 32)
    # Rounding luma to uint8 moves a pixel by at most half a grey level.
    assert np.abs(compact.x_train - original.x_train).max() <= 0.5 / 255 + 1e-6
    np.testing.assert_array_equal(compact.y_train, original.y_train)
    # Asked for RGB, a compact copy gives what it has, and says so.
    raw = load_dataset("cifar10", data_dir=out, scale=False)
    assert raw.x_train.dtype == np.uint8 and raw.x_train.shape == (40, 32, 32)
    assert raw.grayscale and "luma" in raw.info["stored_as"]
    # Fashion-MNIST is grayscale already: the same arrays, only compressed differently.
    fm = load_dataset("fashion_mnist", data_dir=out, scale=False)
    np.testing.assert_array_equal(
        fm.x_train, load_dataset("fashion_mnist", data_dir=src, scale=False).x_train
    )
    assert "stored_as" not in fm.info


def test_luma_shaped_cifar_without_the_marker_is_refused(write_archive):
    arrays = make_arrays("cifar10")
    arrays = {k: (v[..., 0] if k.startswith("x_") else v) for k, v in arrays.items()}
    with pytest.raises(DatasetFileError, match=r"expected \(n, 32, 32, 3\)"):
        load_dataset("cifar10", data_dir=write_archive("cifar10", arrays))
