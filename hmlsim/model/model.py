"""The Mesa model of performative human–ML collaboration over deployment epochs.

One :meth:`CollaborationModel.step` is one deployment epoch: the firm retrains
its advisors on the last epoch's final decisions and deals out new cases, the
experts decide, the advisors advise, the experts accept or reject, and the
model measures the utility of the deployed model and of the team against the
hidden ground truth. The same model runs both domains through
:class:`~hmlsim.model.domains.Domain`.

Examples
--------
>>> from hmlsim.model import CollaborationModel
>>> model = CollaborationModel(domain="knapsack", cases_per_epoch=64, rng=1)  # doctest: +SKIP
>>> for _ in range(5):
...     model.step()  # doctest: +SKIP
>>> model.datacollector.get_model_vars_dataframe()  # doctest: +SKIP
"""

from __future__ import annotations

import logging

import mesa
import numpy as np

from hmlsim.errors import ConfigError
from hmlsim.model import reporters
from hmlsim.model.agents import AdvisorAgent, ExpertAgent, FirmAgent
from hmlsim.model.domains import Domain, make_domain
from hmlsim.model.stability import StabilityDetector

log = logging.getLogger(__name__)


class CollaborationModel(mesa.Model):
    """Firm, experts and advisors stepping deployment epochs.

    Parameters
    ----------
    domain : {"classification", "knapsack"} or Domain
        What the experts work on (a name, or any object implementing
        :class:`~hmlsim.model.domains.base.Domain`).
    dataset : str
        Classification data set (``"heart"``, ``"fico"``, ``"hr"``); ignored for knapsack.
    advisor : str
        Advisor type: a TeamRules variant (``"TR"``, ``"TR-no(ADB)"``,
        ``"TR-no(Cost)"``, ``"TR-no(ADB,Cost)"``, ``"Task-only"``,
        ``"TR-SelectiveOnly"``) for classification; ``"mlp"`` (or ``"mlp-maxpick"``
        for max-pick solvers) for knapsack.
    decision, confidence : str
        Expert behaviour (classification: ``"difficulty"``/``"group"`` and
        ``"accuracy"``/``"group"``; knapsack: ignored).
    alpha : float
        Reconciliation cost α of the context (classification).
    initial_quality : float
        Quality of the initial model in [0, 1] (classification: accuracy of the
        labels it is trained on; knapsack: target economic performance).
    learner_tilt : float
        λ in (0, 1]: the imperfect learner keeps a share λ of its labels' utility.
    n_experts : int
        Number of expert agents; they split each epoch's cases evenly.
    n_advisors : int
        1: one advisor serves everyone; k > 1: experts are assigned round-robin
        to k groups, each with its own advisor retrained on its group's decisions.
    cases_per_epoch : int
        Cases per deployment epoch.
    window : int
        Number of past epochs the firm trains on.
    epsilon, patience : float, int
        Stable-point detection (see :mod:`hmlsim.model.stability`).
    stop_at_stable : bool
        Stop the run (``running = False``) once stable.
    n_iter : int
        Annealing iterations per TeamRules fit (classification).
    n_eval : int
        Size of the fixed evaluation batch the model's utility is measured on
        (knapsack; classification uses the data set's test split).
    data_path : str, optional
        Data file of the classification data set (FICO: else ``HMLSIM_FICO_PATH``).
    rng : int or numpy Generator, optional
        Seed of every random draw (Mesa's ``rng``).
    """

    def __init__(
        self,
        domain: str | Domain = "classification",
        dataset: str = "heart",
        advisor: str = "TR",
        decision: str = "difficulty",
        confidence: str = "accuracy",
        alpha: float = 0.1,
        initial_quality: float = 0.75,
        learner_tilt: float = 1.0,
        n_experts: int = 3,
        n_advisors: int = 1,
        cases_per_epoch: int = 200,
        window: int = 1,
        epsilon: float = 0.01,
        patience: int = 3,
        stop_at_stable: bool = False,
        n_iter: int = 200,
        n_eval: int = 200,
        data_path: str | None = None,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(rng=rng)
        for name, value in (
            ("n_experts", n_experts),
            ("n_advisors", n_advisors),
            ("cases_per_epoch", cases_per_epoch),
            ("window", window),
        ):
            if int(value) != value or value < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {value!r}")
        if n_advisors > n_experts:
            raise ConfigError("n_advisors", f"must be <= n_experts ({n_experts}), got {n_advisors}")
        self.cases_per_epoch = int(cases_per_epoch)
        self.stop_at_stable = bool(stop_at_stable)
        self.stability = StabilityDetector(epsilon, patience, learner_tilt, first_epoch=1)
        self.learner_tilt = self.stability.tilt
        self.domain = (
            domain
            if not isinstance(domain, str)
            else make_domain(
                domain,
                dataset=dataset,
                advisor=advisor,
                decision=decision,
                confidence=confidence,
                alpha=alpha,
                initial_quality=initial_quality,
                n_iter=n_iter,
                rng=self.rng,
                **({"path": data_path} if data_path else {}),
            )
        )
        self.evaluation = self.domain.evaluation_cases(n_eval, self.rng)
        self.firm = FirmAgent(self, window=window)
        groups = [f"group {i % n_advisors + 1}" for i in range(n_experts)]
        for (kind, behaviour), group in zip(
            self.domain.make_experts(n_experts, self.rng), groups, strict=True
        ):
            ExpertAgent(self, behaviour, group=group if n_advisors > 1 else kind)
        for group in sorted(set(groups)) if n_advisors > 1 else [None]:
            AdvisorAgent(self, self.domain.initial_advisor(self.rng), group=group)
        self.model_utility, self.team_utility = self.measure_model(), float("nan")
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters.model_reporters(sorted({e.group for e in self.experts})),
            agenttype_reporters=reporters.AGENTTYPE_REPORTERS,
        )
        self.datacollector.collect(self)

    @property
    def experts(self) -> mesa.agent.AgentSet:
        """The expert agents."""
        return self.agents_by_type[ExpertAgent]

    @property
    def advisors(self) -> mesa.agent.AgentSet:
        """The advisor agents."""
        return self.agents_by_type[AdvisorAgent]

    def step(self) -> None:
        """One deployment epoch."""
        self.firm.deploy()
        self.experts.do("decide")
        self.advisors.do("advise")
        self.experts.do("respond")
        self.measure()

    # ---------------------------------------------------------------------------------
    def measure_model(self) -> float:
        """Utility of the deployed advisors alone on the evaluation batch (expected, × λ)."""
        advisors = list(self.agents_by_type[AdvisorAgent])
        utilities = [self.domain.model_utility(a.advisor, self.evaluation).mean() for a in advisors]
        return float(self.learner_tilt * np.mean(utilities))

    def measure(self) -> None:
        """Measure model and team utility against the hidden truth; check stability; collect."""
        experts = list(self.agents_by_type[ExpertAgent])
        weights = np.array([e.n_cases for e in experts], dtype=float)
        self.model_utility = self.measure_model()
        self.team_utility = float(np.average([e.team_utility for e in experts], weights=weights))
        if self.stability.update(self.model_utility, self.team_utility) and self.stop_at_stable:
            self.running = False
        self.datacollector.collect(self)

    @property
    def stable_point(self):
        """The detected :class:`~hmlsim.model.stability.StablePoint`, or ``None``."""
        return self.stability.point
