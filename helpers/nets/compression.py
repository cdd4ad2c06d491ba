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

__all__ = [
    "FINE_TUNE_LEARNING_RATE",
    "SVD_ACCURACY_TOLERANCE",
    "SVD_TARGET_RATIO",
    "singular_values",
    "ranks_for_energy",
    "compress_model",
    "check_ranks",
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
def choose_compression(rows, control_label, tolerance=SVD_ACCURACY_TOLERANCE):
    """The row with the fewest parameters whose fine-tuned validation accuracy is within
    ``tolerance`` of the fine-tuned control's (``None`` when no compressed row is)."""
    control = next(r for r in rows if r["label"] == control_label)
    # "At most `tolerance` below" includes equality; accuracies are float32 counts
    # over the validation images, so compare with a margin far below one image.
    floor = control["val_accuracy_finetuned"] - tolerance - 1e-6
    good = [r for r in rows if r["label"] != control_label and r["val_accuracy_finetuned"] >= floor]
    return min(good, key=lambda r: r["params"]) if good else None
