"""Seeds and seeded input pipelines, shared by one-model training
(:mod:`helpers.nets.training`) and stacked training (:mod:`helpers.nets.stacked`).

One module holds the seeded generator both draw from, so neither imports the other.
"""

from __future__ import annotations

import random

from helpers.checks import check_seed
from helpers.runtime import check_jax_determinism, quiet_tensorflow

__all__ = ["EVALUATION_BATCH_SIZE", "evaluation_data", "set_seed", "training_data"]

# Batch of every forward-only pass (validation, test scores, predictions): larger batches
# than training's amortize the per-step cost (1.35x at 256 vs 32 here, issue 27).
EVALUATION_BATCH_SIZE = 512

_SEED_SOURCE = random.Random(0)  # replaced by set_seed


def set_seed(seed):
    """Seed Python, NumPy and the Keras backend; make TensorFlow ops deterministic.

    TensorFlow's multi-threaded CPU kernels may otherwise sum in varying order;
    the other backends are deterministic on CPU for these models. JAX on a GPU is
    deterministic with XLA_FLAGS=--xla_gpu_deterministic_ops=true, which must be set
    before JAX starts (scripts/setup-env.sh does): a warning says when it is missing.
    """
    import keras

    keras.utils.set_random_seed(check_seed(seed))
    # Keras draws the seeds of unseeded layers (dropout) and of its global seed
    # generator (weight initializers) from Python's process-wide `random`, which
    # other threads of the process also use (a Dask worker's event loop does): a
    # private generator seeded here makes a model depend on `seed` alone.
    global _SEED_SOURCE
    _SEED_SOURCE = random.Random(seed)
    from keras.src.random import seed_generator

    seed_generator.python_random = _SEED_SOURCE
    if keras.config.backend() == "jax":
        check_jax_determinism()
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # TensorFlow resets its logger on import: quiet it again.
        quiet_tensorflow()


def training_data(x, y, batch_size):
    """``fit``'s training inputs, shuffled each epoch with a seed drawn after ``set_seed``.

    On TensorFlow, Keras' own shuffle takes its seed from TensorFlow's global op
    counter, which depends on what the process ran before: the same fold then
    trains differently in a fresh worker process than after other folds. A
    tf.data pipeline with an explicit seed removes that dependence. Other
    backends shuffle with NumPy's generator, which ``set_seed`` resets.
    """
    import keras

    if keras.config.backend() != "tensorflow":
        return (x, y), {"batch_size": batch_size, "shuffle": True}
    import tensorflow as tf

    shuffle_seed = _SEED_SOURCE.randrange(2**31 - 1)
    data = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
        .batch(batch_size)
    )
    return (_quiet_pipeline(data),), {"shuffle": False}  # shuffled above


def evaluation_data(x, y, batch_size=EVALUATION_BATCH_SIZE):
    """``fit``'s ``validation_data`` and its options: batches of ``batch_size``, in order.

    On TensorFlow a tf.data pipeline like :func:`training_data`'s (Keras' own adapter
    autotunes, and would validate in batches of 32 beside a dataset); elsewhere the
    arrays, with ``validation_batch_size``.
    """
    import keras

    if keras.config.backend() != "tensorflow":
        return (x, y), {"validation_batch_size": batch_size}
    import tensorflow as tf

    return _quiet_pipeline(tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)), {}


def _quiet_pipeline(data):
    """``data`` prefetching one batch on one private thread, with tf.data's autotuning off.

    The autotuner's background threads compete with the training step's two threads
    on a 2-core machine: about half of all epochs (by the luck of the scheduler) ran
    1.6x slower, and none did with it off (bench/bench_cnn.py, issue 27). The batches,
    hence the numbers, are the same.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    options.threading.private_threadpool_size = 1
    return data.prefetch(1).with_options(options)
