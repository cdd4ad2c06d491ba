"""The summary's prose (notebooks/99_report.ipynb)."""

from __future__ import annotations

__all__ = [
    "missing_text",
    "appendix_title",
    "verdict_heading",
    "seed_pool_note",
    "seed_hint",
    "other_findings",
    "training_note",
    "parameters_text",
]

MISSING = (
    "_Results not found for: {names} (those notebooks have not run with this profile); "
    "their rows are left out._"
)
VERDICT_HEADING = '**{number}. "{claim}"** — verdict: **{verdict}**.'
SEED_POOL = " (Pooled over seeds {seeds}; the seed section gives each seed's own verdict.)"
SEED_HINT = (
    "_Only seed {seed} was run. `scripts/seed-spread.sh {profile} {seed_a} {seed_b}` renders "
    "chapters 02 and 03 with those seeds and this report beside them (seeds at least the "
    "number of folds apart, so that no two runs start a fit from the same weights): the "
    "fold spreads above are then joined by the seed spread, and verdicts {verdicts} are "
    "judged for each seed._"
)
SVD_NONE = (
    "- **SVD compression** ({dataset}): no level stayed within {tolerance:g} of the equally "
    "fine-tuned CNN on validation data."
)
SVD_CHOSEN = (
    "- **SVD compression** ({dataset}): chosen on validation data, {label} has {ratio:.3g}x "
    "fewer parameters; test accuracy {test_accuracy:.4f} against {control_test_accuracy:.4f} "
    "for the equally fine-tuned CNN and {narrow_test_accuracy:.4f} for a narrower CNN of "
    "{narrow_params} parameters trained from scratch; latency speed-up {speedup_batch1:.3g}x "
    "(batch 1), {speedup_batch256:.3g}x (batch 256)."
)
CNN_TEST = (
    "- **CNN test split** ({dataset}): {test_accuracy:.4f} (the study reported no held-out score)."
)
PHASE_TRANSITION = (
    "- **l1 phase transition** (n = {n}): recovery rate {success_below_curve:.2f} below the "
    "theoretical curve and {success_above_curve:.2f} above it."
)
STACKED = (
    "The MLP's CV folds were trained side by side, one stacked model per cross-validation"
    "{where}; the CNN's folds and every final model were trained alone, every timing in the "
    "notebook's process. The protocol is the same (each fold's own initial weights, loss, "
    "early stopping and best weights); the folds of one stack share one seeded stream of "
    "dropout masks and batch order, which moves a fold's score as a different seed would."
    "{threads}"
)
STACKED_THREADS = (
    " The projections are computed on one thread wherever they run; a stack's thread count "
    "can still change the order of float sums in its training."
)
ELSEWHERE = (
    "The MLP's CV folds ran in other processes, one TensorFlow thread each; the CNN's folds, "
    "every final model and every timing ran in the notebook's process. The training "
    "protocol is the same; under mixed bfloat16 a fold's thread count can move its score by "
    "an image or two (the order of sums)."
)


def missing_text(missing):
    """A note naming the chapters without results, or ``""``."""
    return MISSING.format(names=", ".join(missing)) if missing else ""


def appendix_title(number):
    """The PDF appendix's section for verdict ``number``'s evidence, checks and ledger."""
    return f"Verdict {number}: evidence, checks and the rule's ledger"


def verdict_heading(number, verdict):
    return VERDICT_HEADING.format(number=number, claim=verdict["claim"], verdict=verdict["verdict"])


def seed_pool_note(seeds):
    return SEED_POOL.format(seeds=", ".join(map(str, seeds)))


def seed_hint(profile, seed, verdicts):
    """What to run for a seed spread, when only one seed ran."""
    return SEED_HINT.format(
        profile=profile,
        seed=seed,
        seed_a=seed + 10,
        seed_b=seed + 20,
        verdicts=" and ".join(map(str, verdicts)),
    )


def other_findings(results):
    """Bullets of what the report found beyond the study's claims (Markdown)."""
    lines = []
    if "svd_compression" in results:
        svd = results["svd_compression"]
        for name, entry in svd.get("chosen", {}).items():
            if "label" in entry:
                lines.append(SVD_CHOSEN.format(dataset=name, **entry))
            else:
                lines.append(SVD_NONE.format(dataset=name, tolerance=svd["tolerance"]))
    if "cnn" in results:
        for name, cnn in results["cnn"]["datasets"].items():
            lines.append(CNN_TEST.format(dataset=name, test_accuracy=cnn["test_accuracy"]))
    if "reconstruction" in results:
        lines.append(PHASE_TRANSITION.format(**results["reconstruction"]["phase_transition"]))
    return "\n".join(lines) or "_No results recorded yet._"


def training_note(configuration):
    """How chapter 03's folds were trained, when not one model at a time in-process
    (``configuration``: its recorded configuration); ``""`` otherwise."""
    parallel = configuration.get("scheduler") or configuration.get("n_jobs", 1) > 1
    if configuration.get("stacked_folds"):
        if configuration.get("scheduler"):
            where = " (one task per CV on the cluster)"
        elif configuration.get("n_jobs", 1) > 1:
            where = (
                f" ({configuration['n_jobs']} stacks at a time, one per single-threaded "
                "worker process)"
            )
        else:
            where = ""
        return STACKED.format(where=where, threads=STACKED_THREADS if parallel else "")
    return ELSEWHERE if parallel else ""


def parameters_text(runs):
    """Each notebook's parameters as executed (``output_dir`` left out: a path)."""
    lines = [
        f"- `{r['results']}`: "
        + ", ".join(f"`{k}={v}`" for k, v in r["parameters"].items() if k != "output_dir")
        for r in runs
    ]
    return "Parameters of each notebook, as executed:\n\n" + "\n".join(lines)
