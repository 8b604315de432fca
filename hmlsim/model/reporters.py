"""Named DataCollector reporters of :class:`~hmlsim.model.model.CollaborationModel`.

Plain module-level functions (no lambdas), so models stay picklable for
``mesa.batch_run``. Per-group reporters are :func:`functools.partial` objects
of :func:`group_rate`, which Mesa calls with the model.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from hmlsim.model.agents import AdvisorAgent, ExpertAgent


def _experts(model: Any) -> list[ExpertAgent]:
    return list(model.agents_by_type[ExpertAgent])


def model_utility(model: Any) -> float:
    """Utility of the deployed model alone (hidden truth, evaluation batch)."""
    return model.model_utility


def team_utility(model: Any) -> float:
    """Utility of the team's final decisions this epoch (hidden truth)."""
    return model.team_utility


def human_utility(model: Any) -> float:
    """Utility of the experts' own decisions this epoch, before advice."""
    return _weighted(_experts(model), "human_utility")


def advising_rate(model: Any) -> float:
    """Share of this epoch's cases on which advice was given."""
    return _weighted(_experts(model), "advising_rate")


def acceptance_rate(model: Any) -> float:
    """Share of contradicting advice accepted this epoch (all experts)."""
    return _acceptance(_experts(model))


def contradiction_rate(model: Any) -> float:
    """Share of this epoch's cases on which the advice contradicted the expert."""
    experts = _experts(model)
    n = sum(e.n_cases for e in experts)
    return float("nan") if n == 0 else sum(e.n_contradicted for e in experts) / n


def added_value(model: Any) -> float:
    """HDL − TTL: team utility − human utility − α · contradiction rate (λ0 = λ1 = 1).

    The reconciliation cost α is the domain's (0 where it has none, as in knapsack).
    """
    alpha = float(getattr(model.domain, "alpha", 0.0))
    return team_utility(model) - human_utility(model) - alpha * contradiction_rate(model)


def stable(model: Any) -> bool:
    """Whether a stable point has been detected."""
    return model.stability.stable


def group_rate(model: Any, group: str, attribute: str) -> float:
    """``attribute`` (``"advising_rate"`` or ``"acceptance_rate"``) over one expert group."""
    experts = [e for e in _experts(model) if e.group == group]
    if attribute == "acceptance_rate":
        return _acceptance(experts)
    return _weighted(experts, attribute)


def _acceptance(experts: list[ExpertAgent]) -> float:
    contradicted = sum(e.n_contradicted for e in experts)
    return float("nan") if contradicted == 0 else sum(e.n_accepted for e in experts) / contradicted


def _weighted(experts: list[ExpertAgent], attribute: str) -> float:
    weights = np.array([e.n_cases for e in experts], dtype=float)
    if weights.sum() == 0:
        return float("nan")
    return float(np.average([getattr(e, attribute) for e in experts], weights=weights))


MODEL_REPORTERS: dict[str, Any] = {
    "model_utility": model_utility,
    "team_utility": team_utility,
    "human_utility": human_utility,
    "advising_rate": advising_rate,
    "acceptance_rate": acceptance_rate,
    "contradiction_rate": contradiction_rate,
    "added_value": added_value,
    "stable": stable,
}


def model_reporters(groups: list[str]) -> dict[str, Any]:
    """:data:`MODEL_REPORTERS` plus advising and acceptance rate per expert group."""
    reporters = dict(MODEL_REPORTERS)
    for group in groups:
        for attribute in ("advising_rate", "acceptance_rate"):
            reporters[f"{attribute}[{group}]"] = partial(
                group_rate, group=group, attribute=attribute
            )
    return reporters


def expert_group(agent: ExpertAgent) -> str:
    """The expert's group."""
    return agent.group


def expert_advising_rate(agent: ExpertAgent) -> float:
    """Share of the expert's cases that were advised."""
    return agent.advising_rate


def expert_acceptance_rate(agent: ExpertAgent) -> float:
    """Share of contradicting advice the expert accepted."""
    return agent.acceptance_rate


def expert_accepted(agent: ExpertAgent) -> int:
    """Number of pieces of contradicting advice the expert accepted."""
    return agent.n_accepted


def expert_team_utility(agent: ExpertAgent) -> float:
    """Utility of the expert's final decisions."""
    return agent.team_utility


def expert_human_utility(agent: ExpertAgent) -> float:
    """Utility of the expert's own decisions."""
    return agent.human_utility


def advisor_group(agent: AdvisorAgent) -> str:
    """The group the advisor serves (``"all"`` for a single advisor)."""
    return agent.group or "all"


def advisor_version(agent: AdvisorAgent) -> int:
    """How many times the firm has retrained this advisor."""
    return agent.version


AGENTTYPE_REPORTERS: dict[type, dict[str, Any]] = {
    ExpertAgent: {
        "group": expert_group,
        "advising_rate": expert_advising_rate,
        "acceptance_rate": expert_acceptance_rate,
        "accepted": expert_accepted,
        "team_utility": expert_team_utility,
        "human_utility": expert_human_utility,
    },
    AdvisorAgent: {"group": advisor_group, "version": advisor_version},
}
