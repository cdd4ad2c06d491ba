"""What a model costs: parameters, FLOPs per image, latency, size on disk.

FLOPs are counted from the layer shapes (a multiply-add is 2 FLOPs; biases
add one per output; activations, pooling and dropout are not counted, as is
usual). Training costs about 3x the forward pass (forward, and backward for
activations and weights). The ratios of these timings, with their intervals, are in
:mod:`helpers.stats.ratios`.
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
    "interleaved_latency",
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
        batch = _batch_of(x, b)
        for _ in range(repeats):  # warm-up: tracing, then caches and thread pools
            run(batch)
        ms = median_ms(lambda: run(batch), repeats)
        out[b] = {"ms_per_batch": ms, "ms_per_image": ms / b}
    return out


def _batch_of(x, b):
    batch = np.asarray(x[:b])
    if len(batch) < b:  # tile a small sample up to the batch size
        batch = np.resize(batch, (b, *batch.shape[1:]))
    return batch


def interleaved_latency(pipelines, x, batch_sizes=(1, 256), rounds=20, repeats=20, lead=0):
    """Latency of several pipelines timed in turn, round after round, in one process.

    Timed in separate chapters, or one after the other, a comparison takes in whatever
    differs between the two moments (a process that had trained little was 1.5x slower
    at batch 1 than the same model timed right after it, :func:`measure_latency`).
    Here every round times a block of ``repeats`` calls of each pipeline, the order
    of the blocks reversed every other round (which balances it over an even number
    of rounds), and takes each block's median; the per-round ratios pair the
    pipelines in time, and their spread gives a ratio an interval
    (:func:`latency_ratio`). That interval covers the noise within this run, not what
    differs between runs.

    Blocks, not single calls in turn: on shared cores one pipeline's thread pools
    (the BLAS threads that keep spinning after a projection) slow the other's next
    call. Alternated call by call, the study's Fashion-MNIST CNN took 14.4 ms per
    batch of 256 against 8.5 ms alone (2-core AMD EPYC). Blocks reduce that
    carry-over but do not remove it: in a `study` render each pipeline's blocks right
    after the other's were about 11% slower than those after its own, and reversing
    the order every other round balances what is left.

    Parameters
    ----------
    pipelines : dict of str to callable
        Name -> a function of a batch of ``x`` (e.g. raw images to class scores).
    x : array
        Inputs; the first ``b`` (tiled when fewer) make the batch of size ``b``.
    rounds : int
        Rounds (>= 2); each times every pipeline once per batch size.
    repeats : int
        Calls per pipeline and round; as many warm-up calls per pipeline come first.
    lead : int
        The first ``lead`` pipelines open every round in their given order; only the
        others alternate (a reference timed beside two compared pipelines, which then
        follow it equally often and stay back to back).

    Returns
    -------
    dict
        ``{name: {str(batch_size): [median ms per batch, one per round]}}``.
    """
    rounds = check_int(rounds, "rounds", min_value=2)
    repeats = check_int(repeats, "repeats", min_value=1)
    names = list(pipelines)
    lead = check_int(lead, "lead", min_value=0)
    leading, compared = names[:lead], names[lead:]
    out = {name: {} for name in names}
    for b in batch_sizes:
        batch = _batch_of(x, check_int(b, "batch size", min_value=1))
        for name in names:
            for _ in range(repeats):
                pipelines[name](batch)
            out[name][str(b)] = []
        for r in range(rounds):
            for name in leading + (compared if r % 2 == 0 else compared[::-1]):
                run = pipelines[name]
                out[name][str(b)].append(median_ms(lambda: run(batch), repeats))
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
        "train_epoch_seconds": [float(t) for t in train_epoch_seconds],
        "train_images_per_epoch": int(n_train),
        "latency_ms": {str(b): v["ms_per_batch"] for b, v in latency.items()},
        "latency_ms_per_image": {str(b): v["ms_per_image"] for b, v in latency.items()},
        "size_bytes": model_size_bytes(model),
    }
