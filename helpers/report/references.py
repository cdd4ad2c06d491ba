"""The works the report relies on, listed once at its end (the chapters name them by
their citation label, e.g. "Nadeau & Bengio 2003").

The bibliography is CSL-JSON, ``helpers/report/references.json`` (the format Zotero and
pandoc's citeproc read), each entry with a ``citation-label`` and ``x-used-for``: where
the report uses the work.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["BIBLIOGRAPHY", "load_references", "format_reference", "references_markdown"]

BIBLIOGRAPHY = Path(__file__).with_name("references.json")


def load_references(path=BIBLIOGRAPHY):
    """The CSL-JSON entries, in the order the references section lists them."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    for entry in entries:
        missing = [k for k in ("id", "title", "citation-label", "x-used-for") if k not in entry]
        if missing:
            raise ValueError(f"{path}: entry {entry.get('id', '?')!r} lacks {missing}")
    return entries


def _authors(entry):
    names = [f"{a.get('given', '')} {a['family']}".strip() for a in entry.get("author", [])]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


def format_reference(entry):
    """One entry as text: authors, title, venue, volume(issue), pages, year."""
    parts = [p for p in (_authors(entry), entry["title"]) if p]
    venue = entry.get("container-title", "")
    if entry.get("volume"):
        venue += f" {entry['volume']}" + (f"({entry['issue']})" if entry.get("issue") else "")
    if entry.get("page"):
        venue += f", {entry['page']}"
    if venue:
        parts.append(venue.strip())
    year = entry.get("issued", {}).get("date-parts", [[None]])[0][0]
    if year:
        parts.append(str(year))
    note = f" ({entry['note']})" if entry.get("note") else ""
    return ", ".join(parts) + note + "."


def references_markdown(path=BIBLIOGRAPHY):
    """The references section, one numbered entry per work with where it is used."""
    lines = ["# References", ""]
    for i, entry in enumerate(load_references(path), start=1):
        lines.append(
            f"{i}. **{entry['citation-label']}.** {format_reference(entry)} "
            f"Used for: {entry['x-used-for']}."
        )
    return "\n".join(lines)
