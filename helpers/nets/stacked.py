"""Several cross-validation folds of one MLP trained side by side, as one model.

The study's MLP is tiny (~1.3 MFLOP per training image): one fold's step at
batch 64 is a few small matrix products, and per-step dispatch, not arithmetic,
sets its speed. Stacking the K folds' copies of the network into one model
whose every Dense layer is a batched product over the K members
(``(K, batch, in) @ (K, in, out)``) makes one step train all K folds, on K
batches of 64 images, one from each fold's own training set; the tracing of
the training function happens once instead of K times.

The members never mix: each has its own weights, the loss is the sum of the
members' own batch-mean cross-entropies (each member's gradient is its own
fold's, divided by its own rows in the batch), Adam's moments are per weight,
and each member has its own early stopping on its own validation split, with
its best epoch's weights restored. The stack outputs logits and every loss is
computed from them (``from_logits``), as Keras' TensorFlow backend does for a
model alone with a softmax output: clipping probabilities would cap the loss
of a confidently wrong row and zero its gradient. (Keras' JAX backend clips for
a model alone; the stack does not.)
What differs from K separate fits: the dropout masks and the order of the
batches come from one seeded stream for the stack (the order of each fold's
images is still a fresh permutation every epoch, one permutation of the rows
for all members), so a fold's result depends on the number of folds and its
place in the stack, not only on its seed; and a member that stopped keeps
riding along (its updates are discarded by restoring its best weights).

Used by chapter 03 (:func:`helpers.nets.cross_validation.cross_validate_many`, and
:func:`helpers.nets.cross_validation.cross_validate` with ``stacked=True``);
``bench/bench_mlp.py`` measures it.
"""

from __future__ import annotations

import json
import threading
import time

import keras
import numpy as np
from keras import ops
from scipy.special import log_softmax

from helpers.nets.models import configuration_key
from helpers.nets.seeding import training_data

__all__ = [
    "StackedDense",
    "stack_members",
    "stack_rows",
    "fit_stacked",
    "predict_members",
    "member_scores",
    "MemberEarlyStopping",
    "EarlyStoppingRule",
]

# Rows scored per call when a stack predicts (bounds the activations' memory).
PREDICT_CHUNK = 4096


@keras.saving.register_keras_serializable(package="helpers")
class StackedDense(keras.layers.Layer):
    """K independent Dense layers applied to inputs of shape ``(K, batch, in)``.

    Member k computes ``activation(x[k] @ kernel[k] + bias[k])``: the same as a
    ``Dense(units)`` with that member's weights.
    """

    def __init__(self, units, members, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.members = int(units), int(members)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.members, int(input_shape[-1]), self.units),
            initializer="zeros",  # the members' weights are loaded into it
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.members, self.units), initializer="zeros"
        )

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, self.kernel) + self.bias[:, None, :])

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "members": self.members,
            "activation": keras.activations.serialize(self.activation),
        }


class MemberMetrics(keras.metrics.Metric):
    """Each member's training loss and accuracy over an epoch (padding rows excluded)."""

    def __init__(self, members, name="members", **kwargs):
        super().__init__(name=name, **kwargs)
        self.members = members
        self.loss_sum = self.add_variable(shape=(members,), initializer="zeros", name="l")
        self.correct = self.add_variable(shape=(members,), initializer="zeros", name="c")
        self.count = self.add_variable(shape=(members,), initializer="zeros", name="n")

    def update_state(self, y_true, y_pred, sample_weight=None):
        valid, labels = _valid_labels(y_true)
        losses = keras.losses.sparse_categorical_crossentropy(labels, y_pred, from_logits=True)
        hits = ops.cast(ops.equal(ops.argmax(y_pred, axis=-1), labels), "float32")
        self.loss_sum.assign_add(ops.sum(ops.cast(losses, "float32") * valid, axis=0))
        self.correct.assign_add(ops.sum(hits * valid, axis=0))
        self.count.assign_add(ops.sum(valid, axis=0))

    def result(self):
        count = ops.maximum(self.count, 1.0)
        loss, accuracy = self.loss_sum / count, self.correct / count
        out = {}
        for k in range(self.members):
            out[f"loss_{k}"] = loss[k]
            out[f"accuracy_{k}"] = accuracy[k]
        return out


def _valid_labels(y_true):
    """Padding rows carry the label -1: a mask and labels safe to index with."""
    valid = ops.cast(ops.greater_equal(y_true, 0), "float32")
    labels = ops.cast(ops.maximum(y_true, 0), "int32")
    return valid, labels


def stacked_loss(y_true, y_pred):
    """Per row, the sum over members of their cross-entropies from the logits
    ``y_pred``, each scaled by batch rows / that member's real rows (padding rows: 0).

    Keras averages it over the batch rows: the result is the sum of the members'
    own batch-mean losses, so member k's gradient is that of a separate fit on its
    own rows, whatever padding the batch holds.
    """
    valid, labels = _valid_labels(y_true)
    losses = keras.losses.sparse_categorical_crossentropy(labels, y_pred, from_logits=True)
    rows = ops.cast(ops.shape(valid)[0], "float32")
    scale = rows / ops.maximum(ops.sum(valid, axis=0), 1.0)
    return ops.sum(ops.cast(losses, "float32") * valid * scale, axis=-1)


# Stacks traced in this process, by architecture: a stack of one architecture, size and
# input width is built and traced once (~1 s, most of a small CV's overhead) and then
# re-loaded with each new CV's members. A few entries: a chapter has a handful of shapes.
_STACKS: dict = {}
_STACKS_KEPT = 8


def stack_members(members, *, seed=0, steps_per_execution=1):
    """One compiled model training ``members`` (built, compiled Dense/Dropout MLPs of one
    architecture) side by side, starting from their current weights.

    Input ``(batch, K, in)``, output ``(batch, K, classes)`` logits (the members'
    softmax inputs): row i holds one image of each member's data. Labels
    ``(batch, K)``; -1 marks a padding row of a member. The members' last layer must
    be a softmax Dense layer and their optimizer is copied from its config.
    The stack's dropout masks are drawn from generators seeded with ``seed``.

    On TensorFlow, a stack of the same architecture built earlier in this process (and
    thread) is re-used: its
    weights, optimizer state and dropout generators are reset to what a fresh stack
    would start from (so it trains exactly as a fresh one, tests/test_stacked.py)
    and its traced functions are kept. Use the returned model before stacking again.
    """
    shapes = [tuple(m.input_shape[1:]) for m in members]
    if len(set(shapes)) != 1 or len(shapes[0]) != 1:
        raise ValueError(f"members must share one vector input shape, got {shapes}")
    if keras.config.backend() == "tensorflow":
        # Per thread: a worker running two tasks at once must not share one model.
        key = (threading.get_ident(), _architecture_key(members, steps_per_execution))
        stack = _STACKS.pop(key, None) or _build_stack(members, steps_per_execution)
        _STACKS[key] = stack  # most recently used last
        while len(_STACKS) > _STACKS_KEPT:
            _STACKS.pop(next(iter(_STACKS)))
    else:
        # On JAX a re-loaded stack trained differently from a fresh one (weights,
        # optimizer and seed states were equal before fit; the cause is not found), so
        # JAX builds and traces a stack per CV.
        stack = _build_stack(members, steps_per_execution)
    model, fresh_optimizer_state = stack
    _load_members(model, members, seed, fresh_optimizer_state)
    return model


def _member_layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _architecture_key(members, steps_per_execution):
    first = members[0]
    return json.dumps(
        [
            len(members),
            first.input_shape[1:],
            configuration_key(_member_layers(first), first.optimizer),
            steps_per_execution,
        ],
        sort_keys=True,
        default=str,
    )


def _build_stack(members, steps_per_execution):
    first = members[0]
    k = len(members)
    inputs = keras.Input((k, first.input_shape[-1]))
    x = ops.transpose(inputs, (1, 0, 2))  # (K, batch, in): a batched product per layer
    layers = _member_layers(first)
    for position, layer in enumerate(layers):
        kind = type(layer).__name__
        if kind == "Dense":
            activation = keras.activations.serialize(layer.activation)
            if position == len(layers) - 1:
                if activation != "softmax":
                    raise ValueError(f"the members' last layer must be softmax, not {activation}")
                activation = None  # logits: the losses take them from_logits
            x = StackedDense(layer.units, k, activation, dtype=layer.dtype_policy, name=layer.name)(
                x
            )
        elif kind == "Dropout":
            # A fixed seed, so building draws nothing from the seeded Python stream
            # (_load_members seeds the generator): a built and a re-used stack then
            # shuffle alike.
            x = keras.layers.Dropout(layer.rate, seed=0, name=layer.name)(x)
        else:
            raise ValueError(f"stack_members supports Dense and Dropout layers, not {kind}")
    outputs = ops.transpose(x, (1, 0, 2))
    model = keras.Model(inputs, outputs, name=f"{first.name}_x{k}")
    model.compile(
        optimizer=type(first.optimizer).from_config(first.optimizer.get_config()),
        loss=stacked_loss,
        metrics=[MemberMetrics(k)],
        steps_per_execution=steps_per_execution,
    )
    model.optimizer.build(model.trainable_variables)
    # What a fresh optimizer starts from (step 0, zero moments), restored for each CV.
    return model, [np.array(v) for v in model.optimizer.variables]


def _load_members(model, members, seed, fresh_optimizer_state):
    """The members' weights, a fresh optimizer state, dropout generators seeded from
    ``seed``: everything a stack's training depends on besides its data."""
    layers = [_member_layers(m) for m in members]
    for position, layer in enumerate(_member_layers(model)):
        if isinstance(layer, StackedDense):
            layer.kernel.assign(np.stack([m[position].kernel.numpy() for m in layers]))
            layer.bias.assign(np.stack([m[position].bias.numpy() for m in layers]))
    for variable, value in zip(model.optimizer.variables, fresh_optimizer_state, strict=True):
        variable.assign(value)
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    seeds = np.random.default_rng(seed).integers(1, 2**30, len(dropouts))
    for layer, layer_seed in zip(dropouts, seeds):
        state = layer.seed_generator.state
        state.assign(np.array([layer_seed, 0], dtype=state.dtype))


def _stacked_variables(model):
    return [v for layer in model.layers if isinstance(layer, StackedDense) for v in layer.weights]


def stack_rows(arrays, labels):
    """``(n_max, K, ...)`` inputs and ``(n_max, K)`` labels; shorter members padded
    with zero rows labelled -1."""
    n_max = max(len(a) for a in arrays)
    x = np.zeros((n_max, len(arrays), *arrays[0].shape[1:]), dtype=np.float32)
    y = np.full((n_max, len(arrays)), -1, dtype=np.int32)
    for k, (a, labels_k) in enumerate(zip(arrays, labels)):
        x[: len(a), k] = a
        y[: len(a), k] = labels_k
    return x, y


def predict_members(model, x_stack):
    """Logits ``(n, K, classes)`` (inference mode, in chunks)."""
    parts = [
        np.asarray(model.predict_on_batch(x_stack[i : i + PREDICT_CHUNK]))
        for i in range(0, len(x_stack), PREDICT_CHUNK)
    ]
    return np.concatenate(parts)


def member_scores(logits, labels):
    """Per member ``(loss, accuracy)`` on its own rows: mean cross-entropy from the
    logits (as ``model.evaluate`` computes it for a softmax model on TensorFlow) and
    the share of rows whose largest logit is the label."""
    scores = []
    for k, y in enumerate(labels):
        y = np.asarray(y)
        z = logits[: len(y), k].astype(np.float64)
        loss = -log_softmax(z, axis=1)[np.arange(len(y)), y]
        scores.append((float(loss.mean()), float(np.mean(np.argmax(z, axis=1) == y))))
    return scores


class EarlyStoppingRule:
    """The decisions of ``keras.callbacks.EarlyStopping(monitor="val_loss", patience=p,
    restore_best_weights=True)`` (Keras 3) for one monitored sequence: the first epoch
    is always an improvement (even NaN), later ones when strictly lower than the best
    (so nothing beats a NaN best), and training stops once ``wait >= patience`` after
    epoch 0."""

    def __init__(self, patience):
        self.patience = patience
        self.best = None
        self.wait = 0

    def update(self, epoch, value):
        """``(keep_weights, stop)`` after ``epoch`` (0-based) ended with ``value``."""
        self.wait += 1
        if self.best is None or value < self.best:
            self.best, self.wait = value, 0
            return True, False
        return False, self.wait >= self.patience and epoch > 0


class MemberEarlyStopping(keras.callbacks.Callback):
    """:class:`EarlyStoppingRule` run separately for each member on its own validation
    split, each member's best weights restored at the end; the stack stops when every
    member has."""

    def __init__(self, x_val_stack, y_val, patience):
        super().__init__()
        self.x_val_stack, self.y_val = x_val_stack, y_val
        k = len(y_val)
        self.rules = [EarlyStoppingRule(patience) for _ in range(k)]
        self.best_weights = [None] * k  # per member, one array per stacked variable
        self.epochs_run = [None] * k
        self.history = [
            {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []} for _ in range(k)
        ]
        self.epoch_seconds = []

    def on_train_begin(self, logs=None):
        self.variables = _stacked_variables(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        scores = member_scores(predict_members(self.model, self.x_val_stack), self.y_val)
        active = [k for k in range(len(scores)) if self.epochs_run[k] is None]
        values = None  # the stacked weights, read once when some member keeps its own
        for k in active:
            val_loss, val_accuracy = scores[k]
            history = self.history[k]
            history["loss"].append(float(logs[f"loss_{k}"]))
            history["accuracy"].append(float(logs[f"accuracy_{k}"]))
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_accuracy)
            keep, stop = self.rules[k].update(epoch, val_loss)
            if keep:
                if values is None:
                    values = [v.numpy() for v in self.variables]
                self.best_weights[k] = [np.array(full[k]) for full in values]
            if stop:
                self.epochs_run[k] = epoch + 1
        # The epoch's wall time and the members still training in it (stopped members
        # ride along, so their compute is charged to the active ones).
        self.epoch_seconds.append((time.perf_counter() - self.start, len(active)))
        if all(r is not None for r in self.epochs_run):
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.epochs_run = [len(self.epoch_seconds) if r is None else r for r in self.epochs_run]
        for i, variable in enumerate(self.variables):
            full = variable.numpy()
            for k, weights in enumerate(self.best_weights):
                if weights is not None:
                    full[k] = weights[i]
            variable.assign(full)


def fit_stacked(model, x_fits, y_fits, x_vals, y_vals, protocol):
    """Train a :func:`stack_members` model under ``protocol`` (per-member early stopping).

    Returns
    -------
    list of dict
        Per member: ``history``, ``epoch_seconds`` (each epoch's wall time divided by
        the members still training in it: shares of the stack's time, which add up to
        it, not the time a fit alone would take), ``epochs_run``, ``best_epoch``.
    """

    x_stack, y_stack = stack_rows(x_fits, y_fits)
    x_val_stack, _ = stack_rows(x_vals, y_vals)
    stopper = MemberEarlyStopping(x_val_stack, [np.asarray(y) for y in y_vals], protocol.patience)
    inputs, options = training_data(x_stack, y_stack, protocol.batch_size)
    model.fit(*inputs, **options, epochs=protocol.max_epochs, verbose=0, callbacks=[stopper])
    runs = []
    for k in range(len(x_fits)):
        run = stopper.epochs_run[k]
        runs.append(
            {
                "history": stopper.history[k],
                "epoch_seconds": [s / n for s, n in stopper.epoch_seconds[:run]],
                "epochs_run": run,
                # As fit() reports it for a model trained alone.
                "best_epoch": int(np.argmin(stopper.history[k]["val_loss"])) + 1,
            }
        )
    return runs
