"""Figures of the performative advisor study (:mod:`hmlsim.scenarios.performative_advisors`).

Each function takes the study's tidy ``learning_paths`` table (one row per run
and epoch) and writes one PNG:

- :func:`plot_traced_phi` — every run's (u_t, Φ(u_t)) against the 45° line,
  per advisor, with the paper-style cobweb of each run;
- :func:`plot_start_end` — an arrow from each run's first to its last point;
- :func:`plot_advising_rate` — the advisor policy's advising rate over epochs;
- :func:`plot_learning_maps` — the pooled learning maps u_t → u_{t+1}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.outputs import save_figure
from hmlsim.scenarios._performative_maps import runs_of


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _played(paths: pd.DataFrame) -> pd.DataFrame:
    return paths[paths["epoch"] >= 1]


def _in_order(values: Any, order: tuple[str, ...]) -> list[str]:
    present = set(values)
    return [v for v in order if v in present] + sorted(present - set(order))


def _facets(paths: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Advisors and datasets in the TeamRules paper's order (TR first; heart, FICO, HR)."""
    from hmlsim.advisors import VARIANTS
    from hmlsim.scenarios._teamrules_common import DATASETS

    return _in_order(paths["advisor"], VARIANTS), _in_order(paths["dataset"], DATASETS)


def _limits(paths: pd.DataFrame) -> tuple[float, float]:
    values = paths[["model_utility", "team_utility"]].to_numpy(dtype=float)
    lo = float(np.nanmin(values)) - 0.02
    return max(0.0, lo), min(1.0, float(np.nanmax(values)) + 0.02)


def _grid(plt, rows: list[str], cols: list[str], size: float = 3.0):
    fig, axes = plt.subplots(
        len(rows),
        len(cols),
        figsize=(size * len(cols) + 0.6, size * len(rows) + 0.4),
        squeeze=False,
    )
    return fig, axes


def _diagonal(ax, lo: float, hi: float) -> None:
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--", label="45° line")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")


def _finish(plt, fig, handles: list, title: str, out: Path) -> Path:
    """Legend below the panels (off the data), title, save, close."""
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 6),
        fontsize=8,
        bbox_to_anchor=(0.5, 0.0),
    )
    fig.suptitle(title, y=1.0)
    fig.tight_layout(rect=(0, 0.09, 1, 0.97))
    save_figure(fig, out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def _style_by_audit(paths: pd.DataFrame) -> dict[float, str]:
    styles = ["-", "--", ":", "-."]
    return {rho: styles[i % 4] for i, rho in enumerate(sorted(paths["audit_share"].unique()))}


def _panels(plt, played: pd.DataFrame) -> tuple[Any, list[tuple[Any, list[pd.DataFrame]]]]:
    """The figure and, per dataset (row) × advisor (column), its axes and runs in epoch order."""
    advisors, datasets = _facets(played)
    lo, hi = _limits(played)
    fig, axes = _grid(plt, datasets, advisors)
    panels = []
    for r, dataset in enumerate(datasets):
        for c, advisor in enumerate(advisors):
            ax = axes[r][c]
            _diagonal(ax, lo, hi)
            ax.set_title(f"{dataset} · {advisor}", fontsize=9)
            ax.set_xlabel("model utility u")
            ax.set_ylabel("team utility Φ(u)")
            cell = played[(played["dataset"] == dataset) & (played["advisor"] == advisor)]
            panels.append((ax, runs_of(cell)))
    return fig, panels


def plot_traced_phi(paths: pd.DataFrame, out: Path) -> Path:
    """(u_t, Φ(u_t)) of every run with its cobweb, per dataset (rows) × advisor (columns)."""
    plt = _pyplot()
    played = _played(paths)
    styles = _style_by_audit(played)
    colours = plt.get_cmap("viridis")
    qualities = sorted(played["initial_quality"].unique())

    def colour_of(quality: float):
        return colours(0.15 + 0.7 * qualities.index(quality) / max(len(qualities) - 1, 1))

    fig, panels = _panels(plt, played)
    for ax, runs in panels:
        for run in runs:
            u, phi = run["model_utility"].to_numpy(), run["team_utility"].to_numpy()
            colour = colour_of(run["initial_quality"].iloc[0])
            # cobweb: (u_t, Φ_t) → (u_{t+1}, Φ_t) → (u_{t+1}, Φ_{t+1})
            web_x = np.r_[np.column_stack([u[:-1], u[1:]]).ravel(), u[-1:]]
            web_y = np.r_[np.column_stack([phi[:-1], phi[:-1]]).ravel(), phi[-1:]]
            ls = styles[run["audit_share"].iloc[0]]
            ax.plot(web_x, web_y, color=colour, lw=0.8, alpha=0.6, ls=ls)
            ax.plot(u, phi, "o", color=colour, ms=2.5, alpha=0.8)
    handles = [
        plt.Line2D([], [], color="black", ls=ls, label=f"audit ρ = {rho:g}")
        for rho, ls in styles.items()
    ]
    handles += [
        plt.Line2D([], [], color=colour_of(q), lw=2, label=f"initial quality {q:g}")
        for q in qualities
    ]
    return _finish(
        plt, fig, handles, "traced Φ and learning paths (cobwebs) against the 45° line", out
    )


def plot_start_end(paths: pd.DataFrame, out: Path) -> Path:
    """An arrow from each run's first (u, Φ) to its last, per dataset × advisor."""
    plt = _pyplot()
    played = _played(paths)
    palette = plt.get_cmap("tab10")
    shares = sorted(played["audit_share"].unique())
    fig, panels = _panels(plt, played)
    for ax, runs in panels:
        for run in runs:
            start, end = run.iloc[0], run.iloc[-1]
            ax.annotate(
                "",
                xy=(end["model_utility"], end["team_utility"]),
                xytext=(start["model_utility"], start["team_utility"]),
                arrowprops={
                    "arrowstyle": "->",
                    "color": palette(shares.index(start["audit_share"])),
                    "lw": 1.0,
                    "alpha": 0.8,
                },
            )
    handles = [
        plt.Line2D([], [], color=palette(i), lw=2, label=f"audit ρ = {rho:g}")
        for i, rho in enumerate(shares)
    ]
    return _finish(plt, fig, handles, "start → end of every run (first to last epoch)", out)


def plot_advising_rate(paths: pd.DataFrame, out: Path) -> Path:
    """The policy's advising rate over epochs, per dataset (rows) × advisor (columns).

    A line per audit share: the mean over the runs of the panel with a ±1 SE
    band; the title says how many runs each point pools (and "1 run, no SE"
    when there is one), and which contexts are pooled.
    """
    import seaborn as sns

    from hmlsim.plotting.words import spread_note, words

    plt = _pyplot()
    audit = words("audit_share")  # the column's name is the legend's title
    played = _played(paths)
    played = played.assign(**{audit: "ρ = " + played["audit_share"].map("{:g}".format)})
    runs = played.groupby(["dataset", "advisor", audit, "epoch"]).size()
    grid = sns.relplot(
        data=played,
        x="epoch",
        y="policy_advising_rate",
        hue=audit,
        style=audit,
        col="advisor",
        row="dataset",
        col_order=_facets(played)[0],
        row_order=_facets(played)[1],
        kind="line",
        markers=True,
        errorbar="se",
        height=2.6,
        aspect=1.2,
    )
    grid.set_axis_labels(words("epoch"), "advising rate\n(advisor's policy)")
    grid.set_titles(template="{row_name} · {col_name}")
    for ax in grid.axes.flat:
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylim(-0.02, 1.02)
    pooled = [words(c) for c in ("decision", "alpha", "initial_quality") if played[c].nunique() > 1]
    note = spread_note(runs) + (f"; {', '.join(pooled)} pooled" if pooled else "")
    grid.figure.suptitle(
        f"How much each advisor advises, epoch by epoch\n({note})", y=1.0, va="bottom"
    )
    save_figure(grid.figure, out, dpi=110, bbox_inches="tight")
    plt.close(grid.figure)
    return out


def plot_learning_maps(paths: pd.DataFrame, out: Path) -> Path | None:
    """The pooled learning map u_t → u_{t+1} per advisor, one panel per dataset (ρ pooled apart)."""
    from hmlsim.dynamics import EmpiricalLearningMap, plot_learning_map
    from hmlsim.errors import ConfigError

    plt = _pyplot()
    datasets = sorted(paths["dataset"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 4.0), squeeze=False)
    drawn = False
    for ax, dataset in zip(axes[0], datasets, strict=True):
        cell = paths[paths["dataset"] == dataset]
        maps = {}
        strategies = cell["retraining"].nunique() if "retraining" in cell else 1
        for (advisor, retraining, rho), group in cell.assign(
            retraining=cell.get("retraining", "window")
        ).groupby(["advisor", "retraining", "audit_share"]):
            runs = [r["model_utility"].to_numpy() for r in runs_of(group)]
            if len(runs) < 2:
                continue
            label = f"{advisor}, ρ={rho:g}" + (f", {retraining}" if strategies > 1 else "")
            try:
                maps[label] = EmpiricalLearningMap.from_paths(runs)
            except ConfigError:
                continue
        if maps:
            plot_learning_map(maps, ax=ax)
            drawn = True
        ax.set_title(dataset)
    if not drawn:
        plt.close(fig)
        return None
    fig.tight_layout()
    save_figure(fig, out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
