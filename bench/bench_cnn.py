"""Training throughput of the study's CNN: our helpers path vs a plain Keras script.

    python bench/bench_cnn.py [--steps 60] [--batch-size 64] [--rounds 3]

Both train the same architecture on the same grayscale 32 x 32 images for the
same number of steps, alternating A B A B in one process, after a warm-up each;
the printed ratio is helpers / plain images per second (>= 1.0: our code adds
no overhead). Run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    import keras

    from helpers.nets.models import study_cnn
    from helpers.nets.training import fit, set_seed

    rng = np.random.default_rng(0)
    n = args.steps * args.batch_size
    x = rng.random((n, 32, 32, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)

    def ours():
        set_seed(0)
        model = study_cnn((32, 32, 1))
        start = time.perf_counter()
        fit(model, x, y, epochs=1, batch_size=args.batch_size)
        return n / (time.perf_counter() - start)

    def plain():
        keras.utils.set_random_seed(0)
        keras.mixed_precision.set_global_policy("float32")  # Keras' default
        model = plain_keras_model()
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=args.batch_size, verbose=0)
        return n / (time.perf_counter() - start)

    # Both include the first epoch's tracing, as a user's first fit does; warm the
    # process (imports, thread pools) once for each before timing.
    ours()
    plain()
    a, b = [], []
    for _ in range(args.rounds):
        a.append(ours())
        b.append(plain())
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


if __name__ == "__main__":
    main()
