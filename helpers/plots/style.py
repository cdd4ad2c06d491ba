"""The report's figure style: page width, fonts, PNG + PDF outputs in notebooks."""

from __future__ import annotations

import matplotlib.pyplot as plt

__all__ = ["PAGE_WIDTH_IN", "use_report_style"]

# A page of the PDF is about 6.5 in wide; figures at most that wide keep
# their fonts at the size they were drawn.
PAGE_WIDTH_IN = 6.5


def use_report_style():
    """Matplotlib settings for the report: readable fonts, PNG at 110 dpi.

    In a notebook, figures are also kept as PDF (vector): the PDF report
    prefers that output, the HTML report shows the PNG.
    """
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", font_scale=1.0)
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "figure.figsize": (PAGE_WIDTH_IN, 3.2),
            "axes.titlesize": 10,
            "axes.labelsize": 9,
            "legend.fontsize": 8,
            "image.cmap": "gray",
        }
    )
    _inline_figure_formats("png", "pdf")


def _inline_figure_formats(*formats):
    """Have IPython's inline backend output each figure in ``formats``; no-op outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:  # a script or a test: no inline figures to format
        return
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib_inline.backend_inline import InlineBackend

    config = InlineBackend.instance(parent=shell)
    # The config is what the backend reapplies when it activates (possibly
    # later, on the first figure); select_figure_formats covers an active one.
    config.figure_formats = set(formats)
    select_figure_formats(shell, set(formats), **config.print_figure_kwargs)


def _show(ax, image, title=None):
    cmap = None if image.ndim == 3 else "gray"
    ax.imshow(image, cmap=cmap, vmin=0, vmax=1 if image.dtype.kind == "f" else 255)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=7)
