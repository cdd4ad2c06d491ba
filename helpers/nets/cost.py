"""What a model costs: parameters, FLOPs per image, latency, size on disk.

FLOPs are counted from the layer shapes (a multiply-add is 2 FLOPs; biases
add one per output; activations, pooling and dropout are not counted, as is
usual). Training costs about 3x the forward pass (forward, and backward for
activations and weights).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import numpy as np

from helpers.checks import check_int

__all__ = [
    "flops_per_image",
    "measure_latency",
    "median_ms",
    "model_size_bytes",
    "model_cost",
    "images_per_second",
    "TRAINING_FLOPS_FACTOR",
]

TRAINING_FLOPS_FACTOR = 3


def flops_per_image(model):
    """Forward-pass FLOPs of one image through ``model`` (Conv2D and Dense layers).

    A Conv2D layer with a kh x kw kernel, C_in input and C_out output channels
    on an H x W output map costs ``2 H W kh kw C_in C_out + H W C_out``; a Dense
    layer ``2 n_in n_out + n_out``.
    """
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            kh, kw = layer.kernel_size
            c_in = layer.input.shape[-1]
            h, w, c_out = layer.output.shape[1:]
            total += 2 * h * w * kh * kw * c_in * c_out + (h * w * c_out if layer.use_bias else 0)
        elif kind == "Dense":
            n_in, n_out = layer.input.shape[-1], layer.units
            total += 2 * n_in * n_out + (n_out if layer.use_bias else 0)
    return int(total)


def measure_latency(model, x, batch_sizes=(1, 256), repeats=20):
    """Median wall time (ms) of one batch through ``model``, after ``repeats`` warm-up
    calls.

    One warm-up call was not enough in a process that had trained little itself (MLP
    CVs on worker processes): chapter 03's first MLP then measured 0.56-0.62 ms at
    batch 1 and the same architecture right after it 0.39-0.40 ms (`study`, 2-core AMD
    EPYC), enough to flip a verdict's 2x latency test.

    ``model`` is a Keras model (timed with ``predict_on_batch``) or any callable
    taking a batch (e.g. a projector's ``transform``).
    Returns ``{batch_size: {"ms_per_batch": .., "ms_per_image": ..}}``.
    """
    run = getattr(model, "predict_on_batch", model)
    repeats = check_int(repeats, "repeats", min_value=1)
    out = {}
    for b in batch_sizes:
        b = check_int(b, "batch size", min_value=1)
        batch = np.asarray(x[:b])
        if len(batch) < b:  # tile a small sample up to the batch size
            batch = np.resize(batch, (b, *batch.shape[1:]))
        for _ in range(repeats):  # warm-up: tracing, then caches and thread pools
            run(batch)
        ms = median_ms(lambda: run(batch), repeats)
        out[b] = {"ms_per_batch": ms, "ms_per_image": ms / b}
    return out


def median_ms(fn, repeats):
    """Median wall time of ``fn()`` in milliseconds over ``repeats`` calls."""
    times = []
    for _ in range(check_int(repeats, "repeats", min_value=1)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def model_size_bytes(model):
    """Size of the model saved in Keras' ``.keras`` format."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        return os.path.getsize(path)


def images_per_second(n_images, epoch_seconds):
    """Training throughput from epoch times; the first epoch (tracing) is left out when
    there are others."""
    times = epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds
    return n_images / float(np.median(times)) if times else float("nan")


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
