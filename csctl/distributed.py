"""csctl numbers' parts run a few at a time: in threads of this process (``ThreadEngine``), or on a Dask cluster
whose workers run the per-partition functions of csctl/core/partitioned.py (``dask_engine``).

Dask distributed, because it runs the same Python and Polars code on its workers unchanged (Spark would need the
core rewritten for its own engine or shipped as pandas UDFs through Arrow; Ray would do, but Dask's scheduler is a
plain pip package, starts in-process as a local cluster for the tests, and deploys on the schedulers an analytics
team already has: SSH, Kubernetes, YARN, HPC queues). It is an optional extra: ``pip install 'csctl[distributed]'``.

``dask_engine("local")`` starts a local cluster of two worker processes (one thread each) and stops it afterwards
(its workers' own logs silenced below CRITICAL: a file a worker cannot read is csctl's error message, not theirs);
any other value is the address of a running scheduler (``tcp://host:8786``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from csctl.errors import UsageError

LOCAL_WORKERS = 2


class ThreadEngine:
    """``workers`` parts at a time, in threads of this process (Polars and numpy release the GIL while they work):
    the same results in the same order as one after another, in less wall time on a machine of several cores, with
    memory holding ``workers`` parts' arrays at once."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def scatter(self, items: Sequence[Any]) -> list[Any]:
        return list(items)

    def map(self, fn: Callable[..., Any], items: Sequence[Any], **constants: Any) -> list[Any]:
        if self.workers == 1 or len(items) < 2:
            return [fn(item, **constants) for item in items]
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(self.workers)
        try:
            return list(pool.map(lambda item: fn(item, **constants), items))
        finally:  # a part that fails (or Ctrl-C) stops the run: the parts not started are not measured
            pool.shutdown(wait=True, cancel_futures=True)

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        return list(handles)


class DaskEngine:
    """Parts scattered to the workers once; each pass maps a function over them and the results stay there until
    gathered (the snapshots of the parts never leave their worker)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def scatter(self, items: Sequence[Any]) -> list[Any]:
        """Parts sent to the workers; parts that are already there (futures: read by the workers) stay."""
        from dask.distributed import Future

        if items and all(isinstance(item, Future) for item in items):
            return list(items)
        return list(self.client.scatter(list(items)))

    def map(self, fn: Callable[..., Any], items: Sequence[Any], **constants: Any) -> list[Any]:
        return list(self.client.map(fn, list(items), pure=False, **constants))

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        return list(self.client.gather(list(handles)))


@contextmanager
def dask_engine(address: str, workers: int = LOCAL_WORKERS) -> Iterator[DaskEngine]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as e:
        raise UsageError(
            "--cluster needs Dask distributed, an optional extra", hint="pip install 'csctl[distributed]'"
        ) from e
    if address == "local":
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
            ) as cluster,
            Client(cluster) as client,
        ):
            yield DaskEngine(client)
        return
    try:
        client = Client(address, timeout=30)
    except OSError as e:
        raise UsageError(f"--cluster {address}: cannot reach a Dask scheduler there ({e})") from e
    with client:
        yield DaskEngine(client)
