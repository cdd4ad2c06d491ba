"""The summary chapter: the study's tables beside ours, and verdicts on its
conclusions, all computed from the recorded results (never typed by hand)."""

from __future__ import annotations

import math
import statistics

from helpers.summary import study

__all__ = [
    "reconstruction_verdicts",
    "conclusion_1_rule",
    "accuracy_rows",
    "fold_interval",
    "gap_difference_test",
    "conclusion_verdicts",
    "rule_texts",
    "table_notes",
    "notebook_runs",
    "load_all",
]

RESULT_NAMES = ("datasets", "reconstruction", "cnn", "projection_mlp", "svd_compression")

# Table 1: a row "agrees" when our MSE is within this factor of the study's.
TABLE1_TOLERANCE = 2.0
# Tables 2-3: level of our confidence interval for the CV mean accuracy.
CI_LEVEL = 0.95

# Conclusion 2, "the CNN beats the RP-MLP clearly on CIFAR-10 and only slightly on
# Fashion-MNIST", as a pre-stated rule on the CNN minus RP-MLP CV accuracy gap
# (same folds). Every test is two-sided at C2_ALPHA with the Nadeau-Bengio
# correction for overlapping CV training sets.
C2_ALPHA = 0.05
# "Clearly": the CIFAR-10 gap is significantly positive and its CI_LEVEL interval
# lies above this size.
C2_MIN_CLEAR_GAP = 0.05
# "Only slightly": the Fashion-MNIST gap's CI_LEVEL interval lies below this size,
# the gap is not significantly negative, and it is significantly smaller than the
# CIFAR-10 gap. (A point estimate on the right side of a size is not enough.)
C2_MAX_SLIGHT_GAP = 0.05
C2_DATASETS = ("cifar10", "fashion_mnist")

# Conclusion 3, "projection + MLP is a cost-effective substitute for a CNN on simple
# data", judged on C3_DATASET with measured times (not FLOPs, which the
# architectures fix): the CI_LEVEL interval of the RP-MLP's training speed-up over
# the CNN (per-epoch throughputs of the two final fits) lies above C3_MIN_SPEEDUP;
# timed in turn with the CNN, the CI_LEVEL interval of its speed-up per
# image (projection included) lies above C3_MIN_SPEEDUP at every batch size in
# C3_LATENCY_BATCHES; and the CI_LEVEL interval of its CV accuracy loss against the
# CNN (same folds) lies below C3_MAX_ACCURACY_LOSS (one final model's test score is
# too noisy to judge on).
# The cost half was first stated on point ratios of timings taken in two chapters; a
# study render met it at 2.2x against 2x at batch 1, where a cold process had moved a
# latency 1.5x before, so it now needs intervals. The first rule's outcome is
# reported beside the verdict.
C3_RULE_REVISED = "2026-12-01, after a study render that met it at 2.2x against 2x at batch 1"
C3_DATASET = "fashion_mnist"
C3_MIN_SPEEDUP = 2.0
C3_LATENCY_BATCHES = ("1", "256")
C3_MAX_ACCURACY_LOSS = 0.05


def load_all(output_dir):
    """Every recorded result set that exists, keyed by name (missing ones left out)."""
    from helpers.results import read_results

    found = read_results(output_dir)
    return {name: found[name] for name in RESULT_NAMES if name in found}


def _ratio_verdict(ratio, tolerance=TABLE1_TOLERANCE):
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


def _corrected_sizes(entry):
    """(n_train, n_val) of one CV fold from a recorded dataset entry, or None."""
    n, k = entry.get("n_samples"), entry.get("folds")
    if not n or not k:
        return None
    return n - n / k, n / k


def fold_interval(fold_scores, n_train, n_val, level=CI_LEVEL, low=0.0, high=1.0):
    """Confidence interval for the CV mean of ``fold_scores``.

    A t-interval with k - 1 degrees of freedom whose variance is the
    Nadeau-Bengio corrected one, (1/k + n_val/n_train) s^2, which widens the
    plain s^2/k because the CV training sets overlap. Clipped to ``[low, high]``,
    the range an accuracy can take (with few folds the t quantile is large).
    """
    from scipy import stats

    scores = [float(x) for x in fold_scores]
    k = len(scores)
    if k < 2:
        raise ValueError(f"need >= 2 fold scores, got {k}")
    mean = sum(scores) / k
    var = sum((x - mean) ** 2 for x in scores) / (k - 1)
    half = stats.t.ppf(0.5 + level / 2, k - 1) * math.sqrt((1 / k + n_val / n_train) * var)
    return mean, max(mean - half, low), min(mean + half, high)


def accuracy_rows(results, table, key_prefix=""):
    """Study accuracy rows (CNN or projection-MLP) beside ours.

    Ours: the CV mean with a :data:`CI_LEVEL` interval over our folds
    (:func:`fold_interval`); the row is "consistent with the study" when the
    study's mean lies in that interval, else ours is "higher" or "lower".
    """
    rows = []
    for name, (mean, std) in table.items():
        mine = results.get("datasets", {}).get(name)
        if mine is None:
            continue
        sizes = _corrected_sizes(mine)
        folds = mine.get("fold_accuracy") or []
        if sizes and len(folds) >= 2:
            ours, low, high = fold_interval(folds, *sizes)
            interval = f"[{low:.4f}, {high:.4f}]"
            comparison = study.compare_with_interval(low, high, mean)
        else:
            ours, interval, comparison = mine["mean"], "-", "no interval (folds not recorded)"
        rows.append(
            {
                "dataset": f"{key_prefix}{name}",
                "ours": ours,
                f"ours {CI_LEVEL:.0%} CI": interval,
                "folds": len(folds),
                "study": f"{mean:.4f} ± {std:.4f}",
                "ours - study": ours - mean,
                "comparison": comparison,
                "ours (test)": mine.get("test_accuracy"),
            }
        )
    return rows


# Conclusion 1 is judged on real images, grouped by a measurement of each image
# itself (helpers.cs.images.compressibility_group: the fraction of variance
# outside its best GROUP_K DCT coefficients), recorded as ``image_groups``; the
# synthetic images are controlled cases we built, reported beside, not judged.
C1_SMOOTH_GROUP = "compressible"
C1_TEXTURED_GROUP = "incompressible"
# The error is scale-free: relative MSE = MSE / var(x), the MSE relative to the
# constant image at the true mean (1 = no better than that constant).
# "Falls quickly": the compressible images' relative MSE drop over the M range is
# at least C1_MIN_DROP_RATIO times the incompressible images'. "Higher floor":
# the incompressible images' relative MSE at the largest M is at least
# C1_MIN_FLOOR_RATIO times the compressible images'. Both are geometric means
# over a group's images.
C1_MIN_DROP_RATIO = 2.0
C1_MIN_FLOOR_RATIO = 2.0
# A relative MSE within C1_SE_MARGIN standard errors (over measurement draws)
# of 1, or above, is "no better than a constant image".
C1_SE_MARGIN = 2.0


def conclusion_1_rule():
    """The rule of verdict 1 in words, generated from the constants (for the report)."""
    from helpers.cs.images import GROUP_K, GROUP_MAX_OUTSIDE

    return (
        f"(1) judged on the real images, grouped by a measurement of each image (compressible "
        f"when at most {GROUP_MAX_OUTSIDE:.0%} of its variance lies outside its best {GROUP_K} "
        f"DCT coefficients), on the relative MSE (MSE / var(x)): supported when the "
        f"compressible images' relative MSE falls over the M range by at least "
        f"{C1_MIN_DROP_RATIO:g}x the incompressible images' factor and the incompressible "
        f"images' relative MSE at the largest M is at least {C1_MIN_FLOOR_RATIO:g}x the "
        f"compressible images' (geometric means), with every single image left out as well; "
        f"mixed when only one half holds or it rests on one image"
    )


def _geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _relative_curve(rows, variance):
    """(M_low, M_high, relative-MSE drop, relative floor, floor's standard error)."""
    rows = sorted(rows, key=lambda r: r["M"])
    low, high = rows[0], rows[-1]
    se = high.get("mse_std", 0.0) / math.sqrt(max(high.get("trials", 1), 1))
    return (
        low["M"],
        high["M"],
        low["mse_mean"] / high["mse_mean"],
        high["mse_mean"] / variance,
        se / variance,
    )


def _c1_rule(stats, compressible, incompressible):
    """Verdict of the two-part rule on the given images (None: a group is empty)."""
    if not compressible or not incompressible:
        return None
    drop = [_geometric_mean([stats[n][2] for n in g]) for g in (compressible, incompressible)]
    floor = [_geometric_mean([stats[n][3] for n in g]) for g in (compressible, incompressible)]
    faster = drop[0] >= C1_MIN_DROP_RATIO * drop[1]
    higher = floor[1] >= C1_MIN_FLOOR_RATIO * floor[0]
    verdict = (
        "supported" if faster and higher else ("mixed" if faster or higher else "not supported")
    )
    return verdict, drop, floor


def _c1_reconstruction(rec):
    groups = rec.get("image_groups", {})
    measures = rec.get("image_measures", {})
    by_image = {}
    for r in rec["table"]:
        by_image.setdefault(r["image"], []).append(r)
    usable = [n for n in by_image if n in measures and measures[n].get("variance", 0) > 0]
    comp = [n for n in groups.get(C1_SMOOTH_GROUP, []) if n in usable]
    incomp = [n for n in groups.get(C1_TEXTURED_GROUP, []) if n in usable]
    if not comp and not incomp:
        return None
    if not comp or not incomp:
        return "no evidence", (
            f"Every real image measured falls in one group (compressible: "
            f"{', '.join(comp) or 'none'}; incompressible: {', '.join(incomp) or 'none'}), "
            f"so the two kinds of image cannot be compared."
        )
    stats = {
        n: _relative_curve(by_image[n], measures[n]["variance"])
        for n in usable
        if n in comp or n in incomp or n in groups.get("synthetic", [])
    }
    verdict, drop, floor = _c1_rule(stats, comp, incomp)
    m_low, m_high = stats[comp[0]][0], stats[comp[0]][1]
    left_out = {}
    for name in comp + incomp:
        outcome = _c1_rule(stats, [n for n in comp if n != name], [n for n in incomp if n != name])
        left_out[name] = outcome[0] if outcome else "no evidence (a group would be empty)"
    robust = all(v == verdict for v in left_out.values())
    final = verdict
    if verdict == "supported" and not robust:
        final = "mixed"
    grouping = rec.get("grouping", {})
    k = grouping.get("k", "k")
    limit = grouping.get("max_outside")

    def describe(name):
        _, _, d, f, se = stats[name]
        outside = measures[name].get("outside_best_k")
        worse = f >= 1 - C1_SE_MARGIN * se
        return (
            f"{name} ({outside:.1%} of variance outside its best {k}; relative MSE falls "
            f"{d:.3g}x, floor {f:.2f} +- {se:.2f}"
            + (", no better than a constant image" if worse else "")
            + ")"
        )

    rule = (
        f"an image is compressible when at most {limit:.0%} of its variance lies outside its "
        f"best {k} DCT coefficients"
        if limit is not None
        else "groups as recorded"
    )
    evidence = (
        f"Judged on real images grouped by a measurement of the image ({rule}), on the "
        f"relative MSE (MSE / var(x); 1 = the constant image at the mean), from M = {m_low} "
        f"to {m_high}. Compressible: {'; '.join(describe(n) for n in comp)}. "
        f"Incompressible: {'; '.join(describe(n) for n in incomp)}. "
        f"Geometric means: the relative MSE falls {drop[0]:.3g}x for the compressible and "
        f"{drop[1]:.3g}x for the incompressible images (rule: at least "
        f"{C1_MIN_DROP_RATIO:g}x more for the compressible); at M = {m_high} the "
        f"incompressible images' relative MSE ({floor[1]:.2f}) is {floor[1] / floor[0]:.3g}x "
        f"the compressible images' ({floor[0]:.2f}) (rule: at least {C1_MIN_FLOOR_RATIO:g}x). "
        f"On all images: {verdict}. Leaving one image out: "
        + "; ".join(f"without {n}, {v}" for n, v in left_out.items())
        + "."
    )
    if final != verdict:
        evidence += (
            " The verdict is downgraded to mixed because it does not hold with every single "
            "image left out (rule: supported only when it does)."
        )
    synthetic = [n for n in groups.get("synthetic", []) if n in stats]
    if synthetic:
        evidence += (
            " Controlled cases, not judged (we built them to be smooth and textured, so "
            "they would confirm the claim by construction): "
            + "; ".join(
                describe(n)
                + f" [measured {'compressible' if measures[n].get('group') == C1_SMOOTH_GROUP else 'incompressible'}]"
                for n in synthetic
            )
            + "."
        )
    return final, evidence


def _c2_cnn_vs_mlp(cnn, mlp):
    paired = mlp.get("paired_test", {})
    missing = [n for n in C2_DATASETS if n not in paired]
    if missing:
        return "no evidence", (
            f"No paired CNN vs RP-MLP test was recorded for {', '.join(missing)} (the rule "
            "needs both datasets' per-fold gaps on the same folds)."
        )
    cifar, fashion = (paired[n] for n in C2_DATASETS)
    sizes = [_paired_sizes(paired[n], mlp.get("datasets", {}).get(n, {})) for n in C2_DATASETS]
    if None in sizes:
        return "no evidence", "The CV training and validation sizes were not recorded."
    diff = gap_difference_test(cifar, fashion, *sizes)
    gap_c, gap_f = cifar["mean_difference"], fashion["mean_difference"]
    p_c, p_f = cifar["corrected_p_value"], fashion["corrected_p_value"]
    (_, low_c, _), (_, _, high_f) = (
        fold_interval(t["differences"], *size, low=-1.0, high=1.0)
        for t, size in zip((cifar, fashion), sizes)
    )
    clear_checks = {
        f"the gap is significantly positive (p < {C2_ALPHA:g})": gap_c > 0 and p_c < C2_ALPHA,
        f"its {CI_LEVEL:.0%} interval lies above {C2_MIN_CLEAR_GAP:g}": low_c >= C2_MIN_CLEAR_GAP,
    }
    slight_checks = {
        f"its {CI_LEVEL:.0%} interval lies below {C2_MAX_SLIGHT_GAP:g}": (
            high_f <= C2_MAX_SLIGHT_GAP
        ),
        "the gap is not significantly negative": not (gap_f < 0 and p_f < C2_ALPHA),
        f"the gap is significantly smaller than CIFAR-10's (p < {C2_ALPHA:g})": (
            diff["mean_difference"] > 0 and diff["p_value"] < C2_ALPHA
        ),
    }
    clear, slight = all(clear_checks.values()), all(slight_checks.values())
    evidence = (
        f"CNN minus RP-MLP CV accuracy on the same folds: CIFAR-10 {gap_c:+.4f} "
        f"({CI_LEVEL:.0%} interval from {low_c:+.4f}; corrected paired t-test over "
        f"{cifar['folds']} folds, p = {p_c:.3g}), Fashion-MNIST {gap_f:+.4f} (interval up to "
        f"{high_f:+.4f}; {fashion['folds']} folds, p = {p_f:.3g}); the CIFAR-10 "
        f"gap exceeds the Fashion-MNIST gap by {diff['mean_difference']:+.4f} (corrected "
        f"two-sample t-test, {diff['df']:.3g} df, p = {diff['p_value']:.3g}). "
        f"Clearly on CIFAR-10: {_halves(clear_checks)}. "
        f"Only slightly on Fashion-MNIST: {_halves(slight_checks)}."
    )
    if any(math.isinf(t["corrected_t_statistic"]) for t in (cifar, fashion)):
        evidence += " (p = 0: every fold's gap was the same nonzero amount.)"
    return _two_halves(clear, slight), evidence


def _paired_sizes(test, entry):
    """(n_train, n_val) behind a recorded paired test (older results: from the dataset)."""
    if test.get("n_train") and test.get("n_val"):
        return test["n_train"], test["n_val"]
    return _corrected_sizes(entry)


def gap_difference_test(first, second, first_sizes, second_sizes):
    """Is the mean per-fold gap of one paired test larger than another's?

    The two datasets' folds are different images, so the gaps are two
    independent samples, not pairs: t = (mean_1 - mean_2) / sqrt(v_1 + v_2)
    with each v = (1/k + n_val/n_train) s^2 (Nadeau-Bengio corrected variance of
    a CV mean) and Welch-Satterthwaite degrees of freedom; two-sided p.
    """
    from helpers.nets.projection import ZERO_SPREAD, moment_t_test, welch_df

    parts = []
    for test, (n_train, n_val) in ((first, first_sizes), (second, second_sizes)):
        d = [float(x) for x in test["differences"]]
        k = len(d)
        mean = sum(d) / k
        s2 = sum((x - mean) ** 2 for x in d) / (k - 1) if max(d) - min(d) > ZERO_SPREAD else 0.0
        parts.append((mean, (1 / k + n_val / n_train) * s2, k))
    (m1, v1, k1), (m2, v2, k2) = parts
    v = v1 + v2
    df = welch_df(v1, k1, v2, k2)
    t, p = moment_t_test(m1 - m2, v, 1.0, df)
    return {"mean_difference": m1 - m2, "t_statistic": t, "p_value": p, "df": df}


def _halves(checks):
    failed = [text for text, ok in checks.items() if not ok]
    if not failed:
        return "holds: " + "; ".join(checks)
    return "fails (not shown: " + "; ".join(failed) + ")"


def _two_halves(first, second):
    return "supported" if first and second else ("mixed" if first or second else "not supported")


def _positive(value):
    return isinstance(value, (int, float)) and value > 0


def _measured(entry, *key):
    """``entry[key[0]][key[1]]...`` when it is a positive number, else None."""
    for part in key:
        entry = entry.get(part) if isinstance(entry, dict) else None
    return entry if _positive(entry) else None


def _c3_training(mlp_entry, cnn_entry):
    """The RP-MLP's training speed-up over the CNN with its interval, or None."""
    from helpers.nets.cost import throughput_ratio

    try:
        return throughput_ratio(
            mlp_entry["train_epoch_seconds"],
            mlp_entry["train_images_per_epoch"],
            cnn_entry["train_epoch_seconds"],
            cnn_entry["train_images_per_epoch"],
            level=CI_LEVEL,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _c3_first_rule(c, m, turns, close):
    """What the rule as first stated (point ratios of the two chapters' own timings, no
    interval) would say: reported beside the verdict, since the rule was revised after
    a render that met it."""

    # Training: the MLP's images per second over the CNN's; latency: the CNN's time
    # over the MLP's.
    pairs = {"training": (_measured(m, "train_images_per_s"), _measured(c, "train_images_per_s"))}
    pairs.update(
        {
            f"batch {b}": (
                _measured(c, "latency_ms_per_image", b),
                _measured(m, "latency_ms_per_image", b),
            )
            for b in C3_LATENCY_BATCHES
        }
    )
    if not all(top and bottom for top, bottom in pairs.values()):
        return ""
    found = {label: top / bottom for label, (top, bottom) in pairs.items()}
    holds = all(r >= C3_MIN_SPEEDUP for r in found.values())
    text = (
        f" Under the rule as first stated (ratios of the two chapters' own median timings, "
        f"no interval; revised on {C3_RULE_REVISED}), cheaper would "
        + ("hold" if holds else "fail")
        + " ("
        + ", ".join(f"{label} {r:.3g}x" for label, r in found.items())
        + f") and the verdict be {_two_halves(holds, close)}."
    )
    # Why the two rules' ratios differ: what each side's time is made of.
    b = C3_LATENCY_BATCHES[0]
    turn = turns.get(b) or {}
    if turn.get("mlp_ms") and turn.get("cnn_ms"):
        apart = {e: _measured(entry, "latency_ms", b) for e, entry in (("m", m), ("c", c))}
        if all(apart.values()):
            text += (
                f" At batch {b}, timed end to end the RP-MLP answers in "
                f"{statistics.median(turn['mlp_ms']):.3g} ms against {apart['m']:.3g} ms for "
                f"its model and projection timed apart and added, and the CNN in "
                f"{statistics.median(turn['cnn_ms']):.3g} ms against {apart['c']:.3g} ms in "
                "chapter 2's own timing."
            )
    return text


def _c3_cost(cnn, mlp, svd=None):
    name = C3_DATASET
    c, m = cnn.get("datasets", {}).get(name), mlp.get("datasets", {}).get(name)
    if c is None or m is None:
        return None
    keys = [("train_images_per_s",)] + [("latency_ms_per_image", b) for b in C3_LATENCY_BATCHES]

    training = _c3_training(m, c)
    turns = {b: (m.get("latency_vs_cnn") or {}).get(b) for b in C3_LATENCY_BATCHES}
    paired = mlp.get("paired_test", {}).get(name)
    sizes = _paired_sizes(paired, m) if paired else None
    lacking = (
        ([] if training else ["train_epoch_seconds (>= 3 epochs per final fit)"])
        + [
            f"latency_vs_cnn.{b}"
            for b, t in turns.items()
            if not (
                isinstance(t, dict) and all(_positive(t.get(k)) for k in ("ratio", "low", "high"))
            )
        ]
        + ([] if sizes else ["the paired CNN vs RP-MLP fold accuracies"])
    )
    if lacking:
        return "no evidence", (
            f"The measured cost on {name} was not recorded ({', '.join(sorted(set(lacking)))}); "
            "the FLOP count alone, fixed by the architectures, is not judged."
        )
    loss, _, loss_high = fold_interval(paired["differences"], *sizes, low=-1.0, high=1.0)
    cheap_checks = {
        f"the {CI_LEVEL:.0%} interval of its training speed-up lies above {C3_MIN_SPEEDUP:g}x": (
            training["low"] >= C3_MIN_SPEEDUP
        ),
        **{
            f"the {CI_LEVEL:.0%} interval of its speed-up per image at batch {b} lies above "
            f"{C3_MIN_SPEEDUP:g}x": t["low"] >= C3_MIN_SPEEDUP
            for b, t in turns.items()
        },
    }
    close_checks = {
        f"the {CI_LEVEL:.0%} interval of its CV accuracy loss lies below "
        f"{C3_MAX_ACCURACY_LOSS:g}": loss_high <= C3_MAX_ACCURACY_LOSS
    }
    cheap, close = all(cheap_checks.values()), all(close_checks.values())
    m_value = m.get("M", mlp.get("configuration", {}).get("M"))
    evidence = (
        f"On {name}: the RP-MLP (M = {m_value}) trains {training['ratio']:.3g}x as many images "
        f"per second as the CNN ({CI_LEVEL:.0%} interval {training['low']:.3g}-"
        f"{training['high']:.3g}x, Welch, over the {training['epochs'][0]} and "
        f"{training['epochs'][1]} epochs after the first of the two final fits, which ran in "
        "chapters 3 and 2: the interval covers the epochs' jitter within each fit, not a "
        "difference between the two processes; the projection, fitted once, is not in these "
        "epoch times) and, "
        "projection included and timed in turn with the CNN in chapter 3, is "
        + ", ".join(
            f"{t['ratio']:.3g}x as fast per image at batch {b} ({CI_LEVEL:.0%} interval "
            f"{t['low']:.3g}-{t['high']:.3g}x over {t['rounds']} rounds, within this run)"
            for b, t in turns.items()
        )
        + f". Its CV accuracy loss against the CNN on the same folds (CNN minus RP-MLP) is "
        f"{loss:+.4f} ({CI_LEVEL:.0%} interval up to {loss_high:+.4f}); on the test split, one final model each, "
        f"{m.get('test_accuracy', float('nan')):.4f} against {c.get('test_accuracy', float('nan')):.4f} "
        f"(not judged: one fit's early stopping on one validation split moves it). "
        f"Cheaper: {_halves(cheap_checks)}. Close in accuracy: {_halves(close_checks)}."
        + _c3_first_rule(c, m, turns, close)
    )
    if m.get("flops_per_image") and c.get("flops_per_image"):
        evidence += (
            f" (It needs {c['flops_per_image'] / m['flops_per_image']:.3g}x fewer FLOPs per "
            "image, a ratio the architectures fix; not judged.)"
        )
    pca = m.get("baselines", {}).get("pca")
    if pca and "test_accuracy" in pca:
        cost = [
            f"{_measured(pca, *keys[0]) / _measured(m, *keys[0]):.3g}x the RP-MLP's training speed"
            if _measured(pca, *keys[0]) and _measured(m, *keys[0])
            else None
        ] + [
            f"{_measured(m, *key) / _measured(pca, *key):.3g}x its speed per image at batch {b}"
            for b, key in zip(C3_LATENCY_BATCHES, keys[1:])
            if _measured(pca, *key) and _measured(m, *key)
        ]
        evidence += (
            f" PCA to the same M reaches CV {pca.get('mean', float('nan')):.4f} (test "
            f"{pca['test_accuracy']:.4f}) at "
            + (", ".join(x for x in cost if x) or "an unrecorded cost")
            + " (the chapter's own timings, point estimates; not judged)."
        )
    best = (svd or {}).get("chosen", {}).get(name)
    if best and "label" in best:
        evidence += (
            f" An SVD-compressed CNN ({best['label']}, chosen on validation data) scores "
            f"{best['test_accuracy']:.4f} at {best['ratio']:.3g}x fewer parameters."
        )
    return _two_halves(cheap, close), evidence


_OUTCOMES = (
    '"Mixed" when one half holds, "not supported" when neither, "no evidence" when the '
    "results needed were not recorded."
)


def rule_texts():
    """The verdict rules, one per study conclusion, generated from the named constants.

    Stated before the results are read (the constants live in this module, not in
    the notebooks), so that a reader can check each verdict against its rule.
    """
    batches = " and ".join(C3_LATENCY_BATCHES)
    return [
        conclusion_1_rule() + " " + _OUTCOMES,
        "On the CNN minus RP-MLP CV accuracy gap over the same folds, every test two-sided at "
        f"alpha = {C2_ALPHA:g} with the Nadeau-Bengio correction for overlapping CV training "
        f"sets; intervals are {CI_LEVEL:.0%} corrected t-intervals. Clearly on CIFAR-10: the "
        f"gap is significantly positive and its interval lies above {C2_MIN_CLEAR_GAP:g}. Only "
        f"slightly on Fashion-MNIST: its interval lies below {C2_MAX_SLIGHT_GAP:g}, the gap is "
        "not significantly negative, and it is significantly smaller than "
        "the CIFAR-10 gap (two-sample test on the two datasets' per-fold gaps, which are "
        "different images and so not paired). Supported when both halves hold. " + _OUTCOMES,
        f"Judged on {C3_DATASET} with measured times, not FLOPs. Cheaper: the {CI_LEVEL:.0%} "
        f"interval of the RP-MLP's training speed-up over the CNN (per-epoch throughputs of "
        f"the two final fits, Welch) lies above {C3_MIN_SPEEDUP:g}x and, projection included "
        f"and timed in turn with the CNN in one process, the {CI_LEVEL:.0%} "
        f"interval of its speed-up per image lies above {C3_MIN_SPEEDUP:g}x at batch sizes "
        f"{batches}. "
        f"Close: the {CI_LEVEL:.0%} interval of its CV accuracy loss against the CNN (same "
        f"folds) lies below {C3_MAX_ACCURACY_LOSS:g}. Supported when both hold. "
        + _OUTCOMES
        + f" (Cheaper was first stated on point ratios of the chapters' own timings; revised "
        f"on {C3_RULE_REVISED}. The first rule's outcome is reported beside the verdict.)",
    ]


def table_notes():
    """How the summary's tables compare our numbers with the study's (from the constants)."""
    return (
        f'Table 1 (reconstruction): a row "agrees" when our MSE is within a factor '
        f"{TABLE1_TOLERANCE:g} of the study's single number. Tables 2 and 3 (accuracy): our "
        f"CV mean with a {CI_LEVEL:.0%} t-interval over our folds (k - 1 degrees of freedom), "
        "its variance the Nadeau-Bengio corrected (1/k + n_val/n_train) s^2, wider than s^2/k "
        "because the CV training sets overlap, clipped to [0, 1]; "
        '"consistent with the study" when the study\'s mean lies inside it, otherwise ours '
        'is "higher" or "lower". The study\'s ± is its '
        "reported std, shown but not used: it is a spread of its folds, not the uncertainty "
        "of its mean."
    )


def conclusion_verdicts(results):
    """Each of the study's conclusions with a verdict and generated evidence.

    The rules are stated by :func:`rule_texts` from this module's constants:
    ``C1_*`` (conclusion 1), ``C2_*`` (2) and ``C3_*`` (3).
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
    for claim, rule, check in zip(study.CONCLUSIONS, rule_texts(), checks):
        verdict, evidence = (
            check if check else ("no evidence", "The results needed were not recorded.")
        )
        out.append({"claim": claim, "rule": rule, "verdict": verdict, "evidence": evidence})
    return out


def notebook_runs(results):
    """What produced each recorded result set, from its own ``_run`` block.

    Independent of how the notebook ran (render.sh, papermill, JupyterLab):
    parameters, wall time and its phases (exclusive seconds, largest first),
    commit (and whether the tree had changes), Keras backend and devices, why it
    ran and the ``helpers`` folder it imported.
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
                "reason": run.get("run_reason") or "-",
                "helpers": run.get("helpers") or "-",
                "parameters": run.get("parameters", {}),
                "phases": dict(
                    sorted((run.get("phase_seconds") or {}).items(), key=lambda kv: -kv[1])
                ),
            }
        )
    return runs
