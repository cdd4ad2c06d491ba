"""Shared, tested logic of the research report's notebooks.

Modules: ``data`` (dataset loading), ``results`` (recording notebook
results), ``plots`` (figures), ``validation`` (input checks),
``environment`` (versions and machine, for the reproducibility block).
"""

__version__ = "0.1.0"
