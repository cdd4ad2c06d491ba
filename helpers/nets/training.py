"""Seeded training of one model under the protocol, and the final models.

:func:`fit` trains and times each epoch; :func:`train_final` trains on the whole
training subset and scores the test split once, keeping the model in a file named by a
hash of everything that determines it (:func:`run_key`): a changed parameter gets a new
key, so a stale model is never reused. Cross-validation is in
:mod:`helpers.nets.cross_validation`, the protocol in :mod:`helpers.nets.protocol`.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from helpers.data import fingerprint
from helpers.files import atomic_path, atomic_write_json
from helpers.nets.protocol import final_validation_split
from helpers.nets.seeding import (
    EVALUATION_BATCH_SIZE,
    evaluation_data,
    set_seed,
    training_data,
)
from helpers.progress import log_progress, progress_text
from helpers.runtime import trained_here

__all__ = [
    "fit",
    "fit_with_protocol",
    "train_final",
    "run_key",
    "backend_id",
    "code_commit",
]


def run_key(**parts):
    """Short hash of the JSON of ``parts`` (names a cached result)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def backend_id():
    import keras

    from helpers.runtime import training_precision

    return f"keras-{keras.__version__}-{keras.config.backend()}-{training_precision()}"


def code_commit():
    from helpers.provenance import git_state

    return git_state().get("commit") or ""


EPOCH_LOG_SECONDS = 2.0


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
                # An upper bound: early stopping may end the fit before ``epochs``.
                left = np.mean(seconds) * (epochs - epoch - 1)
                done = progress_text(epoch + 1, epochs, left, bound=True)
                log(f"    epoch {done}: {metrics} ({seconds[-1]:.1f} s)")

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
        backend=backend_id(),
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
        "commit": code_commit(),
        "trained_on": trained_here(),
        **run,
    }
    atomic_write_json(info_path, info)
    log(
        f"  final model: test accuracy {accuracy:.4f}, best epoch {run['best_epoch']} of "
        f"{run['epochs_run']} ({sum(run['epoch_seconds']):.1f} s)"
    )
    return model, {**info, "cached": False}
