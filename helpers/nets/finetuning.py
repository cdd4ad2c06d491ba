"""Fine-tuning of SVD-compressed CNNs (chapter 04): the sweep and its cache.

:func:`compression_sweep` rebuilds, scores and fine-tunes each compressed version of a
trained CNN (:func:`helpers.nets.compression.compress_model`); each finished fine-tuning
is cached under a key of everything that determines it, so an interrupted sweep keeps
its finished models and a re-run serves them.
"""

from __future__ import annotations

import math

from helpers.nets.compression import SVD_ACCURACY_TOLERANCE, choose_compression, compress_model
from helpers.nets.models import accuracy_of
from helpers.provenance import phase

__all__ = ["COST_KEYS", "FINETUNE_CACHE_VERSION", "compression_sweep", "fine_tuning_order"]

FINETUNE_CACHE_VERSION = 1


def _finetune_paths(cache_dir, model, applied, x_fit, y_fit, x_val, y_val, protocol, seed):
    """Weights and record paths of one fine-tuned model, named by what determines it.

    The starting weights are fingerprinted, not the base model's name: the same
    factors from the same trained CNN are the same start, whatever produced it. The
    layers' and the optimizer's configurations (learning rate included) are in the
    key; the training code is not: :data:`FINETUNE_CACHE_VERSION` stands for it.
    """
    from dataclasses import asdict
    from pathlib import Path

    from helpers.data import fingerprint
    from helpers.nets.models import ARCHITECTURE_VERSION, configuration_key
    from helpers.nets.training import backend_id, run_key

    key = run_key(
        start=fingerprint(*model.get_weights()),
        **configuration_key(model.layers, model.optimizer),
        ranks=applied,
        data=fingerprint(x_fit, y_fit, x_val, y_val),
        protocol=asdict(protocol),
        seed=seed,
        backend=backend_id(),
        architecture=ARCHITECTURE_VERSION,
        version=FINETUNE_CACHE_VERSION,
    )
    stem = Path(cache_dir) / f"finetuned-{key}"
    return stem.with_name(stem.name + ".weights.h5"), stem.with_suffix(".json")


def _load_finetuned(build, weights_path, info_path, log):
    """A cached fine-tuning loaded into a model from ``build()``: ``(model, run record)``,
    or None when absent or unreadable (then removed). A failed load leaves no
    half-loaded model behind: the caller fine-tunes its own, untouched one."""
    import json

    if not (weights_path.is_file() and info_path.is_file()):
        return None
    try:
        run = json.loads(info_path.read_text())
        model = build()
        # The file holds the optimizer's state too; built, it loads without a warning.
        model.optimizer.build(model.trainable_variables)
        model.load_weights(weights_path)
    except Exception as exc:  # a corrupt entry is fine-tuned again, never served
        log(
            f"  cached fine-tuning {weights_path.name} is unreadable "
            f"({type(exc).__name__}: {exc}); fine-tuning again"
        )
        weights_path.unlink(missing_ok=True)
        info_path.unlink(missing_ok=True)
        return None
    return model, {**run, "cached": True}


def _save_finetuned(model, run, weights_path, info_path):
    """Save a finished fine-tuning: weights first, then the record that makes it valid."""
    from helpers.files import atomic_path, atomic_write_json

    with atomic_path(weights_path, suffix=".weights.h5") as tmp:
        model.save_weights(tmp)
    atomic_write_json(info_path, {"epochs_run": run["epochs_run"], "best_epoch": run["best_epoch"]})


COST_KEYS = ("params", "flops_per_image", "size_bytes", "latency_ms", "latency_ms_per_image")


def fine_tuning_order(rows, control_label=None):
    """Indices of ``rows`` (dicts with ``label`` and ``params``) in the order they are
    fine-tuned: the control first, then by parameter count, ties in the given order.

    In this order the first candidate that passes the tolerance rule is the one
    :func:`~helpers.nets.compression.choose_compression` picks (the fewest parameters,
    the earliest of equals), so no larger candidate can change the choice.
    """
    first = [i for i, r in enumerate(rows) if r["label"] == control_label]
    rest = sorted((i for i in range(len(rows)) if i not in first), key=lambda i: rows[i]["params"])
    return first + rest


def compression_sweep(
    model,
    dataset,
    configurations,
    *,
    protocol,
    seed,
    latency_repeats=20,
    cache_dir=None,
    log=None,
    fine_tune_all=True,
    control_label=None,
    tolerance=SVD_ACCURACY_TOLERANCE,
):
    """Validation accuracy and cost of SVD-compressed versions of ``model``.

    ``configurations`` is a list of ``(label, energy or None, ranks)``; empty
    ``ranks`` give the uncompressed control. Each model is scored on the
    validation split the original was trained with (never on the test split),
    as rebuilt and after fine-tuning under ``protocol`` (early stopping on that
    split, Adam with learning rate 1e-4). The control is fine-tuned alike, so
    extra epochs are never mistaken for a gain of compression.

    With ``fine_tune_all=False``, the candidates are fine-tuned after the control
    (``control_label``) in :func:`fine_tuning_order` and the sweep stops fine-tuning at
    the first one the rule (:func:`~helpers.nets.compression.choose_compression` at
    ``tolerance``) accepts: every later one is larger, so it cannot be chosen. Those
    rows keep their rebuilt accuracy and cost, with ``fine_tuned`` False and no
    fine-tuned accuracy (NaN). The rows that are fine-tuned are the same, weights
    included, as with ``fine_tune_all=True``: each is seeded before it is built and
    again before it is fitted.

    With ``cache_dir``, each fine-tuned model is saved there as soon as it is
    done and loaded instead of fine-tuned again when nothing that determines it
    changed (see :func:`_finetune_paths`): an interrupted sweep keeps every
    finished model, and a re-run re-measures only costs and accuracies.

    Returns
    -------
    rows : list of dict
        In the order of ``configurations``.
    models : dict
        ``label -> fine-tuned keras.Model`` (for scoring the chosen ones on test).
    """
    from helpers.nets.cost import model_cost
    from helpers.nets.models import cnn_input
    from helpers.nets.protocol import final_validation_split
    from helpers.nets.seeding import set_seed
    from helpers.progress import Progress, log_progress

    labels = [label for label, _, _ in configurations]
    if not fine_tune_all and labels.count(control_label) != 1:
        raise ValueError(
            f"fine_tune_all=False stops at the rule's choice, which compares with the "
            f"control: control_label must name one of {labels}, got {control_label!r}"
        )
    log = log or log_progress
    x = cnn_input(dataset.x_train)
    fit_idx, val_idx = final_validation_split(dataset.y_train, protocol, seed)
    split = (x[fit_idx], dataset.y_train[fit_idx], x[val_idx], dataset.y_train[val_idx])
    built = []
    for label, energy, ranks in configurations:
        # Seed before building: Keras layers draw their dropout seeds at construction,
        # so each row must not depend on how many models were built before it.
        set_seed(seed)
        compressed, applied = compress_model(model, ranks)
        with phase("SVD cost and latency"):
            cost = model_cost(compressed, split[2], [], len(fit_idx), latency_repeats)
        built.append(
            {
                "model": compressed,
                "ranks": ranks,
                "row": {
                    "dataset": dataset.name,
                    "label": label,
                    "energy": energy,
                    "layer_ranks": applied,
                    "val_accuracy": float(accuracy_of(compressed, split[2], split[3])),
                    "val_accuracy_finetuned": math.nan,
                    "fine_tuned": False,
                    "finetune_epochs_run": None,
                    "finetune_best_epoch": None,
                    **{k: cost[k] for k in COST_KEYS},
                },
            }
        )
    rows = [b["row"] for b in built]
    models = {}
    order = range(len(built)) if fine_tune_all else fine_tuning_order(rows, control_label)
    # Over every candidate in the order: an upper bound when the rule stops early.
    progress = Progress(len(order), f"{dataset.name} fine-tuning")
    for i in order:
        models[rows[i]["label"]] = _fine_tune(
            model, built[i], split, protocol, seed, cache_dir, log, progress
        )
        if fine_tune_all:
            continue
        done = [r for r in rows if r["fine_tuned"]]
        pick = choose_compression(done, control_label, tolerance) if len(done) > 1 else None
        if pick is not None:
            log(
                f"  {dataset.name}: the rule chose {pick['label']}; the "
                f"{len(rows) - len(done)} larger candidates are not fine-tuned"
            )
            break
    progress.close()
    return rows, models


def _fine_tune(model, entry, split, protocol, seed, cache_dir, log, progress):
    """Fine-tune ``entry['model']`` (or load it from the cache), fill in its row, and
    return the fine-tuned model; ``progress`` (:class:`helpers.progress.Progress`)
    counts it, and its line says how many are done and the time left."""
    from helpers.nets.seeding import set_seed
    from helpers.nets.training import fit_with_protocol

    x_fit, y_fit, x_val, y_val = split
    row, compressed = entry["row"], entry["model"]
    paths = run = None
    if cache_dir is not None:
        paths = _finetune_paths(cache_dir, compressed, row["layer_ranks"], *split, protocol, seed)
        loaded = _load_finetuned(lambda: compress_model(model, entry["ranks"])[0], *paths, log)
        if loaded is not None:
            compressed, run = loaded
    if run is None:
        set_seed(seed)
        with phase("SVD fine-tuning"):
            run = fit_with_protocol(compressed, x_fit, y_fit, (x_val, y_val), protocol)
        if paths is not None:
            _save_finetuned(compressed, run, *paths)
    tuned = accuracy_of(compressed, x_val, y_val)
    if run.get("cached"):  # no work done: no pace of fine-tuning
        progress.skip()
    else:
        progress.step()
    log(
        f"  {row['dataset']} {row['label']}: params {row['params']}, validation accuracy "
        f"{row['val_accuracy']:.4f} rebuilt, {tuned:.4f} fine-tuned "
        f"(best epoch {run['best_epoch']} of {run['epochs_run']}"
        + (", cached)" if run.get("cached") else ")")
        + f"; done {progress.text()}"
    )
    row.update(
        val_accuracy_finetuned=float(tuned),
        fine_tuned=True,
        finetune_epochs_run=run["epochs_run"],
        finetune_best_epoch=run["best_epoch"],
    )
    return compressed
