"""The performative loop: deploy, experts solve, retrain on their answers, repeat.

Each deployment epoch ``t`` is five small steps that take arrays and a
generator (so a Mesa model can call them from its agents):

1. :func:`generate_cases` — a fresh batch of instances (the firm's cases);
2. :func:`recommend` — the deployed model ``m_t`` proposes a solution to each;
3. :func:`experts_solve` — simulated experts submit their solutions;
4. :func:`measure` — model utility ``u(m_t)`` and team utility against the DP
   optimum (the firm never sees it; only the simulation measures it);
5. :func:`retrain` — the firm trains a fresh ``m_{t+1}`` on the submitted
   solutions of epoch ``t`` only (never on the optimum).

:func:`run_loop` repeats them until the model utility changes by less than
``epsilon`` for ``patience`` epochs in a row or ``max_epochs`` is reached. Its
path is the learning path ``u_0, u_1, …`` of SPEC part A with a real
(imperfect) learner; whether the end point lies on the 45° line
(``|Φ(u) − u| < ε``, :func:`hmlsim.knapsack.loop.is_stable`) is reported
beside it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError, check_positive
from hmlsim.knapsack.instances import Instances, generate_instances
from hmlsim.knapsack.learners import check_learner, make_recommender
from hmlsim.knapsack.recommender import KnapsackRecommender
from hmlsim.knapsack.set_learner import SetRecommender
from hmlsim.knapsack.solvers import SolveResult, SolverParams, solve
from hmlsim.knapsack.utility import economic_performance, optimality
from hmlsim.model.stability import LineGap, line_gap
from hmlsim.seeding import SeedLike

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopSettings:
    """How the firm deploys and retrains.

    Attributes
    ----------
    n_cases : int
        Instances the experts solve per epoch (= the next training set).
    max_epochs : int
        Deployments at most.
    epsilon : float
        Stability threshold on utility changes.
    patience : int
        Consecutive epochs with ``|u_{t+1} − u_t| < epsilon`` that count as converged.
    max_pick : bool
        Experts submit the better of their and the model's solution.
    train_epochs, batch_size, learning_rate, device
        The firm's training of each new model.
    bonus : float
        Experts' performance bonus (cents per percentage point).
    generator : dict
        Keyword arguments of :func:`~hmlsim.knapsack.instances.generate_instances`
        for the cases (default: its defaults).
    learner : {"sorted", "unsorted", "set"}
        The model the firm retrains (:mod:`hmlsim.knapsack.learners`): the
        paper's MLP on density-sorted items (default), the same network on
        unsorted items, or the per-item set learner.
    decoding : {"stop", "skip"}
        How each retrained model turns scores into a solution
        (:attr:`~hmlsim.knapsack.recommender.ImitationLearner.decoding`).
    """

    n_cases: int = 2000
    max_epochs: int = 10
    epsilon: float = 0.005
    patience: int = 2
    max_pick: bool = False
    train_epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    device: str = "cpu"
    bonus: float = 0.0
    generator: dict = field(default_factory=dict)
    learner: str = "sorted"
    decoding: str = "stop"

    def __post_init__(self) -> None:
        check_learner("learner", self.learner)
        if self.decoding not in ("stop", "skip"):
            raise ConfigError("decoding", f"must be stop or skip, got {self.decoding!r}")
        for name in ("n_cases", "max_epochs", "patience", "train_epochs", "batch_size"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {value!r}")
        check_positive("epsilon", self.epsilon)
        check_positive("learning_rate", self.learning_rate)


@dataclass(frozen=True)
class EpochMeasure:
    """Utilities of one epoch (means over the epoch's cases)."""

    model_utility: float
    team_utility: float
    model_optimality: float
    team_optimality: float
    follow_rate: float
    worse_than_recommendation: float


@dataclass
class LoopPath:
    """A learning path of the performative loop.

    Attributes
    ----------
    epochs : list of EpochMeasure
        One per deployed model.
    converged : bool
        Whether the model utility settled (``patience`` small changes).
    models : list
        The deployed models (only the last is kept unless ``keep_models``).
    cases : list of (ndarray, ndarray)
        Per-case (model utility, team utility) of each epoch, for the 45°-line
        test of the end point (:meth:`line_gap`).
    """

    epochs: list[EpochMeasure] = field(default_factory=list)
    converged: bool = False
    models: list = field(default_factory=list)
    cases: list = field(default_factory=list)

    @property
    def model_utilities(self) -> np.ndarray:
        """``u(m_t)`` for every epoch."""
        return np.array([e.model_utility for e in self.epochs])

    @property
    def team_utilities(self) -> np.ndarray:
        """Team utility ``Φ(u(m_t))`` for every epoch."""
        return np.array([e.team_utility for e in self.epochs])

    def end_point(self, last: int = 2) -> tuple[float, float]:
        """Mean (model utility, team utility) over the last ``last`` epochs.

        Where the path ends; a stable point only when it is on the 45° line
        (:meth:`line_gap`).
        """
        tail = self.epochs[-last:]
        return (
            float(np.mean([e.model_utility for e in tail])),
            float(np.mean([e.team_utility for e in tail])),
        )

    def line_gap(self, last: int = 2, rng: SeedLike = None, n_boot: int = 500) -> LineGap:
        """Φ(u) − u over the cases of the last ``last`` epochs, with its bootstrap interval.

        The end point is on the 45° line (:mod:`hmlsim.model.stability`) when
        ``gap.on_line(epsilon)``: |Φ(u) − u| ≤ ε and the interval contains 0.
        """
        tail = self.cases[-last:]
        return line_gap(
            np.concatenate([m for m, _ in tail]),
            np.concatenate([t for _, t in tail]),
            n_boot=n_boot,
            rng=rng,
        )

    def table(self) -> pd.DataFrame:
        """One row per epoch."""
        rows = [{"epoch": t, **vars(e)} for t, e in enumerate(self.epochs)]
        return pd.DataFrame(rows)


def is_stable(model_utility: float, team_utility: float, epsilon: float) -> bool:
    """SPEC's stable point: ``|Φ(u) − u| < ε`` (the point lies on the 45° line)."""
    return abs(team_utility - model_utility) < epsilon


def generate_cases(n: int, rng: np.random.Generator, **generator_options) -> Instances:
    """Step 1: a fresh batch of instances (see :mod:`hmlsim.knapsack.instances`)."""
    return generate_instances(n, rng, **generator_options)


def recommend(model: KnapsackRecommender, cases: Instances) -> np.ndarray:
    """Step 2: the deployed model's (feasible) solutions."""
    return model.predict(cases)


def experts_solve(
    cases: Instances,
    recommendation: np.ndarray,
    params: SolverParams,
    rng: np.random.Generator,
    *,
    max_pick: bool = False,
    bonus: float = 0.0,
) -> SolveResult:
    """Step 3: simulated experts submit a solution to each case."""
    return solve(cases, recommendation, params, rng, bonus=bonus, max_pick=max_pick)


def measure(cases: Instances, recommendation: np.ndarray, result: SolveResult) -> EpochMeasure:
    """Step 4: model and team utility against the DP optimum."""
    v, opt = cases.values, cases.optimum
    u_model = economic_performance(v, recommendation, opt)
    u_team = economic_performance(v, result.selection, opt)
    return EpochMeasure(
        model_utility=float(u_model.mean()),
        team_utility=float(u_team.mean()),
        model_optimality=float(optimality(v, recommendation, opt).mean()),
        team_optimality=float(optimality(v, result.selection, opt).mean()),
        follow_rate=float(result.followed.mean()),
        worse_than_recommendation=float((u_team < u_model - 1e-12).mean()),
    )


def retrain(
    cases: Instances, labels: np.ndarray, rng: np.random.Generator, settings: LoopSettings
) -> KnapsackRecommender | SetRecommender:
    """Step 5: a fresh model of ``settings.learner`` trained on the submitted solutions only."""
    model = make_recommender(
        settings.learner,
        epochs=settings.train_epochs,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        device=settings.device,
        random_state=int(rng.integers(2**63)),
    )
    model.decoding = settings.decoding
    return model.fit(cases, labels)


def step_epoch(
    model: KnapsackRecommender,
    params: SolverParams,
    rng: np.random.Generator,
    settings: LoopSettings,
) -> tuple[EpochMeasure, KnapsackRecommender]:
    """One deployment epoch: generate → recommend → solve → measure → retrain."""
    measured, next_model, _ = _step(model, params, rng, settings)
    return measured, next_model


def _step(model, params, rng, settings):
    cases = generate_cases(settings.n_cases, rng, **settings.generator)
    rec = recommend(model, cases)
    result = experts_solve(
        cases, rec, params, rng, max_pick=settings.max_pick, bonus=settings.bonus
    )
    per_case = (
        economic_performance(cases.values, rec, cases.optimum),
        economic_performance(cases.values, result.selection, cases.optimum),
    )
    return measure(cases, rec, result), retrain(cases, result.selection, rng, settings), per_case


def run_loop(
    initial_model: KnapsackRecommender,
    params: SolverParams,
    rng: np.random.Generator,
    settings: LoopSettings | None = None,
    *,
    keep_models: bool = False,
) -> LoopPath:
    """Run the performative loop from ``initial_model`` to a stable point or ``max_epochs``.

    Parameters
    ----------
    initial_model : KnapsackRecommender
        The first deployed model ``m_0`` (fitted).
    params : SolverParams
        The experts' behaviour.
    rng : numpy.random.Generator
        Source of cases, expert draws and training seeds.
    settings : LoopSettings, optional
    keep_models : bool
        Keep every deployed model in the path (memory: ~0.5 MB each).

    Returns
    -------
    LoopPath
    """
    settings = settings or LoopSettings()
    path = LoopPath()
    model = initial_model
    calm = 0
    for t in range(settings.max_epochs):
        measured, next_model, per_case = _step(model, params, rng, settings)
        path.epochs.append(measured)
        path.cases.append(per_case)
        path.models = [*path.models, model] if keep_models else [model]
        log.info(
            "epoch %d: model %.4f team %.4f follow %.2f",
            t,
            measured.model_utility,
            measured.team_utility,
            measured.follow_rate,
        )
        if t > 0:
            change = abs(measured.model_utility - path.epochs[-2].model_utility)
            calm = calm + 1 if change < settings.epsilon else 0
            if calm >= settings.patience:
                path.converged = True
                break
        model = next_model
    return path
