"""One call per dataset for the classification notebooks: cross-validate, train a
final model, score the test split and measure its cost."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from .cost import TRAINING_FLOPS_FACTOR, flops_per_image, measure_latency, model_size_bytes
from .models import cnn_input, layer_table, study_cnn
from .training import (cross_validate, images_per_second, log_progress, summarize_folds,
                       train_final)

__all__ = ["evaluate_cnn", "model_cost"]


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
    build = partial(study_cnn, padding=padding)
    model_id = f"study_cnn/{padding}/{dataset.name}"
    log(f"{dataset.name}: {folds}-fold CV on {len(x)} images, {epochs} epochs")
    fold_results = cross_validate(build, x, dataset.y_train, model_id=model_id, folds=folds,
                                  epochs=epochs, batch_size=batch_size, seed=seed,
                                  cache_dir=Path(cache_dir), log=log)
    model, final = train_final(build, x, dataset.y_train, x_test, dataset.y_test,
                               model_id=model_id, epochs=epochs, batch_size=batch_size,
                               seed=seed, model_dir=Path(model_dir), log=log)
    summary = {
        **summarize_folds(fold_results),
        "test_accuracy": final["test_accuracy"],
        "n_samples": len(x), "n_test": len(x_test), "folds": folds, "epochs": epochs,
        "batch_size": batch_size, "padding": padding, "model_path": final["model_path"],
        **model_cost(model, x_test, final["epoch_seconds"], len(x), latency_repeats),
    }
    return summary, {"folds": fold_results, "model": model, "predictions": final["predictions"],
                     "architecture": layer_table(model)}
