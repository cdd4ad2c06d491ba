"""The summary's back matter (notebooks/99_report.ipynb): the configuration each
experiment ran with and the reproducibility tables, built from the results' own records.
"""

from __future__ import annotations

from helpers.tables import Table

__all__ = [
    "configuration_rows",
    "where_the_folds_ran",
    "mlp_configuration",
    "provenance_tables",
    "comparison_tables",
    "cost_plane_points",
    "environment_tables",
    "notebook_runs",
]


def mlp_configuration(results):
    """Chapter 03's recorded configuration (``{}`` when it has not run)."""
    return results.get("projection_mlp", {}).get("configuration", {})


def where_the_folds_ran(configuration):
    """Where chapter 03's CV folds were trained, from its recorded configuration."""
    if configuration.get("scheduler"):
        place = "the Dask cluster given by --scheduler"
    elif configuration.get("n_jobs", 1) > 1:
        place = f"{configuration['n_jobs']} single-threaded worker processes side by side"
    else:
        place = "this process"
    stacked = ", each CV's folds as one stacked model" if configuration.get("stacked_folds") else ""
    return f"MLP CV folds: {place}{stacked}; all else in-process"


def _reconstruction_rows(reconstruction):
    c = reconstruction["configuration"]
    groups = reconstruction.get("image_groups", {})
    images = "; ".join(f"{group}: {', '.join(names)}" for group, names in groups.items())
    return [
        ("Exp. 1 measurement scheme", c["scheme"]),
        ("Exp. 1 sparsifying basis", c["basis"]),
        ("Exp. 1 solver", f"{c['solver']} ({c['solver_settings']})"),
        ("Exp. 1 test images", images or "not recorded"),
        ("Exp. 1 trials per M", c["trials"]),
        ("Exp. 1 measurement noise", c["noise_std"]),
    ]


def _cnn_rows(cnn):
    d = next(iter(cnn["datasets"].values()))
    protocol = d["protocol"]
    return [
        ("CNN padding", d["padding"]),
        ("CNN training subset", d["n_samples"]),
        ("CNN folds / batch", f"{d['folds']} / {protocol['batch_size']}"),
        (
            "Training protocol (every classifier)",
            f"at most {protocol['max_epochs']} epochs, early stopping with patience "
            f"{protocol['patience']} on a {protocol['validation_fraction']:.0%} validation split",
        ),
    ]


def _mlp_rows(results):
    c = mlp_configuration(results)
    cnn_folds = {d.get("folds") for d in results.get("cnn", {}).get("datasets", {}).values()}
    same_folds = " (as the CNN's)" if cnn_folds == {c["folds"]} else ""
    return [
        ("Projection", f"{c['projection']}, M = {c['M']}"),
        ("MLP folds / batch", f"{c['folds']}{same_folds} / {c['batch_size']}"),
        ("Where the folds ran", where_the_folds_ran(c)),
    ]


def configuration_rows(results):
    """``(what, our choice)`` pairs of every experiment that has results."""
    rows = []
    if "reconstruction" in results:
        rows += _reconstruction_rows(results["reconstruction"])
    if "cnn" in results:
        rows += _cnn_rows(results["cnn"])
    if "projection_mlp" in results:
        rows += _mlp_rows(results)
    return rows


def provenance_tables(runs, *, profile, seed, cpu):
    """What produced each result set, why it ran, and where its time went
    (``runs``: :func:`notebook_runs`)."""
    import pandas as pd

    produced = [
        {
            "results": r["results"],
            "wall time (s)": r["seconds"],
            "commit": r["commit"],
            "backend": r["keras_backend"],
            "devices": r["devices"],
        }
        for r in runs
    ]
    why = [
        {"results": r["results"], "why it ran": r["reason"], "helpers imported from": r["helpers"]}
        for r in runs
    ]
    phases = [
        {
            "results": r["results"],
            "phase": name,
            "seconds": seconds,
            "share of wall time": seconds / r["seconds"] if r["seconds"] else float("nan"),
        }
        for r in runs
        for name, seconds in r["phases"].items()
    ] or [{"results": "-", "phase": "no phases recorded", "seconds": float("nan")}]
    return [
        Table(
            pd.DataFrame(produced),
            f"Profile '{profile}', seed {seed}: what produced each result set",
            ".1f",
        ),
        Table(
            pd.DataFrame(why),
            "Why each result set was (re)computed, and which checkout's helpers it imported",
        ),
        Table(
            pd.DataFrame(phases),
            f"Where the time went, per notebook (exclusive wall seconds of each phase; CPU: {cpu})",
            ".3g",
        ),
    ]


def environment_tables(machine, versions, datasets):
    """The machine and package versions, and the datasets' fingerprints when recorded
    (``datasets``: chapter 00's ``datasets`` record, or ``None``)."""
    import pandas as pd

    environment = {**machine, **{f"version {p}": v for p, v in versions.items()}}
    tables = [
        Table(
            pd.DataFrame([{"what": k, "value": str(v)} for k, v in environment.items()]),
            "Machine and package versions",
        )
    ]
    if datasets:
        fingerprints = [
            {"dataset": n, "file": d["source"].split("/")[-1], "SHA-256": d["sha256"][:32]}
            for n, d in datasets.items()
        ]
        tables.append(
            Table(
                pd.DataFrame(fingerprints),
                "Dataset fingerprints (first 32 hex digits of the SHA-256 over all arrays)",
            )
        )
    return tables


def comparison_tables(results, *, interval, study):
    """Study Tables 1-3 beside ours, for the experiments that have results."""
    import pandas as pd

    from helpers.summary.verdicts import accuracy_rows, reconstruction_verdicts

    tables = []
    if "reconstruction" in results:
        tables.append(
            Table(
                pd.DataFrame(reconstruction_verdicts(results["reconstruction"])),
                "Study Table 1 vs ours (MSE, MAE)",
                ".3g",
            )
        )
    if "cnn" in results:
        tables.append(
            Table(
                pd.DataFrame(accuracy_rows(results["cnn"], study.CNN)),
                f"Study Table 2 (CNN, CV accuracy) vs ours ({interval}; study: mean ± its std)",
                ".4f",
            )
        )
    if "projection_mlp" in results:
        tables.append(
            Table(
                pd.DataFrame(accuracy_rows(results["projection_mlp"], study.PROJECTION_MLP, "M")),
                f"Study Table 3 (random projection + MLP, CV accuracy) vs ours ({interval}; "
                "study: mean ± its std)",
                ".4f",
            )
        )
    return tables


def cost_plane_points(results):
    """Every classifier on the accuracy-vs-cost plane: chapter 03's points (the CNN, the
    RP-MLP and its baselines, test accuracy against inference FLOPs per image) and each
    dataset's SVD-compressed CNN chosen on validation data, at its test accuracy."""
    points = list(results.get("projection_mlp", {}).get("cost_points", []))
    datasets = {p["dataset"] for p in points}
    svd = results.get("svd_compression", {})
    flops = {(r["dataset"], r["label"]): r["flops_per_image"] for r in svd.get("rows", [])}
    for name, entry in svd.get("chosen", {}).items():
        if "label" not in entry or (datasets and name not in datasets):
            continue
        points.append(
            {
                "dataset": name,
                "model": f"SVD-CNN {entry['label']}",
                "accuracy": entry["test_accuracy"],
                "flops_per_image": float(flops[(name, entry["label"])]),
            }
        )
    return points


def notebook_runs(results):
    """What produced each recorded result set, from its own ``_run`` block.

    Independent of how the notebook ran (render.sh, papermill, JupyterLab):
    parameters, wall time and its phases (exclusive seconds, largest first),
    commit (and whether the tree had changes), Keras backend and devices, why it
    ran and the ``helpers`` folder it imported.
    """
    from helpers.provenance import commit_label

    runs = []
    for name, payload in sorted(results.items()):
        run = payload.get("_run") or {}
        commit = commit_label(run) or "unknown"
        runs.append(
            {
                "results": name,
                "seconds": run.get("wall_seconds"),
                "commit": commit,
                "keras_backend": run.get("keras_backend") or "-",
                "devices": ", ".join(run.get("devices") or []) or "-",
                "reason": run.get("run_reason") or "-",
                "helpers": run.get("helpers") or "-",
                "parameters": run.get("parameters", {}),
                "phases": dict(
                    sorted((run.get("phase_seconds") or {}).items(), key=lambda kv: -kv[1])
                ),
            }
        )
    return runs
