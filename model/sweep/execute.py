"""Executors: run chunks in-process, on a local process pool or on a dask cluster.

All three call :func:`model.sweep.worker.run_chunk` and hand each result to a callback in
the parent, which writes it. Only a few chunks are in flight at a time (twice the worker
count), so memory stays bounded however many runs a sweep has. Locally, ``workers`` counts
this process: it runs chunks beside a pool of ``workers - 1`` processes. Every run's seed is
fixed by (point, replicate) alone, so results do not depend on the executor or the worker
count.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from model.errors import KhorasanError
from model.lifeline import exit_with, stop_pool
from model.model import load_kernels
from model.sweep.worker import Chunk, ChunkResult, run_chunk

OnResult = Callable[[ChunkResult], None]
IN_FLIGHT_PER_WORKER = 2


def run_in_process(chunks: Iterable[Chunk], on_result: OnResult,
                   fn: Callable[[Any], Any] = run_chunk) -> None:
    """Run chunks one after the other in this process."""
    for chunk in chunks:
        on_result(fn(chunk))


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of workers forked from this process, with the model's kernels loaded.

    A forked worker starts in milliseconds with the model imported and its compiled kernels
    in memory, where a fresh interpreter needs about 1.3 s (the imports, and numba loading
    the kernels from its cache): at about 7 ms a run, that start-up is what a sweep of a few
    hundred runs would otherwise spend waiting. Forking is safe here: the workers only
    simulate and return results (the parent writes every file), and the only other threads
    of this process are the BLAS libraries' idle pools, which they restart after a fork;
    CPython's warning about forking a multi-threaded process is therefore silenced.
    """
    load_kernels()  # before forking: the workers inherit them
    pool = ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=exit_with,
                               initargs=(os.getpid(),))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                DeprecationWarning)
        pool.submit(os.getpid).result()  # forks the workers now, inside this filter
    return pool


def _collect(pending: set[Future], on_result: OnResult) -> set[Future]:
    """Hand the finished futures' results to ``on_result``; return the unfinished ones."""
    done = {future for future in pending if future.done()}
    for future in done:
        on_result(future.result())
    return pending - done


def run_on_pool(chunks: Iterable[Chunk], on_result: OnResult, workers: int,
                fn: Callable[[Any], Any] = run_chunk) -> None:
    """Run chunks on ``workers`` local processes: this one and a pool of ``workers - 1``.

    This process would otherwise sit idle between results, so it takes chunks too; the pool
    has at most two chunks per process in flight, topped up after each chunk this process
    runs. One interpreter fewer saves its memory (about 150 MB) and its start-up.

    Raises:
        KhorasanError: If a worker process dies (finished chunks stay on disk).
    """
    source: Iterator[Chunk] = iter(chunks)
    depth = (workers - 1) * IN_FLIGHT_PER_WORKER
    with _pool(workers - 1) as pool:
        pending: set[Future] = set()
        try:
            while True:
                pending = _collect(pending, on_result)
                pending |= {pool.submit(fn, c)
                            for c in itertools.islice(source, depth - len(pending))}
                chunk = next(source, None)
                if chunk is None:
                    break
                on_result(fn(chunk))
            for future in as_completed(pending):
                on_result(future.result())
            pending = set()
        except BrokenProcessPool as exc:
            stop_pool(pool)
            raise KhorasanError(f"a worker process died ({exc}); the finished chunks are "
                                "saved: rerun with --resume") from None
        except BaseException:
            stop_pool(pool)
            raise


def connect(scheduler: Any) -> tuple[Any, bool]:
    """A dask client for ``scheduler`` (an address or a Client) and whether we own it.

    A sweep or a run connects before it writes anything, so an unreachable scheduler leaves
    the output folder as it was.

    Raises:
        KhorasanError: If dask is missing or the scheduler is unreachable.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise KhorasanError("--scheduler needs dask.distributed: install the optional "
                            "extra khorasan[dask]") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:  # waits up to dask's distributed.comm.timeouts.connect
        return Client(scheduler), True
    except (OSError, TimeoutError) as exc:
        raise KhorasanError(f"--scheduler {scheduler}: cannot connect: {exc}") from None


def run_on_dask(chunks: Iterable[Chunk], on_result: OnResult, scheduler: Any,
                fn: Callable[[Any], Any] = run_chunk) -> None:
    """Run chunks on a dask.distributed cluster, at most two per worker thread in flight.

    Args:
        chunks: The chunks to run.
        on_result: Called in this process with each finished chunk.
        scheduler: A scheduler address (``tcp://host:8786``) or a ``Client``.
        fn: What runs one chunk (a picklable module-level function).

    Raises:
        KhorasanError: If dask is missing or the scheduler is unreachable.
    """
    from dask.distributed import as_completed as dask_as_completed

    load_kernels()  # a cold cache is compiled here once, not by every dask worker at once
    client, owned = connect(scheduler)
    try:
        threads = max(1, sum(client.nthreads().values()))
        source: Iterator[Chunk] = iter(chunks)
        first = itertools.islice(source, threads * IN_FLIGHT_PER_WORKER)
        queue = dask_as_completed([client.submit(fn, c, pure=False) for c in first])
        for future in queue:
            result = future.result()
            future.release()
            on_result(result)
            for chunk in itertools.islice(source, 1):
                queue.add(client.submit(fn, chunk, pure=False))
    finally:
        if owned:
            client.close()


def execute(chunks: Iterable[Chunk], on_result: OnResult, workers: int = 1,
            scheduler: Any = None, fn: Callable[[Any], Any] = run_chunk) -> str:
    """Run chunks on the executor the arguments select and return its name.

    Args:
        chunks: The chunks to run.
        on_result: Called in this process with each finished chunk.
        workers: Local processes running chunks, this one included (1: only this one);
            ignored with ``scheduler``.
        scheduler: A dask scheduler address or ``Client``; None for local execution.
        fn: What runs one chunk (default: a sweep's :func:`~model.sweep.worker.run_chunk`;
            the calibration passes its own, a picklable module-level function).

    Returns:
        ``"dask"``, ``"process-pool"`` or ``"in-process"``.
    """
    if scheduler is not None:
        run_on_dask(chunks, on_result, scheduler, fn)
        return "dask"
    if workers > 1:
        run_on_pool(chunks, on_result, workers, fn)
        return "process-pool"
    run_in_process(chunks, on_result, fn)
    return "in-process"
