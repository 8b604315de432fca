"""A progress bar for sweeps: runs done out of the total, failures, rate and ETA (tqdm)."""

from __future__ import annotations

import sys
from typing import Any, TextIO


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
