"""The confidence c^H a simulated expert reports with each decision.

c^H in [0, 1] is a confidence *score*: the expert's subjective probability of
being right is q = (1 + c^H) / 2 (``SPEC.md`` part B, ADB). A calibrated expert
who is right with probability p therefore reports the score 2p - 1 (1.0 where
always right, 0.2 where right 60% of the time: the released code's
"calibrated" expert).

- :class:`AccuracyConfidence` (accuracy-biased): the calibrated score moved
  by a fixed offset kappa towards the middle (0.5) and clipped to [0, 1]:
  c^H = clip(s - kappa * sign(s - 0.5)), s = 2p - 1. The default kappa = 0.1
  gives the released code's default expert, 0.9 on the rows it always gets
  right and 0.3 on the 60% rows; negative kappa pushes scores outwards
  (over-confidence at the top, under-confidence at the bottom).
- :class:`GroupConfidence` (group-biased, the paper's values): 0.9 on the
  rows the difficulty model finds hard (d <= d_t); on the others 0.2 inside
  the group (heart/HR: male; FICO: ExternalRiskEstimate < 65) and 1.0 outside.
- :class:`ConfidenceMap`: fixed confidence by declared group (the case
  study's doctors: "97.5% confident" is q = 0.975, i.e. c^H = 0.95).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hmlsim.behaviour.accuracy import DifficultyModel, _first_match, _group_rules, _rows_of
from hmlsim.data.splits import Split
from hmlsim.errors import ConfigError, check_probability


class ConfidenceModel(Protocol):
    """Anything that maps a split's rows (and their accuracy) to confidence scores."""

    def confidence(self, split: Split, p_correct: np.ndarray) -> np.ndarray: ...


def score_from_probability(q: np.ndarray | float) -> np.ndarray | float:
    """Confidence score c = 2q - 1 of a subjective probability q of being right (clipped)."""
    return np.clip(2.0 * np.asarray(q, dtype=float) - 1.0, 0.0, 1.0)


def probability_from_score(c: np.ndarray | float) -> np.ndarray | float:
    """Subjective probability q = (1 + c) / 2 of a confidence score c."""
    return (1.0 + np.asarray(c, dtype=float)) / 2.0


def offset_confidence(p_correct: np.ndarray, kappa: float) -> np.ndarray:
    """Accuracy-biased confidence: the calibrated score 2p - 1 moved ``kappa`` towards 0.5.

    Examples
    --------
    >>> offset_confidence(np.array([1.0, 0.6]), 0.1).round(3).tolist()
    [0.9, 0.3]
    >>> offset_confidence(np.array([1.0, 0.6]), 0.0).round(3).tolist()
    [1.0, 0.2]
    """
    s = np.clip(2.0 * np.asarray(p_correct, dtype=float) - 1.0, 0.0, 1.0)
    return np.clip(s - kappa * np.sign(s - 0.5), 0.0, 1.0)


@dataclass(frozen=True)
class AccuracyConfidence:
    """Accuracy-biased confidence with offset ``kappa`` (see :func:`offset_confidence`)."""

    kappa: float = 0.1

    def __post_init__(self) -> None:
        if not -1.0 <= self.kappa <= 1.0:
            raise ConfigError("kappa", f"must lie in [-1, 1], got {self.kappa!r}")

    def confidence(self, split: Split, p_correct: np.ndarray) -> np.ndarray:
        return offset_confidence(p_correct, self.kappa)


@dataclass(frozen=True)
class GroupConfidence:
    """Group-biased confidence: ``hard`` where d <= d_t, else ``inside``/``outside`` the group."""

    model: DifficultyModel
    threshold: float
    group: str
    hard: float = 0.9
    inside: float = 0.2
    outside: float = 1.0

    def __post_init__(self) -> None:
        for name in ("threshold", "hard", "inside", "outside"):
            check_probability(name, getattr(self, name))

    def confidence(self, split: Split, p_correct: np.ndarray) -> np.ndarray:
        easy = self.model.difficulty(split) > self.threshold
        in_group = _rows_of(split, self.group)
        return np.where(easy, np.where(in_group, self.inside, self.outside), self.hard)


@dataclass(frozen=True)
class ConfidenceMap:
    """Fixed confidence score by declared group; the first matching rule wins."""

    rules: tuple[tuple[str, float], ...]
    default: float

    def __post_init__(self) -> None:
        rules = _group_rules(self.rules, "confidence")
        check_probability("default", self.default)
        object.__setattr__(self, "rules", rules)

    def confidence(self, split: Split, p_correct: np.ndarray) -> np.ndarray:
        return _first_match(split, self.rules, self.default)
