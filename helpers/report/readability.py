"""How long the summary's sentences are: the report's readability figures.

``python -m helpers.report.readability reports/quick/report.html`` prints the number of
sentences and words of the summary chapter (the level-1 section titled "Summary ...") and
the median, 90th percentile and longest sentence in words, with how many run over
:data:`LONG_SENTENCE` words. Prose only: tables, code and figure labels are left out,
since a table row is not a sentence.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

import numpy as np

__all__ = ["LONG_SENTENCE", "summary_text", "sentences", "sentence_stats"]

LONG_SENTENCE = 60  # words; issue 23's limit for any one sentence of the summary

_DROPPED = re.compile(
    r"<(table|pre|code|style|script|figure|svg|math)\b.*?</\1>|<p class=\"report-label\".*?</p>",
    re.S | re.I,
)


def summary_text(page):
    """The prose of the summary: the HTML from the level-1 heading that starts
    "Summary" to the next level-1 heading, without tables, code, math and figure labels."""
    headings = [
        (m.start(), re.sub(r"<[^>]+>", "", m.group(1)).strip())
        for m in re.finditer(r"<h1\b[^>]*>(.*?)</h1>", page, re.S)
    ]
    starts = [i for i, (_, title) in enumerate(headings) if title.startswith("Summary")]
    if not starts:
        raise ValueError("no 'Summary' chapter heading: not a rendered report")
    i = starts[0]
    end = headings[i + 1][0] if i + 1 < len(headings) else len(page)
    section = page[headings[i][0] : end]
    section = _DROPPED.sub(" ", section)
    section = re.sub(r"<(br|/p|/li|/h\d|/summary)\b[^>]*>", "\n", section, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", section))


def sentences(text):
    """Sentences of ``text``: split at ., ! or ? followed by a space and a capital or a
    quote, and at line ends (headings, list items); numbers like 0.05 stay whole."""
    parts = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        parts += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(*])", line) if s.strip()]
    return [s for s in parts if re.search(r"[A-Za-z]", s)]


def sentence_stats(text, long_words=LONG_SENTENCE):
    """Counts and word-length figures of the sentences of ``text``."""
    lengths = np.array([len(s.split()) for s in sentences(text)])
    if lengths.size == 0:
        return {"sentences": 0, "words": 0}
    return {
        "sentences": int(lengths.size),
        "words": int(lengths.sum()),
        "median_words": float(np.median(lengths)),
        "p90_words": float(np.percentile(lengths, 90)),
        "longest_words": int(lengths.max()),
        f"over_{long_words}_words": int((lengths > long_words).sum()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m helpers.report.readability")
    parser.add_argument("reports", nargs="+", type=Path, help="report.html files")
    args = parser.parse_args(argv)
    for path in args.reports:
        stats = sentence_stats(summary_text(path.read_text(encoding="utf-8")))
        print(json.dumps({"report": str(path), **stats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
