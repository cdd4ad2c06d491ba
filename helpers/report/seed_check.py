"""``scripts/seed-spread.sh``'s checks, all made before its first training run.

    python -m helpers.report.seed_check PROFILE OUT SEED [SEED...] [-- RENDER_OPTIONS...]

Resolves and checks every render the script will make (one per extra seed
into ``OUT-seed<SEED>``, then the report into ``OUT``) exactly as ``render.sh``
would (profile, parameters, environment, data, writable folders), and the
seeds' spacing the summary requires, so that a bad seed is refused in seconds,
not after hours of training. Exit code 2 with one ``seed-spread.sh: error:``
line on a problem.

:func:`check_compared_runs` makes the summary's checks of its ``seed_runs`` and
``effect_runs`` folders on every ``render.sh`` call that runs the summary, before
any training: those folders exist before the run, and this run's classifier
chapters will run with parameters known now.
"""

from __future__ import annotations

import sys

from helpers.report.cli import _prepare, build_parser
from helpers.report.profiles import PipelineError
from helpers.summary.seeds import check_seed_spacing

__all__ = ["check_seed_spread", "check_compared_runs", "planned_results", "main"]

_CLASSIFIER_CHAPTERS = ("02_cnn", "03_projection_mlp")


def _resolved(argv):
    args = build_parser().parse_args(argv)
    _, _, per_notebook = _prepare(args)
    return {nb.stem: values for nb, values in per_notebook.items()}


def check_seed_spread(profile, out, seeds, options=()):
    """Raise :class:`PipelineError` for anything the seed-spread renders would refuse."""
    if not seeds:
        raise PipelineError("give at least one extra seed")
    main = _resolved(["--profile", profile, "--output-dir", out, *options])
    cnn = main.get("02_cnn", {})
    base_seed = cnn.get("seed", 0)
    folds = cnn.get("cnn_folds")
    if folds is None:
        from helpers.report.profiles import declared_parameters, list_notebooks

        (notebook,) = list_notebooks(["02_cnn"])
        folds = int(declared_parameters(notebook)["cnn_folds"]["default"])
    known = [base_seed]
    for seed in seeds:
        try:
            check_seed_spacing(seed, known, folds)
        except ValueError as exc:
            raise PipelineError(f"{exc} (the profile's own seed is {base_seed})") from None
        known.append(seed)
        only = [arg for stem in _CLASSIFIER_CHAPTERS for arg in ("--only", stem)]
        _resolved(
            ["--profile", profile, "-p", "seed", str(seed), "-p", "mlp_sweep_m", "[]", *only]
            + ["--output-dir", f"{out}-seed{seed}", *options]
        )


def planned_results(profile, overrides, output_dir):
    """What this run's classifier chapters will record about how they ran, before they
    run: ``{"cnn": payload, "projection_mlp": payload}`` with the ``_run`` parameters
    (every checked parameter, defaults included, as the notebook records them), the
    Keras backend and the training precision."""
    import ast
    import os

    from helpers.parameters import RULES
    from helpers.report.profiles import declared_parameters, list_notebooks, resolve_parameters
    from helpers.results import to_jsonable
    from helpers.runtime import training_precision

    chapters = list_notebooks(list(_CLASSIFIER_CHAPTERS))
    passed = resolve_parameters(chapters, profile, overrides, output_dir)
    planned = {}
    for notebook, name in zip(chapters, ("cnn", "projection_mlp")):
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


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    options = argv[argv.index("--") + 1 :] if "--" in argv else []
    positional = argv[: argv.index("--")] if "--" in argv else argv
    if len(positional) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    profile, out, *seeds = positional
    try:
        check_seed_spread(profile, out, [int(s) for s in seeds], options)
    except PipelineError as exc:
        print(f"seed-spread.sh: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
