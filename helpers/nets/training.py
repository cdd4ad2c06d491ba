"""Seeded training, resumable stratified cross-validation, and final models.

Every finished fold is written to a cache file named by a hash of everything
that determines it (model, data, folds, epochs, batch size, seed, backend):
a killed run resumes at the first unfinished fold, and a changed parameter
gets a new key, so a stale fold is never reused.

Length: longer than the project's ~450 lines because it is one concept, training
under the report's one protocol: a fit, a fold (alone or stacked), a cross-validation
and a final model share the protocol, the seeding and the cache keys, and keeping them
in one module is what keeps a change to one of them from missing the others.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from helpers.checks import check_int, check_seed
from helpers.data import fingerprint
from helpers.files import atomic_path, atomic_write_json
from helpers.nets.seeding import (
    EVALUATION_BATCH_SIZE,
    evaluation_data,
    set_seed,
    training_data,
)
from helpers.runtime import trained_here


def log_progress(message):
    """Progress goes to stderr: visible in the console and JupyterLab, kept out of the report."""
    print(message, file=sys.stderr, flush=True)


__all__ = [
    "Protocol",
    "fit_with_protocol",
    "validation_split",
    "final_validation_split",
    "log_progress",
    "set_seed",
    "fit",
    "cross_validate",
    "fit_fold",
    "fit_folds_stacked",
    "train_final",
    "run_key",
    "FoldResult",
    "check_training",
    "summarize_folds",
    "stopped_by_budget",
    "epoch_budget_note",
]


@dataclass(frozen=True)
class Protocol:
    """One training protocol for every classifier of the report.

    Each fit holds out a stratified ``validation_fraction`` of its training
    images, trains for at most ``max_epochs`` epochs, stops when the
    validation loss has not improved for ``patience`` epochs, and keeps the
    weights of the best epoch. Test images are never seen during training.
    """

    max_epochs: int
    patience: int
    validation_fraction: float = 0.1
    batch_size: int = 64

    def __post_init__(self):
        check_int(self.max_epochs, "max_epochs", min_value=1)
        check_int(self.patience, "patience", min_value=1)
        check_int(self.batch_size, "batch_size", min_value=1)
        if not 0.0 < float(self.validation_fraction) < 0.5:
            raise ValueError(
                f"validation_fraction must be in (0, 0.5), got {self.validation_fraction}"
            )

    def describe(self):
        """One sentence stating the protocol, for the report."""
        return (
            f"at most {self.max_epochs} epochs, early stopping on the validation loss with "
            f"patience {self.patience} (best epoch's weights kept), on a stratified "
            f"{self.validation_fraction:.0%} of the training images held out for validation, "
            f"batch size {self.batch_size}"
        )


def check_training(n_samples, *, folds, seed, n_available=None):
    """Validate cross-validation parameters before any work; return them as ints."""
    folds = check_int(folds, "folds", min_value=2)
    seed = check_seed(seed)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_train", min_value=10 * folds)
        if n_available is not None and n_samples > n_available:
            raise ValueError(
                f"n_train={n_samples} is larger than the training split "
                f"({n_available} images); use at most {n_available}"
            )
    return folds, seed


def validation_split(y, fraction, seed):
    """Stratified ``(fit_indices, validation_indices)`` of ``y`` (seeded)."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(y))
    fit_idx, val_idx = train_test_split(indices, test_size=fraction, stratify=y, random_state=seed)
    return np.sort(fit_idx), np.sort(val_idx)


def run_key(**parts):
    """Short hash of the JSON of ``parts`` (names a cached result)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _backend_id():
    import keras

    from helpers.runtime import training_precision

    return f"keras-{keras.__version__}-{keras.config.backend()}-{training_precision()}"


EPOCH_LOG_SECONDS = 2.0
# Part of a stacked CV's cache key: bump it when helpers.nets.stacked trains differently,
# so folds cached by the old code are retrained, never served (2: losses from logits,
# per-member batch means; 3: dropout generators seeded from the CV's seed, so a re-used
# stack trains as a fresh one).
STACKED_TRAINING_VERSION = 3


def fit(model, x, y, *, epochs, batch_size, validation_data=None, patience=None, log=None):
    """``model.fit`` that also returns each epoch's wall time and the epochs used.

    With ``patience`` (and ``validation_data``), training stops when the
    validation loss has not improved for ``patience`` epochs and the best
    epoch's weights are restored. With ``log``, one line per epoch (metrics and
    seconds) goes to it when there is more than one epoch.

    Returns
    -------
    dict
        ``history`` (per-epoch metrics), ``epoch_seconds``, ``epochs_run`` and
        ``best_epoch`` (1-based; the last epoch without early stopping).
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)
            # Only epochs long enough to wonder about: tiny fits stay quiet.
            if log is not None and epochs > 1 and seconds[-1] >= EPOCH_LOG_SECONDS:
                metrics = ", ".join(
                    f"{k} {v:.4f}" for k, v in (logs or {}).items() if "loss" in k or "acc" in k
                )
                log(f"    epoch {epoch + 1}/{epochs}: {metrics} ({seconds[-1]:.1f} s)")

    seconds = []
    callbacks = [EpochTimer()]
    if patience is not None and validation_data is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=patience, restore_best_weights=True
            )
        )
    inputs, options = training_data(x, y, batch_size)
    if validation_data is not None:
        validation_data, validation_options = evaluation_data(*validation_data)
        options.update(validation_options)
    history = model.fit(
        *inputs,
        **options,
        epochs=epochs,
        validation_data=validation_data,
        verbose=0,
        callbacks=callbacks,
    )
    history = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    losses = history.get("val_loss")
    best = int(np.argmin(losses)) + 1 if losses and patience is not None else len(seconds)
    return {
        "history": history,
        "epoch_seconds": seconds,
        "epochs_run": len(seconds),
        "best_epoch": best,
    }


def fit_with_protocol(model, x_fit, y_fit, validation_data, protocol, *, log=None):
    """Train ``model`` under ``protocol``: early stopping on ``validation_data``."""
    return fit(
        model,
        x_fit,
        y_fit,
        epochs=protocol.max_epochs,
        batch_size=protocol.batch_size,
        validation_data=validation_data,
        patience=protocol.patience,
        log=log,
    )


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


def _code_commit():
    from helpers.provenance import git_state

    return git_state().get("commit") or ""


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
            plan.finish_all(future.result())
            pending.pop(future)
    failures = []
    for future in executor.as_completed(list(pending)):
        try:
            plans[pending[future]].finish_all(future.result())
        except Exception as exc:  # the other CVs are still cached before it is raised
            failures.append(exc)
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
            backend=_backend_id(),
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
        for i, path in enumerate(self.paths):
            cached = _load_cached_fold(path, log) if path is not None else None
            if cached is not None:
                self.results[i] = cached

    def log_cached(self):
        for i in sorted(self.results):
            accuracy = self.results[i].accuracy
            self.log(f"  fold {i + 1}/{self.folds}: cached, accuracy {accuracy:.4f}")

    def finish(self, i, result):
        self.results[i] = _finish_fold(result, i, self.paths[i], self.folds, self.log)
        return self.results[i]

    def finish_all(self, results):
        self.log(f"  {self.name}:")
        for i, result in enumerate(results):
            self.finish(i, result)


def _finish_fold(result, i, path, folds, log):
    """Cache a finished fold's result (here, whichever worker computed it) and log it."""
    result.commit = result.commit or _code_commit()
    if path is not None:
        payload = asdict(result)
        payload.pop("cached")
        atomic_write_json(path, payload)
    log(
        f"  fold {i + 1}/{folds}: accuracy {result.accuracy:.4f}, best epoch "
        f"{result.best_epoch} of {result.epochs_run} ({sum(result.epoch_seconds):.1f} s)"
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


def train_final(
    build_model,
    x,
    y,
    x_test,
    y_test,
    *,
    model_id,
    protocol,
    seed,
    model_dir,
    transform=None,
    log=log_progress,
):
    """Train on the whole training subset under ``protocol``, score the test split once.

    The protocol's validation split is carved from the training subset (the
    same one for every model with this seed, so compressed models can be
    chosen on it later: :func:`final_validation_split`). A model already saved
    under the same key is loaded instead of retrained.

    Returns
    -------
    model : keras.Model
    info : dict
        ``test_accuracy``, ``test_loss``, ``predictions`` (test labels
        predicted), ``epoch_seconds``, ``epochs_run``, ``best_epoch``,
        ``history``, ``model_path``, ``cached``.
    """
    import keras

    key = run_key(
        model=model_id,
        data=fingerprint(x, y),
        test=fingerprint(x_test, y_test),
        protocol=asdict(protocol),
        seed=seed,
        backend=_backend_id(),
    )
    model_dir = Path(model_dir)
    stem = f"{model_id.replace('/', '_')}-{key}"
    model_path, info_path = model_dir / f"{stem}.keras", model_dir / f"{stem}.json"
    fit_idx, val_idx = final_validation_split(y, protocol, seed)
    x_fit, x_other = x[fit_idx], np.concatenate([x[val_idx], x_test])
    if transform is not None:
        x_fit, x_other = transform(x_fit, x_other, "final")
    x_val, x_test = x_other[: len(val_idx)], x_other[len(val_idx) :]
    if model_path.is_file() and info_path.is_file():
        try:
            info = json.loads(info_path.read_text())
            import helpers.nets.optimizers  # noqa: F401  (registers FusedAdam for loading)

            model = keras.saving.load_model(model_path)
        except Exception as exc:  # a corrupt entry is rebuilt, never served
            log(
                f"  final model: cached copy {model_path} is unreadable "
                f"({type(exc).__name__}: {exc}); retraining it"
            )
            model_path.unlink(missing_ok=True)
            info_path.unlink(missing_ok=True)
        else:
            log(f"  final model: cached ({model_path.name})")
            return model, {**info, "cached": True}
    set_seed(seed)
    model = build_model(x_fit.shape[1:])
    run = fit_with_protocol(model, x_fit, y[fit_idx], (x_val, y[val_idx]), protocol, log=log)
    _, val_accuracy = model.evaluate(x_val, y[val_idx], batch_size=EVALUATION_BATCH_SIZE, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=EVALUATION_BATCH_SIZE, verbose=0)
    predictions = np.argmax(
        model.predict(x_test, batch_size=EVALUATION_BATCH_SIZE, verbose=0), axis=1
    )
    with atomic_path(model_path, suffix=".keras") as tmp:
        model.save(tmp)
    info = {
        "test_accuracy": float(accuracy),
        "test_loss": float(loss),
        "validation_accuracy": float(val_accuracy),
        "n_fit": int(len(fit_idx)),
        "predictions": predictions.tolist(),
        "model_path": str(model_path),
        "commit": _code_commit(),
        "trained_on": trained_here(),
        **run,
    }
    atomic_write_json(info_path, info)
    log(
        f"  final model: test accuracy {accuracy:.4f}, best epoch {run['best_epoch']} of "
        f"{run['epochs_run']} ({sum(run['epoch_seconds']):.1f} s)"
    )
    return model, {**info, "cached": False}


def final_validation_split(y, protocol, seed):
    """The validation split a final model was trained with (seeded, stratified)."""
    return validation_split(y, protocol.validation_fraction, seed)


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


def stopped_by_budget(best_epoch, epochs_run, protocol):
    """Whether a fit ended at ``max_epochs`` before early stopping could end it.

    Early stopping ends a fit ``patience`` epochs after its best epoch; a fit
    that ran ``max_epochs`` epochs with its best epoch later than
    ``max_epochs - patience`` was still improving when the budget ended it.
    """
    return (
        epochs_run >= protocol.max_epochs and best_epoch > protocol.max_epochs - protocol.patience
    )


def epoch_budget_note(fits, protocol):
    """One sentence on whether the epoch budget ended any of ``fits``.

    ``fits`` maps a model family (e.g. ``"CNN, cifar10"``) to a list of
    ``(best_epoch, epochs_run)`` pairs.
    """
    bound = {
        family: sum(stopped_by_budget(b, r, protocol) for b, r in pairs)
        for family, pairs in fits.items()
    }
    total = sum(len(p) for p in fits.values())
    if not any(bound.values()):
        return (
            f"Every one of the {total} fits was ended by early stopping (patience "
            f"{protocol.patience}) before the {protocol.max_epochs}-epoch limit."
        )
    parts = [f"{family}: {n} of {len(fits[family])}" for family, n in bound.items() if n]
    return (
        f"The {protocol.max_epochs}-epoch limit ended some fits before early stopping could "
        f"(their best epoch was within the last {protocol.patience}: {'; '.join(parts)}): "
        f"those models may be under-trained, and a larger max_epochs could change their numbers."
    )
