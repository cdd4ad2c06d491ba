"""Shared, tested logic of the research report's notebooks.

Data and bookkeeping: ``data`` (dataset loading and validation),
``import_images`` (image folders to .npz), ``results`` (recording notebook
results), ``pipeline`` (papermill + nbconvert), ``report`` (notebook set-up,
tables), ``plots``, ``validation`` (input checks), ``environment``.

Experiments: ``sensing`` and ``reconstruction`` (compressive sensing),
``models``, ``training``, ``cost`` and ``experiments`` (the study's networks),
``projection`` (random projections), ``compression`` (SVD), ``study`` (the
study's quoted numbers) and ``summary`` (verdicts).
"""

__version__ = "0.1.0"
