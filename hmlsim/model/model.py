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
from collections.abc import Mapping, Sequence
from typing import Any

import mesa
import numpy as np

from hmlsim.errors import ConfigError, check_count, check_number, check_probability
from hmlsim.model import reporters
from hmlsim.model.agents import AdvisorAgent, ExpertAgent, FirmAgent
from hmlsim.model.domains import Domain, make_domain
from hmlsim.model.observation import AuditChannel
from hmlsim.model.retraining import parse_retraining
from hmlsim.model.stability import StabilityDetector
from hmlsim.seeding import check_seed

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
    advisor : str or sequence of str
        Advisor type: a TeamRules variant (``"TR"``, ``"TR-no(ADB)"``,
        ``"TR-no(Cost)"``, ``"TR-no(ADB,Cost)"``, ``"Task-only"``,
        ``"TR-SelectiveOnly"``) for classification; ``"mlp"`` (or ``"mlp-maxpick"``
        for max-pick solvers) for knapsack. A list deploys several advisor
        types at once (an A/B deployment): expert group i (experts assigned
        round-robin) is served by advisor i.
    decision, confidence : str
        Expert behaviour (classification: ``"difficulty"``/``"group"``/``"mixed"``
        and ``"accuracy"``/``"group"``; knapsack: ignored).
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
        With one advisor type: 1 serves everyone; k > 1 assigns experts
        round-robin to k groups, each with its own advisor of that type
        retrained on its group's observations. With a list of types it must be
        1 or the list's length.
    cases_per_epoch : int
        Cases per deployment epoch.
    window : int
        Number of past epochs the firm trains on.
    retraining : str
        How the firm retrains (:mod:`hmlsim.model.retraining`): ``"window"``
        (default: from scratch on the window), ``"cumulative"`` (every epoch
        seen), ``"warm-start"`` (from the deployed fit) or ``"lazy-k"``
        (every k epochs).
    epsilon, patience : float, int
        Stable points: Φ(u) − u/λ within ε with its bootstrap interval
        containing 0, for ``patience`` epochs (:mod:`hmlsim.model.stability`).
    stop_at_stable : bool
        Stop the run (``running = False``) once stable.
    n_iter : int
        Annealing iterations per TeamRules fit (classification).
    n_eval : int
        Size of the fixed evaluation batch (knapsack; classification uses the
        data set's test split). u and Φ(u) are both measured on it every epoch.
    audit_share, audit_delay : float, int
        The audit channel (SPEC D): a share ρ of each epoch's cases whose true
        outcome reaches the firm ``audit_delay`` epochs later (ρ = 0: never).
    audit_history : bool
        The firm also trains on audited cases of epochs older than its window
        (their outcome arrives late); False: audits of older epochs feed only
        the models of the expert (expertise) and the experts' trust.
    exploration : float
        Share of cases on which an advisor offers its own answer even where its
        policy is silent, so that silence can be reversed by data.
    trust_rate : float
        Log-odds change of an expert's acceptance per audited piece of
        contradicting advice it learns was right (+) or wrong (−); 0: static experts.
    adb_drift : float or sequence of float
        ADB drift schedule: a log-odds shift of every expert's acceptance — a
        number d shifts epoch t by d·(t − 1); a sequence gives the shift of
        each epoch (the last value holds afterwards).
    data_path : str, optional
        Data file of the classification data set (FICO: else ``HMLSIM_FICO_PATH``).
    domain_options : mapping, optional
        Further keyword arguments of the domain (classification:
        ``expert_distributions``, ``annealing_targets``, ``task_labels``,
        ``min_audit``, ``heterogeneity``, ``n_trees``).
    rng : int or numpy Generator, optional
        Seed of every random draw (Mesa's ``rng``).
    """

    def __init__(
        self,
        domain: str | Domain = "classification",
        dataset: str = "heart",
        advisor: str | Sequence[str] = "TR",
        decision: str = "difficulty",
        confidence: str = "accuracy",
        alpha: float = 0.1,
        initial_quality: float = 0.75,
        learner_tilt: float = 1.0,
        n_experts: int = 3,
        n_advisors: int = 1,
        cases_per_epoch: int = 200,
        window: int = 1,
        retraining: str = "window",
        epsilon: float = 0.01,
        patience: int = 3,
        stop_at_stable: bool = False,
        n_iter: int = 200,
        n_eval: int = 200,
        audit_share: float = 0.0,
        audit_delay: int = 0,
        audit_history: bool = False,
        exploration: float = 0.0,
        trust_rate: float = 0.0,
        adb_drift: float | Sequence[float] = 0.0,
        data_path: str | None = None,
        domain_options: Mapping[str, Any] | None = None,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        check_seed("rng", rng)  # Mesa's rng
        super().__init__(rng=rng)
        for name, value in (
            ("n_experts", n_experts),
            ("n_advisors", n_advisors),
            ("cases_per_epoch", cases_per_epoch),
            ("window", window),
        ):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {value!r}")
        variants = [advisor] if isinstance(advisor, str) else list(advisor)
        if not variants:
            raise ConfigError("advisor", "give at least one advisor type")
        if len(variants) > 1:
            if n_advisors not in (1, len(variants)):
                raise ConfigError(
                    "n_advisors", f"must be 1 or {len(variants)} with {len(variants)} advisor types"
                )
            n_advisors = len(variants)
        else:
            variants = variants * int(n_advisors)
        if n_advisors > n_experts:
            raise ConfigError("n_advisors", f"must be <= n_experts ({n_experts}), got {n_advisors}")
        strategy = parse_retraining(retraining, int(window))
        self.exploration = _check_share("exploration", exploration)
        self.trust_rate = check_trust_rate("trust_rate", trust_rate)
        check_cases_per_epoch("cases_per_epoch", cases_per_epoch, n_experts)
        check_count("n_eval", n_eval, minimum=MIN_EVAL, maximum=1_000_000)
        self.drift = _check_drift(adb_drift)
        self.audit = AuditChannel(audit_share, audit_delay)
        self.cases_per_epoch = int(cases_per_epoch)
        self.stop_at_stable = bool(stop_at_stable)
        self.stability = StabilityDetector(
            epsilon, patience, learner_tilt, first_epoch=0, rng=self.rng.integers(2**63)
        )
        self.learner_tilt = self.stability.tilt
        self.domain = (
            domain
            if not isinstance(domain, str)
            else make_domain(
                domain,
                dataset=dataset,
                advisor=variants[0],
                decision=decision,
                confidence=confidence,
                alpha=alpha,
                initial_quality=initial_quality,
                n_iter=n_iter,
                rng=self.rng,
                **({"path": data_path} if data_path else {}),
                **dict(domain_options or {}),
            )
        )
        if self.domain.name == "knapsack" and (
            self.audit.share > 0 or self.trust_rate > 0 or self.drift != 0.0
        ):
            raise ConfigError(
                "audit_share",
                "the knapsack domain has no audit channel, trust or ADB drift; keep them at 0",
            )
        if self.domain.name == "knapsack" and strategy.warm:
            raise ConfigError("retraining", "the knapsack domain has no warm start")
        self.evaluation = self.domain.evaluation_cases(n_eval, self.rng)
        self.firm = FirmAgent(
            self, window=window, audit_history=audit_history, retraining=retraining
        )
        groups = [f"group {i % n_advisors + 1}" for i in range(n_experts)]
        for (kind, behaviour), group in zip(
            self.domain.make_experts(n_experts, self.rng), groups, strict=True
        ):
            ExpertAgent(self, behaviour, group=group if n_advisors > 1 else kind, kind=kind)
        names = sorted(set(groups)) if n_advisors > 1 else [None]
        for group, variant in zip(names, variants, strict=True):
            AdvisorAgent(
                self,
                self.domain.initial_advisor(self.rng, variant),
                group=group,
                variant=variant,
                exploration=self.exploration,
            )
        self.model_utility = self.team_utility = self.human_utility = float("nan")
        self.live_team_utility = float("nan")
        self.line = None
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters.model_reporters(
                sorted({e.group for e in self.experts}), advisors=len(self.advisors) > 1
            ),
            agenttype_reporters=reporters.AGENTTYPE_REPORTERS,
        )
        self.measure()

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
    def adb_shift(self) -> float:
        """The ADB drift schedule's log-odds shift at the current epoch."""
        epoch = max(self.steps - 1, 0)
        if isinstance(self.drift, tuple):
            return self.drift[min(epoch, len(self.drift) - 1)] if self.drift else 0.0
        return self.drift * epoch

    def advisor_of(self, expert: ExpertAgent) -> AdvisorAgent:
        """The advisor serving ``expert``."""
        for advisor in self.advisors:
            if advisor.group is None or advisor.group == expert.group:
                return advisor
        raise ConfigError("advisor", f"no advisor serves group {expert.group!r}")

    def measure(self) -> None:
        """u and Φ(u) on the evaluation cases; silence, audit submissions, stability; collect.

        Every expert also decides the held-out evaluation cases with its
        advisor's advice (the firm never sees them): u is the deployed model's
        own utility there, Φ(u) the team's, so the two are paired case by case.
        """
        cases = self.evaluation
        experts = list(self.experts)
        team, human, model_cases = {}, {}, {}
        for advisor in self.advisors:
            model_cases[advisor.unique_id] = self.learner_tilt * np.asarray(
                self.domain.model_utility(advisor.advisor, cases), dtype=float
            )
        for expert in experts:
            decisions = self.domain.decide(expert.behaviour, cases, self.rng)
            advice = self.advisor_of(expert).advice_for(cases, decisions)
            response = expert.respond_to(cases, decisions, advice)
            team[expert.unique_id] = self.domain.team_utility(cases, response.labels)
            human[expert.unique_id] = self.domain.team_utility(cases, decisions.labels)
            expert.eval_team_utility = float(np.mean(team[expert.unique_id]))
            expert.eval_human_utility = float(np.mean(human[expert.unique_id]))
        for advisor in self.advisors:
            served = [e.unique_id for e in advisor.experts]
            advisor.model_utility = float(model_cases[advisor.unique_id].mean())
            advisor.team_utility = float(np.mean([team[i] for i in served]))
            if self.steps > 0:
                advisor.note_silence(
                    reporters.advice_share(advisor.experts, explored=False), self.steps
                )
        u_cases = np.mean(list(model_cases.values()), axis=0)
        phi_cases = np.mean(list(team.values()), axis=0)
        self.model_utility = float(u_cases.mean())
        self.team_utility = float(phi_cases.mean())
        human_cases = np.mean(list(human.values()), axis=0)
        self.human_utility = float(human_cases.mean())
        self.last_cases = {"u": u_cases, "phi": phi_cases, "human": human_cases}
        if self.steps > 0:
            self.live_team_utility = reporters.weighted(experts, "team_utility")
            self.submit_audits(experts)
        if self.stability.update(u_cases, phi_cases) and self.stop_at_stable:
            self.running = False
        self.line = self.stability.lines[-1]
        self.datacollector.collect(self)

    def submit_audits(self, experts: list[ExpertAgent]) -> None:
        """The environment sends a share ρ of this epoch's cases to the audit channel."""
        for expert in experts:
            rows = np.flatnonzero(self.audit.select(expert.n_cases, self.rng))
            if rows.size:
                truth = self.domain.take(expert.cases, rows).truth
                self.audit.submit(expert.observation(self.steps), rows, truth)

    @property
    def stable_point(self):
        """The first detected :class:`~hmlsim.model.stability.StablePoint`, or ``None``."""
        return self.stability.point


def _check_share(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, f"must be a number in [0, 1], got {value!r}")
    return check_probability(name, value)


#: the largest log-odds change of an expert's acceptance per audited piece of advice
#: (a change of 10 already takes an acceptance of 0.5 to 0.99995 in one step)
MAX_TRUST_RATE = 10.0
#: the largest ADB drift (log-odds) of an epoch
MAX_DRIFT = 50.0
#: the fewest evaluation cases of a model's utility
MIN_EVAL = 10


def check_trust_rate(field: str, value: object) -> float:
    """A trust rate: a log-odds change in [0, :data:`MAX_TRUST_RATE`]."""
    return check_number(field, value, minimum=0.0, maximum=MAX_TRUST_RATE)


def check_cases_per_epoch(field: str, value: object, n_experts: object) -> int:
    """Cases per epoch: an integer, at least one for every expert (each decides its share)."""
    experts = check_count("n_experts", n_experts)
    cases = check_count(field, value)
    if cases < experts:
        raise ConfigError(
            field,
            f"must be >= n_experts ({experts}): every expert decides at least one case "
            f"per epoch; got {value!r}",
        )
    return cases


def _check_drift(drift: float | Sequence[float]) -> float | tuple[float, ...]:
    try:
        values = np.atleast_1d(np.asarray(drift, dtype=float)) if drift is not None else None
    except (TypeError, ValueError):
        values = None
    if (
        values is None
        or values.ndim != 1
        or values.size == 0
        or not np.all(np.isfinite(values))
        or np.any(np.abs(values) > MAX_DRIFT)
    ):
        raise ConfigError(
            "adb_drift",
            f"must be a number or a non-empty list of numbers (one per epoch, the last "
            f"holding afterwards), each within ±{MAX_DRIFT:g}; got {drift!r}",
        )
    if isinstance(drift, (int, float)) and not isinstance(drift, bool):
        return float(drift)
    return tuple(float(v) for v in values)
