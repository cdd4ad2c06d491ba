"""Resumable stratified cross-validation: a fresh, seeded model per fold.

Every finished fold is written to a cache file named by a hash of everything
that determines it (model, data, folds, epochs, batch size, seed, backend):
a killed run resumes at the first unfinished fold, and a changed parameter
gets a new key, so a stale fold is never reused. Folds run in this process or on a
Dask cluster (:mod:`helpers.executor`), alone or stacked side by side
(:mod:`helpers.nets.stacked`); each fold line says how many are done and about how
long the rest should take (:mod:`helpers.progress`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from helpers.data import fingerprint
from helpers.files import atomic_write_json
from helpers.nets.protocol import check_training, validation_split
from helpers.nets.seeding import EVALUATION_BATCH_SIZE, set_seed
from helpers.nets.training import backend_id, code_commit, fit_with_protocol, run_key
from helpers.progress import Progress, log_progress

__all__ = [
    "FoldResult",
    "cross_validate",
    "cross_validate_many",
    "fit_fold",
    "fit_folds_stacked",
    "summarize_folds",
    "STACKED_TRAINING_VERSION",
]


# Part of a stacked CV's cache key: bump it when helpers.nets.stacked trains differently,
# so folds cached by the old code are retrained, never served (2: losses from logits,
# per-member batch means; 3: dropout generators seeded from the CV's seed, so a re-used
# stack trains as a fresh one).
STACKED_TRAINING_VERSION = 3


@dataclass
class FoldResult:
    fold: int
    accuracy: float
    loss: float
    n_train: int
    n_val: int
    history: dict = field(default_factory=dict)
    epoch_seconds: list = field(default_factory=list)
    epochs_run: int = 0
    best_epoch: int = 0
    cached: bool = False
    # The commit of the code that trained it, stamped when it is cached (provenance: a
    # result served from the cache may come from other code).
    commit: str = ""


def _load_cached_fold(path, log):
    """The fold cached at ``path``, or None when absent or unreadable (then removed)."""
    if not path.is_file():
        return None
    try:
        return FoldResult(**{**json.loads(path.read_text()), "cached": True})
    except (OSError, ValueError, TypeError) as exc:
        log(f"  cached fold {path} is unreadable ({type(exc).__name__}: {exc}); recomputing it")
        path.unlink(missing_ok=True)
        return None


def cross_validate(
    build_model,
    x,
    y,
    *,
    model_id,
    protocol,
    folds=5,
    seed=0,
    transform=None,
    cache_dir=None,
    log=log_progress,
    executor=None,
    stacked=False,
):
    """Stratified k-fold cross-validation with a fresh, seeded model per fold.

    Within each fold the model is trained under ``protocol`` on the training
    part (which holds out its own validation split for early stopping) and
    scored once on the held-out fold, which no choice has seen.

    Parameters
    ----------
    build_model : callable(input_shape) -> compiled keras.Model
    x, y : ndarray
    model_id : str
        Names the model *and* any ``transform`` configuration in the cache key.
    protocol : Protocol
    folds, seed : int
        Folds come from ``StratifiedKFold(shuffle=True, random_state=seed)``: the
        same ``y`` and seed give the same folds, so two models cross-validated
        with the same arguments are compared fold by fold.
    transform : callable(x_fit, x_other, fold) -> (x_fit, x_other), optional
        Fitted on the images the model is trained on only (e.g. a projection).
    cache_dir : path, optional
        Where finished folds are kept; ``None`` disables caching.
    log : callable
        Progress messages.
    executor : optional
        Where the folds run (:func:`helpers.executor.get_executor`): default
        this process, or a Dask cluster when ``$REPORT_SCHEDULER`` names one.
        Each fold seeds itself, so the results do not depend on where it ran;
        each is cached here as soon as it is back.
    stacked : bool
        Train all folds side by side as one model (:mod:`helpers.nets.stacked`; MLPs
        of Dense and Dropout layers only): one unit of work for the executor, each
        fold still from its own seeded initial weights, with its own early stopping.
        Its folds have their own cache keys; when any is missing, all are retrained
        together, so the result does not depend on what was cached.

    Returns
    -------
    list of FoldResult
    """
    from helpers.executor import get_executor

    job = dict(
        build_model=build_model,
        x=x,
        y=y,
        model_id=model_id,
        protocol=protocol,
        folds=folds,
        seed=seed,
        transform=transform,
        cache_dir=cache_dir,
    )
    if stacked:
        return cross_validate_many([job], executor=executor, log=log)[0]
    plan = _CVPlan(job, stacked=False, log=log)
    plan.log_cached()
    plan.progress = Progress(plan.folds, plan.name)
    plan.progress.skip(len(plan.results))
    results, pending, shared = plan.results, {}, None
    executor = get_executor(executor)
    for i, (train_idx, test_idx) in enumerate(plan.splits):
        if i in results:
            continue
        if shared is None:  # sent to remote workers once, not with every fold
            shared = executor.scatter((x, y), broadcast=True)
        future = executor.submit(
            fit_fold,
            build_model,
            shared,
            train_idx,
            test_idx,
            i,
            protocol,
            plan.seed,
            transform,
            log,
        )
        pending[future] = i
        if future.done():  # in-process: cache it now, before the next fold starts
            results[i] = plan.finish(i, future.result())
            pending.pop(future)
    for future in executor.as_completed(list(pending)):
        i = pending[future]
        results[i] = plan.finish(i, future.result())
    plan.progress.close()
    return [results[i] for i in range(plan.folds)]


def cross_validate_many(jobs, *, executor=None, log=log_progress):
    """Several cross-validations, each with its folds stacked (``stacked=True`` of
        :func:`cross_validate`), submitted together.

        Every CV with a fold missing from its cache is submitted before any is awaited, so
        an executor of N workers (:func:`helpers.executor.fold_executor`) trains N stacks at
        once; each CV is cached as soon as it is back, so an interrupted call keeps every
        finished CV. A stack's result depends on its seed and data, not on the stacks beside
    it (under mixed bfloat16 a worker's thread count can move a score by an image or two:
    the order of sums).

        Parameters
        ----------
        jobs : list of dict
            Each the keyword arguments of :func:`cross_validate` (``build_model``, ``x``,
            ``y``, ``model_id``, ``protocol``, and optionally ``folds``, ``seed``,
            ``transform``, ``cache_dir``). Jobs on the same arrays send them once.

        Returns
        -------
        list of list of FoldResult, in the order of ``jobs``
    """
    from helpers.executor import get_executor

    executor = get_executor(executor)
    plans = [_CVPlan(job, stacked=True, log=log) for job in jobs]
    shared, pending, first = {}, {}, {}
    # One step per CV to train: a stack's folds all finish at once.
    progress = Progress(len({p.stem for p in plans if len(p.results) < p.folds}), "CVs")
    for j, (job, plan) in enumerate(zip(jobs, plans)):
        if len(plan.results) == plan.folds:
            plan.log_cached()
            continue
        plan.results.clear()  # any fold missing: the whole stack retrains
        if plan.stem in first:  # the same CV listed twice: trained once
            continue
        first[plan.stem] = j
        arrays = (id(job["x"]), id(job["y"]))
        if arrays not in shared:
            shared[arrays] = executor.scatter((job["x"], job["y"]), broadcast=True)
        future = executor.submit(
            fit_folds_stacked,
            job["build_model"],
            shared[arrays],
            plan.splits,
            job["protocol"],
            plan.seed,
            job.get("transform"),
            log,
        )
        pending[future] = j
        if future.done():  # in-process: cache it now, before the next CV starts
            plan.finish_all(future.result(), progress)
            pending.pop(future)
    failures = []
    for future in executor.as_completed(list(pending)):
        try:
            plans[pending[future]].finish_all(future.result(), progress)
        except Exception as exc:  # the other CVs are still cached before it is raised
            failures.append(exc)
    progress.close()
    if failures:
        raise failures[0]
    for plan in plans:  # duplicates take the result of their first listing
        if not plan.results:
            plan.results = plans[first[plan.stem]].results
    return [[plan.results[i] for i in range(plan.folds)] for plan in plans]


class _CVPlan:
    """One CV's folds, cache key, cache paths and the folds already cached."""

    def __init__(self, job, *, stacked, log):
        from sklearn.model_selection import StratifiedKFold

        x, y = job["x"], job["y"]
        self.folds, self.seed = check_training(
            None, folds=job.get("folds", 5), seed=job.get("seed", 0)
        )
        self.log = log
        key = run_key(
            model=job["model_id"],
            data=fingerprint(x, y),
            folds=self.folds,
            protocol=asdict(job["protocol"]),
            seed=self.seed,
            backend=backend_id(),
            **({"stacked": STACKED_TRAINING_VERSION} if stacked else {}),
        )
        splitter = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=self.seed)
        self.splits = list(splitter.split(np.zeros(len(y)), y))
        cache_dir = job.get("cache_dir")
        self.name = f"{job['model_id']} (seed {self.seed})"
        self.stem = f"{job['model_id'].replace('/', '_')}-{key}"
        self.paths = [
            Path(cache_dir) / f"{self.stem}-fold{i}.json" if cache_dir else None
            for i in range(self.folds)
        ]
        self.results = {}
        self.progress = None  # folds done and time left, while cross_validate trains them
        for i, path in enumerate(self.paths):
            cached = _load_cached_fold(path, log) if path is not None else None
            if cached is not None:
                self.results[i] = cached

    def log_cached(self):
        for i in sorted(self.results):
            accuracy = self.results[i].accuracy
            self.log(f"  fold {i + 1}/{self.folds}: cached, accuracy {accuracy:.4f}")

    def finish(self, i, result):
        done = ""
        if self.progress is not None:
            self.progress.step()
            done = f"; done {self.progress.text()}"
        self.results[i] = _finish_fold(result, i, self.paths[i], self.folds, self.log, done)
        return self.results[i]

    def finish_all(self, results, progress):
        """Cache and log a stack's folds, under a line saying how many CVs are done."""
        progress.step()
        self.log(f"  {self.name}: CV {progress.text()}")
        for i, result in enumerate(results):
            self.finish(i, result)


def _finish_fold(result, i, path, folds, log, done=""):
    """Cache a finished fold's result (here, whichever worker computed it) and log it
    (``done``: how many folds are done and the time left, appended to the line)."""
    result.commit = result.commit or code_commit()
    if path is not None:
        payload = asdict(result)
        payload.pop("cached")
        atomic_write_json(path, payload)
    log(
        f"  fold {i + 1}/{folds}: accuracy {result.accuracy:.4f}, best epoch "
        f"{result.best_epoch} of {result.epochs_run} ({sum(result.epoch_seconds):.1f} s){done}"
    )
    return result


def fit_fold(build_model, data, train_idx, test_idx, fold, protocol, seed, transform, log):
    """One cross-validation fold: a unit of work that may run in another process.

    Everything it depends on is in its arguments (it seeds the backend itself
    with ``seed + fold``), so it gives the same result wherever it runs.
    """
    (x_fit, y_fit), validation, (x_test, y_test) = _fold_data(
        data, train_idx, test_idx, fold, protocol, seed, transform
    )
    set_seed(seed + fold)
    model = build_model(x_fit.shape[1:])
    run = fit_with_protocol(model, x_fit, y_fit, validation, protocol, log=log)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=EVALUATION_BATCH_SIZE, verbose=0)
    return FoldResult(
        fold=fold,
        accuracy=float(accuracy),
        loss=float(loss),
        n_train=len(y_fit),
        n_val=len(y_test),
        **run,
    )


def _fold_data(data, train_idx, test_idx, fold, protocol, seed, transform):
    """A fold's fit, validation and test inputs and labels (transform fitted on fit only)."""
    x, y = data
    fit_rel, val_rel = validation_split(y[train_idx], protocol.validation_fraction, seed + fold)
    fit_idx, val_idx = train_idx[fit_rel], train_idx[val_rel]
    x_fit, x_other = x[fit_idx], np.concatenate([x[val_idx], x[test_idx]])
    if transform is not None:
        x_fit, x_other = transform(x_fit, x_other, fold)
    x_val, x_test = x_other[: len(val_idx)], x_other[len(val_idx) :]
    return (x_fit, y[fit_idx]), (x_val, y[val_idx]), (x_test, y[test_idx])


def fit_folds_stacked(build_model, data, splits, protocol, seed, transform, log):
    """All folds of ``splits`` trained side by side (:mod:`helpers.nets.stacked`).

    Fold i's member starts from the weights ``build_model`` gives after
    ``set_seed(seed + i)``, as in :func:`fit_fold`; the stack's dropout and batch
    order are seeded with ``seed``, wherever and after whatever it runs. Returns one FoldResult per fold.
    """
    from helpers.nets.stacked import (
        fit_stacked,
        member_scores,
        predict_members,
        stack_members,
        stack_rows,
    )

    fits, validations, tests = zip(
        *(
            _fold_data(data, train_idx, test_idx, i, protocol, seed, transform)
            for i, (train_idx, test_idx) in enumerate(splits)
        )
    )
    members = []
    for i, (x_fit, _) in enumerate(fits):
        set_seed(seed + i)
        members.append(build_model(x_fit.shape[1:]))
    set_seed(seed)
    model = stack_members(members, seed=seed, steps_per_execution=members[0].steps_per_execution)
    runs = fit_stacked(
        model,
        [x for x, _ in fits],
        [y for _, y in fits],
        [x for x, _ in validations],
        [y for _, y in validations],
        protocol,
    )
    y_tests = [y for _, y in tests]
    x_test, _ = stack_rows([x for x, _ in tests], y_tests)
    scores = member_scores(predict_members(model, x_test), y_tests)
    return [
        FoldResult(
            fold=i,
            accuracy=accuracy,
            loss=loss,
            n_train=len(fits[i][1]),
            n_val=len(y_tests[i]),
            **runs[i],
        )
        for i, (loss, accuracy) in enumerate(scores)
    ]


def summarize_folds(results):
    """Fold accuracies with their mean and sample standard deviation (ddof = 1)."""
    accuracy = np.array([r.accuracy for r in results])
    return {
        "fold_accuracy": accuracy.tolist(),
        "fold_loss": [r.loss for r in results],
        "fold_epochs_run": [r.epochs_run for r in results],
        "fold_best_epoch": [r.best_epoch for r in results],
        # Which folds came from the cache, and the commit of the code that trained each.
        "fold_cached": [bool(r.cached) for r in results],
        "fold_commits": [r.commit for r in results],
        "mean": float(accuracy.mean()),
        "std": float(accuracy.std(ddof=1)) if len(accuracy) > 1 else 0.0,
    }
