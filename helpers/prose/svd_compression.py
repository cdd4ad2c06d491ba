"""Chapter 04's prose (notebooks/04_svd_compression.ipynb)."""

from __future__ import annotations

__all__ = ["exactness_text", "fine_tuning_text", "choice_text", "table_4_caption"]

EXACTNESS = (
    "Full-rank rebuild vs original, largest absolute difference of the predicted class "
    "probabilities on {n_images} test images: {differences}, computed in {precision}{why}"
)
EXACTNESS_BFLOAT16 = (
    " (bfloat16 keeps about 3 significant digits and the factors round differently from "
    "the layer they replace, so this is rounding; in float32 the same rebuild agrees to "
    "1e-5, tests/test_compression.py)."
)

TABLE_4_CAPTION = (
    "Table 4. SVD compression on the validation split (ranks per layer: {layers}; '-': "
    "kept whole); speed-ups against the uncompressed control timed in the same loop; "
    "fine-tuning: Adam at learning rate {learning_rate:g}, {protocol}; per-layer ranks: "
    "a convolution is factorized only where its factors need at most 1/{min_speedup:g} of "
    "its multiply-adds{not_tuned}"
)
# Table 4's note when the sweep stopped at the rule's choice (svd_finetune_all False).
NOT_TUNED = (
    "; '–' after fine-tuning on a candidate: not fine-tuned ({n} of them), because "
    "candidates are fine-tuned from the fewest parameters up and the rule had already "
    "chosen a smaller one (set svd_finetune_all to fine-tune every candidate)"
)

RULE = (
    "Rule: the fewest parameters whose fine-tuned validation accuracy is at most "
    "{tolerance:g} below the equally fine-tuned uncompressed CNN's; scored on the test "
    "split once, with the control and the narrower CNN (trained from scratch, then "
    "fine-tuned like the others). The validation split has {n_val} images: one image is "
    "{one_image:.4f}, and the binomial standard error of an accuracy near the controls' "
    "is about {se:.4f}, so the tolerance is about {tolerance_in_se:.1f} standard errors: "
    "a choice at its edge is a close call, and the same split also stopped the "
    "fine-tuning."
)

CHOSEN = (
    "- **{dataset}**: chose **{label}** ({ratio:.2f}x fewer parameters; validation "
    "{val_accuracy:.4f} vs control {control_val_accuracy:.4f}). Test accuracy: compressed "
    "{test_accuracy:.4f}, control {control_test_accuracy:.4f}, narrower CNN (width "
    "{narrow_width:g}, {narrow_params} parameters; best epoch {narrow_epochs}) "
    "{narrow_test_accuracy:.4f}: compressed minus narrower {narrow_difference:+.4f} (exact "
    "McNemar test on the {discordant} test images exactly one of them gets right, p = "
    "{narrow_p:.3g}). Within {tolerance:g} of the control on the test split (compressed "
    "minus control {control_difference:+.4f}; exact unconditional non-inferiority test, "
    "one-sided p = {control_p:.3g}): {noninferiority}. Latency against the control: "
    "{speedup_batch1:.2f}x (batch 1), {speedup_batch256:.2f}x (batch 256); the same "
    "architecture timed twice (original vs control) differs by {timing_noise:.2f}x at "
    "batch 256, the scale of timing noise here. Aim (>= {target_ratio:g}x fewer "
    "parameters, no slower at batch 256, within {tolerance:g} on validation): {aim}."
)

NONE_CHOSEN = (
    "- **{dataset}**: no compressed model stayed within {tolerance:g} of the control on "
    "validation (control test accuracy {control_test_accuracy:.4f})."
)


def exactness_text(exactness, precision, n_images):
    """The full-rank check's sentence; ``exactness`` maps dataset -> max difference."""
    return EXACTNESS.format(
        n_images=n_images,
        differences=", ".join(f"{n}: {d:.1e}" for n, d in exactness.items()),
        precision=precision,
        why="." if precision == "float32" else EXACTNESS_BFLOAT16,
    )


def table_4_caption(layers, *, learning_rate, protocol, min_speedup, rows=()):
    """Table 4's caption; ``rows`` (the sweep's) say how many candidates were not
    fine-tuned because the rule had chosen before them."""
    skipped = sum(not r.get("fine_tuned", True) for r in rows)
    return TABLE_4_CAPTION.format(
        layers=", ".join(layers),
        learning_rate=learning_rate,
        protocol=protocol.describe(),
        min_speedup=min_speedup,
        not_tuned=NOT_TUNED.format(n=skipped) if skipped else "",
    )


def fine_tuning_text(rows, datasets, protocol):
    """How the fine-tuning runs used their epoch budget, per dataset."""
    from helpers.nets.protocol import epoch_budget_note

    runs = {
        f"fine-tuned, {name}": [
            (r["finetune_best_epoch"], r["finetune_epochs_run"])
            for r in rows
            if r["dataset"] == name and r.get("fine_tuned", True)
        ]
        for name in datasets
    }
    return "Fine-tuning: " + epoch_budget_note(runs, protocol)


def _aim(entry, target_ratio):
    missed = []
    if entry["ratio"] < target_ratio:
        missed.append(f"{entry['ratio']:.2f}x fewer parameters")
    if entry["speedup_batch256"] < 1:
        missed.append("slower at batch 256")
    return "missed (" + ", ".join(missed) + ")" if missed else "met"


def choice_line(dataset, entry, *, tolerance, alpha, target_ratio, timing_noise):
    """One dataset's bullet: the choice, its test scores, the two tests, the aim."""
    if "label" not in entry:
        return NONE_CHOSEN.format(dataset=dataset, tolerance=tolerance, **entry)
    narrow, control = entry["versus_narrow"], entry["versus_control"]
    values = {
        **{k: v for k, v in entry.items() if k not in ("versus_narrow", "versus_control")},
        "narrow_difference": narrow["accuracy_difference"],
        "discordant": narrow["only_a"] + narrow["only_b"],
        "narrow_p": narrow["p_value"],
        "control_difference": control["accuracy_difference"],
        "control_p": control["p_value"],
        "noninferiority": (f"shown (p < {alpha:g})" if control["p_value"] < alpha else "not shown"),
    }
    return CHOSEN.format(
        dataset=dataset,
        tolerance=tolerance,
        timing_noise=timing_noise,
        target_ratio=target_ratio,
        aim=_aim(entry, target_ratio),
        **values,
    )


def choice_text(best, *, n_val, se, tolerance, alpha, target_ratio, timing_noise):
    """The rule and, per dataset, its choice scored on the test split (Markdown)."""
    rule = RULE.format(
        tolerance=tolerance,
        n_val=n_val,
        one_image=1 / n_val,
        se=se,
        tolerance_in_se=tolerance / se,
    )
    lines = [
        choice_line(
            name,
            entry,
            tolerance=tolerance,
            alpha=alpha,
            target_ratio=target_ratio,
            timing_noise=timing_noise[name],
        )
        for name, entry in best.items()
    ]
    return rule + "\n\n" + "\n".join(lines)
