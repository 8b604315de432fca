"""TeamRules and task-only advisors inside the performative loop (SPEC C).

Neither paper runs the advisors of the TeamRules paper inside the loop of the
performative-collaboration paper. This study does, with
:class:`~hmlsim.model.CollaborationModel`: each epoch the firm retrains its
advisor (TR or task-only) on the experts' final decisions of the last epoch —
d standing in for the unseen y, h and c^H observed, p̂(a) refitted from the
accept/reject answers it saw — with the TeamRules paper's simulated experts
(difficulty- or group-biased decisions, accuracy- or group-biased confidence)
and reconciliation costs α. Utility is measured against the hidden labels.

For each advisor and context (data set × expert behaviour × α × initial model
quality × repetition) it reports

- the learning path: model utility u_t and team utility Φ(u_t) per epoch;
- the stable point the run reached (utility change below ε for ``patience``
  epochs, :mod:`hmlsim.model.stability`; ε = 0.02 by default because one row
  of Heart's 127-row test split is already 0.008 of accuracy) and the exact stable points of the Φ
  the run traced (:func:`hmlsim.model.stability.analyse_run`);
- whether the model *spirals down* (its utility falls by more than
  ``spiral_margin`` from the first to the last epochs) and whether task-only
  spirals down where TR holds;
- the value added at the stable point: HDL − TTL = team utility − human
  utility − α × contradiction rate, averaged over the settled epochs.

FICO is used when its file is found (``fico_path``, ``HMLSIM_FICO_PATH`` or
``../shared/data/heloc_dataset_v1.csv`` beside the repository); otherwise it is
skipped with a note in ``summary.json``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.data.loaders import resolve_fico_path
from hmlsim.errors import ConfigError, check_choice, check_positive, check_probability
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.seeding import derive_seed

log = logging.getLogger(__name__)

DATASETS = ("heart", "fico", "hr")
ADVISOR_CHOICES = (
    "TR",
    "TR-no(ADB)",
    "TR-no(Cost)",
    "TR-no(ADB,Cost)",
    "Task-only",
    "TR-SelectiveOnly",
)


@dataclass(frozen=True)
class Config:
    """The performative advisor study (defaults: full size)."""

    datasets: tuple[str, ...] = ("heart", "fico", "hr")
    advisors: tuple[str, ...] = ("TR", "Task-only")
    decisions: tuple[str, ...] = ("difficulty", "group")
    confidence: str = "accuracy"
    alphas: tuple[float, ...] = (0.0, 0.1, 0.3)
    initial_qualities: tuple[float, ...] = (0.7, 0.95)
    repetitions: int = 3
    epochs: int = 15
    cases_per_epoch: int = 300
    n_experts: int = 3
    n_iter: int = 500
    epsilon: float = 0.02
    patience: int = 3
    spiral_margin: float = 0.03
    fico_path: str = ""
    seed: int = 0

    def __post_init__(self) -> None:
        for name, values, accepted in (
            ("datasets", self.datasets, DATASETS),
            ("advisors", self.advisors, ADVISOR_CHOICES),
            ("decisions", self.decisions, ("difficulty", "group")),
        ):
            if not values:
                raise ConfigError(name, "give at least one value")
            for value in values:
                check_choice(name, value, accepted)
        check_choice("confidence", self.confidence, ("accuracy", "group"))
        if not self.alphas or any(a < 0 for a in self.alphas):
            raise ConfigError("alphas", f"give one or more values >= 0, got {self.alphas!r}")
        if not self.initial_qualities:
            raise ConfigError("initial_qualities", "give at least one value")
        for q in self.initial_qualities:
            check_probability("initial_qualities", q)
        for name in ("repetitions", "epochs", "cases_per_epoch", "n_experts", "n_iter", "patience"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {getattr(self, name)!r}")
        check_positive("epsilon", self.epsilon)
        check_positive("spiral_margin", self.spiral_margin)


QUICK: dict[str, Any] = {
    "datasets": ("heart", "hr"),
    "decisions": ("difficulty",),
    "alphas": (0.1,),
    "initial_qualities": (0.8,),
    "repetitions": 1,
    "epochs": 6,
    "cases_per_epoch": 150,
    "n_experts": 2,
    "n_iter": 60,
}


def fico_file(config: Config) -> Path | None:
    """The FICO file to use, or ``None`` when none is available (see ``resolve_fico_path``)."""
    return resolve_fico_path(config.fico_path)


def run_one(
    config: Config,
    *,
    dataset: str,
    decision: str,
    advisor: str,
    alpha: float,
    initial_quality: float,
    repetition: int,
    data_path: str | None,
) -> pd.DataFrame:
    """One run of the loop: the tidy per-epoch path of one advisor in one context."""
    from hmlsim.model import CollaborationModel

    seed = derive_seed(config.seed, dataset, decision, alpha, initial_quality, repetition)
    # the same seed for every advisor: both face the same experts, cases and initial labels
    model = CollaborationModel(
        domain="classification",
        dataset=dataset,
        advisor=advisor,
        decision=decision,
        confidence=config.confidence,
        alpha=alpha,
        initial_quality=initial_quality,
        n_experts=config.n_experts,
        cases_per_epoch=config.cases_per_epoch,
        n_iter=config.n_iter,
        epsilon=config.epsilon,
        patience=config.patience,
        data_path=data_path,
        rng=seed,
    )
    for _ in range(config.epochs):
        model.step()
    path = model.datacollector.get_model_vars_dataframe().reset_index(names="epoch")
    path = path[[c for c in path.columns if "[" not in c]]
    context = {
        "dataset": dataset,
        "decision": decision,
        "confidence": config.confidence,
        "advisor": advisor,
        "alpha": alpha,
        "initial_quality": initial_quality,
        "repetition": repetition,
        "seed": seed,
    }
    return path.assign(**context)[[*context, *path.columns]]


def summarise_run(path: pd.DataFrame, config: Config) -> dict[str, Any]:
    """Stable point, exact stable points of the traced Φ, spiral and value added of one run."""
    from hmlsim.model.stability import analyse_run, stable_point

    played = path[path["epoch"] >= 1]
    u = played["model_utility"].to_numpy()
    phi = played["team_utility"].to_numpy()
    point = stable_point(u, phi, epsilon=config.epsilon, patience=config.patience)
    if point is not None:
        window = played.iloc[point.epoch - config.patience : point.epoch + 1]
    else:
        window = played.iloc[-config.patience :]
    report = analyse_run(u, phi, epsilon=config.epsilon)
    exact = [] if report is None else [p for p in report.stable_points if p.kind == "attracting"]
    first, last = float(u[0]), float(np.mean(u[-config.patience :]))
    return {
        "stable": point is not None,
        "stable_epoch": None if point is None else point.epoch + 1,
        "stable_model_utility": float(window["model_utility"].mean()),
        "stable_team_utility": float(window["team_utility"].mean()),
        "stable_human_utility": float(window["human_utility"].mean()),
        "stable_advising_rate": float(window["advising_rate"].mean()),
        "stable_acceptance_rate": float(window["acceptance_rate"].mean()),
        "value_added": float(window["added_value"].mean()),
        "phi_stable_points": ";".join(f"{p.u:.3f}" for p in exact),
        "initial_model_utility": first,
        "final_model_utility": last,
        "spirals_down": bool(last < first - config.spiral_margin),
    }


def run(config: Config) -> ScenarioResult:
    """Run every advisor in every context; tables of paths, stable points and comparisons."""
    fico = fico_file(config)
    notes = []
    datasets = list(config.datasets)
    if "fico" in datasets and fico is None:
        datasets.remove("fico")
        notes.append(
            "FICO skipped: no file (set fico_path or HMLSIM_FICO_PATH, or put "
            "heloc_dataset_v1.csv in ../shared/data)"
        )
    paths, rows = [], []
    for dataset in datasets:
        for decision in config.decisions:
            for alpha in config.alphas:
                for quality in config.initial_qualities:
                    for repetition in range(config.repetitions):
                        for advisor in config.advisors:
                            log.info(
                                "%s %s α=%g q=%g rep %d: %s",
                                dataset,
                                decision,
                                alpha,
                                quality,
                                repetition,
                                advisor,
                            )
                            path = run_one(
                                config,
                                dataset=dataset,
                                decision=decision,
                                advisor=advisor,
                                alpha=alpha,
                                initial_quality=quality,
                                repetition=repetition,
                                data_path=str(fico) if dataset == "fico" else None,
                            )
                            paths.append(path)
                            context = path.iloc[0][
                                [
                                    "dataset",
                                    "decision",
                                    "confidence",
                                    "advisor",
                                    "alpha",
                                    "initial_quality",
                                    "repetition",
                                    "seed",
                                ]
                            ].to_dict()
                            rows.append({**context, **summarise_run(path, config)})
    learning_paths = pd.concat(paths, ignore_index=True)
    stable_points = pd.DataFrame(rows)
    comparison = compare_advisors(stable_points)
    summary = {
        "datasets": datasets,
        "notes": notes,
        "runs": len(stable_points),
        "share_stable": float(stable_points["stable"].mean()),
        "by_advisor": _by_advisor(stable_points),
        "task_only_spirals_where_tr_holds": (
            None if comparison.empty else int(comparison["task_only_spirals_tr_holds"].sum())
        ),
        "contexts": len(comparison),
    }
    return ScenarioResult(
        summary=summary,
        tables={
            "learning_paths": learning_paths,
            "stable_points": stable_points,
            "comparison": comparison,
        },
        artifacts={"config": config},
    )


def _by_advisor(stable_points: pd.DataFrame) -> dict[str, dict[str, float]]:
    grouped = stable_points.groupby("advisor")
    out = {}
    for advisor, group in grouped:
        out[str(advisor)] = {
            "stable_model_utility": float(group["stable_model_utility"].mean()),
            "stable_team_utility": float(group["stable_team_utility"].mean()),
            "value_added": float(group["value_added"].mean()),
            "share_spiralling_down": float(group["spirals_down"].mean()),
            "share_stable": float(group["stable"].mean()),
        }
    return out


def compare_advisors(stable_points: pd.DataFrame) -> pd.DataFrame:
    """One row per context: TR against task-only (empty when either is missing)."""
    keys = ["dataset", "decision", "confidence", "alpha", "initial_quality", "repetition"]
    have = set(stable_points["advisor"])
    if not {"TR", "Task-only"} <= have:
        return pd.DataFrame()
    wide = stable_points.pivot_table(
        index=keys,
        columns="advisor",
        values=["stable_model_utility", "value_added", "spirals_down"],
        aggfunc="first",
    )
    out = pd.DataFrame(index=wide.index)
    for column in ("stable_model_utility", "value_added", "spirals_down"):
        out[f"{column}_TR"] = wide[(column, "TR")]
        out[f"{column}_task_only"] = wide[(column, "Task-only")]
    out["task_only_spirals_tr_holds"] = out["spirals_down_task_only"].astype(bool) & ~out[
        "spirals_down_TR"
    ].astype(bool)
    out["value_added_TR_minus_task_only"] = out["value_added_TR"] - out["value_added_task_only"]
    return out.reset_index()


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """Learning paths (model and team utility per epoch) and value added at the stable point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = result.tables["learning_paths"]
    played = paths[paths["epoch"] >= 1]
    long = played.melt(
        id_vars=[
            "dataset",
            "decision",
            "advisor",
            "alpha",
            "epoch",
            "initial_quality",
            "repetition",
        ],
        value_vars=["model_utility", "team_utility"],
        var_name="utility",
        value_name="value",
    )
    grid = sns.relplot(
        data=long,
        x="epoch",
        y="value",
        hue="advisor",
        style="utility",
        row="dataset",
        col="alpha",
        kind="line",
        height=2.8,
        aspect=1.3,
        errorbar=None,
        units=None,
        estimator="mean",
    )
    grid.set_axis_labels("epoch", "utility (hidden truth)")
    grid.figure.suptitle("learning paths inside the performative loop", y=1.02)
    written = [out_dir / "learning_paths.png"]
    grid.figure.savefig(written[0], dpi=120, bbox_inches="tight")
    plt.close(grid.figure)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    points = result.tables["stable_points"]
    sns.barplot(data=points, x="dataset", y="value_added", hue="advisor", ax=axes[0], errorbar="se")
    axes[0].axhline(0, color="black", lw=0.8)
    axes[0].set_ylabel("value added at stable point\n(HDL − TTL)")
    for (advisor, group), marker in zip(played.groupby("advisor"), "os^vDP", strict=False):
        axes[1].scatter(
            group["model_utility"],
            group["team_utility"],
            s=10,
            marker=marker,
            label=advisor,
            alpha=0.6,
        )
    lo = float(np.nanmin(played[["model_utility", "team_utility"]].to_numpy())) - 0.02
    axes[1].plot([lo, 1], [lo, 1], color="grey", lw=1, label="45° line")
    axes[1].set_xlabel("model utility u")
    axes[1].set_ylabel("team utility Φ(u)")
    axes[1].legend(fontsize=8)
    axes[1].set_title("traced Φ (all epochs)")
    fig.tight_layout()
    written.append(out_dir / "stable_points.png")
    fig.savefig(written[1], dpi=120)
    plt.close(fig)
    return written
