"""The summary's seed spread: runs with other seeds read beside this one, checked first."""

import json
import statistics

import pytest

from helpers.summary.seeds import (
    load_seed_runs,
    seed_caveat,
    seed_rows,
    seed_spread,
    verdict_stability,
)
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
    # Seed 10's Fashion-MNIST gap is as large as CIFAR-10's: verdicts 2 and 3 fail there.
    this = _run(0)
    others = [
        _write(tmp_path / "s10", _run(10, fashion_gaps=CLEAR)),
        _write(tmp_path / "s20", _run(20)),
    ]
    runs = load_seed_runs(this, others)
    assert list(runs) == [0, 10, 20]
    rows = seed_rows(runs)
    assert [(r["seed"], r["dataset"]) for r in rows][:2] == [(0, "cifar10"), (0, "fashion_mnist")]
    assert [r["verdict 2"] for r in rows if r["dataset"] == "cifar10"] == [
        "supported",
        "contradicted",
        "supported",
    ]
    sentences = verdict_stability(rows)
    # Verdict 3 cites verdict 2 on the Fashion-MNIST interval's upper end: said once, with its range.
    assert sentences[0].startswith("Verdict 2's Fashion-MNIST margin, which verdict 3 cites")
    high = [r["gap 90% high"] for r in rows if r["dataset"] == "fashion_mnist"]
    assert f"runs from {min(high):+.4f} to {max(high):+.4f}" in sentences[0]
    assert sentences[1] == (
        "Verdict 2 **changes with the seed**: supported for seeds 0, 20; contradicted for seed 10."
    )
    # Each seed's verdict 3 is judged on that seed alone: one run's training time is not
    # counted, so at best inconclusive; seed 10's accuracy gap contradicts it.
    assert sentences[2] == (
        "Verdict 3 **changes with the seed**: inconclusive for seeds 0, 20; contradicted for "
        "seed 10."
    )
    steady = verdict_stability(seed_rows(load_seed_runs(this, others[1:])))
    assert steady[1:] == [
        "Verdict 2 is **supported** for every seed (0, 20).",
        "Verdict 3 is **inconclusive** for every seed (0, 20).",
    ]
    spread = {(s["dataset"], s["model"]): s for s in seed_spread(rows)}
    fashion = [r for r in rows if r["dataset"] == "fashion_mnist"]
    cnn = spread["fashion_mnist", "CNN"]
    assert cnn["seeds"] == 3
    assert cnn["seed sd of CV mean"] == pytest.approx(
        statistics.stdev(r["CNN CV"] for r in fashion)
    )
    assert cnn["seed sd of CV mean"] > 0  # seed 10 differs
    # Beside the SE one run's interval assumes: sqrt((1/k + n_val/n_train) s^2).
    se = (1 / 5 + 2000 / 8000) ** 0.5 * fashion[0]["CNN fold sd"]
    assert fashion[0]["CNN corrected SE"] == pytest.approx(se)
    assert cnn["seed sd / SE"] == pytest.approx(
        cnn["seed sd of CV mean"] / cnn["corrected SE (one run)"]
    )
    gap = spread["fashion_mnist", "CNN - MLP"]
    assert gap["CV mean over seeds"] == pytest.approx(
        statistics.fmean(r["CNN - MLP (CV)"] for r in fashion)
    )


def test_the_caveat_gives_the_chi_square_range_of_a_three_seed_sd():
    text = seed_caveat(3)
    assert "2 degrees of freedom" in text and "0.52x to 6.3x" in text
    assert "cannot show" in text and seed_caveat(1) == "One seed: no seed spread."


def test_seed_runs_with_other_parameters_numerics_or_near_seeds_are_refused(tmp_path):
    this = _run(0)
    other = _write(tmp_path / "epochs", _run(10, max_epochs=3))
    with pytest.raises(ValueError, match=r"max_epochs: 3 vs 25.*changing only the seed"):
        load_seed_runs(this, [other])
    # Fold i seeds its fit with seed + i: seeds under 5 (folds) apart share initial weights.
    with pytest.raises(ValueError, match="use seeds at least 5 apart"):
        load_seed_runs(this, [_write(tmp_path / "again", _run(0))])
    with pytest.raises(ValueError, match="same initial weights as some of seed 0"):
        load_seed_runs(this, [_write(tmp_path / "near", _run(3))])
    other = _run(10)
    other["cnn"]["machine"] = {"training_precision": "float32"}
    with pytest.raises(ValueError, match="other code, numerics or data.*training_precision"):
        load_seed_runs(this, [_write(tmp_path / "f32", other)])
    other = _run(10)
    other["projection_mlp"]["_run"]["parameters"]["seed"] = 11
    with pytest.raises(ValueError, match="the paired test needs one seed"):
        load_seed_runs(this, [_write(tmp_path / "mixed", other)])
    empty = tmp_path / "empty"
    (empty / "results").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no results/cnn.json; render it with"):
        load_seed_runs(this, [empty])
    # Where the files are does not count; how the MLP folds ran does (bfloat16 round-off).
    same = _write(tmp_path / "files", _run(10, data_dir="/elsewhere"))
    assert list(load_seed_runs(this, [same])) == [0, 10]
    # Nor does chapter 03's sweep, which seed runs skip: the summary reads none of it.
    no_sweep = _write(tmp_path / "sweep", _run(10, mlp_sweep_m=[], mlp_sweep_folds=3))
    assert list(load_seed_runs(this, [no_sweep])) == [0, 10]
    with pytest.raises(ValueError, match="mlp_n_jobs"):
        load_seed_runs(this, [_write(tmp_path / "jobs", _run(20, mlp_n_jobs=1))])


def test_seed_runs_are_part_of_the_summary_fingerprint(tmp_path):
    from helpers.report.profiles import list_notebooks
    from helpers.report.staleness import fingerprint

    other = _write(tmp_path / "s10", _run(10))
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
    _, parts = fingerprint(summary, {"profile": "study"}, {}, [], hashes)
    assert "seed_runs" not in parts  # runs without seed_runs keep their old stamps


def test_a_seed_run_from_other_code_is_refused_by_its_stamp(tmp_path):
    def stamped(folder, results, code):
        _write(folder, results)
        (folder / "executed").mkdir()
        for stem in ("02_cnn", "03_projection_mlp"):
            inputs = {"code": {"helpers.nets.training": code}, "data": {"cifar10": "abc"}}
            (folder / "executed" / f"{stem}.stamp.json").write_text(json.dumps({"inputs": inputs}))
        return folder

    this = stamped(tmp_path / "main", _run(0), "v1")
    results = {
        n: json.loads((this / "results" / f"{n}.json").read_text())
        for n in ("cnn", "projection_mlp")
    }
    same = stamped(tmp_path / "s10", _run(10), "v1")
    assert list(load_seed_runs(results, [same], this)) == [0, 10]
    changed = stamped(tmp_path / "s20", _run(20), "v2")
    with pytest.raises(
        ValueError, match=r"other code, numerics or data than this run \(stamp code\)"
    ):
        load_seed_runs(results, [changed], this)
