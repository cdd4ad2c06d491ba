"""Where independent units of work run: in this process, or on a Dask cluster.

A unit is one cross-validation fold (see :func:`helpers.nets.cross_validation.cross_validate`).
Units are submitted to a ``concurrent.futures``-style executor:

- by default an in-process executor that runs each unit when it is submitted,
  exactly as a plain loop would;
- a ``dask.distributed`` cluster when a scheduler address is given, either as
  ``./render.sh --scheduler tcp://host:8786`` or in ``$REPORT_SCHEDULER``;
  ``local:N`` starts N single-threaded worker processes on this machine.

Each unit is a pure function of its arguments (it seeds itself), and its result
comes back to this process, which writes it into the same content-addressed
cache as an in-process run: the notebooks read the same files, a re-run finds
the finished units, and a worker that dies loses only the unit it was running
(Dask re-runs it elsewhere).
"""

from __future__ import annotations

import os
from concurrent.futures import Future

__all__ = [
    "SCHEDULER_ENV",
    "InProcessExecutor",
    "get_executor",
    "check_scheduler",
    "check_reachable",
    "fold_executor",
]

SCHEDULER_ENV = "REPORT_SCHEDULER"


class InProcessExecutor:
    """Runs each submitted call at once, in this process (the default).

    Offers the part of the ``concurrent.futures.Executor`` and
    ``dask.distributed.Client`` interfaces that the report uses: ``submit``,
    ``scatter`` (returns the data itself) and ``as_completed``.
    """

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered by .result(), as an executor would
            future.set_exception(exc)
        return future

    def scatter(self, data, broadcast=False):
        return data

    @staticmethod
    def as_completed(futures):
        return iter(futures)

    def close(self):
        pass

    def __repr__(self):
        return "InProcessExecutor()"


class _DaskExecutor:
    """A ``dask.distributed.Client`` with the interface of :class:`InProcessExecutor`."""

    def __init__(self, client, address=None):
        self.client = client
        self.address = address

    def submit(self, fn, /, *args, **kwargs):
        # pure=False: every fold is its own task even if two had equal arguments.
        return self.client.submit(fn, *args, pure=False, **kwargs)

    def scatter(self, data, broadcast=False):
        # Large arrays go to the workers once, not with every fold. hash=False: a
        # content-hashed key is shared by two scatters of equal arrays (the CNN's and
        # the MLP's labels), and releasing the first races with the second: the task
        # is then cancelled for "lost dependencies" or the scatter hangs
        # (dask/distributed#8576). A unique key per scatter has no such race.
        return self.client.scatter(data, broadcast=broadcast, hash=False)

    @staticmethod
    def as_completed(futures):
        from dask.distributed import as_completed

        return as_completed(futures)

    def close(self):
        """Close the client (and a ``local:N`` cluster this process started)."""
        self.client.close()
        _EXECUTORS.pop(self.address, None)
        cluster = _LOCAL_CLUSTERS.pop(_local_workers(self.address), None)
        if cluster is not None:
            cluster.close()

    def __repr__(self):
        return f"DaskExecutor({self.client.scheduler.address})"


def _local_workers(address):
    """N of a ``local:N`` address (0 when N is not a number); None for other addresses."""
    if not address or not address.startswith("local:"):
        return None
    workers = address.split(":", 1)[1]
    return int(workers) if workers.isdigit() else 0


def check_scheduler(address):
    """``address`` if it is a Dask scheduler address or ``local:N``, else a clear error."""
    if address is None or address == "":
        return None
    if isinstance(address, str) and address.startswith("local:"):
        if _local_workers(address) >= 1:
            return address
    elif isinstance(address, str) and "://" in address:
        return address
    raise ValueError(
        f"scheduler address must look like tcp://host:8786 (a dask.distributed "
        f"scheduler) or local:N (N single-threaded worker processes on this machine), "
        f"got {address!r}; leave it unset to run in this process"
    )


_LOCAL_CLUSTERS: dict = {}


def _local_cluster(workers):
    """A LocalCluster of ``workers`` single-threaded processes, one per kernel process.

    Each worker's TensorFlow gets one thread too, so N workers use N cores without
    oversubscribing them: small models (the MLPs) train faster as N folds side by
    side than as one fold on N threads.
    """
    from dask.distributed import LocalCluster

    if workers not in _LOCAL_CLUSTERS:
        one_thread = {
            "TF_NUM_INTRAOP_THREADS": "1",
            "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        _LOCAL_CLUSTERS[workers] = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=one_thread,
        )
    return _LOCAL_CLUSTERS[workers]


def get_executor(scheduler=None):
    """The executor for units of work.

    Parameters
    ----------
    scheduler : str, executor or None
        A Dask scheduler address (``tcp://host:8786``); ``local:N`` (a local
        cluster of N single-threaded workers, started once per process); an object with a
        ``submit`` method (used as is, e.g. a ``dask.distributed.Client``); or
        ``None``, which reads ``$REPORT_SCHEDULER`` and runs in this process
        when that is unset too.
    """
    if scheduler is not None and hasattr(scheduler, "submit"):
        if type(scheduler).__name__ == "Client":
            return _DaskExecutor(scheduler)
        return scheduler
    address = check_scheduler(scheduler or os.environ.get(SCHEDULER_ENV))
    if address is None:
        return InProcessExecutor()
    if address not in _EXECUTORS:  # one client per process and address
        _EXECUTORS[address] = _DaskExecutor(_connect(address), address)
    return _EXECUTORS[address]


_EXECUTORS: dict = {}


# How long a client keeps retrying a scheduler that refuses connections (one starting up).
CONNECT_TIMEOUT = "30s"


def _connect(address):
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - the set-up installs the cluster extra
        raise RuntimeError(
            "a Dask scheduler was given but dask.distributed is not installed: "
            "pip install -e '.[cluster]' (the set-up's .venv has it)"
        ) from exc
    if _local_workers(address):
        return Client(_local_cluster(_local_workers(address)))
    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise RuntimeError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with "
            f"`dask scheduler` and workers with `dask worker {address}`, or unset "
            f"${SCHEDULER_ENV} to run in this process"
        ) from exc


# How long the first plain TCP connection may take: a refused or silent port is
# reported in seconds, not after Dask's CONNECT_TIMEOUT of retries.
PROBE_TIMEOUT = 3.0


def _probe(address):
    """Open and close one TCP connection to ``address``'s host and port (when it has
    both); RuntimeError naming the address and the fix when nothing answers."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        return  # no host:port to try (e.g. inproc://): Dask's own connect decides
    try:
        socket.create_connection((host, port), timeout=PROBE_TIMEOUT).close()
    except OSError as exc:
        raise RuntimeError(
            f"cannot reach the Dask scheduler at {address} ({exc.strerror or exc}); start "
            f"one with `dask scheduler` and workers with `dask worker {address}`, or unset "
            f"${SCHEDULER_ENV} to run in this process"
        ) from None


def check_reachable(address):
    """Raise a clear error now if ``address`` is malformed or its scheduler is unreachable
    (``local:N`` is only checked: its cluster starts in each notebook's process). A port
    nothing listens on is refused within :data:`PROBE_TIMEOUT` seconds."""
    address = check_scheduler(address)
    if address is not None and _local_workers(address) is None:
        _probe(address)
        _connect(address).close()
    return address


def fold_executor(n_jobs=1):
    """Where a notebook's folds run: the user's scheduler if one is given, else
    ``n_jobs`` single-threaded local worker processes (``local:N``), else this process.

    For small models (the MLPs) one thread per fold is faster than two threads on one
    fold (TensorFlow's per-op thread hand-off costs more than it saves), so folds side
    by side on single-threaded workers use N cores nearly N times over
    (bench/bench_mlp.py measures it). A fold's result depends only on its arguments;
    in float32 it is the same to round-off wherever it runs (tests/test_executor.py).
    """
    from helpers.checks import check_int

    n_jobs = check_int(n_jobs, "n_jobs", min_value=1)
    if os.environ.get(SCHEDULER_ENV):
        return get_executor()
    return get_executor(f"local:{n_jobs}" if n_jobs > 1 else None)
