"""The agents of :class:`~hmlsim.model.model.CollaborationModel`: firm, experts, advisors.

The agents give the model its structure; the per-case work is one vectorised
call into the domain per agent and epoch (see :mod:`hmlsim.model.domains`).

- :class:`FirmAgent` owns the deployed advisors. Each epoch it records what it
  observed of the last epoch (:mod:`hmlsim.model.observation`: features,
  answers, advice, accept / reject, final decisions — never the ground truth),
  takes in the outcomes the audit channel reveals, retrains every advisor on
  the window of observations of the experts that advisor serves, and hands
  out the new cases.
- :class:`ExpertAgent` decides its share of the epoch's cases, then accepts or
  rejects the advice it got. Its acceptance moves in log-odds by its *trust*
  (optional: updated from audited outcomes of advice it was given) and by the
  model's ADB drift schedule.
- :class:`AdvisorAgent` advises the experts of its group with its current
  model; with an exploration share it also offers its own answer on a random
  share of the cases where its policy is silent; with an imperfect learner
  (λ < 1) it abstains on a random share 1 − λ of the cases.
"""

from __future__ import annotations

import logging
from typing import Any

import mesa
import numpy as np

from hmlsim.model.domains.base import Advice, Cases, Decisions, Response
from hmlsim.model.observation import EpochObservation, FirmLedger
from hmlsim.model.retraining import parse_retraining

log = logging.getLogger(__name__)


class ExpertAgent(mesa.Agent):
    """A simulated expert deciding a share of each epoch's cases.

    Parameters
    ----------
    model : CollaborationModel
    behaviour : Any
        The domain's behaviour object for this expert (decisions, confidence, ADB).
    group : str
        The expert group (advisors are assigned per group).
    share : float
        Relative share of the epoch's cases this expert decides.
    """

    def __init__(
        self,
        model: mesa.Model,
        behaviour: Any,
        group: str,
        share: float = 1.0,
        kind: str = "",
    ) -> None:
        super().__init__(model)
        self.behaviour = behaviour
        self.group = group
        self.kind = kind or group
        self.share = float(share)
        self.trust = 0.0
        self.eval_human_utility = float("nan")
        self.eval_team_utility = float("nan")
        self.cases: Cases | None = None
        self.decisions: Decisions | None = None
        self.advice: Advice | None = None
        self.response: Response | None = None

    def receive(self, cases: Cases) -> None:
        """Take this epoch's batch of cases."""
        self.cases, self.decisions, self.advice, self.response = cases, None, None, None

    def decide(self) -> None:
        """Decide the batch alone: answers ``h`` and confidence ``c^H``."""
        self.decisions = self.model.domain.decide(self.behaviour, self.cases, self.model.rng)

    @property
    def acceptance_shift(self) -> float:
        """Log-odds shift of this expert's acceptance: its trust plus the model's ADB drift."""
        return self.trust + self.model.adb_shift()

    def respond(self) -> None:
        """Accept or reject the advice; record the final decisions."""
        self.response = self.respond_to(self.cases, self.decisions, self.advice)

    def respond_to(self, cases: Cases, decisions: Decisions, advice: Advice) -> Response:
        """Accept or reject ``advice`` on ``cases`` (also used on the evaluation cases)."""
        return self.model.domain.respond(
            self.behaviour, cases, decisions, advice, self.model.rng, self.acceptance_shift
        )

    def learn_outcomes(self, outcomes: list[Any], rate: float) -> None:
        """Update trust from audited outcomes of contradicting advice this expert was given.

        Each revealed case where the advice contradicted the expert moves trust
        by ``+rate`` if the advice was right and ``-rate`` if it was wrong
        (clipped to [-5, 5] in log-odds).
        """
        for outcome in outcomes:
            obs = outcome.observation
            if obs.expert != self.unique_id:
                continue
            contradicted = obs.contradicted[outcome.rows]
            if not contradicted.any():
                continue
            rows = outcome.rows[contradicted]
            right = (obs.y_hat[rows] == outcome.truth[contradicted]).sum()
            self.trust = float(np.clip(self.trust + rate * (2 * right - rows.size), -5.0, 5.0))

    def observation(self, epoch: int) -> EpochObservation:
        """What the firm sees of this expert's last batch (no ground truth)."""
        return EpochObservation(
            epoch=epoch,
            expert=self.unique_id,
            group=self.group,
            features=self.cases.features,
            h=self.decisions.labels,
            c_h=self.decisions.confidence,
            advised=self.advice.mask,
            explored=self.advice.exploration,
            y_hat=self.advice.labels,
            c_m=self.advice.confidence,
            contradicted=self.response.contradicted,
            accepted=self.response.accepted,
            d=self.response.labels,
        )

    # --- what the DataCollector reads -------------------------------------------------
    @property
    def n_cases(self) -> int:
        """Number of cases decided this epoch."""
        return 0 if self.cases is None else len(self.cases)

    @property
    def advising_rate(self) -> float:
        """Share of this epoch's cases on which advice was given."""
        return _mean(None if self.advice is None else self.advice.mask)

    @property
    def acceptance_rate(self) -> float:
        """Share of contradicting advice this expert accepted this epoch."""
        if self.response is None or not self.response.contradicted.any():
            return float("nan")
        return float(self.response.accepted[self.response.contradicted].mean())

    @property
    def n_contradicted(self) -> int:
        """Number of rows on which the advice contradicted the expert this epoch."""
        return 0 if self.response is None else int(self.response.contradicted.sum())

    @property
    def n_accepted(self) -> int:
        """Number of pieces of contradicting advice accepted this epoch."""
        return 0 if self.response is None else int(self.response.accepted.sum())

    @property
    def team_utility(self) -> float:
        """Mean utility of this expert's final decisions (against the hidden truth)."""
        if self.response is None:
            return float("nan")
        return float(self.model.domain.team_utility(self.cases, self.response.labels).mean())

    @property
    def human_utility(self) -> float:
        """Mean utility of this expert's own decisions, before advice."""
        if self.decisions is None:
            return float("nan")
        return float(self.model.domain.team_utility(self.cases, self.decisions.labels).mean())


class AdvisorAgent(mesa.Agent):
    """An advisor deployed by the firm for one group of experts.

    Parameters
    ----------
    model : CollaborationModel
    advisor : Any
        The domain's advisor model (fitted).
    group : str or None
        The expert group it serves (``None``: every expert).
    """

    def __init__(
        self,
        model: mesa.Model,
        advisor: Any,
        group: str | None = None,
        variant: str = "",
        exploration: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.advisor = advisor
        self.group = group
        self.variant = variant
        self.exploration = float(exploration)
        self.version = 0
        self.model_utility = float("nan")
        self.team_utility = float("nan")
        self.silent_since: int | None = None

    @property
    def experts(self) -> list[ExpertAgent]:
        """The experts this advisor serves."""
        experts = self.model.agents_by_type[ExpertAgent]
        return [e for e in experts if self.group is None or e.group == self.group]

    def advise(self) -> None:
        """Advise each served expert on its batch."""
        for expert in self.experts:
            expert.advice = self.advice_for(expert.cases, expert.decisions)

    def advice_for(self, cases: Cases, decisions: Decisions) -> Advice:
        """Advice on ``cases``: the policy, plus exploration, less the abstentions of λ < 1."""
        rng = self.model.rng
        explore = rng.random(len(cases)) < self.exploration if self.exploration > 0 else None
        advice = self.model.domain.advise(self.advisor, cases, decisions, explore)
        tilt = self.model.learner_tilt
        if tilt < 1.0:
            abstain = rng.random(advice.mask.shape[0]) >= tilt
            advice = _withhold(advice, abstain, decisions)
        return advice

    def note_silence(self, advising_rate: float, epoch: int) -> None:
        """Record the epoch from which this advisor has been silent (None once it speaks)."""
        if advising_rate > 0:
            self.silent_since = None
        elif self.silent_since is None:
            self.silent_since = epoch

    def redeploy(self, advisor: Any) -> None:
        """Replace the deployed model by a retrained one."""
        self.advisor = advisor
        self.version += 1

    @property
    def rules(self) -> str:
        """The advisor's current model as text."""
        return self.model.domain.describe(self.advisor)


class FirmAgent(mesa.Agent):
    """The firm: records what it observes, learns audited outcomes, retrains, deals cases.

    Parameters
    ----------
    model : CollaborationModel
    window : int
        Number of past epochs whose observations the firm trains on (1: the
        last epoch only, as in the paper).
    audit_history : bool
        Also train on the audited cases of older epochs once their outcome is
        revealed (:meth:`~hmlsim.model.observation.FirmLedger.training_set`).
    retraining : str
        How the firm retrains (:mod:`hmlsim.model.retraining`): ``"window"``,
        ``"cumulative"``, ``"warm-start"`` or ``"lazy-k"``.
    """

    def __init__(
        self,
        model: mesa.Model,
        window: int = 1,
        audit_history: bool = False,
        retraining: str = "window",
    ) -> None:
        super().__init__(model)
        self.window = int(window)
        self.audit_history = bool(audit_history)
        self.strategy = parse_retraining(retraining, self.window)
        self.ledger = FirmLedger(window=self.strategy.window)
        self.retrain_log: list[dict[str, Any]] = []

    def deploy(self) -> None:
        """Record the last epoch, learn what the audit revealed, retrain when due, deal cases."""
        if self.model.steps > 1:
            epoch = self.model.steps - 1
            self.record(epoch)
            self.learn(self.model.audit.reveal(epoch))
            if self.strategy.due(epoch):
                self.retrain()
        self.deal(self.model.domain.new_cases(self.model.cases_per_epoch, self.model.rng))

    def deal(self, cases: Cases) -> None:
        """Share ``cases`` among the experts in proportion to their shares."""
        experts = list(self.model.agents_by_type[ExpertAgent])
        shares = np.array([e.share for e in experts], dtype=float)
        order = self.model.rng.permutation(len(cases))
        bounds = np.round(np.cumsum(shares) / shares.sum() * len(cases)).astype(int)
        for expert, part in zip(experts, np.split(order, bounds[:-1]), strict=True):
            expert.receive(self.model.domain.take(cases, np.sort(part)))

    def record(self, epoch: int) -> None:
        """Store what the firm observed last epoch, per expert (no ground truth)."""
        self.ledger.record(
            [expert.observation(epoch) for expert in self.model.agents_by_type[ExpertAgent]]
        )

    def learn(self, outcomes: list[Any]) -> None:
        """Take in audited outcomes; the experts concerned learn them too (trust)."""
        self.ledger.learn(outcomes)
        rate = self.model.trust_rate
        if outcomes and rate > 0:
            for expert in self.model.agents_by_type[ExpertAgent]:
                expert.learn_outcomes(outcomes, rate)

    def retrain(self) -> None:
        """Retrain every advisor on the observations of the experts it serves."""
        for advisor in self.model.agents_by_type[AdvisorAgent]:
            data = self.ledger.training_set(advisor.group, audit_history=self.audit_history)
            self.retrain_log.append(
                {"advisor": advisor.unique_id, "labels": data.d, "audited": data.y_audit}
            )
            warm = {"warm": True} if self.strategy.warm else {}
            advisor.redeploy(
                self.model.domain.retrain(advisor.advisor, data, self.model.rng, **warm)
            )


def _withhold(advice: Advice, abstain: np.ndarray, decisions: Decisions) -> Advice:
    """The advice with the rows in ``abstain`` withdrawn (ŷ = h, no confidence)."""
    mask = advice.mask & ~abstain
    keep = mask.reshape(mask.shape + (1,) * (advice.labels.ndim - 1))
    labels = np.where(keep, advice.labels, decisions.labels)
    return Advice(
        mask=mask,
        labels=labels,
        confidence=np.where(mask, advice.confidence, 0.0),
        explored=advice.exploration & mask,
    )


def _mean(values: np.ndarray | None) -> float:
    if values is None or len(values) == 0:
        return float("nan")
    return float(np.mean(values))
