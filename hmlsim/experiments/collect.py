"""Read a finished sweep store into tidy tables, and draw the standard sweep figures.

- :func:`collect`: one table of every finished run, concatenated (one row per
  observation, with ``run_key``, ``replicate``, ``seed`` and the axis values).
- :func:`collect_summaries`: one row per run with its summary numbers.
- :func:`mean_se`: mean, standard error and count of a value per group.
- :func:`plot_value_added`: a value (added value, by default) against a swept
  parameter (``alpha``), one line per group with a ±1 SE band, in facets.
- :func:`plot_stable_points`: where each group's runs settle (stable points
  by advisor), every replicate as a dot plus the mean ± SE.

The figure functions take column names as arguments, so they work on any tidy
table that has those columns, whichever scenario produced it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hmlsim.errors import ConfigError
from hmlsim.experiments.store import ResultStore

#: line styles and markers cycled over the hue levels of :func:`plot_lines`, so that
#: lines differ by more than colour (print, colour-blind readers)
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P")

log = logging.getLogger(__name__)


def _store(store: ResultStore | str | Path) -> ResultStore:
    if isinstance(store, ResultStore):
        return store
    if not Path(store).is_dir():
        raise ConfigError("store", f"no such folder: {store}")
    return ResultStore(store)


def _planned_done(store: ResultStore, planned_only: bool) -> list[str]:
    done = store.done_keys()
    if not planned_only:
        return sorted(done)
    planned = [run["key"] for run in store.manifest()["runs"]]
    return [key for key in planned if key in done]


def collect(
    store: ResultStore | str | Path, table: str | None = None, *, planned_only: bool = True
) -> pd.DataFrame:
    """Concatenate one result table over every finished run of a store.

    Parameters
    ----------
    store : ResultStore or path
        The sweep's store folder.
    table : str, optional
        Which table; may be left out when the runs have a single table.
    planned_only : bool
        Only the runs of the store's manifest (the last spec started there),
        in the manifest's grid order; False takes every run in the folder.

    Returns
    -------
    DataFrame
        Tidy: the scenario's rows with ``run_key``, ``replicate``, ``seed`` and
        the axis values as columns; empty when no run has finished.

    Raises
    ------
    ConfigError
        ``table`` when it is missing and the runs have several, or is unknown.
    """
    store = _store(store)
    keys = _planned_done(store, planned_only)
    if not keys:
        return pd.DataFrame()
    if table is None:
        names = store.table_names(keys[0])
        if len(names) != 1:
            raise ConfigError(
                "table", f"the runs have several tables; accepted: {', '.join(names)}"
            )
        table = names[0]
    frames = [store.read_table(key, table) for key in keys]
    return pd.concat(frames, ignore_index=True)


def _flatten(prefix: str, value: Any, row: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, row)
    elif isinstance(value, list):
        row[prefix] = str(value)
    else:
        row[prefix] = value


def collect_summaries(
    store: ResultStore | str | Path, *, planned_only: bool = True
) -> pd.DataFrame:
    """One row per finished run: key, replicate, seed, axis values and the summary.

    Nested summary entries become dotted column names (``stable.u``); lists are
    kept as text.
    """
    from hmlsim.experiments.store import _scalar

    store = _store(store)
    rows = []
    for key in _planned_done(store, planned_only):
        info = store.run_info(key)
        row: dict[str, Any] = {"run_key": key, "replicate": info["replicate"], "seed": info["seed"]}
        row.update({k: _scalar(v) for k, v in info["axes"].items()})
        _flatten("", store.summary(key), row)
        rows.append(row)
    return pd.DataFrame(rows)


def _check_columns(df: pd.DataFrame, columns: Sequence[str | None]) -> None:
    for column in columns:
        if column is not None and column not in df.columns:
            raise ConfigError(
                column, f"not a column of the table; accepted: {', '.join(map(str, df.columns))}"
            )


def mean_se(df: pd.DataFrame, value: str, by: Sequence[str]) -> pd.DataFrame:
    """Mean, standard error (sample SD / sqrt(n)) and count of ``value`` per group.

    Examples
    --------
    >>> t = pd.DataFrame({"g": ["a", "a", "b"], "v": [1.0, 3.0, 5.0]})
    >>> mean_se(t, "v", ["g"]).round(3).to_dict("list")
    {'g': ['a', 'b'], 'mean': [2.0, 5.0], 'se': [1.0, 0.0], 'n': [2, 1]}
    """
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise ConfigError("by", "give at least one column to group by")
    _check_columns(df, [value, *by])
    grouped = df.groupby(by, sort=True, dropna=False)[value]
    out = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    out["se"] = (out["sd"] / np.sqrt(out["n"])).fillna(0.0)
    return out[[*by, "mean", "se", "n"]]


def _sorted(values: Any) -> list:
    """Values in natural order (numbers numerically), falling back to their text."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _ordered(values: Any, order: Sequence | None) -> list:
    """The values in ``order`` first (those present), then the rest in natural order."""
    present = list(values)
    first = [v for v in order or () if v in present]
    return first + _sorted(v for v in present if v not in first)


def _facets(
    df: pd.DataFrame, row: str | None, col: str | None, order: Mapping[str, Sequence] | None = None
) -> tuple[list, list]:
    order = order or {}
    rows = _ordered(df[row].unique(), order.get(row)) if row else [None]
    cols = _ordered(df[col].unique(), order.get(col)) if col else [None]
    return rows, cols


def _subset(df: pd.DataFrame, row: str | None, r: Any, col: str | None, c: Any) -> pd.DataFrame:
    mask = np.ones(len(df), dtype=bool)
    if row:
        mask &= (df[row] == r).to_numpy()
    if col:
        mask &= (df[col] == c).to_numpy()
    return df[mask]


def _facet_title(column: str | None, value: Any) -> str:
    """A facet's value; a number is named by its column ("tilt = 0.9"), a word stands alone."""
    from hmlsim.plotting.words import words

    if column is None:
        return ""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return f"{words(column)} = {value:g}"
    return str(value)


def plot_value_added(
    df: pd.DataFrame,
    *,
    x: str = "alpha",
    y: str = "added_value",
    hue: str | None = "advisor",
    col: str | None = None,
    row: str | None = None,
    baseline: float | None = 0.0,
    title: str | None = None,
    order: Mapping[str, Sequence] | None = None,
) -> Figure:
    """Mean of ``y`` against ``x`` per ``hue`` with ±1 SE bands, faceted by ``row``/``col``.

    The mean and SE are over all rows sharing (row, col, hue, x), typically the
    replicates of a sweep; the y label says which ("mean ± SE over 10 runs",
    or "1 run, no SE" when every point is a single run, drawn without band).
    ``baseline`` draws a dashed reference line (0 = the human alone for added
    value); None draws none. Axis labels are the columns in words
    (:func:`hmlsim.plotting.words.words`); with few swept values the x ticks
    are those values.

    Parameters
    ----------
    order : mapping of column to sequence, optional
        The order of the rows, columns or lines of a column (for example the
        paper's panel order); values not listed follow in natural order.

    Returns
    -------
    matplotlib.figure.Figure
        Not shown or saved; call ``fig.savefig(path)``.

    Raises
    ------
    ConfigError
        Naming a column that the table does not have.
    """
    from hmlsim.plotting.axes import swept_x_axis
    from hmlsim.plotting.words import spread_note, words

    _check_columns(df, [x, y, hue, col, row])
    by = [c for c in (row, col, hue) if c] + [x]
    stats = mean_se(df, y, by)
    rows, cols = _facets(stats, row, col, order)
    fig = Figure(figsize=(3.6 * len(cols) + 1.0, 3.0 * len(rows) + 0.9), layout="constrained")
    axes = fig.subplots(len(rows), len(cols), squeeze=False, sharex=True, sharey=True)
    hues = _ordered(stats[hue].unique(), (order or {}).get(hue)) if hue else [None]
    integer_x = pd.api.types.is_integer_dtype(stats[x])
    single = len(np.unique(stats[x])) == 1
    legend: dict[str, Any] = {}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            ax = axes[i][j]
            panel = _subset(stats, row, r, col, c)
            for k, h in enumerate(hues):
                line = panel[panel[hue] == h] if hue else panel
                line = line.sort_values(x)
                if line.empty:
                    continue
                xs, mean, se = line[x].to_numpy(), line["mean"].to_numpy(), line["se"].to_numpy()
                style = {"marker": MARKERS[k % len(MARKERS)], "ms": 4}
                label = str(h) if hue else words(y)
                if single:  # one x: a point with its error bar (a band would draw nothing)
                    drawn = ax.errorbar(xs, mean, yerr=se, ls="none", capsize=3, **style)[0]
                else:
                    (drawn,) = ax.plot(xs, mean, LINESTYLES[k % len(LINESTYLES)], **style)
                    if (se > 0).any():
                        ax.fill_between(
                            xs, mean - se, mean + se, color=drawn.get_color(), alpha=0.2, lw=0
                        )
                drawn.set_label(label)
                legend.setdefault(label, drawn)
            if baseline is not None:
                ax.axhline(baseline, color="0.4", linestyle="--", linewidth=0.8)
            parts = [_facet_title(row, r), _facet_title(col, c)]
            ax.set_title(" · ".join(p for p in parts if p), fontsize=9)
            swept_x_axis(ax, stats[x].to_numpy(), integer=integer_x)
            if i == len(rows) - 1:
                ax.set_xlabel(words(x))
            if j == 0:
                ax.set_ylabel(f"{words(y)}\n({spread_note(stats['n'])})")
    if hue:
        # below the panels: off the data, and clear of the figure's title
        fig.legend(
            list(legend.values()),
            list(legend),
            title=words(hue),
            loc="outside lower center",
            ncols=min(len(legend), 4),
            fontsize=8,
        )
    if title:
        fig.suptitle(title)
    return fig


def plot_stable_points(
    df: pd.DataFrame,
    *,
    by: str = "advisor",
    y: str = "stable_point",
    hue: str | None = None,
    col: str | None = None,
    title: str | None = None,
) -> Figure:
    """Every run's ``y`` as a dot per group of ``by``, with the group mean ± SE.

    Parameters
    ----------
    df : DataFrame
        Tidy table with one row per run (or per stable point).
    by : str
        Column on the x axis (the advisor).
    y : str
        Column of the stable points (utility where the learning path settles).
    hue : str, optional
        Column coloured within each group (for example the initial model).
    col : str, optional
        Column faceting the figure (for example the dataset).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from hmlsim.plotting.words import words

    _check_columns(df, [by, y, hue, col])
    _, cols = _facets(df, None, col)
    fig = Figure(figsize=(3.8 * len(cols) + 1.0, 3.4), layout="constrained")
    axes = fig.subplots(1, len(cols), squeeze=False, sharey=True)[0]
    groups = _sorted(df[by].unique())
    hues = _sorted(df[hue].unique()) if hue else [None]
    jitter = np.linspace(-0.25, 0.25, len(hues)) if len(hues) > 1 else np.zeros(1)
    colours = [f"C{k % 10}" for k in range(len(hues))]
    for ax, c in zip(axes, cols, strict=True):
        panel = _subset(df, None, None, col, c)
        for g_index, g in enumerate(groups):
            in_group = panel[panel[by] == g]
            for h_index, h in enumerate(hues):
                values = (in_group[in_group[hue] == h] if hue else in_group)[y]
                values = values.to_numpy(dtype=float)
                if values.size == 0:
                    continue
                label = str(h) if hue and g_index == 0 else None
                ax.scatter(
                    np.full(values.size, g_index + jitter[h_index]),
                    values,
                    s=12,
                    alpha=0.6,
                    color=colours[h_index],
                    label=label,
                )
            values = in_group[y].to_numpy(dtype=float)
            if values.size:
                se = values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else 0.0
                ax.errorbar(
                    [g_index],
                    [values.mean()],
                    yerr=[se],
                    fmt="_",
                    ms=16,
                    color="black",
                    capsize=4,
                    zorder=3,
                )
        ax.set_xticks(range(len(groups)), [str(g) for g in groups], rotation=30, ha="right")
        ax.set_xlabel(words(by))
        ax.set_title(_facet_title(col, c), fontsize=9)
    axes[0].set_ylabel(f"{words(y)}\n(dots: runs; bar: mean ± SE)")
    if hue:
        fig.legend(
            title=words(hue), loc="outside lower center", ncols=min(len(hues), 4), fontsize=8
        )
    if title:
        fig.suptitle(title)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Write a figure to ``path`` atomically (folders created) and return the path."""
    from hmlsim.errors import check_path, check_writable_folder
    from hmlsim.outputs import save_figure as save_atomically

    check_writable_folder("path", check_path("path", path, must_exist=False).parent)

    # bbox "tight": nothing cut off (titles, legends)
    return save_atomically(fig, path, dpi=dpi, bbox_inches="tight")
