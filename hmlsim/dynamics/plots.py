"""Figures of the dynamics: Φ with its line, cobweb learning paths, stable points, basins.

:func:`plot_dynamics` draws Φ against the learner's line (the 45° line, or the
tilted line u/λ), cobweb learning paths from several starts, the stable points
marked by kind (filled: attracting, open: repelling, half-filled: semi-stable,
diamond: neutral), cycles as squares, and a strip underneath coloured by the
basin each utility belongs to. :func:`save_figure` writes PNG and SVG.
The figures are built on :class:`matplotlib.figure.Figure` (no pyplot state).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hmlsim.dynamics.analysis import DynamicsReport, analyse
from hmlsim.dynamics.characteristic import Characteristic, TabulatedPhi, as_characteristic
from hmlsim.dynamics.learners import Learner, PerfectLearner
from hmlsim.dynamics.paths import LearningPath, learning_path

#: Marker style per stable-point kind: (marker, fillstyle).
MARKERS = {
    "attracting": ("o", "full"),
    "repelling": ("o", "none"),
    "semi-stable": ("o", "left"),
    "neutral": ("D", "full"),
}
#: indices into seaborn's colour-blind palette for the cobweb paths: no blue (Φ's
#: colour) and no second orange, so that neighbouring paths differ in hue
PATH_COLOURS = (1, 2, 4, 5, 9, 8)
#: shades of the basin strip (greys: no basin looks like a path)
BASIN_SHADES = ("0.55", "0.8", "0.35", "0.68")


def cobweb_xy(
    path: Sequence[float], phi: Callable[[Any], Any], learner: Learner | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the cobweb of a learning path in the (model, team utility) plane.

    From (u_t, ℓ⁻¹(u_t)) up or down to Φ at (u_t, Φ(u_t)), then across to the
    learner's line at (u_{t+1}, Φ(u_t)), and so on.

    Examples
    --------
    >>> x, y = cobweb_xy([0.5, 0.75], lambda u: 0.5 + 0.5 * u)
    >>> x.tolist(), y.tolist()
    ([0.5, 0.5, 0.75, 0.75], [0.5, 0.75, 0.75, 0.875])
    """
    learner = learner or PerfectLearner()
    u = np.asarray(path, dtype=float)
    values = np.asarray(phi(u), dtype=float)
    x = [u[0]]
    y = [float(learner.inverse(u[0]))]
    for t in range(u.size):
        x.append(u[t])
        y.append(values[t])
        if t + 1 < u.size:
            x.append(u[t + 1])
            y.append(values[t])
    return np.asarray(x), np.asarray(y)


def plot_dynamics(
    phi: Characteristic | Callable[[Any], Any],
    learner: Learner | None = None,
    *,
    report: DynamicsReport | None = None,
    starts: Sequence[float] | None = None,
    epsilon: float = 0.01,
    show_basins: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (7.2, 5.6),
) -> Figure:
    """Φ, the learner's line, cobwebs from ``starts``, stable points and basins.

    Parameters
    ----------
    phi : Characteristic or callable
        The collaborative characteristic function.
    learner : Learner, optional
        The learner map (default perfect: the 45° line).
    report : DynamicsReport, optional
        A finished :func:`~hmlsim.dynamics.analysis.analyse` (computed if absent).
    starts : sequence of float, optional
        Starting utilities of the cobwebs (default: the measured utilities of a
        tabulated Φ, else five evenly spaced utilities).
    epsilon : float, default 0.01
        Smallest meaningful change (used when ``report`` is computed here).
    show_basins : bool, default True
        Add a strip under the plot coloured by basin of attraction.
    title : str, optional
        Figure title.
    figsize : tuple of float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from hmlsim.dynamics.characteristic import TabulatedPhi
    >>> fig = plot_dynamics(TabulatedPhi([0.717, 0.920], [0.894, 0.926]))
    >>> len(fig.axes)
    2
    """
    phi = as_characteristic(phi)
    learner = learner or (report.learner if report is not None else PerfectLearner())
    if report is None:
        report = analyse(phi, learner, epsilon=epsilon)
    lo, hi = phi.domain
    if starts is None:
        starts = phi.x.tolist() if isinstance(phi, TabulatedPhi) else np.linspace(lo, hi, 5)
    palette = sns.color_palette("colorblind")

    with sns.axes_style("whitegrid"):
        fig = Figure(figsize=figsize, layout="constrained")
        # one unit of utility is as long across as up: the 45° line is at 45°
        aspect = 1.0 / (hi - lo)
        if show_basins:
            ax, strip = fig.subplots(2, 1, sharex=True, height_ratios=[12, 1])
            strip.set_box_aspect(aspect / 12)  # as wide as the main panel
        else:
            ax, strip = fig.subplots(1, 1), None
        ax.set_box_aspect(aspect)
        _draw_main(ax, phi, learner, report, starts, palette)
        if strip is not None:
            _draw_basins(strip, report)
    if title:
        fig.suptitle(title)
    return fig


def _draw_main(
    ax: Axes,
    phi: Characteristic,
    learner: Learner,
    report: DynamicsReport,
    starts: Sequence[float],
    palette: Sequence[Any],
) -> None:
    lo, hi = phi.domain
    grid = np.unique(np.concatenate([np.linspace(lo, hi, 801), phi.breakpoints]))
    values = np.asarray(phi(grid), dtype=float)
    line = np.asarray(learner.inverse(grid), dtype=float)
    tilt = getattr(learner, "tilt", 1.0)
    line_label = "45° line (perfect learner)" if tilt == 1.0 else f"tilted line u/λ, λ = {tilt:g}"
    ax.plot(grid, line, color="0.4", lw=1, ls="--", label=line_label)
    if isinstance(phi, TabulatedPhi):
        a, b = phi.measured_range
        inside = (grid >= a) & (grid <= b)
        outside_values = np.where(inside, np.nan, values)
        ax.plot(
            grid, np.where(inside, values, np.nan), color=palette[0], lw=2, label=f"Φ ({phi.name})"
        )
        ax.plot(
            grid,
            outside_values,
            color=palette[0],
            lw=1.5,
            ls=":",
            label=f"Φ extrapolated ({phi.extrapolate})",
        )
        sns.scatterplot(x=phi.x, y=phi.y, ax=ax, color=palette[0], s=30, zorder=3, legend=False)
    else:
        ax.plot(grid, values, color=palette[0], lw=2, label=f"Φ ({phi.name})")
    for k, u0 in enumerate(starts):
        path: LearningPath = learning_path(phi, float(u0), learner=learner, epsilon=report.epsilon)
        x, y = cobweb_xy(path.utilities[:60], phi, learner)
        colour = palette[PATH_COLOURS[k % len(PATH_COLOURS)]]
        # a dot at the start, above the stable points: a path that starts next to
        # one still shows
        ax.plot(
            x,
            y,
            color=colour,
            lw=1.1,
            marker="o",
            ms=5,
            markevery=[0],
            zorder=6,
            label=f"path from {u0:.3g}",
        )
    seen: set[str] = set()
    for point in report.stable_points:
        marker, fill = MARKERS[point.kind]
        ax.plot(
            point.u,
            point.phi,
            marker=marker,
            fillstyle=fill,
            ms=9,
            mew=1.6,
            color="black",
            ls="none",
            zorder=5,
            label=point.kind if point.kind not in seen else None,
        )
        seen.add(point.kind)
    for cycle in report.cycles:
        u = np.asarray(cycle.points)
        ax.plot(
            u,
            np.asarray(phi(u)),
            "s",
            ms=8,
            color="crimson",
            zorder=5,
            label=f"{cycle.kind} {cycle.period}-cycle",
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("human+ML utility Φ(u)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def _draw_basins(strip: Axes, report: DynamicsReport) -> None:
    """Shade each utility by the stable point or cycle its learning path reaches.

    Greys, so that no basin is taken for a path's colour.
    """
    half = report.epsilon / 2
    strip.axvspan(*report.phi.domain, color="0.85", lw=0)
    targets = [
        (f"{p.u:.3f}", b) for p, b in zip(report.stable_points, report.point_basins, strict=True)
    ]
    targets += [
        (f"{c.period}-cycle", b) for c, b in zip(report.cycles, report.cycle_basins, strict=True)
    ]
    k = 0
    for label, basin in targets:
        if not basin:
            continue
        colour = BASIN_SHADES[k % len(BASIN_SHADES)]
        k += 1
        for n, (a, b) in enumerate(basin):
            strip.axvspan(
                a - half, b + half, color=colour, lw=0, label=f"→ {label}" if n == 0 else None
            )
    strip.set_yticks([])
    strip.set_ylabel("basin", rotation=0, ha="right", va="center")
    strip.set_xlabel("model utility u")
    if k:
        strip.legend(
            loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="x-small", frameon=False
        )


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> list[Path]:
    """Write ``fig`` as PNG and SVG next to ``path``; return the files written.

    ``results/phi.png`` (or ``.svg``, or no suffix) writes ``results/phi.png``
    and ``results/phi.svg``; any other suffix is written as given, plus both.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     [p.suffix for p in save_figure(Figure(), pathlib.Path(folder) / "fig.png")]
    ['.png', '.svg']
    """
    from hmlsim.errors import check_path, check_writable_folder
    from hmlsim.outputs import save_figure as save_atomically

    path = check_path("path", path, must_exist=False)
    check_writable_folder("path", path.parent)
    stem = path.with_suffix("") if path.suffix.lower() in {".png", ".svg", ""} else path
    written = []
    if stem is path:
        written.append(save_atomically(fig, path, dpi=dpi, bbox_inches="tight"))
        stem = path.with_suffix("")
    for suffix in (".png", ".svg"):
        target = stem.with_suffix(suffix) if stem.suffix == "" else Path(f"{stem}{suffix}")
        written.append(save_atomically(fig, target, dpi=dpi, bbox_inches="tight"))
    return written
