"""Training throughput of the study's MLP: ours vs today's path vs a plain Keras script.

    python bench/bench_mlp.py [--images 8000] [--epochs 3] [--rounds 5] [--m 100]
                              [--workers 2] [--folds 5] [--cvs 2] [--cv-only]

All three train the same architecture (Dense 512-256-128-10 with dropout, Adam)
on the same projected vectors for the same epochs at batch 64, each in a fresh
model as a CV fold does (tracing included), alternating in one process after a
warm-up, each scoring a validation split every epoch. "ours" is the helpers path
(``study_mlp`` compiled with ``MLP_STEPS_PER_EXECUTION`` steps per call and the fused
Adam kernel, the training precision of ``$REPORT_PRECISION``, ``fit``'s seeded
shuffling input pipeline); "today's path" is the code before the speed work (one step
per call, float32, Keras' own Adam, ``model.fit`` on the arrays); "plain" is the script a user would write.
Prints the CPU, images/s and the ratios. Then ``--cvs`` whole cross-validations as
chapter 03 runs them, today's path vs ours stacked in this process, stacked on
``--workers`` single-threaded processes (the ``mlp_n_jobs`` parameter) and one model
per fold on them. Run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def plain_keras_model(m):
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input((m,)),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def todays_model(m):
    """The MLP as the code before the speed work trained it: float32, Keras' own Adam,
    one step per call."""
    import keras

    from helpers.nets.models import study_mlp

    model = _float32(lambda: study_mlp(m))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=1,
    )
    return model


def _float32(build):
    """Build under Keras' default float32 policy (the paths before the speed work)."""
    import os

    import keras

    saved = os.environ.get("REPORT_PRECISION")
    os.environ["REPORT_PRECISION"] = "float32"
    try:
        keras.mixed_precision.set_global_policy("float32")
        return build()
    finally:
        if saved is None:
            os.environ.pop("REPORT_PRECISION")
        else:
            os.environ["REPORT_PRECISION"] = saved


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--m", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="CV on N worker processes")
    parser.add_argument("--folds", type=int, default=5, help="CV folds (0: no CV)")
    parser.add_argument("--cvs", type=int, default=2, help="CVs timed together (own seeds)")
    parser.add_argument("--cv-only", action="store_true", help="skip the per-fit comparison")
    parser.add_argument(
        "--stacked-float32", action="store_true", help="also the stacked CV in float32"
    )
    args = parser.parse_args(argv)

    import keras

    from helpers.nets.models import MLP_STEPS_PER_EXECUTION, study_mlp
    from helpers.nets.seeding import set_seed
    from helpers.nets.training import fit
    from helpers.runtime import machine_info, training_precision

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.images, args.m)).astype(np.float32)
    y = rng.integers(0, 10, args.images)
    n = args.images * args.epochs

    x_val = rng.standard_normal((args.images // 9, args.m)).astype(np.float32)
    y_val = rng.integers(0, 10, len(x_val))

    def ours(model):
        fit(
            model,
            x,
            y,
            epochs=args.epochs,
            batch_size=args.batch_size,
            validation_data=(x_val, y_val),
        )

    def keras_fit(model):  # model.fit on the arrays: Keras' own shuffling and batching
        model.fit(
            x,
            y,
            epochs=args.epochs,
            batch_size=args.batch_size,
            shuffle=True,
            validation_data=(x_val, y_val),
            verbose=0,
        )

    def timed(variant):
        build, train = variant
        set_seed(0)
        model = build()
        start = time.perf_counter()
        train(model)
        return n / (time.perf_counter() - start)

    # Each trains a fresh model as a CV fold does, scoring a validation split each epoch.
    variants = {
        "ours": (lambda: study_mlp(args.m), ours),
        "today's path": (lambda: todays_model(args.m), keras_fit),
        "plain Keras": (lambda: _float32(lambda: plain_keras_model(args.m)), keras_fit),
    }
    if args.cv_only:
        cross_validation_paths(args, x, y)
        return
    for variant in variants.values():  # warm the process (imports, thread pools)
        timed(variant)
    runs = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, variant in variants.items():
            runs[name].append(timed(variant))
    print(
        f"CPU {machine_info()['cpu']}, backend {keras.config.backend()}, batch {args.batch_size}, "
        f"{args.images} images x {args.epochs} epochs per run, steps per execution "
        f"{MLP_STEPS_PER_EXECUTION}; ours in {training_precision()}, the others in float32"
    )
    for name, values in runs.items():
        print(
            f"{name:13s}: median {statistics.median(values):8.0f} img/s "
            f"(runs {', '.join(f'{v:.0f}' for v in values)})"
        )
    for other in ("today's path", "plain Keras"):
        ratios = [a / b for a, b in zip(runs["ours"], runs[other])]
        print(
            f"ours / {other}: median {statistics.median(ratios):.2f} "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
        )
    if args.folds > 1:
        cross_validation_paths(args, x, y)


def cross_validation_paths(args, x, y):
    """``--cvs`` whole CVs of the MLP as chapter 03 runs them (it runs 24: Table 3's and
    the sweep's), each with its own seed and folds, four ways, alternating, each fold a
    fixed ``--epochs`` (patience = epochs, so all do the same work):

    - today's path: a fresh float32 model per fold, Keras' Adam, one step per call,
      ``model.fit`` on the arrays (the code before the speed work), one after another;
    - ours, stacked: each CV's folds side by side as one model, in this process;
    - ours, stacked on N workers: the CVs' stacks submitted together
      (``cross_validate_many``), N at a time on ``--workers`` single-threaded
      processes (chapter 03's default in ``study``);
    - ours, one model per fold on the N workers (``mlp_stack_folds: false``).

    A stack traced for one CV is re-used by the next of its shape, in this process and
    in each worker (chapter 03 has 6 shapes among its 24 CVs); the warm-up round traces
    them, as a chapter's first CV of each shape does.
    Prints training images/s (fold training images x epochs / wall time, scoring
    included) and the ratios to today's path."""
    from sklearn.model_selection import StratifiedKFold

    from helpers.executor import fold_executor
    from helpers.nets.cross_validation import cross_validate, cross_validate_many
    from helpers.nets.models import study_mlp
    from helpers.nets.protocol import Protocol, validation_split
    from helpers.nets.seeding import set_seed

    protocol = Protocol(args.epochs, args.epochs, 0.1, args.batch_size)
    workers = fold_executor(args.workers) if args.workers > 1 else None  # warmed below
    seeds = [10 * c for c in range(args.cvs)]  # fold i trains from seed + i: no overlap
    splits = {
        seed: list(
            StratifiedKFold(args.folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
        )
        for seed in seeds
    }
    trained = (
        sum(len(train) - round(0.1 * len(train)) for seed in seeds for train, _ in splits[seed])
        * args.epochs
    )

    def todays_path():
        for seed in seeds:
            for fold, (train, test) in enumerate(splits[seed]):
                fit_rel, val_rel = validation_split(y[train], 0.1, seed + fold)
                set_seed(seed + fold)
                model = todays_model(x.shape[1])
                model.fit(
                    x[train[fit_rel]],
                    y[train[fit_rel]],
                    epochs=args.epochs,
                    batch_size=args.batch_size,
                    shuffle=True,
                    validation_data=(x[train[val_rel]], y[train[val_rel]]),
                    verbose=0,
                )
                model.evaluate(x[test], y[test], batch_size=512, verbose=0)

    def job(seed):
        return dict(
            build_model=lambda shape: study_mlp(shape[0]),
            x=x,
            y=y,
            model_id="bench-mlp",
            protocol=protocol,
            folds=args.folds,
            seed=seed,
        )

    def stacked(executor=None):
        cross_validate_many([job(seed) for seed in seeds], executor=executor, log=_quiet)

    def one_model_per_fold(executor):
        for seed in seeds:
            cross_validate(**job(seed), log=_quiet, executor=executor)

    variants = {"today's path": todays_path, "ours, stacked": stacked}
    if args.stacked_float32:
        variants["ours, stacked, float32"] = lambda: _float32(stacked)
    if workers is not None:
        variants[f"ours, stacked, {args.workers} workers"] = lambda: stacked(workers)
        variants[f"ours, {args.workers} workers"] = lambda: one_model_per_fold(workers)
    for run in variants.values():  # warm-up
        run()
    speeds = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, run in variants.items():
            start = time.perf_counter()
            run()
            speeds[name].append(trained / (time.perf_counter() - start))
    if workers is not None:
        workers.close()
    import keras

    from helpers.runtime import machine_info, training_precision

    print(
        f"CPU {machine_info()['cpu']}, backend {keras.config.backend()}, ours in "
        f"{training_precision()}. {args.cvs} x {args.folds}-fold CV, {len(x)} images, a "
        f"fixed {args.epochs} epochs per fold (no early stopping: no stopped folds riding "
        f"along in a stack), traces warm after one warm-up round; training images/s (fold "
        f"training images x epochs / wall time of the CVs):"
    )
    for name, values in speeds.items():
        print(
            f"  {name:26s}: median {statistics.median(values):8.0f} img/s (runs "
            f"{', '.join(f'{v:.0f}' for v in values)})"
        )
    for name in list(variants)[1:]:
        ratios = [a / b for a, b in zip(speeds[name], speeds["today's path"])]
        print(
            f"  {name} / today's path: median {statistics.median(ratios):.2f} "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
        )


def _quiet(message):
    pass


if __name__ == "__main__":
    main()
