"""Training throughput of the study's CNN: our helpers path vs a plain Keras script
and a plain PyTorch script.

    python bench/bench_cnn.py [--steps 60] [--batch-size 64] [--rounds 3]
                              [--torch-python PATH]

Both train the same architecture on the same grayscale 32 x 32 images for the
same number of steps, alternating A B A B in one process, after a warm-up each;
the printed ratio is helpers / plain images per second (>= 1.0: our code adds
no overhead), timed on the second epoch of each fresh model. Also prints the share
of the CPU's float32 sgemm rate (NumPy, measured in the same run) that each reaches.
The plain PyTorch script (bench/plain_torch_cnn.py: same images, batch, Adam, float32)
runs in a subprocess of ``--torch-python`` (default: this Python, when it has torch;
``pip install torch==2.13.0`` in any venv gives one), between the Keras rounds, with
as many threads as this process has cores; the ratio helpers / PyTorch is printed.
Run on an otherwise idle machine. To see what a CPU without AVX-512 gets, hold oneDNN
(TensorFlow's and PyTorch's kernels) and OpenBLAS to AVX2 before the command:
``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell``
(docs/performance.md has both measurements).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def plain_keras_model():
    # The minimal script a user would write from the study's description.
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input((32, 32, 1)),
            layers.Conv2D(32, (3, 3), activation="relu", padding="same"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu", padding="same"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(128, (3, 3), activation="relu", padding="same"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(128, (3, 3), activation="relu", padding="same"),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def sgemm_gflops(n=2048, repeats=5):
    """The CPU's float32 matrix-multiply rate through NumPy's BLAS (the FLOP ceiling)."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - start)
    return 2 * n**3 / min(times) / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--torch-python", default=None, help="a Python with torch for the PyTorch reference"
    )
    args = parser.parse_args(argv)

    import keras

    from helpers.nets.models import study_cnn
    from helpers.nets.seeding import set_seed
    from helpers.nets.training import fit

    rng = np.random.default_rng(0)
    n = args.steps * args.batch_size
    x = rng.random((n, 32, 32, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start  # the last epoch's

    def ours():
        set_seed(0)
        model = study_cnn((32, 32, 1))
        run = fit(model, x, y, epochs=2, batch_size=args.batch_size)
        return n / run["epoch_seconds"][-1]

    def plain():
        keras.utils.set_random_seed(0)
        keras.mixed_precision.set_global_policy("float32")  # Keras' default
        model = plain_keras_model()
        timer = EpochTimes()
        model.fit(x, y, epochs=2, batch_size=args.batch_size, verbose=0, callbacks=[timer])
        return n / timer.seconds

    # Each times the second of two epochs of a fresh model (the first one traces),
    # as a CV fold's epochs run; the process is warmed (imports, thread pools) first.
    ours()
    plain()
    torch_python = args.torch_python or (sys.executable if _has_torch(sys.executable) else None)
    a, b, c = [], [], []
    for _ in range(args.rounds):
        a.append(ours())
        b.append(plain())
        if torch_python:
            c += _plain_torch(torch_python, args.steps, args.batch_size)
    ratios = [x_ / y_ for x_, y_ in zip(a, b)]
    from helpers.runtime import machine_info, training_precision

    print(
        f"CPU {machine_info()['cpu']}, backend {keras.config.backend()}, batch "
        f"{args.batch_size}, {n} images per run; ours in {training_precision()} "
        f"(${{REPORT_PRECISION}} auto/float32/mixed_bfloat16), plain Keras in float32"
    )
    print(
        f"helpers path: {statistics.median(a):8.1f} img/s (runs {', '.join(f'{v:.0f}' for v in a)})"
    )
    print(
        f"plain Keras : {statistics.median(b):8.1f} img/s (runs {', '.join(f'{v:.0f}' for v in b)})"
    )
    print(
        f"throughput ratio helpers / plain: median {statistics.median(ratios):.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f})"
    )
    if c:
        print(
            f"plain PyTorch: {statistics.median(c):8.1f} img/s (runs "
            f"{', '.join(f'{v:.0f}' for v in c)}; float32, {os.cpu_count()} threads)"
        )
        torch_ratios = [x_ / z_ for x_, z_ in zip(a, c)]
        print(
            f"throughput ratio helpers / PyTorch: median {statistics.median(torch_ratios):.3f} "
            f"(min {min(torch_ratios):.3f}, max {max(torch_ratios):.3f}; >= 1: as fast)"
        )
    else:
        print("plain PyTorch: skipped (no torch here; pass --torch-python PATH)")
    from helpers.nets.cost import TRAINING_FLOPS_FACTOR, flops_per_image

    per_image = TRAINING_FLOPS_FACTOR * flops_per_image(study_cnn((32, 32, 1)))
    peak = sgemm_gflops()
    for name, values in (("helpers path", a), ("plain Keras", b), ("plain PyTorch", c)):
        if not values:
            continue
        reached = statistics.median(values) * per_image / 1e9
        print(
            f"{name}: {reached:.1f} GFLOP/s of training work = {reached / peak:.0%} of this "
            f"CPU's float32 sgemm ({peak:.0f} GFLOP/s, numpy 2048^3, all cores)"
        )


def _has_torch(python):
    probe = subprocess.run([python, "-c", "import torch"], capture_output=True)
    return probe.returncode == 0


def _plain_torch(python, steps, batch_size):
    """One round of the PyTorch script (its own warm-up, then one timed model)."""
    script = Path(__file__).with_name("plain_torch_cnn.py")
    done = subprocess.run(
        [python, str(script), "--steps", str(steps), "--batch-size", str(batch_size)]
        + ["--rounds", "1", "--threads", str(os.cpu_count())],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["images_per_s"]


if __name__ == "__main__":
    main()
