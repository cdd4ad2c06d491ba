"""The summary chapter: the study's tables beside ours, and verdicts on its
conclusions, all computed from the recorded results (never typed by hand)."""

from __future__ import annotations

import math

from helpers.summary import study

__all__ = [
    "reconstruction_verdicts",
    "accuracy_rows",
    "conclusion_verdicts",
    "notebook_runs",
    "load_all",
]

RESULT_NAMES = ("datasets", "reconstruction", "cnn", "projection_mlp", "svd_compression")


def load_all(output_dir):
    """Every recorded result set that exists, keyed by name (missing ones left out)."""
    from helpers.results import read_results

    found = read_results(output_dir)
    return {name: found[name] for name in RESULT_NAMES if name in found}


def _ratio_verdict(ratio, tolerance=2.0):
    if ratio is None:
        return "n/a"
    if 1 / tolerance <= ratio <= tolerance:
        return f"agrees (within {tolerance:g}x)"
    return "ours lower" if ratio < 1 else "ours higher"


def reconstruction_verdicts(reconstruction):
    """Study Table 1 rows with our MSE/MAE, ratio ours/study and a verdict per row."""
    ours = {(r["image"], r["M"]): r for r in reconstruction["table"]}
    rows = []
    for ref in study.reconstruction_rows():
        mine = ours.get((ref["image"], ref["M"]))
        if mine is None:
            continue
        ratio = mine["mse_mean"] / ref["mse"] if ref["mse"] else None
        rows.append(
            {
                "image": ref["image"],
                "M": ref["M"],
                "MSE study": ref["mse"],
                "MSE ours": mine["mse_mean"],
                "MSE ours/study": ratio,
                "MAE study": ref["mae"],
                "MAE ours": mine["mae_mean"],
                "verdict": _ratio_verdict(ratio),
            }
        )
    return rows


def accuracy_rows(results, table, key_prefix=""):
    """Study accuracy rows (CNN or projection-MLP) beside ours with a verdict."""
    rows = []
    for name, (mean, std) in table.items():
        mine = results.get("datasets", {}).get(name)
        if mine is None:
            continue
        verdict = study.compare_accuracy(mine["mean"], mean, std)
        rows.append(
            {
                "dataset": f"{key_prefix}{name}",
                "study": f"{mean:.4f} ± {std:.4f}",
                "ours": f"{mine['mean']:.4f} ± {mine['std']:.4f}",
                "ours (test)": mine.get("test_accuracy"),
                "difference": verdict["difference"],
                "verdict": verdict["verdict"],
            }
        )
    return rows


# Conclusion 1 is judged on real images: photographs against textures.
C1_SMOOTH_GROUP = "photograph"
C1_TEXTURED_GROUP = "texture"
# "Falls quickly": the photographs' MSE drop over the M range is at least this
# many times the textures'. "Higher floor": the textures' MSE at the largest M
# is at least this many times the photographs'. Both are geometric means over
# the images of a group.
C1_MIN_DROP_RATIO = 2.0
C1_MIN_FLOOR_RATIO = 2.0


def _geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _drop_and_floor(rows):
    rows = sorted(rows, key=lambda r: r["M"])
    return (
        rows[0]["mse_mean"] / rows[-1]["mse_mean"],
        rows[-1]["mse_mean"],
        rows[0]["M"],
        rows[-1]["M"],
    )


def _c1_reconstruction(rec):
    groups = rec.get("image_groups", {})
    smooth, textured = groups.get(C1_SMOOTH_GROUP, []), groups.get(C1_TEXTURED_GROUP, [])
    by_image = {}
    for r in rec["table"]:
        by_image.setdefault(r["image"], []).append(r)
    smooth = [name for name in smooth if name in by_image]
    textured = [name for name in textured if name in by_image]
    if not smooth or not textured:
        return None
    stats = {name: _drop_and_floor(by_image[name]) for name in smooth + textured}
    drop = {
        g: _geometric_mean([stats[n][0] for n in names])
        for g, names in (("smooth", smooth), ("textured", textured))
    }
    floor = {
        g: _geometric_mean([stats[n][1] for n in names])
        for g, names in (("smooth", smooth), ("textured", textured))
    }
    m_low, m_high = stats[smooth[0]][2], stats[smooth[0]][3]
    faster = drop["smooth"] >= C1_MIN_DROP_RATIO * drop["textured"]
    higher = floor["textured"] >= C1_MIN_FLOOR_RATIO * floor["smooth"]
    verdict = (
        "supported" if faster and higher else ("mixed" if faster or higher else "not supported")
    )
    evidence = (
        f"Judged on real images, photographs ({', '.join(smooth)}) against textures "
        f"({', '.join(textured)}); the synthetic images are not used. From M = {m_low} to "
        f"{m_high} the MSE falls {drop['smooth']:.3g}x for the photographs and "
        f"{drop['textured']:.3g}x for the textures (geometric means; rule: at least "
        f"{C1_MIN_DROP_RATIO:g}x more for the photographs); at M = {m_high} the textures' MSE "
        f"({floor['textured']:.2g}) is {floor['textured'] / floor['smooth']:.3g}x the "
        f"photographs' ({floor['smooth']:.2g}) (rule: at least {C1_MIN_FLOOR_RATIO:g}x)."
    )
    return verdict, evidence


def _c2_cnn_vs_mlp(cnn, mlp):
    gaps = {}
    for name in ("cifar10", "fashion_mnist"):
        if name in cnn.get("datasets", {}) and name in mlp.get("datasets", {}):
            gaps[name] = cnn["datasets"][name]["mean"] - mlp["datasets"][name]["mean"]
    if len(gaps) < 2:
        return None
    paired = mlp.get("paired_test", {})
    p_text = "; ".join(
        f"{n}: corrected paired t-test p = {p['corrected_p_value']:.3g}" for n, p in paired.items()
    )
    clear = gaps["cifar10"] > 0 and gaps["cifar10"] >= 2 * max(gaps["fashion_mnist"], 0)
    slight = 0 <= gaps["fashion_mnist"] <= 0.05
    verdict = "supported" if clear and slight else ("mixed" if clear or slight else "not supported")
    evidence = (
        f"CNN minus RP-MLP mean CV accuracy: CIFAR-10 {gaps['cifar10']:+.4f}, "
        f"Fashion-MNIST {gaps['fashion_mnist']:+.4f}" + (f" ({p_text})." if p_text else ".")
    )
    return verdict, evidence


def _c3_cost(cnn, mlp, svd=None):
    name = "fashion_mnist"
    c, m = cnn.get("datasets", {}).get(name), mlp.get("datasets", {}).get(name)
    if c is None or m is None or "flops_per_image" not in m:
        return None
    gap = c["test_accuracy"] - m["test_accuracy"]
    flops_ratio = c["flops_per_image"] / m["flops_per_image"]
    speed_ratio = m["train_images_per_s"] / c["train_images_per_s"]
    cheap = flops_ratio >= 10
    close = gap <= 0.05
    verdict = "supported" if cheap and close else ("mixed" if cheap or close else "not supported")
    evidence = (
        f"On Fashion-MNIST the RP-MLP (M = {m['M']}) needs {flops_ratio:.3g}x fewer FLOPs per "
        f"image than the CNN and trains {speed_ratio:.3g}x more images per second, at "
        f"{gap:+.4f} lower test accuracy ({m['test_accuracy']:.4f} vs {c['test_accuracy']:.4f})."
    )
    pca = m.get("baselines", {}).get("pca")
    if pca:
        evidence += (
            f" PCA to the same M, at almost the same cost, reaches {pca['test_accuracy']:.4f}."
        )
    best = (svd or {}).get("chosen", {}).get(name)
    if best and "label" in best:
        evidence += (
            f" An SVD-compressed CNN ({best['label']}, chosen on validation data) scores "
            f"{best['test_accuracy']:.4f} at {best['ratio']:.3g}x fewer parameters."
        )
    return verdict, evidence


def conclusion_verdicts(results):
    """Each of the study's conclusions with a verdict and generated evidence.

    Verdict rules (stated so that a reader can check them):
    1. judged on the real images only (``image_groups`` of the recorded results):
       supported when the photographs' MSE falls over the M range by at least
       ``C1_MIN_DROP_RATIO`` times the textures' factor *and* the textures' MSE at
       the largest M is at least ``C1_MIN_FLOOR_RATIO`` times the photographs'
       (geometric means over each group's images);
    2. supported when the CNN's CV advantage on CIFAR-10 is positive and at least
       twice that on Fashion-MNIST, and the latter is between 0 and 0.05;
    3. supported when on Fashion-MNIST the RP-MLP needs >= 10x fewer inference FLOPs
       than the CNN and loses <= 0.05 test accuracy.
    "mixed" when one half holds; "not supported" when neither; "no evidence" when the
    results needed are missing.
    """
    checks = (
        _c1_reconstruction(results["reconstruction"]) if "reconstruction" in results else None,
        _c2_cnn_vs_mlp(results["cnn"], results["projection_mlp"])
        if {"cnn", "projection_mlp"} <= set(results)
        else None,
        _c3_cost(results["cnn"], results["projection_mlp"], results.get("svd_compression"))
        if {"cnn", "projection_mlp"} <= set(results)
        else None,
    )
    out = []
    for claim, check in zip(study.CONCLUSIONS, checks):
        verdict, evidence = (
            check if check else ("no evidence", "The results needed were not recorded.")
        )
        out.append({"claim": claim, "verdict": verdict, "evidence": evidence})
    return out


def notebook_runs(results):
    """What produced each recorded result set, from its own ``_run`` block.

    Independent of how the notebook ran (render.sh, papermill, JupyterLab):
    parameters, wall time, commit (and whether the tree had changes), Keras
    backend and devices.
    """
    runs = []
    for name, payload in sorted(results.items()):
        run = payload.get("_run") or {}
        git = run.get("git") or {}
        commit = (git.get("commit") or "unknown")[:10] + (" (modified)" if git.get("dirty") else "")
        runs.append(
            {
                "results": name,
                "seconds": run.get("wall_seconds"),
                "commit": commit,
                "keras_backend": run.get("keras_backend") or "-",
                "devices": ", ".join(run.get("devices") or []) or "-",
                "parameters": run.get("parameters", {}),
            }
        )
    return runs
