"""Progress bars (tqdm, on stderr): a sweep's runs, and a scenario's long work.

:class:`SweepProgress` counts a sweep's runs (done, failed, rate and ETA);
:func:`progress` is the bar a scenario draws while it runs from the command line.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


class SweepProgress:
    """A tqdm bar counting finished runs, with the failures in its postfix.

    Runs already in the store at the start count as done (``initial``); the
    ETA is tqdm's, from the rate of the runs finished in this start.

    Parameters
    ----------
    total : int
        Runs in the sweep.
    initial : int
        Runs already done when the sweep (re)starts.
    enabled : bool
        False shows nothing (counts are still kept).
    file : text stream, optional
        Where to draw (default ``sys.stderr``).

    Examples
    --------
    >>> bar = SweepProgress(total=3, enabled=False)
    >>> bar.update(ok=True); bar.update(ok=False)
    >>> (bar.done, bar.failed)
    (2, 1)
    >>> bar.close()
    """

    def __init__(
        self, total: int, initial: int = 0, enabled: bool = True, file: TextIO | None = None
    ) -> None:
        self.total = int(total)
        self.done = int(initial)
        self.failed = 0
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self.total,
                initial=self.done,
                unit="run",
                desc="sweep",
                file=file or sys.stderr,
                dynamic_ncols=True,
                smoothing=0.1,
            )
            self._bar.set_postfix(failed=0, refresh=False)

    def update(self, ok: bool) -> None:
        """Count one finished run (``ok=False`` for a failure)."""
        self.done += 1
        if not ok:
            self.failed += 1
        if self._bar is not None:
            self._bar.set_postfix(failed=self.failed, refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        """Close the bar (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


#: whether :func:`progress` bars are drawn: only while a scenario runs from the command
#: line (:func:`show_progress`); a sweep's worker, a test or a notebook calling a
#: scenario's ``run`` sees no bar
_SHOWN: list[bool] = [False]


@contextlib.contextmanager
def show_progress(enabled: bool = True) -> Iterator[None]:
    """Draw the bars of :func:`progress` on stderr inside this block (when ``enabled``)."""
    before = _SHOWN[0]
    _SHOWN[0] = bool(enabled)
    try:
        yield
    finally:
        _SHOWN[0] = before


class _Ticker(threading.Thread):
    """Redraws a bar once a second, so its elapsed time moves during a long step."""

    def __init__(self, bar: Any) -> None:
        super().__init__(daemon=True)
        self.bar = bar
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.bar.refresh()


@contextlib.contextmanager
def progress(total: int, desc: str, unit: str = "step") -> Iterator[Any]:
    """A tqdm bar on stderr for a scenario's long work; a silent one outside the CLI.

    Parameters
    ----------
    total : int
        Steps of work (``bar.update(n)`` advances by ``n``).
    desc : str
        Label before the bar (the scenario's name).
    unit : str
        What a step is (``"run"``, ``"stage"``).

    Yields
    ------
    tqdm.tqdm
        Use ``update``, ``set_postfix_str`` (what is running now). On a
        terminal the bar is redrawn every second, so its elapsed time moves
        within a long step; it is cleared when the block ends (also on Ctrl-C).

    Examples
    --------
    >>> with progress(total=2, desc="demo") as bar:  # outside show_progress: nothing drawn
    ...     bar.update(2)
    """
    from tqdm.auto import tqdm

    bar = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=not _SHOWN[0],
        leave=False,
        dynamic_ncols=True,
    )
    ticker = _Ticker(bar)
    _LIVE.add(ticker)
    if _SHOWN[0] and sys.stderr.isatty():  # a log file gets a line per step, not per second
        ticker.start()
    try:
        yield bar
    finally:
        _stop(ticker)


#: the bars open now (with their tickers), closed by :func:`close_bars`
_LIVE: set[_Ticker] = set()


def _stop(ticker: _Ticker) -> None:
    ticker.stopped.set()
    if ticker.is_alive() and ticker is not threading.current_thread():
        ticker.join()
    ticker.bar.close()
    _LIVE.discard(ticker)


def close_bars() -> None:
    """Clear every bar still drawn (after Ctrl-C, before the one-line message)."""
    for ticker in list(_LIVE):
        _stop(ticker)


def steps(iterable: Iterable[T], desc: str, unit: str = "run", total: int | None = None):
    """Iterate ``iterable`` under a :func:`progress` bar (one step per item).

    Examples
    --------
    >>> [x for x in steps(range(3), desc="demo")]
    [0, 1, 2]
    """
    items = list(iterable) if total is None else iterable
    with progress(len(items) if total is None else total, desc, unit) as bar:
        for item in items:
            yield item
            bar.update(1)
