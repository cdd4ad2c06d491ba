"""Figures shared by the notebooks, sized to stay legible in the PDF report.

One module per chapter group (``datasets``: 00, ``reconstruction``: 01,
``classifiers``: 02-04, ``decisions``: the summary) and ``style`` for what they
share; every figure function is importable from ``helpers.plots``.
"""

from helpers.plots.classifiers import (
    plot_accuracy_vs_cost,
    plot_confusion,
    plot_distance_ratios,
    plot_fold_accuracies,
    plot_learning_curves,
    plot_misclassified,
    plot_svd_spectra,
    plot_svd_tradeoff,
    plot_sweep,
)
from helpers.plots.datasets import (
    plot_class_balance,
    plot_class_grid,
    plot_grayscale_comparison,
    plot_pixel_histograms,
)
from helpers.plots.decisions import OUTCOME_COLORS, check_codes, decision_key, plot_decisions
from helpers.plots.reconstruction import (
    plot_error_vs_m,
    plot_field_marks,
    plot_noise_sweep,
    plot_phase_transition,
    plot_quality_vs_m,
    plot_rank_panel,
    plot_reconstruction_grid,
    plot_scaling,
    plot_test_images,
)
from helpers.plots.style import PAGE_WIDTH_IN, _inline_figure_formats, use_report_style

__all__ = [
    "PAGE_WIDTH_IN",
    "OUTCOME_COLORS",
    "use_report_style",
    "plot_class_grid",
    "plot_class_balance",
    "plot_grayscale_comparison",
    "plot_pixel_histograms",
    "plot_error_vs_m",
    "plot_field_marks",
    "plot_reconstruction_grid",
    "plot_phase_transition",
    "plot_scaling",
    "plot_noise_sweep",
    "plot_quality_vs_m",
    "plot_test_images",
    "plot_rank_panel",
    "plot_fold_accuracies",
    "plot_learning_curves",
    "plot_confusion",
    "plot_misclassified",
    "plot_sweep",
    "plot_accuracy_vs_cost",
    "plot_distance_ratios",
    "plot_svd_tradeoff",
    "plot_svd_spectra",
    "plot_decisions",
    "check_codes",
    "decision_key",
    "_inline_figure_formats",
]
