"""The agents of :class:`~hmlsim.model.model.CollaborationModel`: firm, experts, advisors.

The agents give the model its structure; the per-case work is one vectorised
call into the domain per agent and epoch (see :mod:`hmlsim.model.domains`).

- :class:`FirmAgent` owns the deployed advisors. Each epoch it hands the new
  cases to the experts, and it retrains every advisor on the final decisions
  of the last epoch (or a window of epochs) of the experts that advisor
  serves. It sees the features of the cases, the experts' answers and their
  accept/reject answers — never the ground truth.
- :class:`ExpertAgent` decides its share of the epoch's cases, then accepts or
  rejects the advice it got.
- :class:`AdvisorAgent` advises the experts of its group with its current
  model; with an imperfect learner (λ < 1) it abstains on a random share 1 − λ
  of the cases (model utility 0 there, the expert decides alone).
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

import mesa
import numpy as np

from hmlsim.model.domains.base import Advice, Cases, Decisions, Response

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

    def __init__(self, model: mesa.Model, behaviour: Any, group: str, share: float = 1.0) -> None:
        super().__init__(model)
        self.behaviour = behaviour
        self.group = group
        self.share = float(share)
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

    def respond(self) -> None:
        """Accept or reject the advice; record the final decisions."""
        self.response = self.model.domain.respond(
            self.behaviour, self.cases, self.decisions, self.advice, self.model.rng
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

    def __init__(self, model: mesa.Model, advisor: Any, group: str | None = None) -> None:
        super().__init__(model)
        self.advisor = advisor
        self.group = group
        self.version = 0

    @property
    def experts(self) -> list[ExpertAgent]:
        """The experts this advisor serves."""
        experts = self.model.agents_by_type[ExpertAgent]
        return [e for e in experts if self.group is None or e.group == self.group]

    def advise(self) -> None:
        """Advise each served expert on its batch (abstaining on a share 1 − λ)."""
        tilt = self.model.learner_tilt
        for expert in self.experts:
            advice = self.model.domain.advise(self.advisor, expert.cases, expert.decisions)
            if tilt < 1.0:
                abstain = self.model.rng.random(advice.mask.shape[0]) >= tilt
                advice = _withhold(advice, abstain, expert.decisions)
            expert.advice = advice

    def redeploy(self, advisor: Any) -> None:
        """Replace the deployed model by a retrained one."""
        self.advisor = advisor
        self.version += 1

    @property
    def rules(self) -> str:
        """The advisor's current model as text."""
        return self.model.domain.describe(self.advisor)


class FirmAgent(mesa.Agent):
    """The firm: deals out cases, keeps the last epochs' final decisions and retrains.

    Parameters
    ----------
    model : CollaborationModel
    window : int
        Number of past epochs whose final decisions the firm trains on (1: the
        last epoch only, as in the paper).
    """

    def __init__(self, model: mesa.Model, window: int = 1) -> None:
        super().__init__(model)
        self.window = int(window)
        self.history: deque[dict[str, list]] = deque(maxlen=self.window)
        self.retrain_log: list[dict[str, Any]] = []

    def deploy(self) -> None:
        """Retrain on the last epoch's final decisions, then deal out the new cases."""
        if self.model.steps > 1:
            self.record()
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

    def record(self) -> None:
        """Store what the firm observed last epoch, per expert group (no ground truth)."""
        epoch: dict[str, list] = {}
        for expert in self.model.agents_by_type[ExpertAgent]:
            seen = epoch.setdefault(expert.group, [])
            seen.append(
                {
                    "features": expert.cases.features,
                    "labels": expert.response.labels,
                    "h": expert.decisions.labels,
                    "c_h": expert.decisions.confidence,
                    "c_m": expert.advice.confidence,
                    "contradicted": expert.response.contradicted,
                    "accepted": expert.response.accepted,
                }
            )
        self.history.append(epoch)

    def retrain(self) -> None:
        """Retrain every advisor on the final decisions of the experts it serves."""
        for advisor in self.model.agents_by_type[AdvisorAgent]:
            seen = [
                item
                for epoch in self.history
                for group, items in epoch.items()
                if advisor.group is None or group == advisor.group
                for item in items
            ]
            features = [item["features"] for item in seen]
            labels = [item["labels"] for item in seen]
            observed = {
                key: np.concatenate([item[key] for item in seen])
                for key in ("h", "c_h", "c_m", "contradicted", "accepted")
            }
            self.retrain_log.append({"advisor": advisor.unique_id, "labels": labels})
            new = self.model.domain.retrain(
                advisor.advisor, features, labels, observed, self.model.rng
            )
            advisor.redeploy(new)


def _withhold(advice: Advice, abstain: np.ndarray, decisions: Decisions) -> Advice:
    """The advice with the rows in ``abstain`` withdrawn (ŷ = h, no confidence)."""
    mask = advice.mask & ~abstain
    keep = mask.reshape(mask.shape + (1,) * (advice.labels.ndim - 1))
    labels = np.where(keep, advice.labels, decisions.labels)
    return Advice(mask=mask, labels=labels, confidence=np.where(mask, advice.confidence, 0.0))


def _mean(values: np.ndarray | None) -> float:
    if values is None or len(values) == 0:
        return float("nan")
    return float(np.mean(values))
