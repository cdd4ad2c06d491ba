"""``scripts/seed-spread.sh``'s checks, all made before its first training run.

    python -m helpers.report.seed_check PROFILE OUT SEED [SEED...] [-- RENDER_OPTIONS...]

Resolves and checks every render the script will make (one per extra seed
into ``OUT-seed<SEED>``, then the report into ``OUT``) exactly as ``render.sh``
would (profile, parameters, environment, data, writable folders), and the
seeds' spacing the summary requires, so that a bad seed is refused in seconds,
not after hours of training. Exit code 2 with one ``seed-spread.sh: error:``
line on a problem.

:mod:`helpers.report.compared_runs` checks the summary's ``seed_runs`` and
``effect_runs`` folders on every ``render.sh`` call.
"""

from __future__ import annotations

import sys

from helpers.report.cli import _prepare, build_parser
from helpers.report.profiles import PipelineError
from helpers.summary.seeds import check_seed_spacing

__all__ = ["check_seed_spread", "main"]

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
