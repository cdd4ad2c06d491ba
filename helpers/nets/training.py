"""Seeded training, resumable stratified cross-validation, and final models.

Every finished fold is written to a cache file named by a hash of everything
that determines it (model, data, folds, epochs, batch size, seed, backend):
a killed run resumes at the first unfinished fold, and a changed parameter
gets a new key, so a stale fold is never reused.
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
from helpers.runtime import check_jax_determinism, quiet_tensorflow


def log_progress(message):
    """Progress goes to stderr: visible in the console and JupyterLab, kept out of the report."""
    print(message, file=sys.stderr, flush=True)


__all__ = [
    "log_progress",
    "set_seed",
    "fit",
    "cross_validate",
    "train_final",
    "run_key",
    "FoldResult",
    "check_training",
    "summarize_folds",
]


def set_seed(seed):
    """Seed Python, NumPy and the Keras backend; make TensorFlow ops deterministic.

    TensorFlow's multi-threaded CPU kernels may otherwise sum in varying order;
    the other backends are deterministic on CPU for these models. JAX on a GPU is
    deterministic with XLA_FLAGS=--xla_gpu_deterministic_ops=true, which must be set
    before JAX starts (scripts/setup-env.sh does): a warning says when it is missing.
    """
    import keras

    keras.utils.set_random_seed(check_seed(seed))
    if keras.config.backend() == "jax":
        check_jax_determinism()
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # TensorFlow resets its logger on import: quiet it again.
        quiet_tensorflow()


def check_training(n_samples, *, folds, epochs, batch_size, seed, n_available=None):
    """Validate training parameters before any work; return them as ints."""
    folds = check_int(folds, "folds", min_value=2)
    epochs = check_int(epochs, "epochs", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    seed = check_seed(seed)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_train", min_value=10 * folds)
        if n_available is not None and n_samples > n_available:
            raise ValueError(
                f"n_train={n_samples} is larger than the training split "
                f"({n_available} images); use at most {n_available}"
            )
    return folds, epochs, batch_size, seed


def run_key(**parts):
    """Short hash of the JSON of ``parts`` (names a cached result)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _backend_id():
    import keras

    return f"keras-{keras.__version__}-{keras.config.backend()}"


def fit(model, x, y, *, epochs, batch_size, validation_data=None, verbose=0, log=None):
    """``model.fit`` that also returns each epoch's wall time.

    With ``log``, one line per epoch (metrics and seconds) goes to it when
    there is more than one epoch: a long fold shows that it is moving.

    Returns
    -------
    dict
        ``history`` (per-epoch metrics) and ``epoch_seconds``.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)
            if log is not None and epochs > 1:
                metrics = ", ".join(
                    f"{k} {v:.4f}" for k, v in (logs or {}).items() if "accuracy" in k
                )
                log(f"    epoch {epoch + 1}/{epochs}: {metrics} ({seconds[-1]:.1f} s)")

    seconds = []
    history = model.fit(
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        validation_data=validation_data,
        verbose=verbose,
        callbacks=[EpochTimer()],
    )
    return {
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
        "epoch_seconds": seconds,
    }


@dataclass
class FoldResult:
    fold: int
    accuracy: float
    loss: float
    n_train: int
    n_val: int
    history: dict = field(default_factory=dict)
    epoch_seconds: list = field(default_factory=list)
    cached: bool = False


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
    folds=5,
    epochs=3,
    batch_size=64,
    seed=0,
    transform=None,
    cache_dir=None,
    log=log_progress,
):
    """Stratified k-fold cross-validation with a fresh, seeded model per fold.

    Parameters
    ----------
    build_model : callable(input_shape) -> compiled keras.Model
    x, y : ndarray
    model_id : str
        Names the model *and* any ``transform`` configuration in the cache key.
    folds, epochs, batch_size, seed : int
        Folds come from ``StratifiedKFold(shuffle=True, random_state=seed)``: the
        same ``y`` and seed give the same folds, so two models cross-validated
        with the same arguments are compared fold by fold.
    transform : callable(x_train, x_val, fold) -> (x_train, x_val), optional
        Fitted on the training fold only (e.g. a projection or PCA).
    cache_dir : path, optional
        Where finished folds are kept; ``None`` disables caching.
    log : callable
        Progress messages.

    Returns
    -------
    list of FoldResult
    """
    from sklearn.model_selection import StratifiedKFold

    folds, epochs, batch_size, seed = check_training(
        None, folds=folds, epochs=epochs, batch_size=batch_size, seed=seed
    )
    key = run_key(
        model=model_id,
        data=fingerprint(x, y),
        folds=folds,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        backend=_backend_id(),
    )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    results = []
    for i, (train_idx, val_idx) in enumerate(splitter.split(np.zeros(len(y)), y)):
        path = (
            Path(cache_dir) / f"{model_id.replace('/', '_')}-{key}-fold{i}.json"
            if cache_dir
            else None
        )
        cached = _load_cached_fold(path, log) if path is not None else None
        if cached is not None:
            results.append(cached)
            log(f"  fold {i + 1}/{folds}: cached, accuracy {cached.accuracy:.4f}")
            continue
        x_train, x_val = x[train_idx], x[val_idx]
        if transform is not None:
            x_train, x_val = transform(x_train, x_val, i)
        set_seed(seed + i)
        model = build_model(x_train.shape[1:])
        # Validation each epoch gives the learning curves; the last epoch's is the score.
        run = fit(
            model,
            x_train,
            y[train_idx],
            epochs=epochs,
            batch_size=batch_size,
            validation_data=(x_val, y[val_idx]),
            log=log,
        )
        loss, accuracy = run["history"]["val_loss"][-1], run["history"]["val_accuracy"][-1]
        result = FoldResult(
            fold=i,
            accuracy=float(accuracy),
            loss=float(loss),
            n_train=len(train_idx),
            n_val=len(val_idx),
            **run,
        )
        if path is not None:
            payload = asdict(result)
            payload.pop("cached")
            atomic_write_json(path, payload)
        results.append(result)
        log(f"  fold {i + 1}/{folds}: accuracy {accuracy:.4f} ({sum(run['epoch_seconds']):.1f} s)")
    return results


def train_final(
    build_model,
    x,
    y,
    x_test,
    y_test,
    *,
    model_id,
    epochs,
    batch_size,
    seed,
    model_dir,
    transform=None,
    log=log_progress,
):
    """Train on the whole training subset, score the test split, save the model.

    A model already saved under the same key is loaded instead of retrained.

    Returns
    -------
    model : keras.Model
    info : dict
        ``test_accuracy``, ``test_loss``, ``predictions`` (test labels
        predicted), ``epoch_seconds``, ``history``, ``model_path``, ``cached``.
    """
    import keras

    key = run_key(
        model=model_id,
        data=fingerprint(x, y),
        test=fingerprint(x_test, y_test),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        backend=_backend_id(),
    )
    model_dir = Path(model_dir)
    stem = f"{model_id.replace('/', '_')}-{key}"
    model_path, info_path = model_dir / f"{stem}.keras", model_dir / f"{stem}.json"
    if transform is not None:
        x, x_test = transform(x, x_test, "final")
    if model_path.is_file() and info_path.is_file():
        try:
            info = json.loads(info_path.read_text())
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
    model = build_model(x.shape[1:])
    run = fit(model, x, y, epochs=epochs, batch_size=batch_size, log=log)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    predictions = np.argmax(model.predict(x_test, batch_size=512, verbose=0), axis=1)
    with atomic_path(model_path, suffix=".keras") as tmp:
        model.save(tmp)
    info = {
        "test_accuracy": float(accuracy),
        "test_loss": float(loss),
        "predictions": predictions.tolist(),
        "model_path": str(model_path),
        **run,
    }
    atomic_write_json(info_path, info)
    log(f"  final model: test accuracy {accuracy:.4f} ({sum(run['epoch_seconds']):.1f} s)")
    return model, {**info, "cached": False}


def summarize_folds(results):
    """Fold accuracies with their mean and sample standard deviation (ddof = 1)."""
    accuracy = np.array([r.accuracy for r in results])
    return {
        "fold_accuracy": accuracy.tolist(),
        "fold_loss": [r.loss for r in results],
        "mean": float(accuracy.mean()),
        "std": float(accuracy.std(ddof=1)) if len(accuracy) > 1 else 0.0,
    }
