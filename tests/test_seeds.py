"""The summary's seed spread: runs with other seeds read beside this one, checked first."""

import json

import pytest

from helpers.summary.seeds import load_seed_runs, seed_rows, seed_spread, verdict_stability
from tests.test_summary import CLEAR, SLIGHT, _recorded

PARAMETERS = {"n_train": 10000, "cnn_folds": 5, "max_epochs": 25, "mlp_m": 100}


def _run(seed, cifar_gaps=CLEAR, fashion_gaps=SLIGHT, **parameters):
    cnn, mlp = _recorded(cifar_gaps, fashion_gaps)
    for payload in (cnn, mlp):
        payload["_run"] = {
            "parameters": {**PARAMETERS, "seed": seed, "output_dir": f"/r/{seed}", **parameters}
        }
    return {"cnn": cnn, "projection_mlp": mlp}


def _write(folder, results):
    (folder / "results").mkdir(parents=True)
    for name, payload in results.items():
        (folder / "results" / f"{name}.json").write_text(json.dumps(payload))
    return folder


def test_other_seeds_are_tabulated_and_a_changed_verdict_is_named(tmp_path):
    # Seed 1's Fashion-MNIST gap is as large as CIFAR-10's: verdict 2 is mixed there.
    this = _run(0)
    others = [
        _write(tmp_path / "s1", _run(1, fashion_gaps=CLEAR)),
        _write(tmp_path / "s2", _run(2)),
    ]
    runs = load_seed_runs(this, others)
    assert list(runs) == [0, 1, 2]
    rows = seed_rows(runs)
    assert [(r["seed"], r["dataset"]) for r in rows][:2] == [(0, "cifar10"), (0, "fashion_mnist")]
    assert [r["verdict 2"] for r in rows if r["dataset"] == "cifar10"] == [
        "supported",
        "mixed",
        "supported",
    ]
    sentences = verdict_stability(rows)
    assert sentences[0].startswith("Verdict 2 **changes with the seed**")
    assert "mixed for seed 1" in sentences[0] and "supported for seeds 0, 2" in sentences[0]
    # The larger Fashion-MNIST gap also fails verdict 3's "close" half for seed 1.
    assert sentences[1] == (
        "Verdict 3 **changes with the seed**: supported for seeds 0, 2; mixed for seed 1."
    )
    steady = verdict_stability(seed_rows(load_seed_runs(this, others[1:])))
    assert steady == [
        "Verdict 2 is **supported** for every seed (0, 2).",
        "Verdict 3 is **supported** for every seed (0, 2).",
    ]
    spread = {(s["dataset"], s["model"]): s for s in seed_spread(rows)}
    fashion_cnn = [r["CNN CV"] for r in rows if r["dataset"] == "fashion_mnist"]
    assert spread["fashion_mnist", "CNN"]["seeds"] == 3
    assert spread["fashion_mnist", "CNN"]["seed sd of CV mean"] == pytest.approx(
        __import__("statistics").stdev(fashion_cnn)
    )
    assert spread["fashion_mnist", "CNN"]["seed sd of CV mean"] > 0  # seed 1 differs


def test_seed_runs_with_other_parameters_or_the_same_seed_are_refused(tmp_path):
    this = _run(0)
    other = _write(tmp_path / "epochs", _run(1, max_epochs=3))
    with pytest.raises(ValueError, match=r"max_epochs: 3 vs 25.*changing only the seed"):
        load_seed_runs(this, [other])
    with pytest.raises(ValueError, match="seed 0, which another run"):
        load_seed_runs(this, [_write(tmp_path / "again", _run(0))])
    empty = tmp_path / "empty"
    (empty / "results").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no results/cnn.json; render it with"):
        load_seed_runs(this, [empty])
    # Where the folds ran (mlp_n_jobs) and where files are do not count as parameters.
    same = _write(tmp_path / "jobs", _run(3, mlp_n_jobs=1, data_dir="/elsewhere"))
    assert list(load_seed_runs(this, [same])) == [0, 3]


def test_seed_runs_are_part_of_the_summary_fingerprint(tmp_path):
    from helpers.report.profiles import list_notebooks
    from helpers.report.staleness import fingerprint

    other = _write(tmp_path / "s1", _run(1))
    summary = [nb for nb in list_notebooks() if nb.stem.startswith("99")][0]

    def hashes(path):  # content, as FileHashes digests it
        return path.read_text()

    params = {"profile": "study", "seed_runs": [str(other)]}
    before, parts = fingerprint(summary, params, {}, [], hashes)
    assert str(other / "results" / "cnn.json") in parts["seed_runs"]
    payload = json.loads((other / "results" / "cnn.json").read_text())
    payload["datasets"]["cifar10"]["mean"] = 0.5123456
    (other / "results" / "cnn.json").write_text(json.dumps(payload))
    after, _ = fingerprint(summary, params, {}, [], hashes)
    assert after != before  # a re-rendered seed run re-runs the summary
    without, parts = fingerprint(summary, {"profile": "study"}, {}, [], hashes)
    assert "seed_runs" not in parts  # runs without seed_runs keep their old stamps
