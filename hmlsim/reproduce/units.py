"""The TeamRules reproduction as one sweep: each run of the sweep is one *unit* of work.

A unit is a string ``"<study>/<dataset>/<split seed>"`` (case study, Table 4
and C.5 are heart only and omit the dataset: ``"table4/20"``). This module
follows the scenario contract (:mod:`hmlsim.experiments.scenario`), so
:func:`hmlsim.experiments.run_sweep` runs the units on local processes or a
Dask cluster, stores each as it finishes and resumes an interrupted run.

The studies, each on the paper's method (TR's ψ with p̂(y | x), hmlsim's
``TR+expertise`` evaluated beside it), with hmlsim's settings of its advisors or
(``method="authors"``) the TeamRules authors' wherever they differ:

``figure2``
    Figure 2 and Appendix C.1 of one split: the three expert behaviours of
    Figure 2's columns × every advisor variant × α ∈ {0, 0.1, …, 1.0}
    (α ≤ 0.5 is Figure 2, α ≥ 0.6 is C.1). The split's candidate rules and
    p̂(y | x) are fitted once and shared by its behaviours
    (:func:`hmlsim.scenarios.teamrules_value.run`).
``case_study``
    Doctors A and B on heart at α = 0.1 (:mod:`hmlsim.scenarios.case_study`).
``table4``
    Heart with λ1 = 3, α = 0, the Table-4 expert (:mod:`hmlsim.scenarios.asymmetric_loss`).
``c5``
    TR paired with experts whose ADB drifts from p̂(a), with and without the
    robustness gate (:mod:`hmlsim.scenarios.discretion_robustness`).

Runs per study (full size): Figure 2 and C.1 ten splits per dataset (20..29),
the case study and Table 4 twenty (20..39), C.5 ten. ``size="quick"`` runs one
split of each at the scenarios' ``QUICK`` sizes, for CI.

FICO is read on the workers from ``HMLSIM_FICO_PATH`` or the default path
(:func:`hmlsim.data.resolve_fico_path`); the plan leaves its units out when the
file is absent, and the claims then say ``not_run``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hmlsim.errors import ConfigError, check_choice
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.scenarios import _teamrules_common as common

STUDIES = ("figure2", "case_study", "table4", "c5")
#: Figure 2's costs of a contradiction, then Appendix C.1's
FIGURE2_ALPHAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
C1_ALPHAS = (0.6, 0.7, 0.8, 0.9, 1.0)
#: the split seeds of each study at full size (the paper's repetitions)
FULL_SPLITS = {
    "figure2": tuple(range(20, 30)),
    "case_study": tuple(range(20, 40)),
    "table4": tuple(range(20, 40)),
    "c5": tuple(range(20, 30)),
}
QUICK_SPLITS = {study: (20,) for study in STUDIES}
SIZES = ("full", "quick")
#: estimator and mining settings: the paper's at full size, the scenarios' QUICK sizes in CI
RUN_SIZE = {
    "full": {"expert_draws": 50, "n_iter": 2000, "n_trees_per_length": 250},
    "quick": {"expert_draws": 5, "n_iter": 200, "n_trees_per_length": 20, "max_candidates": 500},
}
QUICK_ALPHAS = (0.0, 0.5, 0.6, 1.0)


@dataclass(frozen=True)
class Config:
    """One unit of the reproduction.

    Attributes
    ----------
    unit : str
        ``"figure2/<dataset>/<split>"``, ``"case_study/<split>"``,
        ``"table4/<split>"`` or ``"c5/<split>"``.
    size : {"full", "quick"}
        The paper's sizes, or the scenarios' ``QUICK`` sizes.
    seed : int
        The unit's seed (the sweep derives it from its master seed and the unit).
    method : {"hmlsim", "authors"}
        hmlsim's settings, or the TeamRules authors' wherever they differ
        (:data:`hmlsim.scenarios._teamrules_common.AUTHORS_PARAMS`); the scenarios'
        ``method`` field.
    """

    unit: str = "figure2/heart/20"
    size: str = "full"
    seed: int = 0
    method: str = "hmlsim"

    def __post_init__(self) -> None:
        parse_unit(self.unit)
        check_choice("size", self.size, SIZES)
        common.check_int("seed", self.seed, 0)
        check_choice("method", self.method, common.METHODS)


QUICK = {"size": "quick"}


def parse_unit(unit: str) -> tuple[str, str, int]:
    """``(study, dataset, split seed)`` of a unit name.

    Raises
    ------
    ConfigError
        ``unit``, saying which forms are accepted.
    """
    forms = "figure2/<heart|fico|hr>/<split>, case_study/<split>, table4/<split>, c5/<split>"
    parts = str(unit).split("/")
    study = parts[0]
    if study not in STUDIES or len(parts) != (3 if study == "figure2" else 2):
        raise ConfigError("unit", f"must be one of {forms}; got {unit!r}")
    dataset = parts[1] if study == "figure2" else "heart"
    if dataset not in common.DATASETS or not parts[-1].isdigit():
        raise ConfigError("unit", f"must be one of {forms}; got {unit!r}")
    return study, dataset, int(parts[-1])


def plan_units(quick: bool = False, datasets: tuple[str, ...] = common.DATASETS) -> list[str]:
    """Every unit of the reproduction, in rounds that each take one split of every study.

    A round holds, for the next split seed, one Figure-2 unit per dataset (FICO,
    the longest, first) and then the cheap heart studies (two units of Table 4
    and of the case study, which have twice as many splits). Stopped at any
    point, the store then holds a similar share of every study's runs; a
    resumed run continues with the next round.

    Parameters
    ----------
    quick : bool
        One split per study.
    datasets : tuple of str
        The Figure-2 datasets that can run (leave FICO out when its file is absent).
    """
    splits = QUICK_SPLITS if quick else FULL_SPLITS
    queues = {
        **{
            f"figure2/{d}": list(splits["figure2"])
            for d in ("fico", "hr", "heart")
            if d in datasets
        },
        "table4": list(splits["table4"]),
        "case_study": list(splits["case_study"]),
        "c5": list(splits["c5"]),
    }
    per_round = {
        name: 2 if name in ("table4", "case_study") and not quick else 1 for name in queues
    }
    units: list[str] = []
    while any(queues.values()):
        for name, queue in queues.items():
            for _ in range(per_round[name]):
                if queue:
                    units.append(f"{name}/{queue.pop(0)}")
    return units


def _sized(module: Any, config: Config, **fields: Any) -> Any:
    """The scenario's Config at the unit's size, with ``fields`` and the unit's seed."""
    from hmlsim.experiments.scenario import make_config

    base = make_config(module, {}, quick=config.size == "quick")
    names = {f.name for f in dataclasses.fields(base)}
    size = {k: v for k, v in RUN_SIZE[config.size].items() if k in names}
    return dataclasses.replace(base, **size, **fields, seed=config.seed, method=config.method)


def run(config: Config) -> ScenarioResult:
    """Run one unit; its tables are named ``<study>_<table>``."""
    from hmlsim.scenarios import asymmetric_loss, case_study, discretion_robustness
    from hmlsim.scenarios import teamrules_value as figure2

    study, dataset, split = parse_unit(config.unit)
    quick = config.size == "quick"
    if study == "figure2":
        alphas = QUICK_ALPHAS if quick else FIGURE2_ALPHAS + C1_ALPHAS
        scenario_config = _sized(
            figure2,
            config,
            datasets=(dataset,),
            decisions=common.BEHAVIOURS,
            alphas=alphas,
            variants=figure2.VARIANTS,
            split_seeds=(split,),
        )
        result = figure2.run(scenario_config)
        if result.summary.get("skipped"):
            raise ConfigError("unit", f"{config.unit}: {result.summary['skipped'][dataset]}")
    elif study == "case_study":
        result = case_study.run(
            _sized(
                case_study,
                config,
                variants=("TR", "Task-only", "TR-no(ADB)", "TR+expertise"),
                split_seeds=(split,),
            )
        )
    elif study == "table4":
        result = asymmetric_loss.run(_sized(asymmetric_loss, config, split_seeds=(split,)))
    else:
        result = discretion_robustness.run(
            _sized(discretion_robustness, config, split_seeds=(split,))
        )
    tables = {f"{study}_{name}": table for name, table in result.tables.items()}
    summary = {"unit": config.unit, "study": study, "dataset": dataset, "split_seed": split}
    return ScenarioResult(summary=summary, tables=tables)
