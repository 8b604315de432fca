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
    """u: utility of the deployed model alone (hidden truth, evaluation cases)."""
    return model.model_utility


def team_utility(model: Any) -> float:
    """Φ(u): utility of the team's final decisions on the same evaluation cases."""
    return model.team_utility


def human_utility(model: Any) -> float:
    """Utility of the experts' own decisions on the evaluation cases, before advice."""
    return model.human_utility


def live_team_utility(model: Any) -> float:
    """Utility of the final decisions on this epoch's cases (the ones the firm trains on)."""
    return model.live_team_utility


def live_human_utility(model: Any) -> float:
    """Utility of the experts' own decisions on this epoch's cases."""
    return weighted(_experts(model), "human_utility")


def line_gap(model: Any) -> float:
    """Φ(u) − u/λ on the evaluation cases."""
    return float("nan") if model.line is None else model.line.gap


def gap_ci_low(model: Any) -> float:
    """Lower end of the gap's bootstrap interval."""
    return float("nan") if model.line is None else model.line.ci_low


def gap_ci_high(model: Any) -> float:
    """Upper end of the gap's bootstrap interval."""
    return float("nan") if model.line is None else model.line.ci_high


def on_line(model: Any) -> bool:
    """This epoch is on the line: |gap| <= ε and its interval contains 0."""
    return model.line is not None and model.line.on_line(model.stability.epsilon)


def advice_share(experts: list[ExpertAgent], *, explored: bool) -> float:
    """Share of the experts' cases advised by the policy (``explored=False``) or explored."""
    n = sum(e.n_cases for e in experts)
    if n == 0 or any(e.advice is None for e in experts):
        return float("nan")
    rows = [
        e.advice.exploration if explored else e.advice.mask & ~e.advice.exploration for e in experts
    ]
    return sum(int(r.sum()) for r in rows) / n


def policy_advising_rate(model: Any) -> float:
    """Share of this epoch's cases advised by the advisors' policies (no explorations)."""
    return advice_share(_experts(model), explored=False)


def exploration_rate(model: Any) -> float:
    """Share of this epoch's cases on which advice was an exploration."""
    return advice_share(_experts(model), explored=True)


def audited(model: Any) -> int:
    """Audited cases whose truth the firm has learned so far."""
    return model.firm.ledger.n_revealed


def mean_trust(model: Any) -> float:
    """Mean log-odds trust of the experts (0 without trust updates)."""
    return float(np.mean([e.trust for e in _experts(model)]))


def advising_rate(model: Any) -> float:
    """Share of this epoch's cases on which advice was given."""
    return weighted(_experts(model), "advising_rate")


def acceptance_rate(model: Any) -> float:
    """Share of contradicting advice accepted this epoch (all experts)."""
    return _acceptance(_experts(model))


def contradiction_rate(model: Any) -> float:
    """Share of this epoch's cases on which the advice contradicted the expert."""
    experts = _experts(model)
    n = sum(e.n_cases for e in experts)
    return float("nan") if n == 0 else sum(e.n_contradicted for e in experts) / n


def added_value(model: Any) -> float:
    """HDL − TTL on this epoch's cases: team − human utility − α · contradiction rate.

    (λ0 = λ1 = 1.) The reconciliation cost α is the domain's (0 where it has
    none, as in knapsack).
    """
    alpha = float(getattr(model.domain, "alpha", 0.0))
    return live_team_utility(model) - live_human_utility(model) - alpha * contradiction_rate(model)


def stable(model: Any) -> bool:
    """Whether a stable point has been detected."""
    return model.stability.stable


def group_rate(model: Any, group: str, attribute: str) -> float:
    """``attribute`` (``"advising_rate"`` or ``"acceptance_rate"``) over one expert group."""
    experts = [e for e in _experts(model) if e.group == group]
    if attribute == "acceptance_rate":
        return _acceptance(experts)
    return weighted(experts, attribute)


def _acceptance(experts: list[ExpertAgent]) -> float:
    contradicted = sum(e.n_contradicted for e in experts)
    return float("nan") if contradicted == 0 else sum(e.n_accepted for e in experts) / contradicted


def weighted(experts: list[ExpertAgent], attribute: str) -> float:
    """``attribute`` of the experts, averaged with their numbers of cases as weights."""
    weights = np.array([e.n_cases for e in experts], dtype=float)
    if weights.sum() == 0:
        return float("nan")
    return float(np.average([getattr(e, attribute) for e in experts], weights=weights))


MODEL_REPORTERS: dict[str, Any] = {
    "model_utility": model_utility,
    "team_utility": team_utility,
    "human_utility": human_utility,
    "line_gap": line_gap,
    "gap_ci_low": gap_ci_low,
    "gap_ci_high": gap_ci_high,
    "on_line": on_line,
    "live_team_utility": live_team_utility,
    "live_human_utility": live_human_utility,
    "advising_rate": advising_rate,
    "policy_advising_rate": policy_advising_rate,
    "exploration_rate": exploration_rate,
    "audited": audited,
    "mean_trust": mean_trust,
    "acceptance_rate": acceptance_rate,
    "contradiction_rate": contradiction_rate,
    "added_value": added_value,
    "stable": stable,
}


def advisor_value(model: Any, group: str, attribute: str) -> float:
    """``attribute`` (``"model_utility"``, ``"team_utility"``) of ``group``'s advisor."""
    for advisor in model.agents_by_type[AdvisorAgent]:
        if advisor.group == group:
            return float(getattr(advisor, attribute))
    return float("nan")


def model_reporters(groups: list[str], advisors: bool = False) -> dict[str, Any]:
    """:data:`MODEL_REPORTERS`, advising and acceptance rate per expert group.

    With several advisors (``advisors=True``) also u and Φ(u) of each group's advisor.
    """
    reporters = dict(MODEL_REPORTERS)
    for group in groups:
        for attribute in ("advising_rate", "acceptance_rate"):
            reporters[f"{attribute}[{group}]"] = partial(
                group_rate, group=group, attribute=attribute
            )
        if advisors:
            for attribute in ("model_utility", "team_utility"):
                reporters[f"{attribute}[{group}]"] = partial(
                    advisor_value, group=group, attribute=attribute
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


def expert_kind(agent: ExpertAgent) -> str:
    """The expert's decision behaviour."""
    return agent.kind


def expert_trust(agent: ExpertAgent) -> float:
    """The expert's log-odds trust in advice."""
    return agent.trust


def expert_eval_accuracy(agent: ExpertAgent) -> float:
    """The expert's own utility on the evaluation cases (its accuracy alone)."""
    return agent.eval_human_utility


def expert_eval_team_utility(agent: ExpertAgent) -> float:
    """The expert's team utility with advice on the evaluation cases."""
    return agent.eval_team_utility


def advisor_variant(agent: AdvisorAgent) -> str:
    """The advisor type."""
    return agent.variant


def advisor_model_utility(agent: AdvisorAgent) -> float:
    """u of this advisor's deployed model."""
    return agent.model_utility


def advisor_team_utility(agent: AdvisorAgent) -> float:
    """Φ(u) of the experts this advisor serves."""
    return agent.team_utility


def advisor_silent_since(agent: AdvisorAgent) -> float:
    """The epoch from which the advisor's policy has been silent (NaN while it speaks)."""
    return float("nan") if agent.silent_since is None else float(agent.silent_since)


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
        "kind": expert_kind,
        "trust": expert_trust,
        "eval_accuracy": expert_eval_accuracy,
        "eval_team_utility": expert_eval_team_utility,
    },
    AdvisorAgent: {
        "group": advisor_group,
        "version": advisor_version,
        "variant": advisor_variant,
        "model_utility": advisor_model_utility,
        "team_utility": advisor_team_utility,
        "silent_since": advisor_silent_since,
    },
}
