"""Where a sweep's runs execute: in this process, in local worker processes, or on Dask.

Each backend has ``start()`` (connect, if there is anything to connect to),
``run(tasks)``, a generator yielding one
:class:`~hmlsim.experiments.sweep.RunOutcome` per task as runs finish (in any
order), and ``close()``. Every backend calls the same top-level function,
:func:`~hmlsim.experiments.sweep.execute_run`, so a run's result depends only
on its task (whose seed is derived from the run's key), never on the backend.

- :class:`SerialBackend` (``--workers 1``): in this process, one run after another.
- :class:`ProcessBackend` (``--workers N``, the embedded default): N local
  processes of a :class:`concurrent.futures.ProcessPoolExecutor` started with
  ``spawn`` (what ``import mesa`` selects anyway). Workers ignore Ctrl-C; the
  driving process stops them.
- :class:`DaskBackend` (``--scheduler tcp://host:8786``): an existing Dask
  distributed cluster, through :class:`distributed.Client`. Its workers need
  hmlsim (and the scenario module) installed; results come back to the driver,
  so the store folder need not be shared.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from hmlsim.errors import ConfigError
from hmlsim.experiments.sweep import RunOutcome, RunTask, execute_run
from hmlsim.threads import THREAD_ENV

log = logging.getLogger(__name__)


class LostWorkers(RuntimeError):
    """Worker processes died (killed, out of memory): the sweep stops, finished runs stay."""


class SerialBackend:
    """Run every task in this process, one after another."""

    name = "serial"

    def start(self) -> None:
        """Nothing to start."""

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        """Yield each task's outcome in order."""
        for task in tasks:
            yield execute_run(task)

    def close(self) -> None:
        """Nothing to release."""


#: how often a worker checks that the sweep's driver is still alive (seconds)
PARENT_CHECK_S = 0.5


def _exit_with_parent(parent: int) -> None:  # pragma: no cover - a thread in the workers
    """End this worker as soon as the driver that started it is gone (no orphans)."""
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(driver: int) -> None:  # pragma: no cover - runs in the worker processes
    """Ignore Ctrl-C (the driver stops the workers), cap threads, end with the driver.

    ``driver`` is the driver's pid, passed in rather than read here: a worker
    whose driver died while it was starting has already been re-parented.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in THREAD_ENV:
        os.environ[name] = "1"
    watchdog = threading.Thread(
        target=_exit_with_parent, args=(driver,), name="exit-with-driver", daemon=True
    )
    watchdog.start()


class ProcessBackend:
    """Run tasks on ``workers`` local processes (``ProcessPoolExecutor``, spawn).

    Parameters
    ----------
    workers : int
        Number of worker processes (>= 1).
    """

    name = "processes"

    def __init__(self, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError("workers", f"expected an integer >= 1, got {workers!r}")
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Nothing to start: the processes start with the first run."""

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        """Submit every task and yield outcomes as they finish.

        Raises
        ------
        LostWorkers
            When a worker process dies; outcomes already yielded are unaffected.
        """
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )
        pending = {self._executor.submit(execute_run, task) for task in tasks}
        finished_normally = False
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        raise LostWorkers(
                            "a worker process died (killed or out of memory)"
                        ) from None
                    yield outcome
            finished_normally = True
        finally:
            if not finished_normally:
                for future in pending:
                    future.cancel()
                self._stop(terminate=True)

    def _stop(self, terminate: bool) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # ProcessPoolExecutor has no public way to stop running calls before 3.14
        # (terminate_workers); the worker processes are ours, so end them by handle.
        processes = list(getattr(executor, "_processes", {}).values()) if terminate else []
        executor.shutdown(wait=not terminate, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)

    def close(self) -> None:
        """Shut the worker processes down."""
        self._stop(terminate=False)


class DaskBackend:
    """Run tasks on a Dask distributed cluster.

    Parameters
    ----------
    address : str, optional
        Scheduler address (``tcp://host:8786``); a :class:`distributed.Client` is
        opened on it and closed by :meth:`close`.
    client : distributed.Client, optional
        An open client to use instead (left open by :meth:`close`), for example
        on a ``distributed.LocalCluster``.
    timeout : str
        How long to try connecting to ``address`` (a Dask time string).
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, client: Any = None, timeout: str = "20s"
    ) -> None:
        if client is None and not address:
            raise ConfigError("scheduler", "give a scheduler address such as tcp://host:8786")
        self.address = address
        self.timeout = timeout
        self._client = client
        self._own_client = client is None

    def start(self) -> None:
        """Connect to the scheduler now, so a bad address fails before the progress bar."""
        _ = self.client

    @property
    def client(self) -> Any:
        """The :class:`distributed.Client` (connected on first use)."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        """A Client on ``address``, or a one-line :class:`ConfigError` within the timeout.

        An endpoint whose greeting is not Dask's (SSH, SMTP) is refused before
        Dask reads its bytes as a message length; one that never answers is
        given up after the timeout, however Dask's handshake hangs.
        """
        import threading

        from dask.utils import parse_timedelta
        from distributed import Client

        seconds = float(parse_timedelta(self.timeout))
        _refuse_a_talking_endpoint(self.address, seconds)
        outcome: dict[str, Any] = {}

        def connect() -> None:
            try:
                outcome["client"] = Client(self.address, timeout=self.timeout)
            except Exception as error:  # a bad address, a refused or foreign endpoint
                outcome["error"] = error

        thread = threading.Thread(target=connect, name="hmlsim-dask-connect", daemon=True)
        thread.start()
        thread.join(1.5 * seconds + 2)
        if "client" in outcome:
            return outcome["client"]
        why = (
            f"{type(outcome['error']).__name__}: {outcome['error']}"
            if "error" in outcome
            else f"no answer within {1.5 * seconds + 2:g} s"
        )
        raise ConfigError(
            "scheduler", f"cannot connect to a Dask scheduler at {self.address}: {why}"
        )

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        """Submit every task (Dask key ``hmlsim-run-<key>``) and yield outcomes as they land.

        A task the cluster gives up on (its workers kept dying) comes back as a
        failed outcome naming the error, so it is recorded and retried next start.
        """
        from distributed import as_completed

        client = self.client
        futures = [
            client.submit(execute_run, task, key=f"hmlsim-run-{task.key}", pure=False)
            for task in tasks
        ]
        keys = {future.key: task.key for future, task in zip(futures, tasks, strict=True)}
        remaining = set(futures)
        try:
            for future in as_completed(futures):
                remaining.discard(future)
                try:
                    outcome = future.result()
                except Exception as error:  # e.g. KilledWorker
                    outcome = RunOutcome(
                        keys[future.key],
                        False,
                        error=f"{type(error).__name__}: {error}",
                        traceback="(raised by the Dask cluster)",
                    )
                future.release()
                yield outcome
        finally:
            if remaining:
                client.cancel(list(remaining))

    def close(self) -> None:
        """Close the client if this backend opened it."""
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None


#: the longest first message of a Dask scheduler hmlsim believes (its handshake is tiny)
MAX_GREETING = 1 << 20


def _refuse_a_talking_endpoint(address: str, seconds: float) -> None:
    """Raise :class:`ConfigError` when a ``tcp://`` endpoint greets in no Dask framing."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname:
        return
    try:
        port = parts.port or 8786
        with socket.create_connection((parts.hostname, port), timeout=min(seconds, 10)) as sock:
            sock.settimeout(0.5)
            try:
                first = sock.recv(64)
            except TimeoutError:
                return  # silent, as a Dask scheduler is
    except (OSError, ValueError) as error:
        raise ConfigError("scheduler", f"cannot connect to {address}: {error}") from None
    # a Dask scheduler greets with a handshake framed by its length (8 bytes, little
    # endian); Dask would read another server's greeting ("SSH-2.0-...") as a length of
    # petabytes and try to allocate it
    if first and (len(first) < 8 or int.from_bytes(first[:8], "little") > MAX_GREETING):
        raise ConfigError(
            "scheduler",
            f"{address} is not a Dask scheduler (it greets with {first[:20]!r})",
        )


def make_backend(workers: int = 1, scheduler: str | None = None) -> Any:
    """The backend for ``--workers N`` / ``--scheduler ADDRESS``.

    Raises
    ------
    ConfigError
        ``workers`` below 1.
    """
    if scheduler:
        return DaskBackend(scheduler)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError("workers", f"expected an integer >= 1, got {workers!r}")
    return SerialBackend() if workers == 1 else ProcessBackend(workers)
