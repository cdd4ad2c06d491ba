"""The summary's ``seed_runs`` and ``effect_runs`` folders, checked before any training.

Those folders exist before the run, and this run's classifier chapters (02 and 03)
will run with parameters known before they start; so ``render.sh`` makes the
summary's own checks (:func:`helpers.summary.seeds.load_seed_runs`,
:func:`helpers.summary.effects.load_effect_runs`) against what they will record,
instead of refusing the folders in chapter 99 after all the training.
"""

from __future__ import annotations

import ast
import os

from helpers.report.profiles import (
    PipelineError,
    declared_parameters,
    list_notebooks,
    resolve_parameters,
)

__all__ = ["planned_results", "check_compared_runs"]

# The chapters whose results seed and effect runs hold, and the results they record.
CLASSIFIER_CHAPTERS = {"02_cnn": "cnn", "03_projection_mlp": "projection_mlp"}


def planned_results(profile, overrides, output_dir):
    """What this run's classifier chapters will record about how they ran, before they
    run: ``{"cnn": payload, "projection_mlp": payload}`` with the ``_run`` parameters
    (every checked parameter, defaults included, as the notebook records them), the
    Keras backend and the training precision."""
    from helpers.parameters import RULES
    from helpers.results import to_jsonable
    from helpers.runtime import training_precision

    chapters = list_notebooks(list(CLASSIFIER_CHAPTERS))
    passed = resolve_parameters(chapters, profile, overrides, output_dir)
    planned = {}
    for notebook in chapters:
        name = CLASSIFIER_CHAPTERS[notebook.stem]
        values = {}
        for key, info in declared_parameters(notebook).items():
            try:
                values[key] = ast.literal_eval(info["default"])
            except (ValueError, SyntaxError):
                continue
        values.update(passed[notebook])
        planned[name] = {
            "_run": {
                "parameters": to_jsonable({k: v for k, v in values.items() if k in RULES}),
                "keras_backend": os.environ.get("KERAS_BACKEND") or "tensorflow",
            },
            "machine": {"training_precision": training_precision()},
        }
    return planned


def check_compared_runs(per_notebook, profile, overrides, output_dir):
    """Refuse now the ``seed_runs`` and ``effect_runs`` folders the summary would refuse
    after every chapter's training: a missing or damaged results file, other
    parameters, backend or precision than this run will use (besides the seed), close
    or repeated seeds, an effect run that changes nothing or the seed.

    Raises
    ------
    PipelineError
        Naming the folder, what differs and how to make it right (the summary's own
        messages, :mod:`helpers.summary.seeds`, :mod:`helpers.summary.effects`).
    """
    wanted = {
        key: [p for values in per_notebook.values() for p in values.get(key) or []]
        for key in ("seed_runs", "effect_runs")
    }
    if not any(wanted.values()):
        return
    from helpers.summary.effects import load_effect_runs
    from helpers.summary.seeds import load_seed_runs

    planned = planned_results(profile, overrides, output_dir)
    for key, load in (("seed_runs", load_seed_runs), ("effect_runs", load_effect_runs)):
        try:
            load(planned, wanted[key])
        except ValueError as exc:
            raise PipelineError(f"-p {key}: {exc}") from None
