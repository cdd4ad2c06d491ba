"""Shared, tested logic of the research report's notebooks, split by role.

Shared ground
    ``data`` (dataset loading and validation), ``import_images`` (image folders
    to .npz), ``results`` (recording a notebook's results), ``files`` (atomic
    writes), ``checks`` (argument checks), ``notebook`` (a chapter's set-up
    call), ``tables`` and ``plots`` (every table and figure), ``runtime``
    (logging, versions, machine).
``helpers.cs`` -- Experiment 1, compressive sensing (chapter 01)
    ``images``, ``operators`` (composable LinearOperators), ``solvers``,
    ``baselines``, ``reconstruction`` (one measure-and-recover call) and
    ``experiments`` (Table 1, method comparison, phase transition, scaling).
``helpers.nets`` -- Experiments 2-4, the study's networks (chapters 02-04)
    ``models``, ``training`` (seeded fits, cross-validation, final models),
    ``classification`` (one call per dataset), ``projection`` (random
    projections, JL), ``compression`` (SVD), ``cost`` (FLOPs, latency, size).
``helpers.summary`` -- the summary chapter (99)
    ``study`` (the study's quoted numbers) and ``verdicts`` (its conclusions
    judged on our results).
``helpers.report`` -- the build tool behind ``render.sh`` (not imported by notebooks)
    ``profiles`` (profiles and parameter checks), ``staleness`` (fingerprints),
    ``execution`` (papermill, lock, console), ``rendering`` (HTML and PDF),
    ``cli`` (the command line).
Also shared: ``parameters`` (every parameter's allowed values, for render.sh
and the notebooks) and ``provenance`` (the ``_run`` block of every result).
"""

__version__ = "0.1.0"
