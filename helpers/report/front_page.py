"""The report's front page: what was run, where, in which precision, and what came out.

Generated from the recorded results (each chapter's ``_run`` block and the
summary's verdicts), so it describes the runs the report shows, not the process
that renders it.
"""

from __future__ import annotations

import datetime as dt

from helpers.provenance import commit_label

__all__ = ["run_facts", "abstract", "front_page_markdown"]

# What each result set is, for the abstract (chapter order): the study's experiments,
# then what the report adds.
_EXPERIMENTS = {
    "reconstruction": "Experiment 1 (compressive-sensing reconstruction)",
    "cnn": "Experiment 2 (CNN classification)",
    "projection_mlp": "Experiment 3 (random projection + MLP)",
}
_ADDED = {"svd_compression": "the SVD compression of the CNN that the study's title promised"}
# Result sets whose numbers depend on the training precision and the backend.
TRAINED = ("cnn", "projection_mlp", "svd_compression")


def _values(runs, get):
    return sorted({str(v) for v in (get(r) for r in runs.values()) if v not in (None, "")})


def run_facts(results):
    """Profile, seed, commits, machines, backends and precisions of the recorded runs.

    Parameters
    ----------
    results : dict
        Result name -> recorded payload (:func:`helpers.results.read_results`).

    Returns
    -------
    dict
        name -> list of the distinct values found (several when chapters ran apart).
    """
    runs = {n: p.get("_run") or {} for n, p in results.items()}
    trained = {n: r for n, r in runs.items() if n in TRAINED}

    def machine(run):
        m = run.get("machine") or {}
        return f"{m['cpu']}, {m['cpu_count']} CPUs" if m.get("cpu") else None

    return {
        "profile": _values(runs, lambda r: (r.get("parameters") or {}).get("profile")),
        "seed": _values(runs, lambda r: (r.get("parameters") or {}).get("seed")),
        "commit": _values(runs, lambda r: commit_label(r, " (with uncommitted changes)")),
        "machine": _values(runs, machine),
        "backend": _values(trained, lambda r: r.get("keras_backend")),
        "precision": _values(trained, lambda r: (r.get("machine") or {}).get("training_precision")),
        "devices": _values(trained, lambda r: ", ".join(r.get("devices") or []) or None),
        "ran": _values(runs, lambda r: (r.get("started_at") or "")[:10] or None),
    }


def _join(items):
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]


def abstract(results):
    """A few generated sentences: what was reproduced and how each conclusion fared."""
    done = [text for name, text in _EXPERIMENTS.items() if name in results]
    added = [text for name, text in _ADDED.items() if name in results]
    if not done and not added:
        return "No results were recorded yet."
    parts = []
    if done:
        parts.append(
            "This report re-runs the study's " + _join(done) + ", with our own protocol where "
            "the study was silent."
        )
    if added:
        parts.append("It adds " + _join(added) + ".")
    verdicts = (results.get("summary") or {}).get("verdicts") or []
    if verdicts:
        by = {}
        for i, v in enumerate(verdicts, 1):
            by.setdefault(v["verdict"], []).append(str(i))
        parts.append(
            f"Of the study's {len(verdicts)} conclusions, "
            + "; ".join(
                f"{'conclusion' if len(nums) == 1 else 'conclusions'} {', '.join(nums)} "
                f"{'is' if len(nums) == 1 else 'are'} {verdict}"
                for verdict, nums in by.items()
            )
            + " by the rules the summary states (each under every version of its rule)."
        )
    return " ".join(parts)


def front_page_markdown(results, rendered_at=None):
    """The front page as Markdown (no title: the formats set it themselves)."""
    facts = run_facts(results)
    rendered_at = rendered_at or dt.datetime.now(dt.UTC)
    labels = {
        "profile": "Profile",
        "seed": "Seed",
        "commit": "Commit",
        "machine": "Machine",
        "backend": "Keras backend (trained chapters)",
        "precision": "Training precision",
        "devices": "Devices",
        "ran": "Chapters run on",
    }
    rows = [
        f"| {labels[k]} | {'; '.join(v) if v else 'not recorded'} |"
        for k, v in facts.items()
        if k in labels
    ]
    if any(len(facts[k]) > 1 for k in ("commit", "machine", "backend", "precision")):
        rows.append("| Note | the chapters ran on different commits, machines or settings |")
    return (
        f"Rendered {rendered_at:%Y-%m-%d %H:%M} UTC.\n\n"
        "| | |\n|---|---|\n" + "\n".join(rows) + "\n\n"
        f"**Abstract.** {abstract(results)}"
    )
