"""End to end: ./render.sh's pipeline on the quick profile, asserting on what it recorded.

Runs the pipeline in a subprocess, as a user would, into a temporary output
directory (the repository's reports/ is left alone); the render is conftest's
session fixture ``quick_report``, shared with tests/test_report_browser.py.
"""

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from helpers.data import fingerprint, load_dataset
from helpers.results import read_results
from tests.conftest import PROJECT_ROOT, make_arrays
from tests.conftest import render_quick as render

pytestmark = [pytest.mark.slow, pytest.mark.needs_data]


def test_datasets_results_match_the_data(quick_report, data_dir):
    recorded = read_results(quick_report, "datasets")
    assert recorded["profile"] == "quick" and recorded["n_train"] == 1000
    for name, n_train in (("fashion_mnist", 60000), ("cifar10", 50000)):
        entry = recorded["datasets"][name]
        assert entry["train"]["n"] == n_train and entry["test"]["n"] == 10000
        assert entry["subset_class_counts"] == [100] * 10
        raw = load_dataset(name, data_dir=data_dir, scale=False)
        assert entry["sha256"] == fingerprint(raw.x_train, raw.y_train, raw.x_test, raw.y_test)
        gray = load_dataset(name, data_dir=data_dir, grayscale=True)
        assert entry["test"]["pixel_mean"] == pytest.approx(
            float(gray.x_test.mean(dtype=np.float64))
        )
        assert 0 <= entry["train"]["pixel_min"] <= entry["train"]["pixel_max"] <= 1


def test_reconstruction_results(quick_report):
    import yaml

    from tests.conftest import PROJECT_ROOT

    profile = yaml.safe_load((PROJECT_ROOT / "params" / "quick.yaml").read_text())
    recorded = read_results(quick_report, "reconstruction")
    table = recorded["table"]
    for image in ("smooth", "textured"):
        rows = [r for r in table if r["image"] == image]
        assert [r["M"] for r in rows] == profile["cs_m_values"]
        assert all(r["trials"] == profile["cs_trials"] and r["mse_std"] >= 0 for r in rows)
        assert all(0 <= r["mse_mean"] <= r["mae_mean"] <= 1 for r in rows)  # MSE <= MAE in [0, 1]
        assert all(r["psnr_mean"] > 0 and 0 < r["ssim_mean"] <= 1 for r in rows)
    smooth = [r["mse_mean"] for r in table if r["image"] == "smooth"]
    assert all(a > b for a, b in zip(smooth, smooth[1:])), smooth
    phase = recorded["phase_transition"]
    assert phase["success_below_curve"] > phase["success_above_curve"]
    assert recorded["configuration"]["scheme"] == "gaussian"
    sizes = [r["N"] for r in recorded["scaling"]]
    assert sizes == profile["cs_scaling_sizes"]
    field = recorded["field_marks"]
    assert {(r["image"], r["ratio"]) for r in field} == {
        (name, ratio) for name in profile["cs_field_images"] for ratio in profile["cs_field_ratios"]
    }
    assert {r["solver"] for r in field} == {"tv", "fista"} and all(
        r["psnr_mean"] > 0 for r in field
    )
    # Table 1 under TV: the profile's M, every image, PSNR and SSIM; verdict 1 judged on it.
    by_prior = recorded["table_by_prior"]
    assert set(by_prior) == {"fista (dct)", *profile["cs_table1_priors"]}
    tv = by_prior["tv"]
    assert sorted({r["M"] for r in tv}) == profile["cs_prior_m"]
    assert {r["image"] for r in tv} == {r["image"] for r in table}
    assert all(r["psnr_mean"] > 0 and r["trials"] == profile["cs_trials"] for r in tv)
    assert set(recorded["verdict_by_prior"]) == set(by_prior)
    assert all("psnr_mean" in r and "ssim_mean" in r for r in recorded["noise_sweep"])


def test_cnn_results(quick_report):
    from helpers.nets.models import CNN_SPEC

    recorded = read_results(quick_report, "cnn")
    assert [layer["layer"] for layer in recorded["architecture"]] == [n for n, _ in CNN_SPEC]
    fmnist = recorded["datasets"]["fashion_mnist"]
    assert len(fmnist["fold_accuracy"]) == fmnist["folds"] == 2
    assert fmnist["mean"] > 0.3 and fmnist["test_accuracy"] > 0.3  # chance is 0.1
    for entry in recorded["datasets"].values():
        assert entry["params"] > 0 and entry["flops_per_image"] > 1e7
        assert entry["train_images_per_s"] > 0 and entry["latency_ms"]["1"] > 0
        assert entry["size_bytes"] > 4 * entry["params"]
    assert recorded["datasets"]["cifar10"]["params"] == 503818


def test_projection_mlp_results(quick_report):
    recorded = read_results(quick_report, "projection_mlp")
    cnn = read_results(quick_report, "cnn")["datasets"]
    fmnist = recorded["datasets"]["fashion_mnist"]
    assert fmnist["M"] == recorded["configuration"]["M"] and fmnist["method"] == "gaussian"
    assert fmnist["mean"] > 0.3 and fmnist["test_accuracy"] > 0.3  # chance is 0.1
    assert fmnist["folds"] == cnn["fashion_mnist"]["folds"]  # the CNN's folds
    assert (
        fmnist["flops_per_image"]
        == fmnist["mlp_flops_per_image"] + fmnist["projection_flops_per_image"]
    )
    paired = recorded["paired_test"]["fashion_mnist"]
    assert np.allclose(
        paired["differences"],
        np.subtract(cnn["fashion_mnist"]["fold_accuracy"], fmnist["fold_accuracy"]),
    )
    assert 0 <= paired["p_value"] <= 1 and 0 <= paired["corrected_p_value"] <= 1
    assert {(r["dataset"], r["method"]) for r in recorded["sweep"]} >= {
        ("fashion_mnist", "gaussian")
    }
    assert {p["model"] for p in recorded["cost_points"]} >= {"CNN", "RP-MLP M=100"}


def test_svd_results(quick_report):
    recorded = read_results(quick_report, "svd_compression")
    # An exact rebuild: round-off in float32; bfloat16 keeps ~3 significant digits.
    bound = 1e-4 if recorded["precision"] == "float32" else 5e-2
    assert max(recorded["full_rank_max_abs_difference"].values()) < bound
    for row in recorded["rows"]:
        assert {
            "dataset",
            "layer_ranks",
            "energy",
            "params",
            "flops_per_image",
            "size_bytes",
            "val_accuracy",
            "val_accuracy_finetuned",
            "latency_ms",
        } <= set(row)
        # Selection data only: no row of the sweep carries a test score.
        assert not any("test" in key for key in row)
    originals = {r["dataset"]: r["params"] for r in recorded["rows"] if r["label"] == "original"}
    compressed = [r for r in recorded["rows"] if r["label"] == "energy 0.5"]
    assert compressed and all(r["params"] < originals[r["dataset"]] for r in compressed)
    tolerance = recorded["tolerance"]
    for chosen in recorded["chosen"].values():
        assert "control_test_accuracy" in chosen
        if "label" in chosen:  # the rule held on validation data, and the baseline ran
            assert chosen["val_accuracy"] >= chosen["control_val_accuracy"] - tolerance - 1e-6
            assert 0 <= chosen["versus_narrow"]["p_value"] <= 1
            control = chosen["versus_control"]
            assert 0 < control["p_value"] <= 1 and control["margin"] == tolerance
            assert 0 < chosen["narrow_width"] <= 1 and chosen["narrow_params"] > 0
            assert 0 <= chosen["narrow_test_accuracy"] <= 1


def test_summary_verdicts(quick_report):
    recorded = read_results(quick_report, "summary")
    assert recorded["missing"] == []
    assert len(recorded["verdicts"]) == 3
    assert all(
        v["verdict"] in ("supported", "contradicted", "inconclusive") for v in recorded["verdicts"]
    )
    # Every verdict carries its checks and its outcome under every version of its rule.
    assert all(v["checks"] and v["versions"] for v in recorded["verdicts"])
    # The reproducibility block comes from each result's own provenance.
    runs = {r["results"]: r for r in recorded["runs"]}
    assert {"datasets", "reconstruction", "cnn", "projection_mlp", "svd_compression"} <= set(runs)
    assert all(r["seconds"] > 0 for r in runs.values())


def test_the_recorded_verdicts_are_judged_again_from_the_recorded_results(quick_report):
    """What tests/test_confirmatory_run.py does to the committed confirmatory run, on the
    quick render: its summary's verdicts follow from its results files alone."""
    from tests.test_confirmatory_run import recorded_verdicts, rejudged

    assert rejudged(quick_report) == recorded_verdicts(quick_report)


def test_quick_verdicts_are_labelled_exploratory_and_confirmatory_by_their_own_runs(
    quick_report, tmp_path
):
    """The quick render's verdicts carry a standing generated from the ledger; its real
    ``_run`` blocks, judged against a pre-registration in a scratch repository, are
    confirmatory only when made from its commit, after it."""
    import copy
    from datetime import datetime, timedelta

    from helpers.summary import ledger
    from helpers.summary.preregistration import load_preregistration, standing, verdict_runs
    from tests.test_ledger import _git, _new_repo, _prereg_text

    recorded = read_results(quick_report, "summary")
    assert all(
        v["standing"] == ledger.EXPLORATORY and v["standing_reasons"] for v in recorded["verdicts"]
    )  # quick is never the pre-registered profile
    results = read_results(quick_report)
    repo = _new_repo(tmp_path / "repo")
    (repo / "preregistration.yaml").write_text(_prereg_text(count=1))
    _git(repo, "add", "preregistration.yaml")
    commit = _git(repo, "commit", "-qm", "pre-register")
    prereg = load_preregistration(repo)
    later = (prereg.committed_at + timedelta(minutes=1)).isoformat()
    made_after = copy.deepcopy(results)
    for payload in made_after.values():
        run = payload["_run"]
        assert datetime.fromisoformat(run["started_at"])  # what standing reads
        run.update(git={"commit": commit, "dirty": False}, started_at=later)
        run["parameters"]["seed"] = prereg.seeds[0]
    for claim in (1, 2, 3):
        assert standing(claim, verdict_runs(claim, made_after), prereg, repo).confirmatory
        judged = standing(claim, verdict_runs(claim, results), prereg, repo)  # as rendered
        assert not judged.confirmatory
        assert any("does not descend" in r for r in judged.reasons), judged.reasons


def test_results_record_the_backend_and_devices_they_ran_on(quick_report):
    """Each training notebook records the Keras backend the environment chose (CI runs this
    module on TensorFlow and on JAX) and the devices it computed on; a JAX environment
    has no TensorFlow to fall back on."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    for name in ("cnn", "projection_mlp", "svd_compression"):
        run = read_results(quick_report, name)["_run"]
        assert run["keras_backend"] == backend, name
        assert run["devices"] and all(isinstance(d, str) for d in run["devices"]), name
        assert run["machine"]["devices"] == run["devices"], name
        if backend == "jax":
            assert "jax" in run["packages"], name
            assert not {"tensorflow", "tensorflow-cpu"} & set(run["packages"]), name


def test_results_record_why_they_ran_and_which_helpers(quick_report):
    """Each result records why render.sh ran its chapter, the reason its stamp holds (other
    tests may re-run a chapter into this folder, so the reason is read, not assumed)."""
    chapters = {
        "datasets": "00_datasets",
        "reconstruction": "01_reconstruction",
        "cnn": "02_cnn",
        "projection_mlp": "03_projection_mlp",
        "svd_compression": "04_svd_compression",
    }
    for name, notebook in chapters.items():
        run = read_results(quick_report, name)["_run"]
        stamp = json.loads((quick_report / "executed" / f"{notebook}.stamp.json").read_text())
        assert run["run_reason"] == stamp["reason"], name
        assert run["run_reason"] != "run by hand (not by render.sh)", name
        assert run["helpers"] == str(PROJECT_ROOT / "helpers"), name
    assert read_results(quick_report, "cnn")["_run"]["run_reason"] == "forced (--force)"
    html = (quick_report / "report.html").read_text()
    assert "Why each result set was (re)computed" in html


def test_html_report_is_self_contained(quick_report):
    html = (quick_report / "report.html").read_text()
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 5
    assert not re.search(r'<(?:img|script|link)[^>]+(?:src|href)="(?:https?:)?//', html)
    assert "cdnjs" not in html and "The datasets" in html
    assert "from helpers" not in html and "load_dataset(" not in html  # code cells hidden


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_report_has_the_chapters_and_tables(quick_report):
    text = subprocess.run(
        ["pdftotext", "-layout", str(quick_report / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\u2019", "'")
    for needle in (
        "Rendered 20",  # the front page
        "Training precision",
        "Abstract.",
        "Contents",
        "The study's conclusions: verdicts",
        "Figure 2.1",
        "References",
        "The datasets",
        "Table 0. Datasets as loaded",
        "Pixel statistics",
        "fashion_mnist",
        "cifar10",
        "Experiment 1: compressive-sensing reconstruction",
        "Table 1. Reconstruction error",
        "MSE and MAE vs M (the study's Figures 1 and 2)",
        "phase transition",
        "Experiment 2:",
        "Table 2. CNN accuracy",
        "What the CNN costs",
        "Summary: did the study",
        "The study's conclusions, tested",
        "Study Table 1 vs ours",
        "Experiment 3:",
        "Table 3. MLP accuracy",
        "Experiment 4:",
        "Table 4. SVD compression",
        "Reproducibility",
    ):
        assert needle in text, needle
    assert "import numpy" not in text  # code cells are hidden
    # The BT.601 formula typeset as math (math italic letters), not left as $...$ source.
    assert re.search(r"\U0001d44c = 0\.299 \U0001d445 \+ 0\.587 \U0001d43a", text)
    assert "$Y" not in text
    # The study's numbers stand beside ours in the summary tables.
    from helpers.summary import study

    cnn = read_results(quick_report, "cnn")["datasets"]
    for name, (mean, std) in study.CNN.items():
        assert f"{mean:.4f} ± {std:.4f}" in text, name
        assert f"{cnn[name]['mean']:.4f}" in text, name  # ours, beside its interval
    assert f"{study.RECONSTRUCTION['smooth'][50][0]:.3g}" in text


def _pdf_text(path, *pages):
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    text = subprocess.run(
        ["pdftotext", "-raw", *first_last, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\u2019", "'")
    return re.sub(r"\s+", " ", text)  # a phrase may wrap over lines


def _pdf_pages(path):
    """Each page's text, in content order, whitespace collapsed (pdftotext ends pages with
    a form feed)."""
    raw = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\u2019", "'")
    return [re.sub(r"\s+", " ", page) for page in raw.split("\f")]


def _first_page(pages, pattern):
    """The number (from 1) of the first page whose text matches ``pattern``."""
    return next((i for i, page in enumerate(pages, 1) if re.search(pattern, page)), None)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_the_pdf_findings_come_first_and_the_evidence_is_in_its_appendix(quick_report):
    """Issue 23: the findings (table and figure) open the summary; each verdict's evidence,
    checks and ledger in an appendix, linked from where the HTML shows them folded."""
    from helpers.prose.summary import appendix_title
    from helpers.report.rendering import APPENDIX_HEADING

    # The findings table, then the decisions figure with its label (what it shows, then
    # what made it) and its key, within two pages of the table and before chapter 00.
    # (Page 3 was the aim while the contents fit on page 2; they now take two pages.)
    pages = _pdf_pages(quick_report / "report.pdf")
    table = _first_page(pages, re.escape("The study's conclusions: verdicts"))
    label = _first_page(pages, r"Figure S\.1 — The checks behind each verdict: [^—]*\. Made by")
    key = _first_page(pages, r"\bcode check outcome 1a ")
    chapter_0 = _first_page(pages, r"Figure 0\.1 — ")
    assert table and label and key and chapter_0, (table, label, key, chapter_0)
    assert table <= label <= key <= table + 2 < chapter_0, (table, label, key, chapter_0)
    whole = _pdf_text(quick_report / "report.pdf")
    assert "@fig:" not in whole
    appendix = whole[whole.rindex(APPENDIX_HEADING) :]
    for i in (1, 2, 3):
        title = appendix_title(i)
        assert f"In the appendix: Verdict {i}" in whole[: whole.rindex(APPENDIX_HEADING)]
        assert title in appendix
    assert "Evidence for verdict" not in whole  # the HTML's fold label only
    assert appendix.count("(the ledger)") == 3
    assert "(the ledger)" not in whole[: whole.rindex(APPENDIX_HEADING)]


def _numbers(text):
    """The table and figure numbers labelled in a report's text."""
    tables = set(re.findall(r"\bTable ([0-9S]+(?:\.\d+)?[a-z]?)\. ", text))
    figures = set(re.findall(r"\bFigure ([0-9S]+\.\d+)\b", text))
    return tables, figures


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_the_pdf_numbers_tables_and_figures_as_the_html_does(quick_report):
    import html as html_lib

    page = (quick_report / "report.html").read_text()
    html_text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    pdf_text = subprocess.run(
        ["pdftotext", "-raw", str(quick_report / "report.pdf"), "-"],  # content order
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    html_tables, html_figures = _numbers(html_text)
    pdf_tables, pdf_figures = _numbers(pdf_text)
    assert len(html_tables) >= 20 and len(html_figures) >= 20, (html_tables, html_figures)
    assert pdf_tables == html_tables, pdf_tables ^ html_tables
    assert pdf_figures == html_figures, pdf_figures ^ html_figures
    # Every table and figure label has its anchor, once.
    ids = re.findall(r'id="((?:table|figure)-[\w-]+)"', page)
    assert len(ids) == len(set(ids)) == len(html_tables) + len(html_figures)
    # Every table and figure carries the mark of what made it, linked to its results file.
    marks = re.findall(r"[Mm]ade by <code>notebooks/\w+\.ipynb</code>", page)
    assert len(marks) >= len(html_tables) + len(html_figures), len(marks)
    assert re.search(r'<a href="results/cnn\.json">results/cnn\.json</a>', page)


def test_the_summary_reads_in_short_sentences(quick_report):
    """Issue 23's aim for the summary's prose: median sentence at most 20 words, none
    over 60 (python -m helpers.report.readability prints the figures)."""
    from helpers.report.readability import LONG_SENTENCE, sentence_stats, summary_text

    stats = sentence_stats(summary_text((quick_report / "report.html").read_text()))
    assert stats["sentences"] > 50 and stats["median_words"] <= 20, stats
    assert stats[f"over_{LONG_SENTENCE}_words"] == 0, stats


def test_figures_are_kept_as_pdf_for_the_pdf_report(quick_report):
    import base64

    import nbformat

    figures = []
    for path in sorted((quick_report / "executed").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            figures += [o.data for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(figures) >= 10
    assert all("application/pdf" in data for data in figures)  # the LaTeX route prefers it
    pdfs = [base64.b64decode(data["application/pdf"]) for data in figures]
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs)
    # Line plots are vector: no raster image inside (image grids embed theirs).
    assert sum(b"/Subtype /Image" not in pdf for pdf in pdfs) >= 5


@pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
    reason="chapter 01 and run_diff use no Keras: the TensorFlow stage runs this (2 re-runs)",
)
def test_two_renders_that_differ_in_one_parameter_compare(quick_report, data_dir, tmp_path):
    """Issue 23: run_diff on the quick render's results and the same folder re-run with one
    parameter changed lists that parameter, the numbers it moved and nothing else, and
    overlays the curves. (A copy elsewhere would re-run every chapter: the output folder
    is a parameter.) The folder is put back from a copy afterwards, as rendered (cheaper
    than a third render; test_rerun_skips_up_to_date_notebooks checks it is whole)."""
    from helpers.report.run_diff import diff_runs
    from helpers.report.run_diff import main as run_diff

    def snapshot(name):
        shutil.copytree(quick_report / "results", tmp_path / name / "results")
        return tmp_path / name

    # The whole folder as rendered: the diff's "before" and what is put back afterwards.
    before = tmp_path / "before"
    shutil.copytree(quick_report, before, symlinks=True)
    try:
        result = render(
            "--no-report",
            "-p",
            "cs_m_values",
            "[50, 100, 300]",
            data_dir=data_dir,
            output_dir=quick_report,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        after = snapshot("fewer-m")
    finally:
        shutil.rmtree(quick_report)
        shutil.copytree(before, quick_report, symlinks=True)
    page = tmp_path / "compare.html"
    assert run_diff([str(before), str(after), "--html", str(page)]) == 0
    diff = diff_runs(read_results(before), read_results(after))
    assert {(r["results"], r["parameter"]) for r in diff["params"]} == {
        ("reconstruction", "cs_m_values")
    }
    changed = {r["results"] for r in diff["metrics"]}
    assert "reconstruction" in changed
    assert changed <= {"reconstruction", "summary"}, changed  # the classifiers did not re-run
    assert not diff["results"]
    html = page.read_text()
    assert "cs_m_values" in html and "Experiment 1: MSE vs M" in html
    assert html.count("<svg") == 3  # error, accuracy and compression curves


def test_rerun_skips_up_to_date_notebooks(quick_report, data_dir):
    result = render("--no-report", data_dir=data_dir, output_dir=quick_report)
    assert result.returncode == 0, result.stderr[-2000:]
    for stem in (
        "00_datasets",
        "01_reconstruction",
        "02_cnn",
        "03_projection_mlp",
        "04_svd_compression",
        "99_report",
    ):
        assert f"[render] {stem}: up to date, skipped" in result.stderr
    # A readable console: no TensorFlow or kernel start-up banners.
    assert "oneDNN" not in result.stderr and "without encryption" not in result.stderr


def test_bad_parameter_is_refused_before_any_work(quick_report, data_dir):
    result = render("-p", "datasets", "[mnist]", data_dir=data_dir, output_dir=quick_report)
    assert result.returncode == 2
    assert "parameter datasets" in result.stderr and "'mnist'" in result.stderr


def test_failure_names_notebook_and_cell_and_keeps_the_report(quick_report, tmp_path):
    before = (quick_report / "report.html").read_bytes()
    broken = tmp_path / "broken-data"
    broken.mkdir()
    # Well-formed archives (they pass the checks before any work) whose labels lack
    # classes: only loading the data finds that, inside the kernels.
    for name in ("fashion_mnist", "cifar10"):
        arrays = make_arrays(name, n_train=200, n_test=50)
        arrays["y_train"][:] = 0
        np.savez(broken / f"{name}.npz", **arrays)
    result = render(data_dir=broken, output_dir=quick_report)
    assert result.returncode == 1
    assert re.search(r"00_datasets.ipynb failed in cell \d+", result.stderr)
    assert "lacks class(es)" in result.stderr
    # The data changed: chapters that read it re-ran (and failed); 01 does not read it.
    assert "[render] 01_reconstruction: up to date, skipped" in result.stderr
    assert (quick_report / "report.html").read_bytes() == before
    assert (quick_report / "executed" / "00_datasets.ipynb").is_file()
