"""Axis helpers shared by the study figures."""

from __future__ import annotations

from typing import Any

import numpy as np

#: at most this many swept values get a tick each
MAX_VALUE_TICKS = 8


def swept_x_axis(ax: Any, xs: Any, *, integer: bool = False) -> None:
    """An x axis for a swept parameter: a tick at each value when there are few.

    A single value gets a range of a quarter of its size (at least 0.05) on
    either side, instead of matplotlib's meaningless ±0.015 ticks around it.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> swept_x_axis(ax, [0.3])
    >>> [round(float(v), 3) for v in ax.get_xlim()], [t.get_text() for t in ax.get_xticklabels()]
    ([0.225, 0.375], ['0.3'])
    """
    values = np.unique(np.asarray(xs, dtype=float))
    if 0 < len(values) <= MAX_VALUE_TICKS:
        ax.set_xticks(values, [f"{v:g}" for v in values])
    elif integer:
        ax.xaxis.get_major_locator().set_params(integer=True)
    if len(values) == 1:
        half = max(0.25 * abs(float(values[0])), 0.05)
        ax.set_xlim(values[0] - half, values[0] + half)
