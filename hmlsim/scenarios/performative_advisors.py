"""TeamRules and task-only advisors inside the performative loop, retrained on what the firm sees.

Neither paper runs the advisors of the TeamRules paper inside the loop of the
performative-collaboration paper. This study does, with
:class:`~hmlsim.model.CollaborationModel`: each epoch the firm retrains its
advisor on what it observed of the last epoch (:mod:`hmlsim.model.observation`
— the experts' answers, the advice, accept / reject and the final decisions d,
never the hidden y, except a share ρ of cases revealed by the audit channel
``audit_delay`` epochs later), with the TeamRules paper's simulated experts and
reconciliation costs α. Every advisor may explore (offer its own answer on a
share of cases where its policy is silent), so silence is a state the data can
leave, not an absorbing one.

It answers SPEC C's questions over datasets × expert behaviours × α ×
advisors × retraining strategies × audit share ρ × initial quality u_0 ×
replicates. The advisors, each under its own name in ``runs``
(:data:`STUDY_ADVISORS`): TR with the paper's ψ, hmlsim's TR+expertise (ψ
with the audited expertise model once one is fitted), TR-no(ADB), task-only,
and ``TR-literal``, TR whose annealing scores against the decisions d ("d
stands in for y" taken literally): the artefact control, under which silence
is absorbing. The retraining strategies are :mod:`hmlsim.model.retraining`'s
(``window``, ``cumulative``, ``warm-start``, ``lazy-k``).


- per run (``summary.json``'s ``runs``): the final model utility u (the
  deployed task model's accuracy on the held-out test split — the same
  definition for every advisor) and team utility Φ(u) (the experts' final
  decisions on the same cases), the human alone, the advising rate of the
  advisor's policy, the epoch it fell silent (``silent_since``), how the run
  ends (:data:`hmlsim.model.stability.END_STATES`) and its stable point —
  Φ(u) − u within ε *and* its bootstrap interval containing 0 in each of the
  last ``patience`` epochs and pooled over them, otherwise ``null``;
  ``end_state == "stable"`` exactly when the stable point is set;
- per advisor × context (``maps``): the empirical learning map u_t → u_{t+1}
  pooled over the initial qualities and replicates, its fixed points (with
  standard errors, never outside the visited range) and basins
  (:mod:`hmlsim.dynamics.empirical_map`), and where runs from each u_0 end.

FICO is used when its file is found (``fico_path``, ``HMLSIM_FICO_PATH`` or
``../shared/data/heloc_dataset_v1.csv`` beside the repository); otherwise it is
skipped with a note in ``summary.json``.

The runs of one context (dataset, behaviour, α, u_0, repetition) share their
seed, so they fit the same models until what they observed differs (the
first advisor for every ρ and strategy; TR+expertise and TR until an
expertise model is fitted; every ρ until its audits change a fit).
:func:`run` computes each such fit once (:class:`hmlsim.model.memo.FitMemo`,
one per context) and reuses it only for identical inputs and generator
state: the runs are value for value those without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.data.loaders import resolve_fico_path
from hmlsim.errors import (
    ConfigError,
    check_alpha,
    check_choice,
    check_count,
    check_number,
    check_probability,
)
from hmlsim.experiments.progress import steps
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.model.domains.classification import CLASSIFICATION_ADVISORS
from hmlsim.model.memo import FitMemo
from hmlsim.model.retraining import parse_retraining
from hmlsim.scenarios._performative_maps import (
    RUN_COLUMNS,
    _plain,
    audited_tr_checks,
    learning_maps,
)

# the scenario contract's option help and printed summary (re-exported)
from hmlsim.scenarios._performative_text import HELP as HELP
from hmlsim.scenarios._performative_text import headline as headline
from hmlsim.seeding import derive_seed

log = logging.getLogger(__name__)

DATASETS = ("heart", "fico", "hr")
#: the study's advisors by name: the model's advisor variant and what its annealing
#: scores against ("belief": SPEC D's; "decisions": d taken for y, the artefact control)
STUDY_ADVISORS: dict[str, tuple[str, str]] = {
    **{variant: (variant, "belief") for variant in CLASSIFICATION_ADVISORS},
    "TR-literal": ("TR", "decisions"),
}
ADVISOR_CHOICES = tuple(STUDY_ADVISORS)
#: the fields of a stable point kept in the flat ``runs`` table
STABLE_FIELDS = ("epoch", "u", "phi", "gap", "ci_low", "ci_high", "on_line")
#: what the runs sharing a seed (and so a fit memo) have in common
SEEDED = ("dataset", "decision", "alpha", "initial_quality", "repetition")


@dataclass(frozen=True)
class Config:
    """The performative advisor study (defaults: full size)."""

    datasets: tuple[str, ...] = ("heart", "fico", "hr")
    advisors: tuple[str, ...] = ("TR", "TR+expertise", "TR-no(ADB)", "Task-only", "TR-literal")
    retrainings: tuple[str, ...] = ("window",)
    decisions: tuple[str, ...] = ("difficulty", "group")
    confidence: str = "accuracy"
    alphas: tuple[float, ...] = (0.1, 0.3)
    audit_shares: tuple[float, ...] = (0.0, 0.02, 0.1)
    audit_delay: int = 1
    audit_history: bool = False
    initial_qualities: tuple[float, ...] = (0.6, 0.7, 0.8)
    replicates: int = 2
    epochs: int = 10
    cases_per_epoch: int = 250
    n_experts: int = 3
    n_iter: int = 200
    exploration: float = 0.05
    trust_rate: float = 0.0
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
            ("retrainings", self.retrainings, None),
        ):
            if not values:
                raise ConfigError(name, "give at least one value")
            if len(set(values)) != len(values):
                raise ConfigError(name, f"has duplicates: {list(values)}")
            for value in values:
                if accepted is None:
                    try:
                        parse_retraining(value)
                    except ConfigError as error:
                        raise ConfigError(name, error.message) from None
                else:
                    check_choice(name, value, accepted)
        check_choice("confidence", self.confidence, ("accuracy", "group"))
        for name in ("alphas", "audit_shares", "initial_qualities"):
            values = getattr(self, name)
            if not values:
                raise ConfigError(name, "give at least one value")
            if len(set(values)) != len(values):
                raise ConfigError(name, f"has duplicates: {list(values)}")
        for a in self.alphas:
            check_alpha("alphas", a)
        for q in self.initial_qualities:
            check_probability("initial_qualities", q)
        for rho in self.audit_shares:
            check_probability("audit_shares", rho)
        check_probability("exploration", self.exploration)
        for name in (
            "replicates",
            "epochs",
            "cases_per_epoch",
            "n_experts",
            "n_iter",
            "patience",
        ):
            if int(getattr(self, name)) < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {getattr(self, name)!r}")
        from hmlsim.model.model import check_cases_per_epoch, check_trust_rate

        run = f"longer than the run (epochs = {self.epochs})"
        check_count("audit_delay", self.audit_delay, minimum=0, maximum=self.epochs - 1, why=run)
        check_count("patience", self.patience, maximum=self.epochs, why=run)
        check_trust_rate("trust_rate", self.trust_rate)
        check_cases_per_epoch("cases_per_epoch", self.cases_per_epoch, self.n_experts)
        # both are differences of utilities in [0, 1]
        check_number("epsilon", self.epsilon, minimum=0.0, strict_minimum=True, maximum=1.0)
        check_number(
            "spiral_margin", self.spiral_margin, minimum=0.0, strict_minimum=True, maximum=1.0
        )


QUICK: dict[str, Any] = {
    "datasets": ("heart", "hr"),
    "decisions": ("difficulty",),
    "advisors": ("TR", "Task-only", "TR-literal"),
    "retrainings": ("window", "cumulative"),
    "alphas": (0.1,),
    "audit_shares": (0.0, 0.1),
    "initial_qualities": (0.7,),
    "replicates": 1,
    "epochs": 6,
    "cases_per_epoch": 200,
    "n_experts": 2,
    "n_iter": 100,
}


#: the largest value of each count (checked with the command line's and sweeps' input,
#: :func:`hmlsim.experiments.scenario.make_config`): the full study takes hours at
#: epochs = 10, cases_per_epoch = 250; these bounds keep a typo from meaning weeks
LIMITS: dict[str, int] = {
    "replicates": 1_000,
    "epochs": 1_000,
    "cases_per_epoch": 100_000,
    "n_experts": 1_000,
    "n_iter": 100_000,
    "patience": 1_000,
    "audit_delay": 1_000,
}


def fico_file(config: Config) -> Path | None:
    """The FICO file to use, or ``None`` when none is available (see ``resolve_fico_path``)."""
    return resolve_fico_path(config.fico_path)


def make_model(
    config: Config,
    *,
    dataset: str,
    decision: str,
    advisor: str,
    alpha: float,
    audit_share: float,
    initial_quality: float,
    repetition: int,
    data_path: str | None,
    retraining: str = "window",
    fit_memo: FitMemo | None = None,
) -> Any:
    """The :class:`~hmlsim.model.CollaborationModel` of one run, before its first epoch.

    ``advisor`` is a name of :data:`STUDY_ADVISORS`: the model deploys its
    variant, and its annealing scores against that name's targets.
    """
    from hmlsim.model import CollaborationModel

    variant, targets = STUDY_ADVISORS[advisor]
    return CollaborationModel(
        domain="classification",
        dataset=dataset,
        advisor=variant,
        retraining=retraining,
        decision=decision,
        confidence=config.confidence,
        alpha=alpha,
        initial_quality=initial_quality,
        n_experts=config.n_experts,
        cases_per_epoch=config.cases_per_epoch,
        n_iter=config.n_iter,
        epsilon=config.epsilon,
        patience=config.patience,
        audit_share=audit_share,
        audit_delay=config.audit_delay,
        audit_history=config.audit_history,
        exploration=config.exploration,
        trust_rate=config.trust_rate,
        data_path=data_path,
        domain_options={"annealing_targets": targets, "fit_memo": fit_memo},
        rng=_seed(
            config,
            {
                "dataset": dataset,
                "decision": decision,
                "alpha": alpha,
                "initial_quality": initial_quality,
                "repetition": repetition,
            },
        ),
    )


def _seed(config: Config, point: dict[str, Any]) -> int:
    """The run's seed: one per context and replicate, shared by every advisor, strategy
    and audit share (they face the same experts, first cases and initial labels: paired)."""
    return derive_seed(config.seed, *(point[k] for k in SEEDED))


def run_one(
    config: Config,
    *,
    data_path: str | None,
    fit_memo: FitMemo | None = None,
    retraining: str = "window",
    **point: Any,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One run of the loop: its tidy per-epoch path and its summary record.

    ``point`` names the run (:func:`make_model`'s ``dataset``, ``decision``,
    ``advisor``, ``alpha``, ``audit_share``, ``initial_quality``,
    ``repetition``); ``fit_memo`` (optional) shares fits with the other runs
    of the same context (see the module docstring).
    """
    point = {**point, "retraining": retraining}
    model = make_model(config, **point, data_path=data_path, fit_memo=fit_memo)
    for _ in range(config.epochs):
        model.step()
    path = model.datacollector.get_model_vars_dataframe().reset_index(names="epoch")
    path = path[[c for c in path.columns if "[" not in c]]
    context = {
        **{k: point[k] for k in ("dataset", "decision")},
        "confidence": config.confidence,
        **{k: point[k] for k in RUN_COLUMNS[3:-1]},
        "seed": _seed(config, point),
    }
    # "run_seed" in tables: a sweep's store adds its own "seed" and "replicate" columns
    table = path.assign(**context).rename(columns={"seed": "run_seed"})
    table = table[[*RUN_COLUMNS, *path.columns]]
    return table, {**context, **summarise_run(model, path, config)}


def summarise_run(model: Any, path: pd.DataFrame, config: Config) -> dict[str, Any]:
    """The run's record for ``summary.json``: end point, silence, stability, value added."""
    (advisor,) = list(model.advisors)
    played = path[path["epoch"] >= 1]
    last = played.iloc[-1]
    tail = played.iloc[-config.patience :]
    point = model.stability.window_point()
    u_cases, phi_cases, human_cases = (model.last_cases[k] for k in ("u", "phi", "human"))
    team_minus_human = phi_cases - human_cases
    return {
        "initial_model_utility": float(played["model_utility"].iloc[0]),
        "final_model_utility": float(last["model_utility"]),
        "final_team_utility": float(last["team_utility"]),
        "final_human_utility": float(last["human_utility"]),
        "final_team_minus_human": float(team_minus_human.mean()),
        "final_team_minus_human_se": float(
            team_minus_human.std(ddof=1) / np.sqrt(team_minus_human.size)
        ),
        "final_advising_rate": float(last["policy_advising_rate"]),
        "final_exploration_rate": float(last["exploration_rate"]),
        "silent_since": advisor.silent_since,
        "end_state": model.stability.end_state(point),
        "stable_point": None if point is None else point.as_dict(),
        "value_added": float(tail["added_value"].mean()),
        "audited": int(last["audited"]),
        "spirals_down": bool(
            last["model_utility"] < played["model_utility"].iloc[0] - config.spiral_margin
        ),
        "n_eval_cases": int(u_cases.size),
    }


def _grid(config: Config, datasets: list[str]) -> list[dict[str, Any]]:
    """Every run, those sharing a seed (:data:`SEEDED`) next to each other."""
    return [
        {
            "dataset": dataset,
            "decision": decision,
            "alpha": alpha,
            "initial_quality": quality,
            "repetition": repetition,
            "retraining": retraining,
            "audit_share": rho,
            "advisor": advisor,
        }
        for dataset in datasets
        for decision in config.decisions
        for alpha in config.alphas
        for quality in config.initial_qualities
        for repetition in range(config.replicates)
        for retraining in config.retrainings
        for rho in config.audit_shares
        for advisor in config.advisors
    ]


def missing_data(config: Config) -> str | None:
    """Why this configuration cannot run here (FICO asked for without its file), or None."""
    from hmlsim.scenarios._teamrules_common import missing_fico

    return missing_fico(config.datasets, config.fico_path)


def run(config: Config, *, reuse_fits: bool = True) -> ScenarioResult:
    """Run every advisor in every context; paths, run records, learning maps.

    With ``reuse_fits`` the runs sharing a seed share one :class:`FitMemo`
    (the results are the same without it; it saves their common fits).
    """
    fico = fico_file(config)
    notes = []
    datasets = list(config.datasets)
    if "fico" in datasets and fico is None:
        datasets.remove("fico")
        notes.append(missing_data(config))
        log.warning(notes[-1])
    paths, records = [], []
    grid = _grid(config, datasets)
    memo, seeded = None, None
    for point in steps(grid, Path(__file__).stem):
        log.info("run %s", ", ".join(f"{k} {v}" for k, v in point.items()))
        if reuse_fits and seeded != [point[k] for k in SEEDED]:
            memo, seeded = FitMemo(), [point[k] for k in SEEDED]
        path, record = run_one(
            config,
            **point,
            data_path=str(fico) if point["dataset"] == "fico" else None,
            fit_memo=memo,
        )
        paths.append(path)
        records.append(record)
    return assemble(pd.concat(paths, ignore_index=True), records, config, notes, datasets)


def assemble(
    learning_paths: pd.DataFrame,
    records: list[dict[str, Any]],
    config: Config,
    notes: list[str],
    datasets: list[str],
) -> ScenarioResult:
    """Tables, ``summary.json`` (``runs``, ``maps``, ``checks``) from the runs' paths and records.

    Used by :func:`run` and to summarise a sweep's store (:func:`summarise_store`).
    """
    runs = pd.DataFrame(records)
    maps = learning_maps(learning_paths, seed=config.seed)
    summary = {
        "datasets": datasets,
        "notes": notes,
        "n_runs": len(records),
        "end_states": runs.groupby(["advisor", "retraining", "audit_share"])["end_state"]
        .value_counts()
        .unstack(fill_value=0)
        .astype(int)
        .reset_index()
        .to_dict(orient="records"),
        "checks": audited_tr_checks(runs),
        "runs": records,
        "maps": maps,
    }
    flat = (
        runs.drop(columns=["stable_point"])
        .rename(columns={"seed": "run_seed"})
        .assign(
            stable=runs["stable_point"].notna(),
            **{
                f"stable_{name}": [None if p is None else p[name] for p in runs["stable_point"]]
                for name in STABLE_FIELDS
            },
        )
    )
    return ScenarioResult(
        summary=summary,
        tables={"learning_paths": learning_paths, "runs": flat},
        artifacts={"config": config},
    )


def summarise_store(store: str | Path, config: Config | None = None) -> ScenarioResult:
    """The study's summary from a sweep's result store (tables ``learning_paths`` and ``runs``).

    Without ``config``, the report's bootstraps draw from the store's master seed
    (its ``manifest.json``), so rebuilding a report gives the same numbers.
    """
    from hmlsim.experiments.collect import collect
    from hmlsim.experiments.store import ResultStore

    results = ResultStore(store)
    if config is None:
        config = Config(seed=int(results.manifest()["spec"]["master_seed"]))
    paths = collect(store, "learning_paths")
    runs = collect(store, "runs")
    # the store's own columns, and the sweep's axis columns (Config fields), are not the runs'
    added = {"run_key", "replicate", "seed", *(f.name for f in fields(Config))}
    keep = [c for c in paths.columns if c not in added]
    records = []
    runs = runs.drop(columns=[c for c in runs.columns if c in added])
    for record in runs.to_dict(orient="records"):
        record = {k: _plain(v) for k, v in record.items()}
        record["seed"] = record.pop("run_seed")
        point = {name: record.pop(f"stable_{name}", None) for name in STABLE_FIELDS}
        record["stable_point"] = point if record.pop("stable", False) else None
        records.append(record)
    result = assemble(paths[keep], records, config, [], sorted(set(runs["dataset"])))
    result.summary["provenance"] = results.provenance()
    return result


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """Traced Φ with cobwebs, start → end arrows, advising rate, the pooled learning maps."""
    from hmlsim.scenarios._performative_figures import (
        plot_advising_rate,
        plot_learning_maps,
        plot_start_end,
        plot_traced_phi,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = result.tables["learning_paths"]
    written = [
        plot_traced_phi(paths, out_dir / "traced_phi.png"),
        plot_start_end(paths, out_dir / "start_end.png"),
        plot_advising_rate(paths, out_dir / "advising_rate.png"),
    ]
    maps_png = plot_learning_maps(paths, out_dir / "learning_maps.png")
    if maps_png is not None:
        written.append(maps_png)
    return written
