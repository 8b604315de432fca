"""Figures of the knapsack study: Φ against the 45° line, learning paths, learning curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: the paper's measured Φ points (Section 5): (model utility, human+ML utility)
PAPER_PHI = ((0.717, 0.894), (0.920, 0.926))


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_phi(phi, phi_max, alone: float | None, path: Path) -> Path:
    """Φ and max-pick Φ with their intervals, humans alone and the paper's points."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot([0.5, 1], [0.5, 1], color="grey", lw=1, label="45° line")
    for est, colour, label in (
        (phi, "tab:blue", "human+ML (simulated)"),
        (phi_max, "tab:green", "max-pick (simulated)"),
    ):
        if est is None:
            continue
        y = np.asarray(est.y)
        err = np.vstack([y - np.asarray(est.team_lo), np.asarray(est.team_hi) - y])
        ax.errorbar(
            est.x,
            y,
            yerr=err,
            color=colour,
            marker="o",
            capsize=3,
            label=label,
            ls="--" if "max" in label else "-",
        )
    if alone is not None:
        ax.axhline(alone, color="tab:orange", ls=":", label="humans alone (calibrated)")
    px, py = zip(*PAPER_PHI, strict=True)
    ax.scatter(px, py, marker="*", s=160, color="black", zorder=5, label="paper")
    ax.set_xlim(0.55, 1.0)
    ax.set_ylim(0.55, 1.0)
    ax.set_xlabel("model utility u (economic performance)")
    ax.set_ylabel("team utility Φ(u)")
    ax.set_title("Collaborative characteristic function")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def plot_paths(paths: pd.DataFrame, path: Path, paper_point: float = 0.92) -> Path:
    """Model and team utility along every loop path, one panel per variant."""
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    starts = sorted(paths.start.unique())
    colours = dict(zip(starts, plt.cm.tab10.colors, strict=False))
    for ax, variant in zip(axes, ("human+ML", "max-pick"), strict=True):
        sel = paths[paths.variant == variant]
        for (start, rep), group in sel.groupby(["start", "repetition"]):
            first = rep == sel.repetition.min()
            ax.plot(
                group.epoch,
                group.model_utility,
                marker="o",
                ms=3,
                lw=1,
                color=colours[start],
                label=f"model, from {group.start_quality.iloc[0]:.3f}" if first else None,
            )
            ax.plot(
                group.epoch,
                group.team_utility,
                ls="--",
                lw=1,
                color=colours[start],
                label=f"team, from {group.start_quality.iloc[0]:.3f}" if first else None,
            )
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.axhline(paper_point, color="black", lw=0.8, ls=":", label="paper's stable point")
        ax.set_title(f"Learning paths ({variant})")
        ax.set_xlabel("deployment epoch t")
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("utility")
    return _save(fig, path)


def plot_curve(curve: pd.DataFrame, alone: float | None, path: Path) -> Path:
    """Validation quality against training-set size, per label set and decoding."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    groups = curve.groupby(["learner", "labels"])
    for ((learner, name), group), colour in zip(groups, plt.cm.tab10.colors, strict=False):
        label = f"{learner}, {name} labels"
        ax.plot(group.n_train, group.quality_stop, marker="o", color=colour, label=f"{label}, stop")
        ax.plot(
            group.n_train,
            group.quality_skip,
            marker="s",
            ls="--",
            color=colour,
            alpha=0.6,
            label=f"{label}, skip",
        )
    if alone is not None:
        ax.axhline(alone, color="tab:orange", ls=":", label="humans alone")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("training instances")
    ax.set_ylabel("model utility (validation)")
    ax.set_title("Learning curves: optimal vs human labels")
    ax.legend(fontsize=7)
    return _save(fig, path)
