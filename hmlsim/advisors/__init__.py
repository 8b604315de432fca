"""Advisor agents: TeamRules rule-set advisors, the task-only baseline and their metrics.

Quick map (see ``docs/teamrules.md``):

- :mod:`~hmlsim.advisors.rules`: typed rules, coverage matrices, candidate sets;
- :mod:`~hmlsim.advisors.mining`: candidate rules from seeded random-forest paths
  (:mod:`~hmlsim.advisors.forest`: the forests' paths as arrays;
  :mod:`~hmlsim.advisors.bitsets`: coverage as packed bit-sets);
- :mod:`~hmlsim.advisors.loss`: decision loss, team loss (eq. 3), ψ (eq. 5);
- :mod:`~hmlsim.advisors.annealing`: Algorithm 1 as :func:`anneal_rule_sets`;
- :mod:`~hmlsim.advisors.outcome`: p̂(y | x), the expert's reliability p̂(h = y), P(y | x, h);
- :mod:`~hmlsim.advisors.teamrules`: the estimators and :class:`Advice`;
- :mod:`~hmlsim.advisors.metrics`: TDL, AL, TTL, HDL, added value, by-group measures;
- :mod:`~hmlsim.advisors.pipeline`: :func:`evaluate_advisors`, the whole study for one context.
"""

from hmlsim.advisors.annealing import (
    AdvisingProblem,
    AnnealingResult,
    anneal_rule_sets,
    anneal_rule_sets_reference,
)
from hmlsim.advisors.loss import decision_loss, expected_decision_loss, psi, team_loss
from hmlsim.advisors.metrics import METRICS, repetition_metrics, summarize, team_decisions
from hmlsim.advisors.mining import mine_candidates, mine_candidates_reference
from hmlsim.advisors.outcome import (
    fit_expertise_model,
    fit_outcome_model,
    out_of_fold_proba,
    posterior_given_decision,
)
from hmlsim.advisors.pipeline import HUMAN, ContextFit, evaluate_advisors
from hmlsim.advisors.rules import CandidateRules, Condition, Rule, RuleCandidates, coverage_matrix
from hmlsim.advisors.teamrules import (
    EXPERTISE_VARIANT,
    PAPER_VARIANTS,
    VARIANTS,
    Advice,
    SelectiveOnlyAdvisor,
    TaskOnlyAdvisor,
    TeamRulesAdvisor,
    make_advisor,
)

__all__ = [
    "EXPERTISE_VARIANT",
    "HUMAN",
    "METRICS",
    "PAPER_VARIANTS",
    "VARIANTS",
    "Advice",
    "AdvisingProblem",
    "AnnealingResult",
    "CandidateRules",
    "Condition",
    "ContextFit",
    "Rule",
    "RuleCandidates",
    "SelectiveOnlyAdvisor",
    "TaskOnlyAdvisor",
    "TeamRulesAdvisor",
    "anneal_rule_sets",
    "anneal_rule_sets_reference",
    "coverage_matrix",
    "decision_loss",
    "evaluate_advisors",
    "expected_decision_loss",
    "fit_expertise_model",
    "fit_outcome_model",
    "make_advisor",
    "mine_candidates",
    "mine_candidates_reference",
    "out_of_fold_proba",
    "posterior_given_decision",
    "psi",
    "repetition_metrics",
    "summarize",
    "team_decisions",
    "team_loss",
]
