"""A pre-registration the report can check, and each verdict's standing.

The pre-registration (``preregistration.yaml`` at the repository root, committed) fixes,
before the runs it judges exist: each claim's rule version with its judge's source
fingerprint, primary analysis and named sensitivity analyses, the margins, the
profile, the precision, the number of seeds with the calculation behind it, and the
seeds, derived from the commit that added the file. A verdict is confirmatory when:

- that commit exists and the file today equals what it added (later entries go under
  ``deviations``, dated, and make the claims they touch exploratory);
- the judge's code today has the fingerprint the file fixed (and the ledger's current
  version is the one it names);
- every result the verdict reads was produced by a clean checkout at or after that
  commit, started after it, on the pre-registered profile and seeds.

Otherwise it is exploratory, and the report says which condition failed.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import yaml

from helpers.provenance import CODE_PATHS
from helpers.summary.judge_source import judge_fingerprint
from helpers.summary.ledger import (
    CONFIRMATORY,
    EXPLORATORY,
    PREREGISTERED,
    WITHDRAWN,
    current_version,
)

__all__ = [
    "PREREGISTRATION_FILE",
    "Preregistration",
    "load_preregistration",
    "derive_seeds",
    "Standing",
    "standing",
    "verdict_runs",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PREREGISTRATION_FILE = "preregistration.yaml"
_CLAIM_KEYS = ("rule_version", "judge", "source_hash", "primary", "sensitivity", "reason")
_TOP_KEYS = ("stated", "profile", "precision", "seeds", "claims")
_FINGERPRINT_FIX = (
    "Give helpers.summary.judge_source.judge_fingerprint(judge) at the commit (16 hex digits)"
)


@dataclass(frozen=True)
class Preregistration:
    """The parsed file with the commit that added it (``commit``/``committed_at`` None
    when it is not committed), the seeds derived from that commit, and the earlier
    registrations it replaces (``withdrawn``: ``(file, commit, what)`` each)."""

    data: dict
    path: Path
    commit: str | None = None
    committed_at: datetime | None = None
    unchanged: bool = False
    seeds: tuple = field(default=())
    withdrawn: tuple = field(default=())

    @property
    def deviations(self):
        return self.data.get("deviations") or []

    @property
    def superseded_by(self):
        """The file that replaces this registration, when a deviation withdrew it."""
        for d in self.deviations:
            if isinstance(d, dict) and d.get("superseded_by"):
                return str(d["superseded_by"])
        return None


def _fail(path, problem, fix):
    raise ValueError(f"{path}: {problem}. {fix}")


def check_preregistration(data, path=PREREGISTRATION_FILE):
    """Validate the file's fields; raises ValueError naming the field and the fix."""
    if not isinstance(data, dict):
        _fail(path, "not a YAML mapping", "Start from docs/preregistration.md's template")
    for key in _TOP_KEYS:
        if key not in data:
            _fail(path, f"no '{key}'", "Every pre-registration states it (docs/preregistration.md)")
    seeds = data["seeds"]
    if not isinstance(seeds, dict) or not isinstance(seeds.get("count"), int):
        _fail(path, "'seeds' needs an integer 'count'", "Give the number of seeds and 'why'")
    if seeds["count"] < 1 or not seeds.get("why"):
        _fail(path, "'seeds' needs count >= 1 and 'why'", "State the power calculation")
    if int(seeds.get("spacing", 1000)) < 1:
        _fail(path, "'seeds.spacing' must be positive", "Use at least the number of folds")
    claims = data["claims"]
    if not isinstance(claims, dict) or not claims:
        _fail(path, "'claims' is empty", "Pre-register at least one claim")
    for number, claim in claims.items():
        missing = [k for k in _CLAIM_KEYS if k not in (claim or {})]
        if missing:
            _fail(path, f"claim {number} lacks {', '.join(missing)}", "Fill in each field")
        if not isinstance(claim["judge"], list) or not claim["judge"]:
            _fail(path, f"claim {number}'s 'judge' is not a list", "List its entry points")
    for number, claim in claims.items():
        if not re.fullmatch(r"[0-9a-f]{16}", str(claim["source_hash"])):
            _fail(path, f"claim {number}'s source_hash is not a fingerprint", _FINGERPRINT_FIX)
    deviations = data.get("deviations") or []
    if not isinstance(deviations, list):
        _fail(path, "'deviations' is not a list", "Each deviation is a dated entry")
    for d in deviations:
        if not isinstance(d, dict) or not {"date", "what"} <= set(d):
            _fail(path, f"deviation {d!r} lacks a date or what", "Date it and say what changed")
        claims_touched = d.get("claims", "all")
        if claims_touched != "all" and not all(str(c).isdigit() for c in claims_touched):
            _fail(path, f"deviation {d!r}: claims must be numbers or 'all'", "List them")
        successor = d.get("superseded_by")
        if successor is not None and (claims_touched != "all" or "/" in str(successor)):
            _fail(
                path,
                f"deviation {d!r} withdraws the file: it touches all claims and names a file "
                "beside it",
                "Give claims: all and superseded_by: <file name in the same folder>",
            )
    return data


def derive_seeds(commit, count, spacing=1000):
    """``count`` seeds from the pre-registration commit's hash, ``spacing`` apart (fold
    i trains from seed + i: seeds closer than the folds would share initial weights).
    Fixed by the commit, so nobody chose them after seeing a result."""
    base = int(hashlib.sha256(commit.encode()).hexdigest()[:8], 16) % 1_000_000
    return tuple(base + i * spacing for i in range(count))


def _git_run(root, *args):
    """``git -C root args``' completed process, or None when git could not run."""
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None


def _git(root, *args):
    """The command's output, or None when it failed."""
    done = _git_run(root, *args)
    return done.stdout if done is not None and done.returncode == 0 else None


def _without_deviations(text):
    data = yaml.safe_load(text) or {}
    data.pop("deviations", None) if isinstance(data, dict) else None
    return data


def _deviations_appended(root, name, data):
    """Whether every committed version of the file, and the file now, only appended
    deviations to the one before (a deviation removed or edited later is a change)."""
    before = []
    versions = (_git(root, "log", "--reverse", "--format=%H", "--", name) or "").split()
    texts = [_git(root, "show", f"{c}:{name}") or "" for c in versions]
    for found in [(yaml.safe_load(t) or {}).get("deviations") or [] for t in texts] + [
        data.get("deviations") or []
    ]:
        if found[: len(before)] != before:
            return False
        before = found
    return True


def load_preregistration(root=PROJECT_ROOT, name=PREREGISTRATION_FILE):
    """The pre-registration of the checkout ``root`` in force, or None when it has none:
    ``name``, or, when a dated deviation withdrew it (``superseded_by``), the file that
    replaced it, with the withdrawn ones in ``withdrawn`` (the report names them)."""
    found = _load_one(root, name)
    withdrawn, seen = [], {name}
    while found is not None and found.superseded_by:
        successor = found.superseded_by
        if successor in seen:
            raise ValueError(f"{found.path}: superseded_by {successor!r} returns to itself")
        seen.add(successor)
        what = next(d["what"] for d in found.deviations if d.get("superseded_by"))
        withdrawn.append((found.path.name, found.commit, what))
        found = _load_one(root, successor)
        if found is None:
            raise ValueError(
                f"{name}: withdrawn in favour of {successor}, which is not in {root}. "
                "Add the replacing pre-registration in the same commit as the withdrawal"
            )
    return None if found is None else replace(found, withdrawn=tuple(withdrawn))


def _load_one(root, name):
    path = Path(root) / name
    if not path.exists():
        return None
    text = path.read_text()
    data = check_preregistration(yaml.safe_load(text), path)
    added = _git(root, "log", "--diff-filter=A", "--format=%H %cI", "--", name)
    if not added or not added.strip():
        return Preregistration(data, path)
    commit, when = added.strip().splitlines()[-1].split()
    original = _git(root, "show", f"{commit}:{name}")
    unchanged = (
        original is not None
        and _without_deviations(original) == _without_deviations(text)
        and _deviations_appended(root, name, data)
    )
    seeds = data["seeds"]
    return Preregistration(
        data,
        path,
        commit,
        datetime.fromisoformat(when),
        unchanged,
        derive_seeds(commit, seeds["count"], int(seeds.get("spacing", 1000))),
    )


# The results each verdict reads (chapter 03's paired test reads chapter 02's folds).
_VERDICT_RESULTS = {
    1: ("reconstruction",),
    2: ("cnn", "projection_mlp"),
    3: ("cnn", "projection_mlp", "svd_compression"),
}


# Results every seed contributes (verdicts 2 and 3 pool the seeds' classifier chapters);
# every other result a verdict reads comes from the report's own run, the first seed.
POOLED_RESULTS = {2: ("cnn", "projection_mlp"), 3: ("cnn", "projection_mlp")}


def verdict_runs(claim, results, seed_results=()):
    """name -> ``_run`` of every result verdict ``claim`` reads: this run's and, for
    verdicts 2 and 3, each seed run's classifier chapters (:data:`POOLED_RESULTS`; a seed
    run's other results are this run's, read once)."""
    found = [("this run", results, _VERDICT_RESULTS[claim])]
    found += [
        (f"seed run {i}", r, POOLED_RESULTS.get(claim, ()))
        for i, r in enumerate(seed_results, start=1)
    ]
    return {
        f"{name} ({label})": (sets[name] or {}).get("_run") or {}
        for label, sets, names in found
        for name in names
        if name in sets
    }


@dataclass(frozen=True)
class Standing:
    """A verdict's standing: ``label`` as the report prints it, ``confirmatory``, and
    ``reasons`` (why it is exploratory; empty when confirmatory)."""

    label: str
    confirmatory: bool
    reasons: tuple


def _code_changed(root, commit, against):
    """Whether the code at ``against`` (a commit, or None: the working tree, untracked
    files included) differs from ``commit``'s in :data:`CODE_PATHS` (None when git
    cannot tell)."""
    args = ["diff", "--quiet", commit] + ([against] if against else []) + ["--", *CODE_PATHS]
    done = _git_run(root, *args)
    changed = None if done is None else {0: False, 1: True}.get(done.returncode)
    if changed is False and against is None:
        # git diff does not see a new file the tracked code may import.
        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", *CODE_PATHS)
        changed = None if untracked is None else bool(untracked.strip())
    return changed


def _machine_problems(run, prereg, name):
    """The pre-registered precision, backend and device against what the run recorded
    (backend and device only for a chapter that used Keras: chapter 01 records neither)."""
    machine = run.get("machine") or {}
    wanted = {"precision": (prereg.data.get("precision"), machine.get("training_precision"))}
    if run.get("keras_backend") is not None or run.get("devices"):
        wanted["backend"] = (prereg.data.get("backend"), run.get("keras_backend"))
        wanted["device"] = (prereg.data.get("device"), ",".join(run.get("devices") or []) or None)
    return [
        f"{name}: {what} {found!r}, pre-registered {want!r}"
        for what, (want, found) in wanted.items()
        if want is not None and not str(found or "").startswith(str(want))
    ]


def _run_problems(run, prereg, root, name):
    git = (run or {}).get("git") or {}
    commit, started = git.get("commit"), (run or {}).get("started_at")
    if not commit:
        return [f"{name}: no commit recorded"]
    problems = []
    if git.get("dirty"):
        problems.append(f"{name}: produced by a modified checkout")
    if _git(root, "merge-base", "--is-ancestor", prereg.commit, commit) is None:
        problems.append(f"{name}: code {commit[:10]} does not descend from the pre-registration")
    elif _code_changed(root, prereg.commit, commit) is not False:
        problems.append(f"{name}: code {commit[:10]} differs from the pre-registration's")
    if not started or datetime.fromisoformat(started) <= prereg.committed_at:
        problems.append(f"{name}: started {started}, not after the pre-registration")
    params = run.get("parameters") or {}
    if params.get("profile") != prereg.data["profile"]:
        problems.append(
            f"{name}: profile {params.get('profile')!r}, pre-registered {prereg.data['profile']!r}"
        )
    return problems + _machine_problems(run, prereg, name)


def _touches(deviation, claim):
    """Whether a deviation entry touches ``claim`` (no ``claims``, or "all": every one)."""
    claims = deviation.get("claims", "all") if isinstance(deviation, dict) else "all"
    if claims == "all":
        return True
    return claim in {int(c) for c in claims}


def _claim_entry(prereg, claim):
    claims = prereg.data["claims"]
    return claims.get(claim) or claims.get(str(claim))


def _rule_problems(claim, entry, prereg):
    """The claim's own deviations, pre-registered standing, judge and rule version."""
    reasons = []
    if any(_touches(d, claim) for d in prereg.deviations):
        reasons.append("a disclosed deviation touches it")
    if entry.get("standing") == EXPLORATORY:
        reasons.append(f"pre-registered as {EXPLORATORY}: {entry.get('why_exploratory', '')}")
    if judge_fingerprint(entry["judge"]) != entry["source_hash"]:
        reasons.append("its judge's code changed after the pre-registration")
    if current_version(claim).label != str(entry["rule_version"]):
        reasons.append(
            f"rule v{current_version(claim).label} is not the pre-registered "
            f"v{entry['rule_version']}"
        )
    return reasons


# A claim whose verdict cites another's check (verdict 3's "close in accuracy" is verdict
# 2's Fashion-MNIST check) stands no better than the one it cites.
CITES = {3: 2}


def _seed_problems(claim, runs, prereg):
    """Each pooled result read once per pre-registered seed, every other result from
    the first seed only (verdict 1's reconstruction, verdict 3's SVD compression)."""
    by_result = {}
    for name, run in runs.items():
        result = name.split(" (")[0]
        by_result.setdefault(result, []).append(
            int((run or {}).get("parameters", {}).get("seed", -1))
        )
    reasons = []
    for result, seeds in sorted(by_result.items()):
        pooled = result in POOLED_RESULTS.get(claim, ())
        wanted = list(prereg.seeds) if pooled else [prereg.seeds[0]]
        if sorted(seeds) != sorted(wanted):
            reasons.append(
                f"{result}: seeds {sorted(seeds)} are not the pre-registered {sorted(wanted)}"
            )
    return reasons


def _cpu_problems(runs):
    """Seeds whose classifier chapters ran on different CPUs: verdict 3's training ratio
    divides chapter 02's time by chapter 03's, so both must come from one machine."""
    cpus = {}
    for name, run in runs.items():
        if name.split(" (")[0] in ("cnn", "projection_mlp"):
            seed = (run or {}).get("parameters", {}).get("seed")
            cpus.setdefault(seed, set()).add(((run or {}).get("machine") or {}).get("cpu"))
    return [
        f"seed {seed}: chapters 02 and 03 ran on different CPUs ({', '.join(map(str, sorted(c, key=str)))})"
        for seed, c in cpus.items()
        if len(c) > 1
    ]


def _claim_problems(claim, entry, runs, prereg, root):
    reasons = []
    if not prereg.unchanged:
        reasons.append(f"{PREREGISTRATION_FILE} changed after {prereg.commit[:10]}")
    reasons += _rule_problems(claim, entry, prereg)
    if (cited := CITES.get(claim)) is not None:
        cited_entry = _claim_entry(prereg, cited)
        if cited_entry is None:
            reasons.append(f"it cites verdict {cited}, which is not pre-registered")
        else:
            reasons += [
                f"it cites verdict {cited}: {r}" for r in _rule_problems(cited, cited_entry, prereg)
            ]
    if _code_changed(root, prereg.commit, None) is not False:
        reasons.append("the code judging it differs from the pre-registration's")
    if not runs:
        reasons.append("no result of it was recorded")
    reasons += _seed_problems(claim, runs, prereg)
    if claim == 3:
        reasons += _cpu_problems(runs)
    for name, run in runs.items():
        reasons += _run_problems(run, prereg, root, name)
    return reasons


def standing(claim, runs, prereg, root=PROJECT_ROOT):
    """The standing of claim ``claim``'s verdict judged on results with the ``_run``
    blocks ``runs`` (name -> run; seed runs included) under ``prereg``
    (:func:`load_preregistration`)."""
    entry = None if prereg is None else _claim_entry(prereg, claim)
    if prereg is None:
        reasons = ["no pre-registration"]
    elif prereg.commit is None:
        reasons = [f"{PREREGISTRATION_FILE} is not committed"]
    elif entry is None:
        reasons = [f"claim {claim} is not pre-registered"]
    else:
        reasons = _claim_problems(claim, entry, runs, prereg, root)
    if reasons:
        return Standing(EXPLORATORY, False, tuple(reasons))
    date = prereg.committed_at.date().isoformat()
    replaced = "".join(
        f"; replaces {(commit or file)[:10]}, {WITHDRAWN}" for file, commit, _ in prereg.withdrawn
    )
    return Standing(
        f"{CONFIRMATORY} ({PREREGISTERED} at {prereg.commit[:10]}, {date}{replaced})", True, ()
    )
