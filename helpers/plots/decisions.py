"""The summary's findings figure (notebooks/99_report.ipynb)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from helpers.plots.style import PAGE_WIDTH_IN

OUTCOME_COLORS = {"holds": "tab:green", "fails": "tab:red", "inconclusive": "tab:gray"}


def plot_decisions(verdicts):
    """The checks that decide the verdicts: each estimate with its interval (or range)
    and its threshold, a panel per verdict, coloured by outcome.

    ``verdicts``: :func:`helpers.summary.verdicts.conclusion_verdicts`, whose
    ``checks`` hold each decision's numbers. A verdict's ratios ("x") and sizes get
    separate panels (ratios on a log scale where they span decades); checks shown but
    not counted are dashed.
    """
    # A check cited from another verdict is drawn once, in that verdict's panel.
    verdicts = [
        {**v, "checks": [c for c in v.get("checks") or [] if not c.get("cited_from")]}
        for v in verdicts
    ]
    # One panel per verdict and unit: ratios ("x") and sizes never share an axis.
    panels = []
    for i, v in enumerate(verdicts, 1):
        units = list(dict.fromkeys(c["unit"] for c in v.get("checks") or []))
        for k, unit in enumerate(units):
            title = f"Verdict {i}: {v['verdict']}" + (" (continued)" if k else "")
            panels.append((title, [c for c in v["checks"] if c["unit"] == unit]))
    if not panels:
        return None
    # Compact: the findings table and this figure share the PDF's page 3.
    heights = [0.22 + 0.15 * len(checks) for _, checks in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(PAGE_WIDTH_IN, sum(heights) + 0.3),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, (title, checks) in zip(axes[:, 0], panels):
        for y, c in enumerate(reversed(checks)):
            color = OUTCOME_COLORS.get(c["outcome"], "black")
            # A check shown but not counted in its claim: dashed.
            style = "--" if c.get("uncounted") else "-"
            ax.plot([c["low"], c["high"]], [y, y], color=color, lw=2.2, ls=style)
            ax.plot(c["estimate"], y, "o", color=color, ms=4.5, zorder=3)
            ax.plot(c["threshold"], y, "|", color="black", ms=13, mew=1.6, zorder=4)
        ax.set_yticks(range(len(checks)))
        ax.set_yticklabels(
            [
                c["check"] + (" [not counted]" if c.get("uncounted") else "")
                for c in reversed(checks)
            ],
            fontsize=6.5,
        )
        ax.set_ylim(-0.6, len(checks) - 0.4)
        if all(c["unit"] == "x" for c in checks):
            from matplotlib.ticker import FuncFormatter, NullFormatter

            span = [min(c["low"] for c in checks), max(c["high"] for c in checks)]
            if span[0] > 0 and span[1] / span[0] > 10:  # a log axis where it spans decades
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.set_title(title, fontsize=8, loc="left")
        ax.tick_params(axis="x", labelsize=7)
    handles = [
        plt.Line2D([], [], color=col, lw=2.2, marker="o", ms=4, label=name)
        for name, col in OUTCOME_COLORS.items()
    ] + [plt.Line2D([], [], color="black", marker="|", ls="", ms=10, mew=1.6, label="threshold")]
    fig.legend(handles=handles, fontsize=6.5, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig
