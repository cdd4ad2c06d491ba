"""Units of work (CV folds) in this process or on a Dask cluster give the same numbers."""

from functools import partial

import pytest

from helpers.data import load_datasets
from helpers.executor import InProcessExecutor, check_scheduler, get_executor
from helpers.nets.cross_validation import cross_validate, cross_validate_many
from helpers.nets.models import cnn_input, study_cnn, study_mlp
from helpers.nets.projection import fold_transform
from helpers.nets.protocol import Protocol
from helpers.report.profiles import load_profile


def test_in_process_executor_runs_at_submit_and_delivers_errors():
    executor = InProcessExecutor()
    calls = []
    future = executor.submit(lambda a, b=0: calls.append(a) or a + b, 2, b=3)
    assert calls == [2] and future.done() and future.result() == 5
    failing = executor.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result()


@pytest.mark.parametrize("address", ["localhost:8786", "8786", 42, "local:0", "local:two"])
def test_a_malformed_scheduler_address_is_refused_with_the_expected_form(address):
    with pytest.raises(ValueError, match="tcp://host:8786"):
        check_scheduler(address)


def test_without_a_scheduler_the_work_stays_in_process(monkeypatch):
    monkeypatch.delenv("REPORT_SCHEDULER", raising=False)
    assert isinstance(get_executor(), InProcessExecutor)


def test_an_unreachable_scheduler_is_reported_with_how_to_start_one(monkeypatch):
    import helpers.executor
    from helpers.executor import check_reachable

    monkeypatch.setattr(helpers.executor, "CONNECT_TIMEOUT", "2s")  # not 30 s of retries
    with pytest.raises(RuntimeError, match="dask scheduler"):
        check_reachable("tcp://127.0.0.1:9")  # the discard port: nothing listens
    assert check_reachable("local:2") == "local:2"  # checked, started later by each notebook


def test_a_scheduler_port_nothing_listens_on_is_refused_in_seconds():
    """Issue 37: `--scheduler tcp://127.0.0.1:1` took Dask's 30 s connect timeout."""
    import time

    from helpers.executor import check_reachable

    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        check_reachable("tcp://127.0.0.1:1")
    assert time.perf_counter() - start < 5


def test_scattering_equal_data_again_never_loses_it():
    """Two cross-validations scatter equal arrays (the CNN's and the MLP's labels).
    With content-hashed keys the second scatter races with the release of the
    first: its task is cancelled for "lost dependencies" or the scatter hangs
    (dask/distributed#8576; it did both in CI). Each scatter gets its own key."""
    import numpy as np
    from dask.distributed import Client, LocalCluster

    from helpers.executor import _DaskExecutor

    labels = np.arange(1000)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            executor = _DaskExecutor(client)
            for _ in range(100):  # with hashed keys this failed within ~10 rounds
                shared = executor.scatter((labels, labels), broadcast=True)
                future = executor.submit(lambda data: int(data[1].sum()), shared)
                assert future.result(timeout=30) == labels.sum()
                del shared, future


# Losses after a few epochs in another thread count: float32 sums in another order. The
# CNN on single-threaded workers ended 1.1e-4 (relative) from in-process (dev VM).
LOSS_RTOL = 5e-4


@pytest.mark.slow
def test_quick_profile_cv_on_a_local_dask_cluster_equals_in_process(
    data_dir, tmp_path, monkeypatch
):
    """The quick profile's CNN and RP-MLP cross-validation protocol on 400 images (the
    MLP's folds one model each and stacked), through a 2-worker LocalCluster and in this process: the same
    fold results, cached the same way.

    In float32 (workers inherit the setting): a worker's thread count changes only
    the order of float sums, so the results agree to round-off. Under mixed
    bfloat16 that round-off is ~1000x larger and can move an image or two.
    """
    from dask.distributed import Client

    monkeypatch.setenv("REPORT_PRECISION", "float32")

    quick = load_profile("quick")
    protocol = Protocol(
        quick["max_epochs"], quick["patience"], quick["validation_fraction"], batch_size=64
    )
    # A smaller subset than the profile's: the equality does not depend on its size.
    data = load_datasets(["fashion_mnist"], data_dir=data_dir, n_train=400, random_state=0)[
        "fashion_mnist"
    ]
    jobs = {
        "cnn": dict(
            build_model=partial(study_cnn, padding="same"),
            x=cnn_input(data.x_train),
            model_id="test-cnn",
        ),
        "mlp": dict(
            build_model=lambda shape: study_mlp(shape[0]),
            x=data.x_train,
            model_id="test-mlp",
            transform=fold_transform("gaussian", 32, 0),
        ),
        # Chapter 03's default: the folds as one stacked model, one task for the cluster.
        "mlp-stacked": dict(
            build_model=lambda shape: study_mlp(shape[0]),
            x=data.x_train,
            model_id="test-mlp",
            transform=fold_transform("gaussian", 32, 0),
            stacked=True,
        ),
    }

    def run(name, executor, cache):
        return cross_validate(
            y=data.y_train,
            protocol=protocol,
            folds=quick["cnn_folds"],
            seed=0,
            cache_dir=cache,
            log=lambda message: None,
            executor=executor,
            **jobs[name],
        )

    local = {name: run(name, None, tmp_path / "local") for name in jobs}
    # `--scheduler local:2`: this process's own cluster of single-threaded workers.
    local_two = get_executor("local:2")
    assert len(local_two.client.scheduler_info()["workers"]) == 2
    # A user's scheduler, reached by its address (`--scheduler tcp://...`): the same
    # workers through a second client (one cluster start instead of two: ~20 s less).
    address = local_two.client.scheduler.address
    assert address.startswith("tcp://")
    with Client(address) as client:
        remote = {name: run(name, client, tmp_path / "dask") for name in jobs}
    remote_mlp = run("mlp", local_two, tmp_path / "local2")
    # Chapter 03 submits all its stacked CVs at once: two stacks on the two workers.
    stacked_job = {k: v for k, v in jobs["mlp-stacked"].items() if k != "stacked"}
    common = dict(y=data.y_train, protocol=protocol, folds=quick["cnn_folds"], seed=0)
    side_by_side = cross_validate_many(
        [{**stacked_job, **common}, {**stacked_job, **common, "model_id": "test-mlp-2"}],
        executor=local_two,
        log=lambda message: None,
    )
    local_two.close()
    for a, b in zip(remote_mlp, local["mlp"], strict=True):
        assert (a.epochs_run, a.best_epoch) == (b.epochs_run, b.best_epoch)
        assert abs(a.accuracy - b.accuracy) <= 1.0 / a.n_val
    for cv in side_by_side:
        for a, b in zip(cv, local["mlp-stacked"], strict=True):
            assert (a.epochs_run, a.best_epoch) == (b.epochs_run, b.best_epoch)
            assert abs(a.accuracy - b.accuracy) <= 1.0 / a.n_val
            assert a.loss == pytest.approx(b.loss, rel=LOSS_RTOL)
    # Same folds, epochs and accuracies; float32 sums may round differently in a
    # worker with another thread count (Dask sets one thread per worker), so losses
    # agree to round-off, not bit for bit.
    for name in jobs:
        for a, b in zip(remote[name], local[name], strict=True):
            assert (a.fold, a.n_train, a.n_val, a.epochs_run, a.best_epoch) == (
                b.fold,
                b.n_train,
                b.n_val,
                b.epochs_run,
                b.best_epoch,
            ), name
            assert abs(a.accuracy - b.accuracy) <= 1.0 / a.n_val, name  # at most one image
            assert a.loss == pytest.approx(b.loss, rel=LOSS_RTOL), name
            for key, values in b.history.items():
                assert a.history[key] == pytest.approx(values, rel=LOSS_RTOL, abs=1.0 / a.n_val), (
                    key
                )
    # Finished folds land in the same content-addressed cache, whoever computed them.
    local_files = sorted(p.name for p in (tmp_path / "local").iterdir())
    remote_files = sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert local_files == remote_files and len(local_files) == len(jobs) * quick["cnn_folds"]
