"""Where jobs run: in this process, on a local process pool, or on a Dask cluster.

Every backend calls the same job function (``migsim.experiments.jobs.execute``) and
hands each result back to the client as it finishes; the client alone writes the
results store. The same job gives the same result on every backend.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from migsim.experiments.jobs import ExperimentJob, JobResult, execute

BACKENDS = ("local", "dask", "inprocess")


class BackendError(Exception):
    """The backend cannot start (for example: Dask is not installed, or the
    scheduler does not answer); the message says what to do."""


CONNECT_SECONDS = 10  # how long to keep trying a --scheduler address before saying nobody answers


def connect_seconds() -> float:
    """Seconds to wait for a Dask scheduler: MIGSIM_DASK_CONNECT_SECONDS, else CONNECT_SECONDS."""
    try:
        seconds = float(os.environ.get("MIGSIM_DASK_CONNECT_SECONDS", CONNECT_SECONDS))
    except ValueError:
        return CONNECT_SECONDS
    return seconds if 0 < seconds < 3600 else CONNECT_SECONDS


def default_workers() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_on(
    backend: str,
    jobs: Iterable[ExperimentJob],
    on_result: Callable[[JobResult], None],
    workers: int | None = None,
    scheduler: str | None = None,
    task: Callable = execute,
    tls: dict | None = None,
) -> None:
    """Run ``task(job)`` for every job on the backend; ``on_result`` gets each
    result, in the client process, as it finishes. ``tls`` (files "ca", "cert",
    "key") secures the connection to a tls:// Dask scheduler."""
    jobs = list(jobs)
    if not jobs:
        return
    if backend == "inprocess":
        for job in jobs:
            on_result(task(job))
    elif backend == "local":
        _local(jobs, on_result, workers, task)
    elif backend == "dask":
        _dask(jobs, on_result, workers, scheduler, task, tls)
    else:
        raise BackendError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")


def _local(jobs, on_result, workers, task):

    workers = max(1, min(workers or default_workers(), len(jobs)))
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_end_with, initargs=(os.getpid(),))
    try:
        futures = [pool.submit(task, job) for job in jobs]
        for future in as_completed(futures):
            on_result(future.result())
    except BaseException:
        # stopped (Ctrl-C, TERM) or failed: the running jobs' results would not be stored, so stop them now
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _end_with(client: int) -> None:
    """In each pool worker: exit when the client that started it is gone (killed
    with -9, it cannot stop its workers itself), or dead and not yet reaped."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if not _running(client):
                os._exit(1)

    threading.Thread(target=watch, name="end-with-client", daemon=True).start()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone (or the number went to another user's process)
        return False
    try:  # a zombie still answers kill(0): read its state where the system shows it
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _dask(jobs, on_result, workers, scheduler, task, tls=None):
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise BackendError('the dask backend needs Dask: pip install -e ".[dask]"') from None
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout=f"{connect_seconds()}s", security=_security(tls))
            except Exception as exc:  # noqa: BLE001 (refused, timed out, or something else answers: an HTTP server)
                raise BackendError(
                    f"--scheduler {scheduler}: no Dask scheduler answers there ({type(exc).__name__}: {exc})"[:300]
                ) from None
        else:
            cluster = LocalCluster(
                n_workers=workers or default_workers(), threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        try:
            futures = [
                client.submit(task, job, pure=False, key=f"migsim-{i}-{getattr(job, 'job_id', job.seed)}")
                for i, job in enumerate(jobs)
            ]
            for future in dask_completed(futures):
                on_result(future.result())
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _security(tls: dict | None):
    """Dask's TLS settings for this client, or None (plain tcp)."""
    if not tls:
        return None
    from distributed.security import Security

    return Security(tls_ca_file=tls["ca"], tls_client_cert=tls["cert"], tls_client_key=tls["key"], require_encryption=True)
