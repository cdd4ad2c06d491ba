"""Chapter 04's study (notebooks/04_svd_compression.ipynb), one call per step.

1. :func:`svd_sweep`: per dataset, the final CNN, its spectra, the full-rank exactness
   check, and every candidate (energy, rank fraction, per-layer sensitivity) rebuilt,
   fine-tuned and scored on the validation split beside an equally fine-tuned control.
2. :func:`sweep_table`: one row per model, with the compression ratio and the
   speed-ups against the control timed in the same loop.
3. :func:`score_choices`: the tolerance rule's choice per dataset, scored once on the
   test split against the control (non-inferiority) and a narrower CNN of about the
   same size, trained and fine-tuned under the same protocol (McNemar).

The building blocks (factorization, sweep, rule) are in :mod:`helpers.nets.compression`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.nets.compression import (
    SVD_ACCURACY_TOLERANCE,
    choose_compression,
    compress_model,
    layer_sensitivity_ranks,
    ranks_for_energy,
    singular_values,
)
from helpers.nets.finetuning import COST_KEYS, compression_sweep
from helpers.nets.seeding import EVALUATION_BATCH_SIZE
from helpers.provenance import phase

__all__ = [
    "CONTROL_LABEL",
    "NONINFERIORITY_ALPHA",
    "SvdSweep",
    "candidate_configurations",
    "svd_sweep",
    "sweep_table",
    "table_4_frame",
    "score_choices",
    "svd_results",
    "narrow_cnn_width",
    "timing_noise",
    "validation_noise",
]

# The non-inferiority test of the chosen model against the control is one-sided at this
# level (the conventional 5%; Berger & Boos 1994 for the test itself).
NONINFERIORITY_ALPHA = 0.05
# The uncompressed CNN fine-tuned like the compressed ones: what each is compared with.
CONTROL_LABEL = "original + fine-tune"
EXACTNESS_PROBE_IMAGES = 256  # test images on which the full-rank rebuild is compared


@dataclass
class SvdSweep:
    """What :func:`svd_sweep` measured, keyed by dataset name."""

    spectra: dict = field(default_factory=dict)  # layer -> singular values
    exactness: dict = field(default_factory=dict)  # max |p_rebuilt - p| at full rank
    base_rows: list = field(default_factory=list)  # the original CNNs, as rows
    rows: list = field(default_factory=list)  # every fine-tuned candidate and control
    tuned_models: dict = field(default_factory=dict)  # dataset -> label -> fine-tuned model
    sensitivity: dict = field(default_factory=dict)  # dataset -> drop -> per-layer trials

    @property
    def layer_names(self):
        return list(next(iter(self.spectra.values())))


def candidate_configurations(
    model, dataset, *, energies, rank_fractions, layer_drops, protocol, seed
):
    """The sweep's ``(label, energy or None, ranks)`` list, the control first.

    Per-layer ranks come from each layer's sensitivity on the validation split (only
    where the factors can make the layer faster). Returns the list and the sensitivity
    trials keyed by drop.
    """
    from helpers.nets.models import cnn_input
    from helpers.nets.protocol import final_validation_split

    full = {layer: len(v) for layer, v in singular_values(model).items()}
    configurations = [(CONTROL_LABEL, 1.0, {})]
    configurations += [(f"energy {e:g}", e, ranks_for_energy(model, e)) for e in energies]
    configurations += [
        (f"rank x{f:g}", None, {layer: max(1, int(round(f * r))) for layer, r in full.items()})
        for f in rank_fractions
    ]
    _, val_idx = final_validation_split(dataset.y_train, protocol, seed)
    sensitivity = {}
    with phase("SVD per-layer sensitivity"):
        for drop in layer_drops:
            layer_ranks, trials = layer_sensitivity_ranks(
                model,
                cnn_input(dataset.x_train[val_idx]),
                dataset.y_train[val_idx],
                max_drop=drop,
            )
            sensitivity[f"{drop:g}"] = trials
            configurations.append((f"per-layer, drop {drop:g}", None, layer_ranks))
    return configurations, sensitivity


def _original_row(name, model, final, dataset, latency_repeats):
    from helpers.nets.cost import model_cost
    from helpers.nets.models import cnn_input

    cost = model_cost(model, cnn_input(dataset.x_test), [], len(dataset.y_train), latency_repeats)
    return {
        "dataset": name,
        "label": "original",
        "energy": 1.0,
        "layer_ranks": {layer: None for layer in singular_values(model)},
        "val_accuracy": final["validation_accuracy"],
        "val_accuracy_finetuned": float("nan"),
        **{k: cost[k] for k in COST_KEYS},
    }


def full_rank_difference(model, x_probe):
    """Largest absolute difference of the predicted class probabilities between
    ``model`` and its full-rank factorization (every layer split): round-off only."""
    full = {layer: len(v) for layer, v in singular_values(model).items()}
    rebuilt, _ = compress_model(model, full, factorize_all=True)
    return float(
        np.abs(rebuilt.predict(x_probe, verbose=0) - model.predict(x_probe, verbose=0)).max()
    )


def svd_sweep(
    data,
    *,
    protocol,
    seed,
    padding,
    model_dir,
    energies,
    rank_fractions,
    layer_drops,
    latency_repeats,
    fine_tune_all=True,
    tolerance=SVD_ACCURACY_TOLERANCE,
):
    """Step 1 for every dataset of ``data`` (name -> Dataset); see the module docstring.

    The final CNN is loaded from ``model_dir`` when chapter 02 trained it with the same
    parameters; fine-tuned models are cached there too. With ``fine_tune_all=False`` the
    candidates larger than the rule's choice (at ``tolerance``) are not fine-tuned
    (:func:`helpers.nets.finetuning.compression_sweep`): the choice is the same.
    """
    from helpers.nets.classification import final_cnn
    from helpers.nets.models import cnn_input

    sweep = SvdSweep()
    model_dir = Path(model_dir)
    for name, dataset in data.items():
        model, final = final_cnn(
            dataset, protocol=protocol, seed=seed, padding=padding, model_dir=model_dir
        )
        sweep.spectra[name] = singular_values(model)
        sweep.exactness[name] = full_rank_difference(
            model, cnn_input(dataset.x_test[:EXACTNESS_PROBE_IMAGES])
        )
        sweep.base_rows.append(_original_row(name, model, final, dataset, latency_repeats))
        configurations, sweep.sensitivity[name] = candidate_configurations(
            model,
            dataset,
            energies=energies,
            rank_fractions=rank_fractions,
            layer_drops=layer_drops,
            protocol=protocol,
            seed=seed,
        )
        rows, sweep.tuned_models[name] = compression_sweep(
            model,
            dataset,
            configurations,
            protocol=protocol,
            seed=seed,
            latency_repeats=latency_repeats,
            cache_dir=model_dir,
            fine_tune_all=fine_tune_all,
            control_label=CONTROL_LABEL,
            tolerance=tolerance,
        )
        sweep.rows += rows
    return sweep


def sweep_table(sweep):
    """Every row of ``sweep`` (originals first) with ``ratio`` (original's parameters
    over the row's) and ``speed-up b=1`` / ``speed-up b=256`` against the control.

    The speed-ups are against the control, rebuilt and timed in the same loop as the
    compressed models: the original was timed elsewhere, so the two differ by timing
    noise (:func:`timing_noise` measures it).
    """
    import pandas as pd

    table = pd.DataFrame(sweep.base_rows + sweep.rows)
    base = table[table.label == "original"].set_index("dataset")
    control = table[table.label == CONTROL_LABEL].set_index("dataset")
    table["ratio"] = [base.loc[d, "params"] / p for d, p in zip(table.dataset, table.params)]
    for batch in ("1", "256"):
        table[f"speed-up b={batch}"] = [
            control.loc[d, "latency_ms"][batch] / latency[batch]
            for d, latency in zip(table.dataset, table.latency_ms)
        ]
    return table


def timing_noise(table):
    """Per dataset, the ratio (>= 1) of the batch-256 latencies of the original and the
    control: one architecture timed twice, the scale of timing noise on this machine
    (the original's "speed-up" against the control in :func:`sweep_table`'s table)."""
    originals = table[table.label == "original"]
    return {
        name: max(speedup, 1 / speedup)
        for name, speedup in zip(originals.dataset, originals["speed-up b=256"])
    }


def table_4_frame(table, layer_names):
    """Table 4's columns: ranks per layer ('-': kept whole), size, cost, accuracies."""
    import pandas as pd

    return pd.DataFrame(
        {
            "dataset": table.dataset,
            "compression": table.label,
            "ranks": [
                ", ".join("-" if lr.get(layer) is None else str(lr[layer]) for layer in layer_names)
                for lr in table.layer_ranks
            ],
            "params": table.params,
            "ratio": table.ratio,
            "MFLOP": table.flops_per_image / 1e6,
            "val. acc.": table.val_accuracy,
            "val. acc. tuned": table.val_accuracy_finetuned,
            "speed-up b=1": table["speed-up b=1"],
            "speed-up b=256": table["speed-up b=256"],
        }
    )


def validation_noise(data, rows, protocol, seed):
    """``(n_val, se)``: the validation split's size and the binomial standard error of an
    accuracy at the controls' mean fine-tuned validation accuracy."""
    from helpers.nets.protocol import final_validation_split

    n_val = len(final_validation_split(next(iter(data.values())).y_train, protocol, seed)[1])
    control_val = np.mean(
        [r["val_accuracy_finetuned"] for r in rows if r["label"] == CONTROL_LABEL]
    )
    return n_val, float(np.sqrt(control_val * (1 - control_val) / n_val))


def _predicted_classes(model, x):
    return np.argmax(model.predict(x, batch_size=EVALUATION_BATCH_SIZE, verbose=0), axis=1)


def narrow_cnn_width(target_params, input_shape, n_classes=10, padding="same"):
    """The width multiplier of the study's CNN whose parameter count is closest to
    ``target_params`` (widths 0.05 to 1.0 in steps of 0.05)."""
    from helpers.nets.models import study_cnn

    widths = [round(0.05 * k, 2) for k in range(1, 21)]
    counts = {
        w: study_cnn(input_shape, n_classes, padding=padding, width=w).count_params()
        for w in widths
    }
    return min(widths, key=lambda w: abs(counts[w] - target_params)), counts


def _narrower_cnn(dataset, target_params, *, protocol, seed, padding, model_dir, latency_repeats):
    """The study's CNN made narrower to about ``target_params``, trained from scratch,
    then fine-tuned like the compressed models and the control (the same second stage,
    on the same validation split). Returns (width, model, training info, sweep row,
    fine-tuned model)."""
    from helpers.nets.classification import cnn_id
    from helpers.nets.models import cnn_input, study_cnn
    from helpers.nets.training import train_final

    x_test = cnn_input(dataset.x_test)
    width, _ = narrow_cnn_width(target_params, x_test.shape[1:], padding=padding)
    narrow, info = train_final(
        lambda shape, w=width: study_cnn(shape, padding=padding, width=w),
        cnn_input(dataset.x_train),
        dataset.y_train,
        x_test,
        dataset.y_test,
        model_id=f"{cnn_id(dataset, padding)}/width{width:g}",
        protocol=protocol,
        seed=seed,
        model_dir=model_dir,
    )
    rows, tuned = compression_sweep(
        narrow,
        dataset,
        [("narrower CNN + fine-tune", 1.0, {})],
        protocol=protocol,
        seed=seed,
        latency_repeats=latency_repeats,
        cache_dir=model_dir,
    )
    return width, narrow, info, rows[0], tuned["narrower CNN + fine-tune"]


def score_choice(
    dataset, sweep, table, *, protocol, seed, padding, model_dir, latency_repeats, tolerance
):
    """One dataset's choice (the rule on validation) scored once on the test split.

    Returns a dict: the control's test accuracy always; with a choice, its label, ratio,
    ranks, validation and test accuracies, speed-ups, the narrower CNN's numbers, and the
    two paired tests (``versus_narrow``: exact McNemar; ``versus_control``: exact
    non-inferiority at margin ``tolerance``).
    """
    from helpers.nets.models import cnn_input
    from helpers.stats.significance import mcnemar_test, noninferiority_test

    name = dataset.name
    part = [r for r in sweep.rows if r["dataset"] == name]
    pick = choose_compression(part, CONTROL_LABEL, tolerance)
    x_test = cnn_input(dataset.x_test)
    control_pred = _predicted_classes(sweep.tuned_models[name][CONTROL_LABEL], x_test)
    entry = {"control_test_accuracy": float(np.mean(control_pred == dataset.y_test))}
    if pick is None:
        return entry
    base_params = table[(table.dataset == name) & (table.label == "original")].params.iloc[0]
    chosen_pred = _predicted_classes(sweep.tuned_models[name][pick["label"]], x_test)
    width, narrow, narrow_info, narrow_row, narrow_tuned = _narrower_cnn(
        dataset,
        pick["params"],
        protocol=protocol,
        seed=seed,
        padding=padding,
        model_dir=model_dir,
        latency_repeats=latency_repeats,
    )
    narrow_pred = _predicted_classes(narrow_tuned, x_test)
    chosen_row = table[(table.dataset == name) & (table.label == pick["label"])].iloc[0]
    entry.update(
        label=pick["label"],
        ratio=float(base_params / pick["params"]),
        params=int(pick["params"]),
        val_accuracy=pick["val_accuracy_finetuned"],
        control_val_accuracy=next(
            r["val_accuracy_finetuned"] for r in part if r["label"] == CONTROL_LABEL
        ),
        test_accuracy=float(np.mean(chosen_pred == dataset.y_test)),
        speedup_batch1=float(chosen_row["speed-up b=1"]),
        speedup_batch256=float(chosen_row["speed-up b=256"]),
        layer_ranks=pick["layer_ranks"],
        narrow_width=width,
        narrow_params=int(narrow.count_params()),
        narrow_val_accuracy=narrow_row["val_accuracy_finetuned"],
        narrow_test_accuracy=float(np.mean(narrow_pred == dataset.y_test)),
        narrow_epochs=(
            f"{narrow_info['best_epoch']} of {narrow_info['epochs_run']}, then "
            f"{narrow_row['finetune_best_epoch']} of "
            f"{narrow_row['finetune_epochs_run']} fine-tuning"
        ),
        # The claim "within the tolerance of the control", tested once on the test split.
        versus_narrow=mcnemar_test(dataset.y_test, chosen_pred, narrow_pred),
        versus_control=noninferiority_test(dataset.y_test, chosen_pred, control_pred, tolerance),
    )
    return entry


def score_choices(
    data,
    sweep,
    table,
    *,
    protocol,
    seed,
    padding,
    model_dir,
    latency_repeats,
    tolerance=SVD_ACCURACY_TOLERANCE,
):
    """:func:`score_choice` for every dataset of ``data``: name -> entry."""
    return {
        name: score_choice(
            dataset,
            sweep,
            table,
            protocol=protocol,
            seed=seed,
            padding=padding,
            model_dir=Path(model_dir),
            latency_repeats=latency_repeats,
            tolerance=tolerance,
        )
        for name, dataset in data.items()
    }


def svd_results(sweep, table, best, *, profile, seed, protocol, tolerance, precision):
    """The chapter's results record (``results/svd_compression.json``)."""
    speed_ups = ["ratio", "speed-up b=1", "speed-up b=256"]
    return {
        "profile": profile,
        "seed": seed,
        "protocol": protocol.describe(),
        "tolerance": tolerance,
        "precision": precision,
        "full_rank_max_abs_difference": sweep.exactness,
        "rows": table.drop(columns=speed_ups).to_dict("records"),
        "ratios": table[["dataset", "label", *speed_ups]].to_dict("records"),
        "chosen": best,
        "layer_sensitivity": sweep.sensitivity,
        "spectra": {n: dict(s) for n, s in sweep.spectra.items()},
    }
