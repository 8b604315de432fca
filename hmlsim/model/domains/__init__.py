"""Collaboration domains behind one interface (:class:`~hmlsim.model.domains.base.Domain`).

- ``"knapsack"``: :class:`~hmlsim.model.domains.knapsack.KnapsackDomain` (SPEC A);
- ``"classification"``: :class:`~hmlsim.model.domains.classification.ClassificationDomain`
  (SPEC B's advisors inside SPEC A's loop).
"""

from __future__ import annotations

import inspect
from typing import Any

from hmlsim.errors import ConfigError, check_choice
from hmlsim.model.domains.base import Advice, Cases, Decisions, Domain, Response
from hmlsim.model.domains.classification import CLASSIFICATION_ADVISORS, ClassificationDomain
from hmlsim.model.domains.knapsack import KNAPSACK_ADVISORS, KnapsackDomain

DOMAINS: tuple[str, ...] = ("classification", "knapsack")

#: every advisor type, classification variants first
ADVISORS: tuple[str, ...] = CLASSIFICATION_ADVISORS + KNAPSACK_ADVISORS


def make_domain(
    domain: str,
    *,
    dataset: str = "heart",
    advisor: str = "TR",
    decision: str = "difficulty",
    confidence: str = "accuracy",
    alpha: float = 0.1,
    initial_quality: float = 0.75,
    n_iter: int = 200,
    rng: Any = None,
    **options: Any,
) -> Domain:
    """Build a domain from the model's flat keyword arguments.

    Raises
    ------
    ConfigError
        For an unknown domain, or an advisor that the domain does not have.
    """
    check_choice("domain", domain, DOMAINS)
    cls = KnapsackDomain if domain == "knapsack" else ClassificationDomain
    accepted = sorted(set(inspect.signature(cls).parameters) - {"rng", "advisor"})
    for name in options:
        if name not in accepted and not (domain == "knapsack" and name == "path"):
            raise ConfigError(
                f"domain_options.{name}",
                f"not an option of the {domain} domain; accepted: {', '.join(accepted)}",
            )
    if domain == "knapsack":
        if advisor not in KNAPSACK_ADVISORS:
            raise ConfigError(
                "advisor",
                f"the knapsack domain accepts {', '.join(KNAPSACK_ADVISORS)}; got {advisor!r}",
            )
        options.pop("path", None)  # no data file: instances are generated
        return KnapsackDomain(advisor=advisor, initial_quality=initial_quality, rng=rng, **options)
    if advisor not in CLASSIFICATION_ADVISORS:
        raise ConfigError(
            "advisor",
            f"the classification domain accepts {', '.join(CLASSIFICATION_ADVISORS)}; "
            f"got {advisor!r}",
        )
    return ClassificationDomain(
        dataset=dataset,
        advisor=advisor,
        decision=decision,
        confidence=confidence,
        alpha=alpha,
        initial_quality=initial_quality,
        n_iter=n_iter,
        rng=rng,
        **options,
    )


__all__ = [
    "ADVISORS",
    "DOMAINS",
    "Advice",
    "Cases",
    "ClassificationDomain",
    "Decisions",
    "Domain",
    "KnapsackDomain",
    "Response",
    "make_domain",
]
