"""The knapsack domain (SPEC A): the paper's MLP recommender and simulated solvers.

A thin adapter over :mod:`hmlsim.knapsack`: cases are generated hard instances
whose DP optimum is the hidden truth; experts are the simulated human solvers
(own heuristic, following the recommendation with a probability that grows
with its perceived quality; ``"mlp-maxpick"`` makes them submit the better of
their own and the recommended solution); the advisor is the MLP, retrained by
the firm on the submitted solutions only. Utility is economic performance
value(Y) / value(Y*).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hmlsim.errors import ConfigError, check_choice, check_probability
from hmlsim.model.domains.base import Advice, Cases, Decisions, Response
from hmlsim.threads import limited_threads

if TYPE_CHECKING:
    from hmlsim.model.observation import TrainingSet

log = logging.getLogger(__name__)

#: advisor types of the knapsack domain
KNAPSACK_ADVISORS: tuple[str, ...] = ("mlp", "mlp-maxpick")


@dataclass(frozen=True)
class Problems:
    """What the firm and the recommender see of knapsack instances (no optimum)."""

    weights: np.ndarray
    values: np.ndarray
    capacity: np.ndarray

    def __len__(self) -> int:
        return int(self.weights.shape[0])


class KnapsackDomain:
    """The knapsack domain of :class:`~hmlsim.model.model.CollaborationModel`.

    Parameters
    ----------
    advisor : {"mlp", "mlp-maxpick"}
        The recommender; ``"mlp-maxpick"`` gives the experts the max-pick rule.
    initial_quality : float
        Target economic performance of the initial model, reached on the
        knapsack study's quality ladder (label noise, :mod:`hmlsim.knapsack.ladder`).
    n_train : int
        Instances the initial model is trained on (outside the loop, on the optimum
        with label noise).
    train_epochs : int
        Training epochs of each model (initial and retrained).
    heterogeneity : float
        Log-normal spread of the solvers' perception noise (0: identical solvers).
    solver : SolverParams, optional
        The solvers' behaviour (default: the calibrated values).
    rng : numpy Generator
    """

    name = "knapsack"

    def __init__(
        self,
        advisor: str = "mlp",
        initial_quality: float = 0.75,
        n_train: int = 256,
        train_epochs: int = 10,
        heterogeneity: float = 0.0,
        solver: Any = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        from hmlsim.knapsack.loop import LoopSettings
        from hmlsim.knapsack.solvers import SolverParams

        self.advisor = check_choice("advisor", advisor, KNAPSACK_ADVISORS)
        self.max_pick = advisor == "mlp-maxpick"
        self.initial_quality = check_probability("initial_quality", initial_quality)
        self.n_train = int(n_train)
        self.heterogeneity = float(heterogeneity)
        self.solver = solver if solver is not None else SolverParams()
        self.settings = LoopSettings(train_epochs=int(train_epochs), max_pick=self.max_pick)

    # --- cases ----------------------------------------------------------------------
    def new_cases(self, n: int, rng: np.random.Generator) -> Cases:
        """``n`` fresh hard instances; the optimum is the hidden truth."""
        from hmlsim.knapsack.loop import generate_cases

        return _cases(generate_cases(n, rng))

    def evaluation_cases(self, n: int, rng: np.random.Generator) -> Cases:
        """A fixed batch of ``n`` instances for the model's own utility."""
        return self.new_cases(n, rng)

    def take(self, cases: Cases, index: np.ndarray) -> Cases:
        """The sub-batch at positions ``index``."""
        return _cases(cases.payload.subset(np.asarray(index, dtype=int)))

    # --- experts --------------------------------------------------------------------
    def make_experts(self, n: int, rng: np.random.Generator) -> list[tuple[str, Any]]:
        """``n`` simulated solvers; perception noise spread by :attr:`heterogeneity`."""
        if not self.heterogeneity:
            return [("solver", self.solver)] * n
        factors = np.exp(self.heterogeneity * rng.standard_normal(n))
        return [("solver", self.solver.with_(noise=float(self.solver.noise * f))) for f in factors]

    def decide(self, behaviour: Any, cases: Cases, rng: np.random.Generator) -> Decisions:
        """The solver's own solution; its random draws are kept for :meth:`respond`."""
        from hmlsim.knapsack.solvers import SolverDraws, solve_parts

        draws = SolverDraws.draw(cases.payload.weights.shape, rng)
        own, _, _ = solve_parts(cases.payload, None, behaviour, draws)
        return Decisions(labels=own, confidence=np.ones(len(cases)), state=draws)

    # --- advice ---------------------------------------------------------------------
    def initial_advisor(self, rng: np.random.Generator, variant: str | None = None) -> Any:
        """A recommender of the target quality from the knapsack study's ladder."""
        if variant not in (None, self.advisor):
            raise ConfigError(
                "advisor",
                f"one knapsack model runs one recommender ({self.advisor}); got {variant!r}",
            )
        from hmlsim.knapsack.ladder import train_ladder
        from hmlsim.knapsack.loop import generate_cases

        train = generate_cases(self.n_train, rng)
        valid = generate_cases(max(64, self.n_train // 4), rng)
        with limited_threads(1):
            (rung,) = train_ladder(
                train,
                valid,
                rng,
                targets=(self.initial_quality,),
                epochs=self.settings.train_epochs,
            )
        log.info("initial recommender: quality %.3f (target %.3f)", rung.quality, rung.target)
        return rung.model

    def advise(
        self,
        advisor: Any,
        cases: Cases,
        decisions: Decisions,
        explore: np.ndarray | None = None,
    ) -> Advice:
        """The recommender's decoded solution on every instance (it always advises)."""
        from hmlsim.knapsack.loop import recommend

        with limited_threads(1):
            labels = recommend(advisor, cases.features)
        n = len(cases)
        return Advice(mask=np.ones(n, dtype=bool), labels=labels, confidence=np.ones(n))

    def respond(
        self,
        behaviour: Any,
        cases: Cases,
        decisions: Decisions,
        advice: Advice,
        rng: np.random.Generator,
        shift: float = 0.0,
    ) -> Response:
        """The solver's submission given the recommendation (same draws as :meth:`decide`).

        The solvers' follow probability is their own (:mod:`hmlsim.knapsack.solvers`):
        a trust ``shift`` is not defined for them and must be 0.
        """
        if shift:
            raise ConfigError("trust_rate", "the knapsack solvers have no log-odds trust; use 0")
        from hmlsim.knapsack.solvers import solve

        if advice.mask.all():
            result = solve(
                cases.payload,
                advice.labels,
                behaviour,
                draws=decisions.state,
                max_pick=self.max_pick,
            )
            selection, followed = result.selection, result.followed
        else:  # an imperfect learner withheld some recommendations: solve those alone
            shown = np.flatnonzero(advice.mask)
            selection = decisions.labels.copy()
            followed = np.zeros(len(cases), dtype=bool)
            if shown.size:
                sub = _subset_draws(decisions.state, shown)
                result = solve(
                    cases.payload.subset(shown),
                    advice.labels[shown],
                    behaviour,
                    draws=sub,
                    max_pick=self.max_pick,
                )
                selection[shown], followed[shown] = result.selection, result.followed
        contradicted = advice.mask & (advice.labels != decisions.labels).any(axis=1)
        return Response(
            labels=selection, contradicted=contradicted, accepted=followed & contradicted
        )

    def retrain(self, advisor: Any, data: TrainingSet, rng: np.random.Generator) -> Any:
        """A fresh MLP trained on the submitted solutions only (the knapsack loop's step 5)."""
        from hmlsim.knapsack.loop import retrain

        problems = Problems(
            *(
                np.concatenate([getattr(f, k) for f in data.features])
                for k in ("weights", "values", "capacity")
            )
        )
        with limited_threads(1):
            return retrain(problems, np.concatenate(data.d), rng, self.settings)

    # --- utility (hidden truth) -----------------------------------------------------
    def model_utility(self, advisor: Any, cases: Cases) -> np.ndarray:
        """Economic performance of the recommendation alone."""
        with limited_threads(1):
            recommendation = advisor.predict(cases.features)
        return self.team_utility(cases, recommendation)

    def team_utility(self, cases: Cases, labels: np.ndarray) -> np.ndarray:
        """Economic performance value(Y) / value(Y*) of item sets ``labels``."""
        from hmlsim.knapsack import economic_performance

        inst = cases.payload
        return economic_performance(inst.values, labels, inst.optimum, inst.weights, inst.capacity)

    def describe(self, advisor: Any) -> str:
        """A short description of the recommender."""
        loss = getattr(advisor, "loss_curve_", [])
        tail = f", final training loss {loss[-1]:.3f}" if loss else ""
        return (
            f"MLP recommender 39→90→550→90→84→18 ({self.advisor}); "
            f"items by decreasing score while they fit{tail}"
        )


def _subset_draws(draws: Any, rows: np.ndarray) -> Any:
    """The solver draws of the instances at ``rows``."""
    from hmlsim.knapsack.solvers import SolverDraws

    return SolverDraws(
        draws.density_z[rows], draws.perception_z[rows], draws.follow_u[rows], draws.search_seed
    )


def _cases(instances: Any) -> Cases:
    problems = Problems(instances.weights, instances.values, instances.capacity)
    return Cases(features=problems, truth=instances.optimum, groups={}, payload=instances)
