"""Check a rendered figure as a reader would: nothing hidden, nothing overlapping, nothing empty.

:func:`check_figure` draws a :class:`matplotlib.figure.Figure` and reports, as
:class:`Problem` s:

- ``legend-over-data``: a legend box covers part of something drawn in an axes
  (a line, marker, bar or band);
- ``text-overlap``: two texts overlap — tick labels of one axis, or any two of
  the tick labels, titles, axis labels and legends of the figure;
- ``empty-panel``: an axes shows no data (reference lines such as ``axhline``
  do not count);
- ``hidden-entry``: a legend names an artist that draws nothing a reader can
  see (no point in view, or covered by a marker or a line drawn above it).

:func:`capture_figures` records every figure saved while it is active (it wraps
:meth:`Figure.savefig`), so a test can run a scenario and check each figure it
wrote.

Extents are matplotlib's axis-aligned boxes (:meth:`~matplotlib.text.Text.get_window_extent`
with the figure's renderer), so a rotated label counts with its whole box, and
a line counts wherever its vertices and segments run (NaN gaps are joined).

Examples
--------
>>> from matplotlib.figure import Figure
>>> fig = Figure()
>>> ax = fig.subplots()
>>> [p.kind for p in check_figure(fig)]
['empty-panel']
>>> _ = ax.plot([0, 1], [0, 1], label="data")
>>> check_figure(fig)
[]
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.collections import Collection, LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, Bbox

#: overlaps smaller than this many pixels (at the figure's dpi) are not reported
TOLERANCE_PX = 1.0
#: a line that shows at most this many pixels (at 100 dpi) beside a marker is hidden
SLIVER_PX = 2.0

__all__ = ["Problem", "capture_figures", "check_figure", "format_problems"]


@dataclass(frozen=True)
class Problem:
    """One defect of a figure.

    Attributes
    ----------
    kind : {"legend-over-data", "text-overlap", "empty-panel", "hidden-entry"}
    where : str
        The axes (by title, or position) or legend concerned.
    detail : str
        What overlaps or is missing, in words.
    """

    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} in {self.where}: {self.detail}"


def _renderer(fig: Figure) -> RendererBase:
    """Lay the figure out and draw it once; return the renderer its extents refer to."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _name(ax: Axes, index: int) -> str:
    title = next((t for t in (ax.get_title(loc) for loc in ("center", "left", "right")) if t), "")
    return f"axes {index} ({title!r})" if title else f"axes {index}"


def _overlap(a: Bbox, b: Bbox) -> bool:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > TOLERANCE_PX and height > TOLERANCE_PX


def _is_reference(artist: object, ax: Axes) -> bool:
    """A line placed partly in axes coordinates (``axhline``, ``axvline``): not data."""
    return isinstance(artist, Line2D) and artist.get_transform() is not ax.transData


def _data_artists(ax: Axes) -> list:
    artists = [*ax.lines, *ax.collections, *ax.patches, *ax.images]
    return [a for a in artists if a.get_visible() and not _is_reference(a, ax)]


def _has_marker(line: Line2D) -> bool:
    return line.get_marker() not in ("None", "none", "", " ", None)


def _has_line(line: Line2D) -> bool:
    return line.get_linestyle() not in ("None", "none", "", " ")


def _marker_box(centre: np.ndarray, size_pt: float, dpi: float) -> MplPath:
    """A square path of a marker's size around ``centre`` (display coordinates)."""
    half = max(size_pt, 1.0) * dpi / 72.0 / 2.0
    (x, y) = centre
    return MplPath.unit_rectangle().transformed(
        Affine2D().scale(2 * half, 2 * half).translate(x - half, y - half)
    )


def _display_paths(artist: object, dpi: float) -> list[tuple[MplPath, bool]]:
    """The artist's outlines in display coordinates, each with whether it is filled."""
    if isinstance(artist, Line2D):
        xy = np.column_stack(artist.get_data()).astype(float)
        shown = artist.get_transform().transform(xy[np.isfinite(xy).all(axis=1)])
        out = []
        if _has_line(artist) and len(shown) > 1:
            out.append((MplPath(shown), False))
        if _has_marker(artist):
            out.extend((_marker_box(p, artist.get_markersize(), dpi), True) for p in shown)
        return out
    if isinstance(artist, PathCollection):  # scatter: one marker per offset
        offsets = np.asarray(artist.get_offsets(), dtype=float)
        shown = artist.get_offset_transform().transform(offsets) if len(offsets) else offsets
        sizes = artist.get_sizes()
        size = float(np.sqrt(np.max(sizes))) if len(sizes) else 6.0
        return [(_marker_box(p, size, dpi), True) for p in shown if np.isfinite(p).all()]
    if isinstance(artist, Collection):
        transform = artist.get_transform()
        filled = not isinstance(artist, LineCollection)
        return [(transform.transform_path(p), filled) for p in artist.get_paths()]
    if isinstance(artist, Patch):
        return [(artist.get_transform().transform_path(artist.get_path()), True)]
    return []


def _covers(region: Bbox, artist: object, dpi: float) -> bool:
    for path, filled in _display_paths(artist, dpi):
        if len(path.vertices) and path.intersects_bbox(region, filled=filled):
            return True
    return False


def _legends(fig: Figure) -> list[tuple[str, Legend]]:
    out = [(f"figure legend {k}", leg) for k, leg in enumerate(fig.legends)]
    for index, ax in enumerate(fig.axes):
        if ax.get_legend() is not None and ax.get_legend().get_visible():
            out.append((f"legend of {_name(ax, index)}", ax.get_legend()))
    return out


def _legend_over_data(fig: Figure, renderer: RendererBase) -> list[Problem]:
    problems = []
    for where, legend in _legends(fig):
        box = legend.get_window_extent(renderer)
        for index, ax in enumerate(fig.axes):
            view = ax.get_window_extent(renderer)
            if not _overlap(box, view):
                continue
            region = Bbox.intersection(box, view)
            covered = [a for a in _data_artists(ax) if _covers(region, a, fig.dpi)]
            if covered:
                labels = sorted({_label(a) for a in covered})
                problems.append(
                    Problem(
                        "legend-over-data",
                        where,
                        f"covers {len(covered)} artist(s) of {_name(ax, index)}: "
                        + ", ".join(labels[:4]),
                    )
                )
    return problems


def _label(artist: object) -> str:
    label = artist.get_label() if hasattr(artist, "get_label") else ""
    return repr(label) if label and not str(label).startswith("_") else type(artist).__name__


def _texts(fig: Figure, renderer: RendererBase) -> list[tuple[str, Bbox]]:
    """Every visible, non-empty text of the figure with its extent."""
    out: list[tuple[str, Bbox]] = []
    seen: set[int] = set()

    def add(name: str, text: Text) -> None:
        if id(text) not in seen and text.get_visible() and text.get_text().strip():
            seen.add(id(text))
            out.append((f"{name} {text.get_text()!r}", text.get_window_extent(renderer)))

    for index, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        name = _name(ax, index)
        view = ax.get_window_extent(renderer)
        for axis, letter in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            lo, hi = (view.x0, view.x1) if letter == "x" else (view.y0, view.y1)
            for tick in axis.get_ticklabels():
                if not tick.get_text():
                    continue
                box = tick.get_window_extent(renderer)
                centre = (box.x0 + box.x1) / 2 if letter == "x" else (box.y0 + box.y1) / 2
                if lo - 1 <= centre <= hi + 1:  # a tick outside the view is not drawn
                    add(f"{name} {letter} tick", tick)
            add(f"{name} {letter} label", axis.label)
        for title in (ax.title, ax._left_title, ax._right_title):
            add(f"{name} title", title)
    for attr in ("_suptitle", "_supxlabel", "_supylabel"):
        text = getattr(fig, attr, None)
        if text is not None:
            add("figure", text)
    for text in fig.texts:
        add("figure text", text)
    for where, legend in _legends(fig):
        out.append((where, legend.get_window_extent(renderer)))
    return out


def _text_overlaps(fig: Figure, renderer: RendererBase) -> list[Problem]:
    problems = []
    for (a, box_a), (b, box_b) in itertools.combinations(_texts(fig, renderer), 2):
        if _overlap(box_a, box_b):
            problems.append(Problem("text-overlap", a, f"overlaps {b}"))
    return problems


def _in_view(ax: Axes, artist: object, renderer: RendererBase) -> bool:
    return _covers(ax.get_window_extent(renderer), artist, ax.figure.dpi)


def _empty_panels(fig: Figure, renderer: RendererBase) -> list[Problem]:
    problems = []
    for index, ax in enumerate(fig.axes):
        if not ax.get_visible() or not ax.axison:
            continue
        if not any(_in_view(ax, a, renderer) for a in _data_artists(ax)):
            problems.append(Problem("empty-panel", _name(ax, index), "draws no data"))
    return problems


def _hidden_entries(fig: Figure, renderer: RendererBase) -> list[Problem]:
    named = {t.get_text() for _, legend in _legends(fig) for t in legend.get_texts()}
    problems = []
    for index, ax in enumerate(fig.axes):
        artists = [a for a in _data_artists(ax) if isinstance(a, Line2D)]
        for k, line in enumerate(artists):
            label = line.get_label()
            if label not in named or not len(line.get_xdata()):
                continue  # not in a legend, or a deliberately empty legend proxy
            if not _in_view(ax, line, renderer):
                problems.append(
                    Problem("hidden-entry", _name(ax, index), f"{label!r} draws nothing in view")
                )
                continue
            above = [
                other
                for j, other in enumerate(artists)
                if other is not line
                and (other.get_zorder(), j) > (line.get_zorder(), k)
                and _hides(other, line)
            ]
            if above:
                problems.append(
                    Problem(
                        "hidden-entry",
                        _name(ax, index),
                        f"{label!r} is covered by {_label(above[0])} drawn above it",
                    )
                )
    return problems


def _extent(line: Line2D) -> tuple[np.ndarray, float]:
    xy = np.column_stack(line.get_data()).astype(float)
    xy = xy[np.isfinite(xy).all(axis=1)]
    shown = line.get_transform().transform(xy)
    dpi = line.figure.dpi if line.figure is not None else 100.0
    size = line.get_markersize() if _has_marker(line) else line.get_linewidth()
    radius = size * dpi / 72.0 / 2.0
    return shown, radius


def _hides(top: Line2D, below: Line2D) -> bool:
    """Whether ``top`` covers all of ``below``: inside one of its markers, or the same line."""
    below_xy, below_r = _extent(below)
    top_xy, top_r = _extent(top)
    if not len(below_xy) or not len(top_xy):
        return False
    top_marker = _has_marker(top)
    if top_marker and top.get_alpha() in (None, 1.0):
        # a sliver of SLIVER_PX beside an opaque marker is not something a reader sees
        margin = below_r - SLIVER_PX * top.figure.dpi / 100.0
        lo, hi = below_xy.min(axis=0) - margin, below_xy.max(axis=0) + margin
        for centre in top_xy:
            if np.all(lo >= centre - top_r) and np.all(hi <= centre + top_r):
                return True
    below_has_line = _has_line(below) and len(below_xy) > 1
    top_solid = top.get_linestyle() in ("-", "solid") and top.get_alpha() in (None, 1.0)
    same_points = below_xy.shape == top_xy.shape and np.allclose(below_xy, top_xy, atol=0.5)
    wide_enough = top.get_linewidth() >= below.get_linewidth() or not below_has_line
    markers_covered = not _has_marker(below) or (
        top_marker and top.get_markersize() >= below.get_markersize()
    )
    return same_points and wide_enough and markers_covered and (top_solid or not below_has_line)


def check_figure(fig: Figure) -> list[Problem]:
    """Draw ``fig`` and return every defect found (empty when it reads cleanly).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Any figure (pyplot's or a bare ``Figure``); it is drawn with Agg.

    Returns
    -------
    list of Problem
        In the order: legends over data, overlapping texts, empty panels,
        hidden legend entries.
    """
    renderer = _renderer(fig)
    return [
        *_legend_over_data(fig, renderer),
        *_text_overlaps(fig, renderer),
        *_empty_panels(fig, renderer),
        *_hidden_entries(fig, renderer),
    ]


def format_problems(problems_by_file: dict[str, list[Problem]]) -> str:
    """One line per problem, grouped by file, for an assertion message."""
    lines = []
    for name, problems in sorted(problems_by_file.items()):
        lines.extend(f"{name}: {p}" for p in problems)
    return "\n".join(lines)


@contextlib.contextmanager
def capture_figures() -> Iterator[dict[str, list[Problem]]]:
    """Check every figure saved inside the block; yield ``{file name: problems}``.

    Each :meth:`Figure.savefig` call is checked just before it writes, so the
    figure is judged exactly as it is saved (pyplot figures that are closed
    afterwards included). Every save appears, with an empty list when clean.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> with capture_figures() as found:
    ...     fig = Figure()
    ...     _ = fig.subplots().plot([0, 1])
    ...     fig.savefig(pathlib.Path(tempfile.mkdtemp()) / "line.png")
    >>> found
    {'line.png': []}
    """
    found: dict[str, list[Problem]] = {}
    original = Figure.savefig

    def savefig(self: Figure, fname, *args, **kwargs):
        from hmlsim.outputs import final_name  # a file saved atomically: its final name

        name = final_name(fname).name if isinstance(fname, (str, Path)) else repr(fname)
        found[name] = check_figure(self)
        return original(self, fname, *args, **kwargs)

    Figure.savefig = savefig
    try:
        yield found
    finally:
        Figure.savefig = original
