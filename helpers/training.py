"""Seeded training, resumable stratified cross-validation, and final models.

Every finished fold is written to a cache file named by a hash of everything
that determines it (model, data, folds, epochs, batch size, seed, backend):
a killed run resumes at the first unfinished fold, and a changed parameter
gets a new key, so a stale fold is never reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .data import fingerprint
from .validation import check_int, check_seed

def log_progress(message):
    """Progress goes to stderr: visible in the console and JupyterLab, kept out of the report."""
    print(message, file=sys.stderr, flush=True)


__all__ = ["log_progress", "set_seed", "fit", "cross_validate", "train_final", "run_key", "FoldResult",
           "check_training", "images_per_second", "summarize_folds"]


def set_seed(seed):
    """Seed Python, NumPy and the Keras backend; make TensorFlow ops deterministic.

    TensorFlow's multi-threaded CPU kernels may otherwise sum in varying order;
    the other backends are deterministic on CPU for these models.
    """
    import logging

    import keras

    keras.utils.set_random_seed(check_seed(seed))
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # TensorFlow resets its logger on import; its retracing notices (many small
        # models in one process) are noise in a report.
        logging.getLogger("tensorflow").setLevel(logging.ERROR)


def check_training(n_samples, *, folds, epochs, batch_size, seed, n_available=None):
    """Validate training parameters before any work; return them as ints."""
    folds = check_int(folds, "folds", min_value=2)
    epochs = check_int(epochs, "epochs", min_value=1)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    seed = check_seed(seed)
    if n_samples is not None:
        n_samples = check_int(n_samples, "n_train", min_value=10 * folds)
        if n_available is not None and n_samples > n_available:
            raise ValueError(f"n_train={n_samples} is larger than the training split "
                             f"({n_available} images); use at most {n_available}")
    return folds, epochs, batch_size, seed


def run_key(**parts):
    """Short hash of the JSON of ``parts`` (names a cached result)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _backend_id():
    import keras

    return f"keras-{keras.__version__}-{keras.config.backend()}"


def _write_json(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(payload, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def images_per_second(n_images, epoch_seconds):
    """Training throughput from epoch times; the first epoch (tracing) is left out when
    there are others."""
    times = epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds
    return n_images / float(np.median(times)) if times else float("nan")


def fit(model, x, y, *, epochs, batch_size, validation_data=None, verbose=0):
    """``model.fit`` that also returns each epoch's wall time.

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

    seconds = []
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True,
                        validation_data=validation_data, verbose=verbose,
                        callbacks=[EpochTimer()])
    return {"history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
            "epoch_seconds": seconds}


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


def cross_validate(build_model, x, y, *, model_id, folds=5, epochs=3, batch_size=64, seed=0,
                   transform=None, cache_dir=None, log=log_progress):
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

    folds, epochs, batch_size, seed = check_training(None, folds=folds, epochs=epochs,
                                                     batch_size=batch_size, seed=seed)
    key = run_key(model=model_id, data=fingerprint(x, y), folds=folds, epochs=epochs,
                  batch_size=batch_size, seed=seed, backend=_backend_id())
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    results = []
    for i, (train_idx, val_idx) in enumerate(splitter.split(np.zeros(len(y)), y)):
        path = Path(cache_dir) / f"{model_id.replace('/', '_')}-{key}-fold{i}.json" if cache_dir else None
        if path is not None and path.is_file():
            results.append(FoldResult(**{**json.loads(path.read_text()), "cached": True}))
            log(f"  fold {i + 1}/{folds}: cached, accuracy {results[-1].accuracy:.4f}")
            continue
        x_train, x_val = x[train_idx], x[val_idx]
        if transform is not None:
            x_train, x_val = transform(x_train, x_val, i)
        set_seed(seed + i)
        model = build_model(x_train.shape[1:])
        # Validation each epoch gives the learning curves; the last epoch's is the score.
        run = fit(model, x_train, y[train_idx], epochs=epochs, batch_size=batch_size,
                  validation_data=(x_val, y[val_idx]))
        loss, accuracy = run["history"]["val_loss"][-1], run["history"]["val_accuracy"][-1]
        result = FoldResult(fold=i, accuracy=float(accuracy), loss=float(loss),
                            n_train=len(train_idx), n_val=len(val_idx), **run)
        if path is not None:
            payload = asdict(result)
            payload.pop("cached")
            _write_json(path, payload)
        results.append(result)
        log(f"  fold {i + 1}/{folds}: accuracy {accuracy:.4f} "
            f"({sum(run['epoch_seconds']):.1f} s)")
    return results


def train_final(build_model, x, y, x_test, y_test, *, model_id, epochs, batch_size, seed,
                model_dir, transform=None, log=log_progress):
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

    key = run_key(model=model_id, data=fingerprint(x, y), test=fingerprint(x_test, y_test),
                  epochs=epochs, batch_size=batch_size, seed=seed, backend=_backend_id())
    model_dir = Path(model_dir)
    stem = f"{model_id.replace('/', '_')}-{key}"
    model_path, info_path = model_dir / f"{stem}.keras", model_dir / f"{stem}.json"
    if transform is not None:
        x, x_test = transform(x, x_test, "final")
    if model_path.is_file() and info_path.is_file():
        log(f"  final model: cached ({model_path.name})")
        info = json.loads(info_path.read_text())
        return keras.saving.load_model(model_path), {**info, "cached": True}
    set_seed(seed)
    model = build_model(x.shape[1:])
    run = fit(model, x, y, epochs=epochs, batch_size=batch_size)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    predictions = np.argmax(model.predict(x_test, batch_size=512, verbose=0), axis=1)
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = model_dir / f".{stem}.tmp.keras"
    model.save(tmp)
    os.replace(tmp, model_path)
    info = {"test_accuracy": float(accuracy), "test_loss": float(loss),
            "predictions": predictions.tolist(), "model_path": str(model_path), **run}
    _write_json(info_path, info)
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
