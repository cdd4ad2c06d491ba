import numpy as np
import pytest
from PIL import Image

from helpers.data import load_dataset
from helpers.import_images import import_image_tree, main


def _tree(root, n_per_class=2, size=(28, 28), mode="L", classes=range(10)):
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for c in classes:
            folder = root / split / str(c)
            folder.mkdir(parents=True)
            for i in range(n_per_class):
                shape = size if mode == "L" else (*size, 3)
                Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=mode).save(
                    folder / f"{i}.png"
                )
    return root


def test_import_then_load_round_trip(tmp_path):
    src = _tree(tmp_path / "src")
    out = tmp_path / "out" / "fashion_mnist.npz"
    assert main([str(src), str(out)]) == 0
    ds = load_dataset("fashion_mnist", data_dir=out.parent, scale=False)
    assert ds.x_train.shape == (20, 28, 28) and ds.x_train.dtype == np.uint8
    assert np.bincount(ds.y_train).tolist() == [2] * 10
    first = np.asarray(Image.open(src / "train" / "0" / "0.png"))
    np.testing.assert_array_equal(ds.x_train[0], first)


def test_rgb_images_and_named_classes(tmp_path):
    src = _tree(tmp_path, n_per_class=1, size=(32, 32), mode="RGB", classes=["cat", "airplane"])
    arrays = import_image_tree(src, progress=False)
    assert arrays["x_train"].shape == (2, 32, 32, 3)
    assert list(arrays["class_names"]) == ["airplane", "cat"]
    assert arrays["y_train"].tolist() == [0, 1]  # airplane folder sorts first


def test_mixed_sizes_need_resize(tmp_path):
    src = _tree(tmp_path, n_per_class=1, classes=[0, 1])
    Image.fromarray(np.zeros((30, 30), np.uint8)).save(src / "train" / "1" / "odd.png")
    with pytest.raises(ValueError, match="pass --size"):
        import_image_tree(src, progress=False)
    arrays = import_image_tree(src, size=(28, 28), progress=False)
    assert arrays["x_train"].shape == (3, 28, 28)


def test_unreadable_image_is_named(tmp_path):
    src = _tree(tmp_path, n_per_class=1, classes=[0, 1])
    (src / "test" / "0" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="broken.png: not a readable image"):
        import_image_tree(src, progress=False)


def test_cli_refuses_to_overwrite_and_reports_missing_split(tmp_path, capsys):
    (tmp_path / "src" / "train" / "0").mkdir(parents=True)
    assert main([str(tmp_path / "src"), str(tmp_path / "o.npz")]) == 2
    assert "test does not exist" in capsys.readouterr().err
    (tmp_path / "o.npz").write_bytes(b"")
    with pytest.raises(SystemExit):
        main([str(tmp_path / "src"), str(tmp_path / "o.npz")])
