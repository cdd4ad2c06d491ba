"""One call per dataset for the classification notebooks: cross-validate, train a
final model, score the test split and measure its cost."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from .cost import (TRAINING_FLOPS_FACTOR, flops_per_image, measure_latency, median_ms,
                   model_size_bytes)
from .models import ARCHITECTURE_VERSION, cnn_input, layer_table, study_cnn, study_mlp
from .projection import check_projection, fold_transform, project, projection_flops
from .training import (cross_validate, images_per_second, log_progress, summarize_folds,
                       train_final)

__all__ = ["evaluate_cnn", "evaluate_mlp", "final_cnn", "model_cost", "projection_latency",
           "compression_sweep"]


def model_cost(model, x_sample, train_epoch_seconds, n_train, latency_repeats=20):
    """Parameters, FLOPs, measured throughput and latency, size on disk of ``model``."""
    flops = flops_per_image(model)
    latency = measure_latency(model, x_sample, batch_sizes=(1, 256), repeats=latency_repeats)
    return {
        "params": int(model.count_params()),
        "flops_per_image": flops,
        "train_flops_per_image": TRAINING_FLOPS_FACTOR * flops,
        "train_images_per_s": images_per_second(n_train, train_epoch_seconds),
        "latency_ms": {str(b): v["ms_per_batch"] for b, v in latency.items()},
        "latency_ms_per_image": {str(b): v["ms_per_image"] for b, v in latency.items()},
        "size_bytes": model_size_bytes(model),
    }


def _cnn_id(dataset, padding):
    return f"study_cnn-v{ARCHITECTURE_VERSION}/{padding}/{dataset.name}"


def final_cnn(dataset, *, epochs, batch_size, seed, padding="same", model_dir, log=log_progress):
    """The CNN trained on the whole training subset (loaded when already trained with the
    same parameters, e.g. by the CNN notebook), and its test-split results."""
    return train_final(partial(study_cnn, padding=padding), cnn_input(dataset.x_train),
                       dataset.y_train, cnn_input(dataset.x_test), dataset.y_test,
                       model_id=_cnn_id(dataset, padding), epochs=epochs,
                       batch_size=batch_size, seed=seed, model_dir=Path(model_dir), log=log)


def evaluate_cnn(dataset, *, folds, epochs, batch_size, seed, padding="same", cache_dir,
                 model_dir, latency_repeats=20, log=log_progress):
    """The study's CNN on one (grayscale) dataset: CV, final model, test score, cost.

    Returns
    -------
    summary : dict
        JSON-ready results (the keys the report records).
    artefacts : dict
        ``folds`` (FoldResult list), ``model`` (final keras.Model), ``predictions``.
    """
    x, x_test = cnn_input(dataset.x_train), cnn_input(dataset.x_test)
    log(f"{dataset.name}: {folds}-fold CV on {len(x)} images, {epochs} epochs")
    fold_results = cross_validate(partial(study_cnn, padding=padding), x, dataset.y_train,
                                  model_id=_cnn_id(dataset, padding), folds=folds, epochs=epochs,
                                  batch_size=batch_size, seed=seed, cache_dir=Path(cache_dir),
                                  log=log)
    model, final = final_cnn(dataset, epochs=epochs, batch_size=batch_size, seed=seed,
                             padding=padding, model_dir=model_dir, log=log)
    summary = {
        **summarize_folds(fold_results),
        "test_accuracy": final["test_accuracy"],
        "n_samples": len(x), "n_test": len(x_test), "folds": folds, "epochs": epochs,
        "batch_size": batch_size, "padding": padding, "model_path": final["model_path"],
        **model_cost(model, x_test, final["epoch_seconds"], len(x), latency_repeats),
    }
    return summary, {"folds": fold_results, "model": model, "predictions": final["predictions"],
                     "architecture": layer_table(model)}


def _mlp(input_shape):
    return study_mlp(input_shape[0])


def projection_latency(projector, x_flat, batch_sizes=(1, 256), repeats=20):
    """Median ms to project a batch (0 for no projection)."""
    out = {}
    for b in batch_sizes:
        batch = np.resize(x_flat[:b], (b, x_flat.shape[1]))
        out[str(b)] = 0.0 if projector is None else median_ms(
            lambda: projector.transform(batch), repeats)
    return out


def evaluate_mlp(dataset, *, method, m, folds, epochs, batch_size, seed, cache_dir,
                 model_dir=None, latency_repeats=20, log=log_progress):
    """The study's MLP on ``method``-projected images: CV, and (with ``model_dir``) a
    final model scored on the test split with its cost, projection included.

    The folds are those of :func:`evaluate_cnn` for the same subset and seed.
    """
    n_features = int(np.prod(dataset.x_train.shape[1:]))
    m = check_projection(method, m, n_features, len(dataset.x_train))
    transform = fold_transform(method, m, seed)
    model_id = f"study_mlp-v{ARCHITECTURE_VERSION}/{method}/{m}/{dataset.name}"
    log(f"{dataset.name}: MLP on {method} projection to M={m}, {folds}-fold CV")
    fold_results = cross_validate(_mlp, dataset.x_train, dataset.y_train, model_id=model_id,
                                  folds=folds, epochs=epochs, batch_size=batch_size, seed=seed,
                                  transform=transform, cache_dir=Path(cache_dir), log=log)
    summary = {**summarize_folds(fold_results), "method": method, "M": m,
               "n_samples": len(dataset.x_train), "folds": folds, "epochs": epochs,
               "batch_size": batch_size}
    artefacts = {"folds": fold_results}
    if model_dir is None:
        return summary, artefacts
    model, final = train_final(_mlp, dataset.x_train, dataset.y_train, dataset.x_test,
                               dataset.y_test, model_id=model_id, epochs=epochs,
                               batch_size=batch_size, seed=seed, model_dir=Path(model_dir),
                               transform=transform, log=log)
    # train_final fitted the projector on the whole subset; reuse it rather than refit.
    flat_test = dataset.x_test.reshape(len(dataset.x_test), -1)
    projected_test = project(transform.projector, flat_test)
    cost = model_cost(model, projected_test, final["epoch_seconds"], len(dataset.x_train),
                      latency_repeats)
    proj_ms = projection_latency(transform.projector, flat_test, repeats=latency_repeats)
    cost["mlp_flops_per_image"] = cost["flops_per_image"]
    cost["projection_flops_per_image"] = projection_flops(method, m, n_features)
    cost["flops_per_image"] += cost["projection_flops_per_image"]
    cost["projection_latency_ms"] = proj_ms
    cost["latency_ms"] = {b: cost["latency_ms"][b] + proj_ms[b] for b in cost["latency_ms"]}
    cost["latency_ms_per_image"] = {b: ms / int(b) for b, ms in cost["latency_ms"].items()}
    summary.update(test_accuracy=final["test_accuracy"], **cost)
    artefacts.update(model=model, predictions=final["predictions"])
    return summary, artefacts


def compression_sweep(model, dataset, configurations, *, finetune_epochs, batch_size, seed,
                      latency_repeats=20, log=log_progress):
    """Accuracy and cost of SVD-compressed versions of ``model`` on the test split.

    ``configurations`` is a list of ``(label, energy or None, ranks)``; empty
    ``ranks`` give the uncompressed control. Each model is scored as rebuilt,
    then after ``finetune_epochs`` epochs of training on the training subset
    (Adam, learning rate 1e-4).
    """
    from .compression import compress_model
    from .training import fit, set_seed

    x, x_test = cnn_input(dataset.x_train), cnn_input(dataset.x_test)
    rows = []
    for label, energy, ranks in configurations:
        # Seed before building: Keras layers draw their dropout seeds at construction,
        # so each row must not depend on how many models were built before it.
        set_seed(seed)
        compressed, applied = compress_model(model, ranks)
        _, accuracy = compressed.evaluate(x_test, dataset.y_test, batch_size=512, verbose=0)
        cost = model_cost(compressed, x_test, [], len(x), latency_repeats)
        tuned = float("nan")
        if finetune_epochs > 0:
            # Also when nothing was factorized: that row is the control showing what
            # the extra epochs alone do for the uncompressed model.
            set_seed(seed)
            fit(compressed, x, dataset.y_train, epochs=finetune_epochs, batch_size=batch_size)
            _, tuned = compressed.evaluate(x_test, dataset.y_test, batch_size=512, verbose=0)
        log(f"  {dataset.name} {label}: params {cost['params']}, accuracy {accuracy:.4f}, "
            f"fine-tuned {tuned:.4f}")
        rows.append({"dataset": dataset.name, "label": label, "energy": energy,
                     "layer_ranks": applied, "accuracy": float(accuracy),
                     "accuracy_finetuned": float(tuned),
                     **{k: cost[k] for k in ("params", "flops_per_image", "size_bytes",
                                             "latency_ms", "latency_ms_per_image")}})
    return rows
