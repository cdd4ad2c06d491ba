"""The summary's findings figure (notebooks/99_report.ipynb) and its key.

The figure is drawn as wide as the PDF prints a figure unscaled (:data:`PRINT_WIDTH_IN`),
so its drawn size is its printed size: every text in it is at least :data:`MIN_FONT_PT`. A check is labelled by a short
code, its claim's number and a letter in the order of the verdict's ``checks``
("2a", "2b", ...); :func:`decision_key` maps each code to the check's full name and
its outcome, shown right below the figure.
"""

from __future__ import annotations

from string import ascii_lowercase

import matplotlib.pyplot as plt

from helpers.plots.style import PAGE_WIDTH_IN

__all__ = [
    "MIN_FONT_PT",
    "OUTCOME_COLORS",
    "PRINT_WIDTH_IN",
    "check_codes",
    "decision_key",
    "plot_decisions",
]

OUTCOME_COLORS = {"holds": "tab:green", "fails": "tab:red", "inconclusive": "tab:gray"}
# The smallest text in the figure, at print size (points).
MIN_FONT_PT = 8
# The PDF's LaTeX (nbconvert's figure block) shrinks a figure wider than 0.9 of the
# 6.7 in text width, 6.03 in: drawn narrower, the figure prints at its drawn size, so
# its 8 pt text prints at 8 pt (drawn at PAGE_WIDTH_IN it would print at 94%).
PRINT_WIDTH_IN = min(PAGE_WIDTH_IN, 6.0)


def _code(number, index):
    """'2b': claim 2's second check (then 'aa', 'ab', ... past 26 checks)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = ascii_lowercase[rest] + letters
    return f"{number}{letters}"


def check_codes(verdicts):
    """Each check's code, ``[[code of each check of verdict 1], ...]``: the claim's
    number and a letter in the order of the verdict's ``checks``, cited checks included
    (their code names them in the key; the figure draws them where they are from)."""
    return [
        [_code(number, k) for k in range(len(v.get("checks") or []))]
        for number, v in enumerate(verdicts, 1)
    ]


def _drawn_as(check, verdicts, codes):
    """The code under which a cited check is drawn (its own verdict's), or None."""
    words = str(check.get("cited_from") or "").split()  # "verdict 2"
    if not words or not words[-1].isdigit() or not 1 <= int(words[-1]) <= len(verdicts):
        return None
    number = int(words[-1])
    for code, own in zip(codes[number - 1], verdicts[number - 1].get("checks") or []):
        if not own.get("cited_from") and check["check"].endswith(own["check"]):
            return code
    return None


def decision_key(verdicts):
    """The findings figure's key: a row per check, ``{"code", "check", "outcome"}``, in
    the order of the figure's codes (:func:`check_codes`).

    A check shown but not counted says so in its outcome; a check cited from another
    verdict names the code it is drawn under.
    """
    codes = check_codes(verdicts)
    rows = []
    for verdict, own_codes in zip(verdicts, codes):
        for code, check in zip(own_codes, verdict.get("checks") or []):
            outcome = check["outcome"]
            if check.get("uncounted"):
                outcome += ", shown, not counted (open dot, dashed)"
            if check.get("cited_from"):
                drawn = _drawn_as(check, verdicts, codes)
                outcome += f", drawn as {drawn}" if drawn else f", {check['cited_from']}"
            rows.append({"code": code, "check": check["check"], "outcome": outcome})
    return rows


def _panels(verdicts, codes):
    """(y label, [(code, check)]) per panel: one per verdict and unit, as ratios ("x") and
    sizes never share an axis; a check cited from another verdict is drawn there only."""
    panels = []
    for number, (v, own_codes) in enumerate(zip(verdicts, codes), 1):
        drawn = [
            (code, c)
            for code, c in zip(own_codes, v.get("checks") or [])
            if not c.get("cited_from")
        ]
        units = list(dict.fromkeys(c["unit"] for _, c in drawn))
        for k, unit in enumerate(units):
            label = f"Verdict {number}\n" + ("(continued)" if k else v["verdict"])
            panels.append((label, [(code, c) for code, c in drawn if c["unit"] == unit]))
    return panels


def _draw_panel(ax, label, checks):
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for y, (_, c) in enumerate(reversed(checks)):
        color = OUTCOME_COLORS.get(c["outcome"], "black")
        # A check shown but not counted in its claim: dashed, its estimate an open dot
        # (seen even where its interval has no width).
        uncounted = bool(c.get("uncounted"))
        ax.plot([c["low"], c["high"]], [y, y], color=color, lw=2.2, ls="--" if uncounted else "-")
        ax.plot(
            c["estimate"],
            y,
            "o",
            color=color,
            ms=5,
            mew=1.4,
            zorder=3,
            mfc="white" if uncounted else color,
        )
        ax.plot(c["threshold"], y, "|", color="black", ms=13, mew=1.6, zorder=4)
    ax.set_yticks(range(len(checks)))
    ax.set_yticklabels([code for code, _ in reversed(checks)])
    ax.set_ylim(-0.6, len(checks) - 0.4)
    # The verdict at the left of its panels, level, in place of a title.
    ax.set_ylabel(label, rotation=0, ha="right", va="center", labelpad=6)
    if all(c["unit"] == "x" for _, c in checks):
        span = [min(c["low"] for _, c in checks), max(c["high"] for _, c in checks)]
        if span[0] > 0 and span[1] / span[0] > 10:  # a log axis where it spans decades
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))  # 2x, 5x, 10x, 20x, ...
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.tick_params(labelsize=MIN_FONT_PT)


def plot_decisions(verdicts):
    """The checks that decide the verdicts: each estimate with its interval (or range)
    and its threshold, coloured by outcome, a panel per verdict (and unit); no titles.

    ``verdicts``: :func:`helpers.summary.verdicts.conclusion_verdicts`, whose
    ``checks`` hold each decision's numbers. Each check is labelled by its code
    (:func:`check_codes`; :func:`decision_key` is the key), each panel by its verdict at
    the left. A verdict's ratios ("x") and sizes get separate panels (ratios on a log
    scale where they span decades); checks shown but not counted are dashed, their
    estimates open dots. Drawn :data:`PRINT_WIDTH_IN` wide, the PDF's print size. Returns
    None when no verdict has a check.
    """
    panels = _panels(verdicts, check_codes(verdicts))
    if not panels:
        return None
    # Compact: the findings table and this figure share the PDF's page 3.
    heights = [0.3 + 0.17 * len(checks) for _, checks in panels]
    legend = 0.25  # inches under the panels for the legend
    with plt.rc_context({"font.size": MIN_FONT_PT}):
        fig, axes = plt.subplots(
            len(panels),
            1,
            figsize=(PRINT_WIDTH_IN, sum(heights) + legend),
            gridspec_kw={"height_ratios": heights},
            squeeze=False,
        )
        for ax, (label, checks) in zip(axes[:, 0], panels):
            _draw_panel(ax, label, checks)
        handles = [
            plt.Line2D([], [], color=col, lw=2.2, marker="o", ms=5, label=name)
            for name, col in OUTCOME_COLORS.items()
        ] + [
            plt.Line2D([], [], color="black", marker="|", ls="", ms=10, mew=1.6, label="threshold"),
            plt.Line2D(
                [],
                [],
                color="black",
                lw=1.6,
                ls="--",
                marker="o",
                ms=5,
                mfc="white",
                label="not counted",
            ),
        ]
        fig.legend(handles=handles, fontsize=MIN_FONT_PT, loc="lower center", ncol=5, frameon=False)
        fig.tight_layout(rect=(0, legend / (sum(heights) + legend), 1, 1), h_pad=0.4)
    return fig
