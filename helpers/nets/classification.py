"""One call per dataset for the classification notebooks: cross-validate, train a
final model, score the test split and measure its cost."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from pathlib import Path

import numpy as np

from helpers.nets.cost import measure_latency, model_cost
from helpers.nets.cross_validation import cross_validate, cross_validate_many, summarize_folds
from helpers.nets.models import ARCHITECTURE_VERSION, cnn_input, layer_table, study_cnn, study_mlp
from helpers.nets.projection import check_projection, fold_transform, project, projection_flops
from helpers.nets.training import train_final
from helpers.progress import log_progress
from helpers.provenance import phase

__all__ = [
    "evaluate_cnn",
    "evaluate_mlp",
    "train_mlp_cross_validations",
    "final_cnn",
    "cnn_id",
    "load_recorded_cnn",
    "cnn_pipeline",
    "mlp_pipeline",
]


def cnn_id(dataset, padding):
    return f"study_cnn-v{ARCHITECTURE_VERSION}/{padding}/{dataset.name}"


def final_cnn(dataset, *, protocol, seed, padding="same", model_dir, log=log_progress):
    """The CNN trained on the whole training subset (loaded when already trained with the
    same parameters, e.g. by the CNN notebook), and its test-split results."""
    return train_final(
        partial(study_cnn, padding=padding),
        cnn_input(dataset.x_train),
        dataset.y_train,
        cnn_input(dataset.x_test),
        dataset.y_test,
        model_id=cnn_id(dataset, padding),
        protocol=protocol,
        seed=seed,
        model_dir=Path(model_dir),
        log=log,
    )


def evaluate_cnn(
    dataset,
    *,
    folds,
    protocol,
    seed,
    padding="same",
    cache_dir,
    model_dir,
    latency_repeats=20,
    log=log_progress,
):
    """The study's CNN on one (grayscale) dataset: CV, final model, test score, cost.

    Returns
    -------
    summary : dict
        JSON-ready results (the keys the report records).
    artefacts : dict
        ``folds`` (FoldResult list), ``model`` (final keras.Model), ``predictions``.
    """
    x, x_test = cnn_input(dataset.x_train), cnn_input(dataset.x_test)
    log(f"{dataset.name}: {folds}-fold CV on {len(x)} images, {protocol.describe()}")
    with phase("CNN training: cross-validation"):
        fold_results = cross_validate(
            partial(study_cnn, padding=padding),
            x,
            dataset.y_train,
            model_id=cnn_id(dataset, padding),
            folds=folds,
            protocol=protocol,
            seed=seed,
            cache_dir=Path(cache_dir),
            log=log,
        )
    with phase("CNN training: final model"):
        model, final = final_cnn(
            dataset,
            protocol=protocol,
            seed=seed,
            padding=padding,
            model_dir=model_dir,
            log=log,
        )
    with phase("CNN cost and latency"):
        cost = model_cost(model, x_test, final["epoch_seconds"], final["n_fit"], latency_repeats)
    summary = {
        **summarize_folds(fold_results),
        "test_accuracy": final["test_accuracy"],
        "n_samples": len(x),
        "n_test": len(x_test),
        "folds": folds,
        "protocol": asdict(protocol),
        "final_epochs_run": final["epochs_run"],
        "final_best_epoch": final["best_epoch"],
        "final_cached": final.get("cached", False),
        "final_trained_on": final.get("trained_on", ""),
        "final_commit": final.get("commit", ""),
        "validation_accuracy": final["validation_accuracy"],
        "padding": padding,
        "model_path": final["model_path"],
        **cost,
    }
    return summary, {
        "folds": fold_results,
        "model": model,
        "predictions": final["predictions"],
        "architecture": layer_table(model),
    }


def load_recorded_cnn(summary, model_dir):
    """The final CNN the CNN notebook recorded in ``summary`` (its results for one
    dataset), from ``model_dir``; None when its file is not there."""
    import keras

    import helpers.nets.optimizers  # noqa: F401  (registers FusedAdam for loading)

    name = Path(summary.get("model_path") or "").name
    path = Path(model_dir) / name
    if not name or not path.is_file():
        return None
    return keras.saving.load_model(path)


def cnn_pipeline(model):
    """Raw images (n, h, w) to class scores through the CNN, as a user would call it."""
    return lambda images: model.predict_on_batch(cnn_input(images))


def mlp_pipeline(model, projector):
    """Raw images (n, h, w) to class scores: flattened, projected (``None``: raw
    pixels), then the MLP: the whole cost of an answer."""
    return lambda images: model.predict_on_batch(
        project(projector, images.reshape(len(images), -1))
    )


def floor_pipeline(width, n_classes=10):
    """The framework's per-call floor beside an MLP on ``width`` features: raw images
    (n, h, w) to a one-layer model's scores, called as the RP-MLP is (a float32 array
    of ``width`` columns through ``predict_on_batch``; the first ``width`` pixels, so
    no projection work). What it costs is the price of a call, not of a model's work."""
    import keras

    width = int(width)
    model = keras.Sequential([keras.Input((width,)), keras.layers.Dense(n_classes)])
    return lambda images: model.predict_on_batch(images.reshape(len(images), -1)[:, :width])


def _mlp(input_shape):
    return study_mlp(input_shape[0])


def _mlp_job(dataset, method, m, *, folds, protocol, seed, cache_dir):
    """The arguments of the MLP's cross-validation on ``method``-projected images (the
    same for :func:`evaluate_mlp` and :func:`train_mlp_cross_validations`)."""
    n_features = int(np.prod(dataset.x_train.shape[1:]))
    m = check_projection(method, m, n_features, len(dataset.x_train))
    return dict(
        build_model=_mlp,
        x=dataset.x_train,
        y=dataset.y_train,
        model_id=f"study_mlp-v{ARCHITECTURE_VERSION}/{method}/{m}/{dataset.name}",
        folds=folds,
        protocol=protocol,
        seed=seed,
        transform=fold_transform(method, m, seed),
        cache_dir=Path(cache_dir),
    )


def train_mlp_cross_validations(
    runs, *, protocol, seed, cache_dir, executor=None, log=log_progress
):
    """Every stacked MLP cross-validation of ``runs`` trained at once and cached, so
    that :func:`evaluate_mlp` then reads them: on an executor of N workers
    (:func:`helpers.executor.fold_executor`) N stacks train side by side.

    Parameters
    ----------
    runs : list of (dataset, method, m, folds)
    """
    jobs = [
        _mlp_job(dataset, method, m, folds=folds, protocol=protocol, seed=seed, cache_dir=cache_dir)
        for dataset, method, m, folds in runs
    ]
    log(f"{len(jobs)} MLP cross-validations, each CV's folds stacked, submitted together")
    with phase("MLP training: cross-validation"):
        cross_validate_many(jobs, executor=executor, log=log)


def evaluate_mlp(
    dataset,
    *,
    method,
    m,
    folds,
    protocol,
    seed,
    cache_dir,
    model_dir=None,
    latency_repeats=20,
    log=log_progress,
    executor=None,
    stacked=False,
):
    """The study's MLP on ``method``-projected images: CV, and (with ``model_dir``) a
    final model scored on the test split with its cost, projection included.

    The folds are those of :func:`evaluate_cnn` for the same subset and seed; they run
    on ``executor`` (:func:`helpers.executor.fold_executor`; default: this process, or
    the cluster ``$REPORT_SCHEDULER`` names), with ``stacked`` side by side as one
    model (:mod:`helpers.nets.stacked`; the final model is trained alone).
    """
    n_features = int(np.prod(dataset.x_train.shape[1:]))
    m = check_projection(method, m, n_features, len(dataset.x_train))
    job = _mlp_job(
        dataset, method, m, folds=folds, protocol=protocol, seed=seed, cache_dir=cache_dir
    )
    transform, model_id = job["transform"], job["model_id"]
    log(f"{dataset.name}: MLP on {method} projection to M={m}, {folds}-fold CV")
    with phase("MLP training: cross-validation"):
        fold_results = cross_validate(**job, log=log, executor=executor, stacked=stacked)
    summary = {
        **summarize_folds(fold_results),
        "stacked_folds": bool(stacked),
        "method": method,
        "M": m,
        "n_samples": len(dataset.x_train),
        "folds": folds,
        "protocol": asdict(protocol),
    }
    artefacts = {"folds": fold_results}
    if model_dir is None:
        return summary, artefacts
    with phase("MLP training: final model"):
        model, final = train_final(
            _mlp,
            dataset.x_train,
            dataset.y_train,
            dataset.x_test,
            dataset.y_test,
            model_id=model_id,
            protocol=protocol,
            seed=seed,
            model_dir=Path(model_dir),
            transform=transform,
            log=log,
        )
    with phase("MLP cost and latency"):
        summary.update(_mlp_cost(model, final, transform, dataset, method, m, latency_repeats))
    summary.update(
        test_accuracy=final["test_accuracy"],
        validation_accuracy=final["validation_accuracy"],
        final_epochs_run=final["epochs_run"],
        final_best_epoch=final["best_epoch"],
        final_cached=final.get("cached", False),
        final_trained_on=final.get("trained_on", ""),
        final_commit=final.get("commit", ""),
    )
    artefacts.update(
        model=model,
        predictions=final["predictions"],
        pipeline=mlp_pipeline(model, transform.projector),
    )
    return summary, artefacts


def _mlp_cost(model, final, transform, dataset, method, m, latency_repeats):
    """The final MLP's cost on the test split, its projection included."""
    n_features = int(np.prod(dataset.x_train.shape[1:]))
    # train_final fitted the projector on the whole subset; reuse it rather than refit.
    flat_test = dataset.x_test.reshape(len(dataset.x_test), -1)
    projected_test = project(transform.projector, flat_test)
    cost = model_cost(
        model, projected_test, final["epoch_seconds"], final["n_fit"], latency_repeats
    )
    if transform.projector is None:  # raw pixels: nothing to project
        proj_ms = {b: 0.0 for b in cost["latency_ms"]}
    else:
        proj_ms = {
            str(b): v["ms_per_batch"]
            for b, v in measure_latency(
                transform.projector.transform, flat_test, repeats=latency_repeats
            ).items()
        }
    cost["mlp_flops_per_image"] = cost["flops_per_image"]
    cost["projection_flops_per_image"] = projection_flops(method, m, n_features)
    cost["flops_per_image"] += cost["projection_flops_per_image"]
    cost["projection_latency_ms"] = proj_ms
    cost["latency_ms"] = {b: cost["latency_ms"][b] + proj_ms[b] for b in cost["latency_ms"]}
    cost["latency_ms_per_image"] = {b: ms / int(b) for b, ms in cost["latency_ms"].items()}
    return cost
