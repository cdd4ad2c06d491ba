"""The report's generated prose, one module per chapter: templates with named values.

Each template is a module constant (the wording, with ``{name}`` fields); a small
function computes the named values from the results and fills it, so the wording can
be edited without touching a number and the tests can check both.
"""
