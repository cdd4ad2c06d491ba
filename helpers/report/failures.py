"""What a failed notebook says: the cell that raised, or the kernel that died.

Both keep the partly executed notebook (``executed/<name>.failed.ipynb``) and the
kernel's log, leave the previous report in place (``render.sh`` says so), and a
run again resumes at the cached folds and models.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["cell_failure", "last_started_cell", "dead_kernel"]


def cell_failure(notebook, exc, failed, log_path):
    """What a cell that raised says: the cell, the error, where the copy and log are."""
    first_line = (exc.source or "").strip().splitlines()[:1]
    return (
        f"{notebook.name} failed in cell {exc.cell_index} of the executed copy "
        f"(execution count {exc.exec_count}"
        f"{', ' + first_line[0][:60] if first_line else ''}): {exc.ename}: {exc.evalue}\n"
        f"The partly executed notebook, with the traceback: {failed}; the kernel's "
        f"log: {log_path}"
    )


def last_started_cell(path):
    """Index of the last cell papermill started in the notebook at ``path`` (None: none)."""
    try:
        cells = json.loads(Path(path).read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return None
    started = [
        i
        for i, cell in enumerate(cells)
        if (cell.get("metadata", {}).get("papermill") or {}).get("start_time")
    ]
    return started[-1] if started else None


def dead_kernel(notebook, cell, last_lines, failed, log_path):
    """What a kernel that died says: where, its last lines, what is kept, how to resume."""
    where = f" in cell {cell} of the executed copy" if cell is not None else ""
    printed = "".join(f"\n    {line}" for line in last_lines) or " (nothing)"
    kept = f"The partly executed notebook: {failed}; " if failed.is_file() else ""
    return (
        f"{notebook.name}: its kernel died{where} (killed from outside: out of memory is the "
        f"usual cause; `dmesg` or the kernel's log may say). Its last lines:{printed}\n"
        f"{kept}the kernel's log: {log_path}. Running the same command again resumes at "
        f"the cached folds and models: finished training is not lost."
    )
