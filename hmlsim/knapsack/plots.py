"""Figures of the knapsack study: Φ against the 45° line, learning paths, learning curves.

Every figure keeps its legend off the data (beside or below the panels) and
fits its axes to what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

#: the paper's measured Φ points (Section 5): (model utility, human+ML utility)
PAPER_PHI = ((0.717, 0.894), (0.920, 0.926))
#: how the figures name the learners of :mod:`hmlsim.knapsack.learners`
LEARNER_NAMES = {
    "sorted": "the paper's MLP (items by density)",
    "unsorted": "MLP, items unsorted",
    "set": "set learner",
}
#: the two decodings of a recommender's scores (:mod:`hmlsim.knapsack.headroom`)
DECODINGS = {
    "quality_stop": "stop at the first item that does not fit (the paper's rule)",
    "quality_skip": "skip items that do not fit and go on",
}
#: the label sets of the learning curves
LABEL_NAMES = {"optimal": "optimal labels", "humans": "human labels (calibrated solvers)"}
#: humans alone, drawn alike in every figure: black, dotted
ALONE_STYLE = {"color": "black", "ls": ":", "lw": 1.2}


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    from hmlsim.outputs import save_figure

    save_figure(fig, path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _padded(values: Sequence[float], pad: float = 0.01) -> tuple[float, float]:
    finite = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    return float(finite.min()) - pad, float(finite.max()) + pad


def plot_phi(
    phi,
    phi_max,
    alone: float | None,
    path: Path,
    *,
    predictions: Sequence[dict] | None = None,
    loop_end: tuple[float, float] | None = None,
) -> Path:
    """Φ and max-pick Φ with their intervals, humans alone, the paper's points, the stable points.

    Parameters
    ----------
    phi, phi_max : EmpiricalPhi or None
        Φ of the human+ML team and of max-pick (either may be missing).
    alone : float, optional
        Humans alone (the calibration target).
    path : Path
        The PNG to write.
    predictions : sequence of dict, optional
        The study's predictions; the entries ``stable_point`` and
        ``stable_point_max_pick`` (``hmlsim``, ``ci_low``, ``ci_high``) are
        marked on the 45° line with their intervals.
    loop_end : (float, float), optional
        Mean (model, team) utility where the simulated loops from the ladder ended.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 6.4), layout="constrained")
    entries: list = []  # legend handles in reading order
    xs: list[float] = []
    ys: list[float] = []
    for est, colour, label, style in (
        (phi, "tab:blue", "Φ: human+ML (simulated)", "-"),
        (phi_max, "tab:green", "max-pick Φ (simulated)", "--"),
    ):
        if est is None:
            continue
        y = np.asarray(est.y)
        lo, hi = np.asarray(est.team_lo), np.asarray(est.team_hi)
        entries.append(
            ax.errorbar(
                est.x,
                y,
                yerr=np.vstack([y - lo, hi - y]),
                color=colour,
                marker="o",
                ms=4,
                capsize=3,
                label=f"{label}, {est.level:.0%} CI",
                ls=style,
            )
        )
        xs += list(est.x)
        ys += [*lo, *hi]
    found = {p["id"]: p for p in predictions or ()}
    for key, colour, name in (
        ("stable_point", "tab:blue", "stable point of Φ"),
        ("stable_point_max_pick", "tab:green", "stable point of max-pick Φ"),
    ):
        p = found.get(key)
        if p is None or p.get("hmlsim") is None:
            continue
        u, lo, hi = p["hmlsim"], p["ci_low"], p["ci_high"]
        entries.append(
            ax.errorbar(
                [u],
                [u],
                xerr=[[u - lo], [hi - u]],
                yerr=[[u - lo], [hi - u]],
                fmt="D",
                ms=8,
                mfc="white",
                mec=colour,
                mew=2,
                ecolor=colour,
                capsize=3,
                zorder=6,
                label=f"{name}: {u:.3f} (CI {lo:.3f}–{hi:.3f})",
            )
        )
        xs += [lo, hi]
        ys += [lo, hi]
    if loop_end is not None:
        entries += ax.plot(
            *loop_end,
            "X",
            ms=9,
            color="tab:red",
            zorder=6,
            ls="none",
            label=f"where the loops ended: model {loop_end[0]:.3f}, team {loop_end[1]:.3f}",
        )
        xs.append(loop_end[0])
        ys.append(loop_end[1])
    if alone is not None:
        entries.append(
            ax.axhline(alone, **ALONE_STYLE, label=f"humans alone (calibrated): {alone:.3f}")
        )
        ys.append(alone)
    px, py = zip(*PAPER_PHI, strict=True)
    entries.append(
        ax.scatter(px, py, marker="*", s=160, color="black", zorder=5, label="the paper's Φ points")
    )
    xs += list(px)
    ys += list(py)
    x_lim, y_lim = _padded(xs), _padded(ys)
    ends = (min(x_lim[0], y_lim[0]), max(x_lim[1], y_lim[1]))
    entries += ax.plot(ends, ends, color="grey", lw=1, label="45° line: Φ(u) = u")
    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    ax.set_xlabel("model utility u (economic performance)")
    ax.set_ylabel("team utility Φ(u)")
    ax.set_title("Collaborative characteristic function")
    fig.legend(handles=entries, loc="outside lower center", ncols=2, fontsize=8)
    return _save(fig, path)


def _start_name(first_model: str, start: float, quality: float) -> str:
    """A start as configured: a ``loop_starts`` quality, or a label start's share."""
    if first_model == "ladder":
        return f"start {start:g} (nearest rung: {quality:.3f} on validation)"
    return f"first model on {start:.0%} optimal labels ({quality:.3f} on validation)"


def plot_paths(paths: pd.DataFrame, path: Path, paper_point: float = 0.92) -> Path:
    """Model and team utility along every loop path, one panel per variant.

    Each configured start has its colour, named as configured (``loop_starts``,
    or the label share of a label start); model utility solid with dots, team
    utility dashed.
    """
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    from matplotlib.lines import Line2D

    variants = [v for v in ("human+ML", "max-pick") if v in set(paths.variant)]
    fig, axes = plt.subplots(
        1,
        len(variants),
        figsize=(5 * len(variants), 4),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    starts = list(dict.fromkeys(zip(paths.first_model, paths.start, strict=True)))
    quality = paths.groupby(["first_model", "start"]).start_quality.first()
    colours = dict(zip(starts, plt.cm.tab10.colors, strict=False))
    for ax, variant in zip(axes[0], variants, strict=True):
        sel = paths[paths.variant == variant]
        for (first_model, start, _), group in sel.groupby(["first_model", "start", "repetition"]):
            colour = colours[(first_model, start)]
            ax.plot(group.epoch, group.model_utility, marker="o", ms=3, lw=1, color=colour)
            ax.plot(group.epoch, group.team_utility, ls="--", lw=1, color=colour)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.axhline(paper_point, color="black", lw=0.8, ls=":")
        ax.set_title(f"Learning paths ({variant})")
        ax.set_xlabel("deployment epoch t")
    axes[0][0].set_ylabel("utility")
    handles = [
        Line2D([], [], color=colours[s], lw=2, label=_start_name(*s, quality[s])) for s in starts
    ] + [
        Line2D([], [], color="0.3", marker="o", ms=3, lw=1, label="model utility"),
        Line2D([], [], color="0.3", ls="--", lw=1, label="team utility"),
        Line2D(
            [], [], color="black", ls=":", lw=0.8, label=f"paper's stable point {paper_point:g}"
        ),
    ]
    n_reps = paths.groupby(["first_model", "start", "variant"]).repetition.nunique().max()
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=min(len(handles), 3),
        fontsize=8,
        title=f"{n_reps} loop(s) per start and variant",
    )
    return _save(fig, path)


def plot_curve(curve: pd.DataFrame, alone: float | None, path: Path) -> Path:
    """Validation quality against training-set size: a panel per learner and decoding.

    Rows: the two decodings of the recommender's scores (:data:`DECODINGS`);
    columns: the learners; in each panel optimal labels (large dots) and the
    calibrated humans' labels (small squares, drawn on top so both show where
    they coincide), and humans alone as a black dotted line.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    learners = [name for name in LEARNER_NAMES if name in set(curve.learner)]
    learners += sorted(set(curve.learner) - set(learners))
    fig, axes = plt.subplots(
        len(DECODINGS),
        len(learners),
        figsize=(3.4 * len(learners) + 0.6, 5.6),
        sharex=True,
        sharey="row",
        squeeze=False,
        layout="constrained",
    )
    styles = {
        "optimal": {"color": "tab:blue", "marker": "o", "ms": 7, "ls": "-"},
        "humans": {"color": "tab:orange", "marker": "s", "ms": 4, "ls": "--"},
    }
    sizes = sorted(set(curve.n_train))
    for row, column in enumerate(DECODINGS):
        for col, learner in enumerate(learners):
            ax = axes[row][col]
            for labels, style in styles.items():
                group = curve[(curve.learner == learner) & (curve.labels == labels)]
                group = group.sort_values("n_train")
                ax.plot(group.n_train, group[column], lw=1.3, **style)
            if alone is not None:
                ax.axhline(alone, **ALONE_STYLE)
            ax.set_xscale("log", base=2)
            ax.set_xticks(sizes, [f"{n:g}" for n in sizes])
            ax.minorticks_off()
            if row == 0:
                ax.set_title(LEARNER_NAMES.get(learner, learner), fontsize=9)
            if row == len(DECODINGS) - 1:
                ax.set_xlabel("training instances")
        axes[row][0].set_ylabel(f"model utility\n({column.split('_')[1]} decoding)")
    handles = [Line2D([], [], lw=1.3, label=LABEL_NAMES[k], **s) for k, s in styles.items()] + [
        Line2D([], [], label="humans alone (no model)", **ALONE_STYLE)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8)
    notes = "; ".join(f"{k.split('_')[1]}: {v}" for k, v in DECODINGS.items())
    fig.suptitle(f"Learning curves on validation instances\n({notes})", fontsize=10)
    return _save(fig, path)
