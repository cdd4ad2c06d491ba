"""Compress a trained CNN by truncated SVD of its layers' weight matrices.

A Dense layer ``W`` (n_in x n_out) of rank r becomes two Dense layers,
``n_in x r`` (no bias) then ``r x n_out`` (the original bias and activation).
A Conv2D kernel (kh, kw, c_in, c_out) is reshaped to ``(kh kw c_in) x c_out``
and split the same way: a kh x kw convolution with r filters, then a 1 x 1
convolution with c_out filters. Both factors take ``sqrt(S)``, so they are
balanced. Each convolution is linear in its kernel, so at full rank the
rebuilt model computes the same function as the original.
"""

from __future__ import annotations

import numpy as np

from helpers.checks import check_fraction, check_int
from helpers.nets.models import accuracy_of
from helpers.provenance import phase

__all__ = [
    "FINE_TUNE_LEARNING_RATE",
    "SVD_ACCURACY_TOLERANCE",
    "SVD_TARGET_RATIO",
    "singular_values",
    "ranks_for_energy",
    "compress_model",
    "check_ranks",
    "compression_sweep",
    "choose_compression",
    "MIN_LAYER_SPEEDUP",
    "can_get_faster",
    "layer_sensitivity_ranks",
]

FACTORIZABLE = ("Conv2D", "Dense")
# Adam's learning rate when a compressed model (or its control) is fine-tuned: a tenth
# of the training rate (models.compile_model), so fine-tuning refines the factorized
# weights instead of retraining them.
FINE_TUNE_LEARNING_RATE = 1e-4


def _matrix(layer):
    kernel = layer.get_weights()[0]
    return kernel.reshape(-1, kernel.shape[-1])


def singular_values(model):
    """``{layer name: singular values}`` of each factorizable layer's weight matrix."""
    return {
        layer.name: np.linalg.svd(_matrix(layer), compute_uv=False)
        for layer in model.layers
        if type(layer).__name__ in FACTORIZABLE
    }


def ranks_for_energy(model, energy):
    """Smallest rank per layer keeping at least ``energy`` of its squared singular values."""
    energy = check_fraction(energy, "energy")
    ranks = {}
    for name, values in singular_values(model).items():
        cumulative = np.cumsum(values.astype(np.float64) ** 2) / np.sum(
            values.astype(np.float64) ** 2
        )
        ranks[name] = int(min(np.searchsorted(cumulative, energy - 1e-12) + 1, len(values)))
    return ranks


def check_ranks(model, ranks):
    """Raise a clear error for an unknown layer or a rank outside [1, full rank]."""
    full = {name: len(v) for name, v in singular_values(model).items()}
    for name, rank in ranks.items():
        if name not in full:
            raise ValueError(f"layer {name!r} cannot be factorized; choose from {sorted(full)}")
        check_int(rank, f"rank of {name}", min_value=1, max_value=full[name])
    return full


def _saves_parameters(rows, cols, rank):
    return rank * (rows + cols) < rows * cols


def compress_model(model, ranks, *, factorize_all=False):
    """A new model with the layers in ``ranks`` replaced by their rank-r factorization.

    Parameters
    ----------
    model : keras.Model
        A chain of layers (as the study's CNN).
    ranks : dict of str to int
        Layer name -> rank (1 .. full rank). Layers not named are copied.
    factorize_all : bool
        Factorize even where the two factors hold more parameters than the
        original (useful to check exactness at full rank); by default such
        layers are copied unchanged, since factorizing them saves nothing.

    Returns
    -------
    compressed : keras.Model
        Compiled like the original (Adam, sparse categorical cross-entropy).
    applied : dict
        Layer name -> rank actually used (``None`` where the layer was copied).
    """
    import keras

    from helpers.nets.models import compile_model
    from helpers.runtime import apply_precision

    apply_precision()
    check_ranks(model, ranks)
    inputs = keras.Input(shape=model.input.shape[1:])
    x = inputs
    applied = {}
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        config = layer.get_config()
        rank = ranks.get(layer.name)
        weights = layer.get_weights()
        if rank is not None and kind in FACTORIZABLE:
            matrix = _matrix(layer)
            if factorize_all or _saves_parameters(*matrix.shape, rank):
                policy = layer.dtype_policy  # the factors compute like the layer they replace
                u, s, vt = np.linalg.svd(matrix, full_matrices=False)
                root = np.sqrt(s[:rank])
                first = (u[:, :rank] * root).astype("float32")
                second = (root[:, None] * vt[:rank]).astype("float32")
                bias = weights[1] if len(weights) > 1 else None
                if kind == "Dense":
                    a = keras.layers.Dense(
                        rank, use_bias=False, name=f"{layer.name}_svd_a", dtype=policy
                    )
                    b = keras.layers.Dense(
                        config["units"],
                        activation=config["activation"],
                        use_bias=bias is not None,
                        name=f"{layer.name}_svd_b",
                        dtype=policy,
                    )
                    kernels = (first, second)
                else:
                    kh, kw = config["kernel_size"]
                    a = keras.layers.Conv2D(
                        rank,
                        (kh, kw),
                        strides=config["strides"],
                        padding=config["padding"],
                        use_bias=False,
                        name=f"{layer.name}_svd_a",
                        dtype=policy,
                    )
                    b = keras.layers.Conv2D(
                        config["filters"],
                        (1, 1),
                        activation=config["activation"],
                        use_bias=bias is not None,
                        name=f"{layer.name}_svd_b",
                        dtype=policy,
                    )
                    kernels = (first.reshape(kh, kw, -1, rank), second.reshape(1, 1, rank, -1))
                x = a(x)
                x = b(x)
                a.set_weights([kernels[0]])
                b.set_weights([kernels[1]] + ([bias] if bias is not None else []))
                applied[layer.name] = rank
                continue
            applied[layer.name] = None
        clone = type(layer).from_config(config)
        x = clone(x)
        if weights:
            clone.set_weights(weights)
    compressed = keras.Model(inputs, x, name=f"{model.name}_svd")
    return compile_model(compressed, learning_rate=FINE_TUNE_LEARNING_RATE), applied


# A compressed CNN is "as good" as the equally fine-tuned uncompressed control when
# its validation accuracy is at most this much lower (1 point, as in the literature's
# low-rank compression results, e.g. Denton et al., 2014).
SVD_ACCURACY_TOLERANCE = 0.01
# The aim for the chosen model, after the literature's low-rank results (about 2x
# faster convolutions within 1 point): at least this many times fewer parameters,
# and no slower than the uncompressed CNN at batch 256.
SVD_TARGET_RATIO = 2.0


# A convolution is only factorized where its two factors need at most this fraction
# of its multiply-adds: the second (1x1) convolution and the extra memory pass cost
# time of their own, so smaller savings do not make the layer faster on a CPU.
MIN_LAYER_SPEEDUP = 2.0


def can_get_faster(layer, rank, min_speedup=MIN_LAYER_SPEEDUP):
    """Whether factorizing ``layer`` at ``rank`` can make it faster (and smaller).

    A kh x kw convolution with c_in inputs and c_out filters costs
    ``kh kw c_in c_out`` multiply-adds per output pixel; its factors cost
    ``rank (kh kw c_in + c_out)``. Dense layers are factorized wherever that
    saves parameters (they hold most of them and little of the time).
    """
    rows, cols = _matrix(layer).shape
    if not _saves_parameters(rows, cols, rank):
        return False
    if type(layer).__name__ == "Conv2D":
        return rank * (rows + cols) * min_speedup <= rows * cols
    return True


def layer_sensitivity_ranks(
    model,
    x_val,
    y_val,
    *,
    max_drop,
    fractions=(1 / 32, 1 / 16, 1 / 8, 3 / 16, 1 / 4, 3 / 8, 1 / 2),
    min_speedup=MIN_LAYER_SPEEDUP,
):
    """Per-layer ranks from each layer's sensitivity on validation data.

    For each factorizable layer alone, the smallest candidate rank (a fraction
    of its full rank) that can make the layer faster (:func:`can_get_faster`)
    and costs at most ``max_drop`` validation accuracy before any fine-tuning;
    a layer where no candidate qualifies is left whole. The test split is never
    used.

    Returns
    -------
    ranks : dict
        Layer name -> chosen rank (layers left whole are absent).
    trials : list of dict
        ``layer, rank, val_accuracy, drop`` for every candidate evaluated.
    """
    max_drop = float(max_drop)
    if not 0.0 <= max_drop < 1.0:
        raise ValueError(f"max_drop must be in [0, 1), got {max_drop}")
    base = accuracy_of(model, x_val, y_val)
    ranks, trials = {}, []
    layers = {layer.name: layer for layer in model.layers}
    for name, values in singular_values(model).items():
        full = len(values)
        candidates = sorted({max(1, int(round(f * full))) for f in fractions})
        for rank in candidates:
            if not can_get_faster(layers[name], rank, min_speedup):
                continue
            compressed, _ = compress_model(model, {name: rank})
            accuracy = accuracy_of(compressed, x_val, y_val)
            trials.append(
                {
                    "layer": name,
                    "rank": rank,
                    "val_accuracy": float(accuracy),
                    "drop": float(base - accuracy),
                }
            )
            if base - accuracy <= max_drop:
                ranks[name] = rank
                break
    return ranks, trials


# Part of a fine-tuned model's cache key: bump it when the fine-tuning changes in a way
# the key's other parts (starting weights, ranks, data, protocol, seed, backend) miss.
FINETUNE_CACHE_VERSION = 1


def _finetune_paths(cache_dir, model, applied, x_fit, y_fit, x_val, y_val, protocol, seed):
    """Weights and record paths of one fine-tuned model, named by what determines it.

    The starting weights are fingerprinted, not the base model's name: the same
    factors from the same trained CNN are the same start, whatever produced it. The
    layers' and the optimizer's configurations (learning rate included) are in the
    key; the training code is not: :data:`FINETUNE_CACHE_VERSION` stands for it.
    """
    from dataclasses import asdict
    from pathlib import Path

    from helpers.data import fingerprint
    from helpers.nets.models import ARCHITECTURE_VERSION, configuration_key
    from helpers.nets.training import _backend_id, run_key

    key = run_key(
        start=fingerprint(*model.get_weights()),
        **configuration_key(model.layers, model.optimizer),
        ranks=applied,
        data=fingerprint(x_fit, y_fit, x_val, y_val),
        protocol=asdict(protocol),
        seed=seed,
        backend=_backend_id(),
        architecture=ARCHITECTURE_VERSION,
        version=FINETUNE_CACHE_VERSION,
    )
    stem = Path(cache_dir) / f"finetuned-{key}"
    return stem.with_name(stem.name + ".weights.h5"), stem.with_suffix(".json")


def _load_finetuned(build, weights_path, info_path, log):
    """A cached fine-tuning loaded into a model from ``build()``: ``(model, run record)``,
    or None when absent or unreadable (then removed). A failed load leaves no
    half-loaded model behind: the caller fine-tunes its own, untouched one."""
    import json

    if not (weights_path.is_file() and info_path.is_file()):
        return None
    try:
        run = json.loads(info_path.read_text())
        model = build()
        # The file holds the optimizer's state too; built, it loads without a warning.
        model.optimizer.build(model.trainable_variables)
        model.load_weights(weights_path)
    except Exception as exc:  # a corrupt entry is fine-tuned again, never served
        log(
            f"  cached fine-tuning {weights_path.name} is unreadable "
            f"({type(exc).__name__}: {exc}); fine-tuning again"
        )
        weights_path.unlink(missing_ok=True)
        info_path.unlink(missing_ok=True)
        return None
    return model, {**run, "cached": True}


def _save_finetuned(model, run, weights_path, info_path):
    """Save a finished fine-tuning: weights first, then the record that makes it valid."""
    from helpers.files import atomic_path, atomic_write_json

    with atomic_path(weights_path, suffix=".weights.h5") as tmp:
        model.save_weights(tmp)
    atomic_write_json(info_path, {"epochs_run": run["epochs_run"], "best_epoch": run["best_epoch"]})


def compression_sweep(
    model,
    dataset,
    configurations,
    *,
    protocol,
    seed,
    latency_repeats=20,
    cache_dir=None,
    log=None,
):
    """Validation accuracy and cost of SVD-compressed versions of ``model``.

    ``configurations`` is a list of ``(label, energy or None, ranks)``; empty
    ``ranks`` give the uncompressed control. Each model is scored on the
    validation split the original was trained with (never on the test split),
    as rebuilt and after fine-tuning under ``protocol`` (early stopping on that
    split, Adam with learning rate 1e-4). The control is fine-tuned alike, so
    extra epochs are never mistaken for a gain of compression.

    With ``cache_dir``, each fine-tuned model is saved there as soon as it is
    done and loaded instead of fine-tuned again when nothing that determines it
    changed (see :func:`_finetune_paths`): an interrupted sweep keeps every
    finished model, and a re-run re-measures only costs and accuracies.

    Returns
    -------
    rows : list of dict
    models : dict
        ``label -> fine-tuned keras.Model`` (for scoring the chosen ones on test).
    """
    from helpers.nets.cost import model_cost
    from helpers.nets.models import cnn_input
    from helpers.nets.training import (
        final_validation_split,
        fit_with_protocol,
        log_progress,
        set_seed,
    )

    log = log or log_progress
    x = cnn_input(dataset.x_train)
    fit_idx, val_idx = final_validation_split(dataset.y_train, protocol, seed)
    x_fit, y_fit, x_val, y_val = (
        x[fit_idx],
        dataset.y_train[fit_idx],
        x[val_idx],
        dataset.y_train[val_idx],
    )
    rows, models = [], {}
    for label, energy, ranks in configurations:
        # Seed before building: Keras layers draw their dropout seeds at construction,
        # so each row must not depend on how many models were built before it.
        set_seed(seed)
        compressed, applied = compress_model(model, ranks)
        rebuilt_accuracy = accuracy_of(compressed, x_val, y_val)
        with phase("SVD cost and latency"):
            cost = model_cost(compressed, x_val, [], len(fit_idx), latency_repeats)
        paths = run = None
        if cache_dir is not None:
            paths = _finetune_paths(
                cache_dir, compressed, applied, x_fit, y_fit, x_val, y_val, protocol, seed
            )
            loaded = _load_finetuned(lambda: compress_model(model, ranks)[0], *paths, log)
            if loaded is not None:
                compressed, run = loaded
        if run is None:
            set_seed(seed)
            with phase("SVD fine-tuning"):
                run = fit_with_protocol(compressed, x_fit, y_fit, (x_val, y_val), protocol)
            if paths is not None:
                _save_finetuned(compressed, run, *paths)
        tuned = accuracy_of(compressed, x_val, y_val)
        models[label] = compressed
        log(
            f"  {dataset.name} {label}: params {cost['params']}, validation accuracy "
            f"{rebuilt_accuracy:.4f} rebuilt, {tuned:.4f} fine-tuned "
            f"(best epoch {run['best_epoch']} of {run['epochs_run']}"
            + (", cached)" if run.get("cached") else ")")
        )
        rows.append(
            {
                "dataset": dataset.name,
                "label": label,
                "energy": energy,
                "layer_ranks": applied,
                "val_accuracy": float(rebuilt_accuracy),
                "val_accuracy_finetuned": float(tuned),
                "finetune_epochs_run": run["epochs_run"],
                "finetune_best_epoch": run["best_epoch"],
                **{
                    k: cost[k]
                    for k in (
                        "params",
                        "flops_per_image",
                        "size_bytes",
                        "latency_ms",
                        "latency_ms_per_image",
                    )
                },
            }
        )
    return rows, models


def choose_compression(rows, control_label, tolerance=SVD_ACCURACY_TOLERANCE):
    """The row with the fewest parameters whose fine-tuned validation accuracy is within
    ``tolerance`` of the fine-tuned control's (``None`` when no compressed row is)."""
    control = next(r for r in rows if r["label"] == control_label)
    # "At most `tolerance` below" includes equality; accuracies are float32 counts
    # over the validation images, so compare with a margin far below one image.
    floor = control["val_accuracy_finetuned"] - tolerance - 1e-6
    good = [r for r in rows if r["label"] != control_label and r["val_accuracy_finetuned"] >= floor]
    return min(good, key=lambda r: r["params"]) if good else None
