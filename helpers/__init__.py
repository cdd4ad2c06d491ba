"""Shared, tested logic of the research report's notebooks, in layers.

Each layer imports only from the layers below it and from itself (checked by
``tests/test_import_graph.py``); :data:`LAYERS` lists them bottom-up, each with the
modules it holds (a package name holds its submodules unless one is listed in
another layer). Bottom-up:

statistics -- ``helpers.stats``
    The tests and intervals the report uses: paired and Nadeau-Bengio corrected
    t-tests, Welch, McNemar, non-inferiority (``significance``); CV, t-, pooled and
    random- and fixed-effect intervals (``intervals``); timing ratios (``ratios``);
    Spearman's rank correlation with a permutation null (``rank``).
ground -- what every chapter shares
    ``data`` (dataset loading), ``data_archive`` (an archive read and checked),
    ``import_images`` (image folders to .npz), ``results`` (recording a notebook's
    results), ``files`` (atomic writes), ``checks`` (argument checks), ``tables`` and
    ``plots`` (every table and figure), ``runtime`` (logging, versions, machine),
    ``provenance`` (the ``_run`` block of every result), ``progress`` ("k of n,
    about M s left"), ``summary.study`` (the study's quoted numbers, printed by
    chapters 01-04 beside ours).
experiments -- ``helpers.cs`` (chapter 01) and ``helpers.nets`` (chapters 02-04)
    ``cs``: ``images``, ``operators`` (composable LinearOperators), ``solvers``,
    ``baselines``, ``reconstruction`` (one measure-and-recover call) and
    ``experiments`` (Table 1, method comparison, phase transition, scaling).
    ``nets``: ``models``, ``protocol`` (the one training protocol), ``training``
    (seeded fits, final models), ``cross_validation`` (resumable, cached folds),
    ``classification`` (one call per dataset), ``projection`` (random projections,
    JL), ``compression`` (SVD), ``cost`` (FLOPs, latency, size).
summary -- ``helpers.summary`` (chapter 99) and ``helpers.prose``
    The verdicts on the study's conclusions judged on our results, their rule
    ledger and seed runs; the report's generated sentences.
chapters -- what a notebook calls to set itself up and run its steps
    ``parameters`` (every parameter's allowed values, for render.sh and the
    notebooks), ``notebook`` (a chapter's set-up call), and each chapter's steps
    that show a verdict beside its table (``cs.study``, ``nets.projection_study``,
    ``nets.svd_study``).
build -- ``helpers.report``, the tool behind ``render.sh`` (not imported by notebooks)
    ``profiles`` (profiles and parameter checks), ``staleness`` (fingerprints),
    ``execution`` (papermill, lock, console), ``rendering`` (HTML and PDF),
    ``cli`` (the command line).
"""

__version__ = "0.1.0"

# The layers above, bottom-up: (name, modules). A module belongs to the layer listing
# its longest dotted prefix (``helpers.summary.study`` lies in ground, the rest of
# ``helpers.summary`` in summary).
LAYERS = (
    ("statistics", ("helpers.stats",)),
    (
        "ground",
        (
            "helpers.checks",
            "helpers.data",
            "helpers.data_archive",
            "helpers.data_compact",
            "helpers.executor",
            "helpers.files",
            "helpers.import_images",
            "helpers.plots",
            "helpers.profiles",
            "helpers.progress",
            "helpers.provenance",
            "helpers.results",
            "helpers.runtime",
            "helpers.tables",
            "helpers.summary.study",
        ),
    ),
    ("experiments", ("helpers.cs", "helpers.nets")),
    ("summary", ("helpers.summary", "helpers.prose")),
    (
        "chapters",
        (
            "helpers.parameters",
            "helpers.notebook",
            "helpers.cs.study",
            "helpers.nets.projection_study",
            "helpers.nets.svd_study",
        ),
    ),
    ("build", ("helpers.report",)),
)
