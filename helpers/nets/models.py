"""The study's two networks, built with Keras 3 APIs only (any backend).

``study_cnn`` is the study's CNN; ``study_mlp`` its MLP on projected vectors.
Both compile with Adam and sparse categorical cross-entropy, as the study did.
:func:`layer_table` describes a model as plain data (for the recorded results
and for tests that the architecture is the study's).
"""

from __future__ import annotations

import numpy as np

from helpers.checks import check_choice, check_int
from helpers.nets.seeding import EVALUATION_BATCH_SIZE

__all__ = [
    "ARCHITECTURE_VERSION",
    "CNN_SPEC",
    "MLP_SPEC",
    "study_cnn",
    "study_mlp",
    "layer_table",
    "compile_model",
    "cnn_input",
    "configuration_key",
    "accuracy_of",
]

# The study's stacks, as (layer, setting) rows, compared against built models in tests.
CNN_SPEC = (
    ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": (2, 2)}),
    ("Conv2D", {"filters": 64, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": (2, 2)}),
    ("Conv2D", {"filters": 128, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": (2, 2)}),
    ("Conv2D", {"filters": 128, "kernel_size": (3, 3), "activation": "relu"}),
    ("Flatten", {}),
    ("Dense", {"units": 128, "activation": "relu"}),
    ("Dropout", {"rate": 0.5}),
    ("Dense", {"units": 10, "activation": "softmax"}),
)
MLP_SPEC = (
    ("Dense", {"units": 512, "activation": "relu"}),
    ("Dropout", {"rate": 0.3}),
    ("Dense", {"units": 256, "activation": "relu"}),
    ("Dropout", {"rate": 0.3}),
    ("Dense", {"units": 128, "activation": "relu"}),
    ("Dropout", {"rate": 0.2}),
    ("Dense", {"units": 10, "activation": "softmax"}),
)


# The MLP's steps are tiny (~1 MFLOP per image): per-step dispatch dominates its
# training time. Running 32 steps per call halves it (bench/bench_mlp.py); the
# CNN's steps are large enough that it makes no difference there.
MLP_STEPS_PER_EXECUTION = 32


def compile_model(model, learning_rate=1e-3, steps_per_execution=1):
    """Adam + sparse categorical cross-entropy + accuracy, the study's choice (Adam's
    update fused into one kernel on TensorFlow: :class:`helpers.nets.optimizers.FusedAdam`)."""
    from helpers.nets.optimizers import FusedAdam

    model.compile(
        optimizer=FusedAdam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


# Part of every cache key of a trained model: bump it when the layers or their training
# step change (3: Adam's fused TensorFlow kernel, equal to float rounding).
ARCHITECTURE_VERSION = 3
_SHORT_NAMES = {
    "Conv2D": "conv",
    "MaxPooling2D": "pool",
    "Flatten": "flatten",
    "Dense": "dense",
    "Dropout": "dropout",
}


def _build(spec, inputs, padding, width=1.0):
    import keras

    from helpers.runtime import apply_precision

    mixed = apply_precision() != "float32"
    x = inputs
    counts = {}
    for i, (name, settings) in enumerate(spec):
        kwargs = dict(settings)
        if i < len(spec) - 1:  # the output layer keeps one unit per class
            for key in ("filters", "units"):
                if key in kwargs:
                    kwargs[key] = max(1, int(round(width * kwargs[key])))
        if name == "Conv2D":
            kwargs["padding"] = padding
        counts[name] = counts.get(name, 0) + 1
        # Stable names (conv1, ..., output) make rank tables and logs readable.
        kwargs["name"] = "output" if i == len(spec) - 1 else f"{_SHORT_NAMES[name]}{counts[name]}"
        if mixed and i == len(spec) - 1:  # softmax and loss in float32 (Keras' advice)
            kwargs["dtype"] = "float32"
        x = getattr(keras.layers, name)(**kwargs)(x)
    return x


def study_cnn(input_shape, n_classes=10, padding="same", name="study_cnn", width=1.0):
    """The study's CNN for grayscale images of ``input_shape`` (H, W) or (H, W, 1).

    Parameters
    ----------
    input_shape : tuple
    n_classes : int
    padding : {"same", "valid"}
        The study's stack only fits 28 x 28 and 32 x 32 inputs with "same"
        padding: with "valid", the last convolution would see a 1 x 1 (28) or
        2 x 2 (32) map. "valid" is accepted where it fits and refused with an
        explanation where it does not.
    width : float
        Multiplier of every layer's filters and units (1.0: the study's CNN); a
        narrower CNN is the baseline an SVD-compressed one must beat.
    """
    import keras

    check_choice(padding, "padding", ("same", "valid"))
    shape = tuple(input_shape) if len(input_shape) == 3 else (*input_shape, 1)
    if padding == "valid":
        side = min(shape[:2])
        for _ in range(3):
            side = (side - 2) // 2
        if side - 2 < 1:
            raise ValueError(
                f"with padding='valid' the study's CNN does not fit {shape[:2]} inputs (the "
                f"fourth 3x3 convolution would see a {side}x{side} map); use padding='same'"
            )
    spec = CNN_SPEC[:-1] + (
        (
            "Dense",
            {"units": check_int(n_classes, "n_classes", min_value=2), "activation": "softmax"},
        ),
    )
    inputs = keras.Input(shape=shape)
    if not 0 < float(width) <= 1:
        raise ValueError(f"width must be in (0, 1], got {width!r}")
    return compile_model(keras.Model(inputs, _build(spec, inputs, padding, width), name=name))


def study_mlp(input_dim, n_classes=10, name="study_mlp"):
    """The study's MLP on ``input_dim``-dimensional vectors."""
    import keras

    input_dim = check_int(input_dim, "input_dim", min_value=1)
    spec = MLP_SPEC[:-1] + (
        (
            "Dense",
            {"units": check_int(n_classes, "n_classes", min_value=2), "activation": "softmax"},
        ),
    )
    inputs = keras.Input(shape=(input_dim,))
    model = keras.Model(inputs, _build(spec, inputs, None), name=name)
    return compile_model(model, steps_per_execution=MLP_STEPS_PER_EXECUTION)


def layer_table(model):
    """Each layer as ``{layer, settings, output_shape, params}`` (inputs excluded)."""
    rows = []
    for layer in model.layers:
        name = type(layer).__name__
        if name == "InputLayer":
            continue
        config = layer.get_config()
        settings = {}
        for key in (
            "filters",
            "kernel_size",
            "pool_size",
            "units",
            "rate",
            "activation",
            "padding",
        ):
            if key in config:
                value = config[key]
                settings[key] = tuple(value) if isinstance(value, list) else value
        rows.append(
            {
                "layer": name,
                "settings": settings,
                "output_shape": tuple(layer.output.shape[1:]),
                "params": int(layer.count_params()),
            }
        )
    return rows


def cnn_input(images):
    """Grayscale images (n, H, W) as the CNN's input (n, H, W, 1), float32."""
    import numpy as np

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"expected grayscale images of shape (n, H, W), got {images.shape}")
    return images[..., None]


def configuration_key(layers, optimizer):
    """The layers' and the optimizer's types and configurations, without the names Keras
    numbers per process (``dense_3``, ``adam_2``): equal for two models built alike, so
    it can name a cached or re-used model (JSON-ready)."""

    def unnamed(config):
        return {k: v for k, v in config.items() if k != "name"}

    return {
        "layers": [(type(layer).__name__, unnamed(layer.get_config())) for layer in layers],
        "optimizer": (type(optimizer).__name__, unnamed(optimizer.get_config())),
    }


def accuracy_of(model, x, y, batch_size=EVALUATION_BATCH_SIZE):
    """Accuracy of ``model`` on ``(x, y)`` from direct forward calls (inference mode).

    ``model.evaluate`` first traces a compiled test step for every new model, about a
    second on a 2-core CPU: most of the time when chapter 04 scores dozens of freshly
    rebuilt models on a few hundred validation images. The predictions are the same
    (argmax of the class probabilities), up to float32 round-off between graph and
    eager kernels.
    """
    import keras

    y = np.asarray(y)
    if len(x) != len(y) or len(y) == 0:
        raise ValueError(f"need as many labels as images (> 0), got {len(x)} and {len(y)}")
    correct = 0
    for start in range(0, len(y), batch_size):
        probabilities = keras.ops.convert_to_numpy(
            model(x[start : start + batch_size], training=False)
        )
        correct += int(np.sum(np.argmax(probabilities, axis=1) == y[start : start + batch_size]))
    return correct / len(y)
