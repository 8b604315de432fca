"""A tiny, fast domain for testing the model's mechanics (not shipped in the package).

Cases are coins with a hidden side; experts call them right with a fixed
accuracy; the advisor is the firm's estimate of P(heads), which it learns from
the final decisions only, so the loop has the paper's structure in a few lines.
"""

from __future__ import annotations

import numpy as np

from hmlsim.model.domains.base import Advice, Cases, Decisions, Response


class CoinDomain:
    """Advisor = a share of heads learned from labels; utility = correct calls."""

    name = "coins"

    def __init__(self, p_heads: float = 0.7, accuracy: float = 0.8) -> None:
        self.p_heads = p_heads
        self.accuracy = accuracy

    def new_cases(self, n, rng):
        features = rng.random(n)
        truth = (features < self.p_heads).astype(int)
        return Cases(features=features, truth=truth, groups={}, payload=None)

    def evaluation_cases(self, n, rng):
        return self.new_cases(n, rng)

    def take(self, cases, index):
        return Cases(cases.features[index], cases.truth[index], {}, None)

    def make_experts(self, n, rng):
        return [("coin", self.accuracy + 0.05 * (i % 2)) for i in range(n)]

    def initial_advisor(self, rng, variant=None):
        return 0.0  # threshold: predicts heads when feature < threshold

    def decide(self, behaviour, cases, rng):
        right = rng.random(len(cases)) < behaviour
        h = np.where(right, cases.truth, 1 - cases.truth)
        return Decisions(labels=h, confidence=np.full(len(cases), behaviour))

    def advise(self, advisor, cases, decisions, explore=None):
        y_hat = (cases.features < advisor).astype(int)
        return Advice(
            mask=np.ones(len(cases), bool), labels=y_hat, confidence=np.full(len(cases), 0.7)
        )

    def respond(self, behaviour, cases, decisions, advice, rng, shift=0.0):
        contradicted = advice.mask & (advice.labels != decisions.labels)
        accepted = contradicted & (rng.random(len(cases)) < 0.5)
        return Response(np.where(accepted, advice.labels, decisions.labels), contradicted, accepted)

    def retrain(self, advisor, data, rng):
        return float(np.mean(np.concatenate(data.d)))

    def model_utility(self, advisor, cases):
        return ((cases.features < advisor).astype(int) == cases.truth).astype(float)

    def team_utility(self, cases, labels):
        return (labels == cases.truth).astype(float)

    def describe(self, advisor):
        return f"heads if feature < {advisor:.3f}"
