"""The figure of empirical learning maps: binned maps, fixed points and cobwebs.

:func:`plot_learning_map` draws the
:class:`~hmlsim.dynamics.empirical_map.EmpiricalLearningMap` of several
advisors against the 45° line, with ±z SE bars, their fixed points
(:mod:`~hmlsim.dynamics.map_points`) and the cobwebs of observed learning
paths. matplotlib and seaborn are imported when a figure is drawn, so that
``import hmlsim.dynamics`` stays light.

Examples
--------
>>> from hmlsim.dynamics import EmpiricalLearningMap
>>> paths = [[0.6, 0.66, 0.70, 0.72], [0.9, 0.84, 0.80, 0.78]] * 3
>>> fig = plot_learning_map({"TR": EmpiricalLearningMap.from_paths(paths)}, paths={"TR": paths})
>>> [line.get_gid() for line in fig.axes[0].get_lines() if line.get_gid()]
['attracting fixed point']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from hmlsim.dynamics.empirical_map import EmpiricalLearningMap
from hmlsim.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from hmlsim.dynamics.map_points import MapFixedPoint


def _cobweb(path: Sequence[float]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vertices of an observed path's cobweb: (u_t, u_t) → (u_t, u_{t+1}) → (u_{t+1}, u_{t+1}).

    Examples
    --------
    >>> [v.tolist() for v in _cobweb([0.5, 0.7, 0.75])]
    [[0.5, 0.5, 0.7, 0.7, 0.75], [0.5, 0.7, 0.7, 0.75, 0.75]]
    """
    twice = np.repeat(np.asarray(path, dtype=float), 2)
    return twice[:-1], twice[1:]


def plot_learning_map(
    maps: Mapping[str, EmpiricalLearningMap] | EmpiricalLearningMap,
    ax: Axes | None = None,
    paths: Mapping[str, Sequence[Sequence[float]]] | Sequence[Sequence[float]] | None = None,
    *,
    points: Mapping[str, Sequence[MapFixedPoint]] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (6.0, 6.0),
) -> Figure:
    """The binned maps with ±z SE bars, the 45° line, fixed points and cobwebs.

    Parameters
    ----------
    maps : mapping of str to EmpiricalLearningMap, or one map
        One map per advisor (the key labels it).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new :class:`~matplotlib.figure.Figure`).
    paths : mapping of str to paths, or sequence of paths, optional
        Observed learning paths drawn as cobwebs (in the colour of the map with
        the same key when a mapping).
    points : mapping of str to fixed points, optional
        Each map's :meth:`~EmpiricalLearningMap.fixed_points` (computed without a
        bootstrap if absent). Attracting: filled circles, repelling: open
        circles, neutral band: a diamond and a thick segment of the line.
    title : str, optional
        Axes title.
    figsize : tuple of float
        Size of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    from hmlsim.dynamics.plots import MARKERS

    if isinstance(maps, EmpiricalLearningMap):
        maps = {"map": maps}
    if not maps:
        raise ConfigError("maps", "needs at least one learning map")
    palette = sns.color_palette("colorblind")
    colours = {name: palette[k % len(palette)] for k, name in enumerate(maps)}
    if ax is None:
        with sns.axes_style("whitegrid"):
            fig = Figure(figsize=figsize, layout="constrained")
            ax = fig.subplots()
    else:
        fig = ax.figure
    lo = min(m.visited[0] for m in maps.values())
    hi = max(m.visited[1] for m in maps.values())
    pad = max(0.02, 0.05 * (hi - lo))
    line = np.array([max(0.0, lo - pad), min(1.0, hi + pad)])
    ax.plot(line, line, color="0.4", lw=1, ls="--", label="45° line")
    for name, lmap in maps.items():
        colour = colours[name]
        z = lmap.z
        ax.errorbar(
            lmap.centres,
            lmap.next_means,
            yerr=z * np.array([b.next_se for b in lmap.bins]),
            color=colour,
            marker=".",
            lw=1.5,
            capsize=2,
            label=f"{name} (± {z:g} SE)",
        )
        marks = (points or {}).get(name)
        for p in marks if marks is not None else lmap.fixed_points(n_boot=0):
            if p.kind == "neutral band":
                if p.interval is not None:
                    ax.plot(p.interval, p.interval, color=colour, lw=6, alpha=0.35)
                marker, fill = MARKERS["neutral"]
            else:
                marker, fill = MARKERS[p.kind]
            ax.plot(
                p.u,
                p.u,
                marker=marker,
                fillstyle=fill,
                ms=9,
                mew=1.6,
                color=colour,
                ls="none",
                zorder=5,
                gid=f"{p.kind} fixed point",
            )
    if paths is not None:
        groups = paths.items() if isinstance(paths, Mapping) else [(None, paths)]
        for name, group in groups:
            for path in group:
                if len(path) < 2:
                    continue
                x, y = _cobweb(path)
                ax.plot(x, y, color=colours.get(name, "0.5"), lw=0.7, alpha=0.5)
    ax.set_xlim(*line)
    ax.set_ylim(*line)
    ax.set_xlabel("model utility $u_t$")
    ax.set_ylabel("next model utility $u_{t+1}$")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return fig
