"""Adam with TensorFlow's fused update kernel (every classifier's optimizer, on TensorFlow).

Keras 3's Adam updates each variable with about ten separate element-wise
operations, each a full pass over the variable with its own temporary. For the
study's MLP (217k weights, ~1 MFLOP per training image) those passes cost more
than the step's arithmetic: they were ~0.3 ms of a 1 ms step alone and ~1.2 ms
of a 3.7 ms step of five folds stacked (2-core AMD EPYC, TensorFlow 2.21;
``bench/bench_mlp.py`` measures the whole fit). TensorFlow's own
``ResourceApplyAdam`` kernel does the same update in one pass.

The update is Keras' formula (``alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)``;
``m += (g - m) * (1 - beta_1)``; ``v += (g^2 - v) * (1 - beta_2)``;
``w -= m * alpha / (sqrt(v) + epsilon)``); the one difference is that the kernel
forms ``1 - beta_2`` from float32 ``beta_2`` (1.3e-5 relative off Keras' float64
``1 - 0.999``), which moves weights by ~1e-5 of their distance travelled
(tests/test_models.py checks 1e-4). tf.keras 2's Adam used this kernel. Other backends, and the options the kernel lacks
(``amsgrad``), use Keras' own update: JAX compiles its element-wise passes into one.

Used by :func:`helpers.nets.models.compile_model` (chapters 02-04).
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["FusedAdam"]


@keras.saving.register_keras_serializable(package="helpers")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose TensorFlow update is one fused kernel per variable."""

    def update_step(self, gradient, variable, learning_rate):
        if (
            keras.config.backend() != "tensorflow"
            or self.amsgrad
            or type(gradient).__name__ == "IndexedSlices"
        ):
            return super().update_step(gradient, variable, learning_rate)
        import tensorflow as tf

        dtype = variable.dtype
        step = ops.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].value.handle,
            v=self._velocities[index].value.handle,
            beta1_power=ops.power(ops.cast(self.beta_1, dtype), step),
            beta2_power=ops.power(ops.cast(self.beta_2, dtype), step),
            lr=ops.cast(learning_rate, dtype),
            beta1=ops.cast(self.beta_1, dtype),
            beta2=ops.cast(self.beta_2, dtype),
            epsilon=ops.cast(self.epsilon, dtype),
            grad=ops.cast(gradient, dtype),
            use_locking=False,
        )
