"""Behaviour models of simulated experts: decisions, confidence and advice-taking."""

from hmlsim.behaviour.accuracy import (
    AccuracyMap,
    AccuracyModel,
    DifficultyAccuracy,
    DifficultyModel,
    flip_decisions,
)
from hmlsim.behaviour.adb import accept_probability, sample_acceptance
from hmlsim.behaviour.confidence import (
    AccuracyConfidence,
    ConfidenceMap,
    ConfidenceModel,
    GroupConfidence,
    offset_confidence,
    probability_from_score,
    score_from_probability,
)
from hmlsim.behaviour.discretion import DiscretionModel, fit_discretion_model, interaction_data
from hmlsim.behaviour.expert import Expert, make_expert, perturb_adb, preset_expert
from hmlsim.behaviour.population import DEFAULT_DISTRIBUTIONS, sample_experts

__all__ = [
    "DEFAULT_DISTRIBUTIONS",
    "AccuracyConfidence",
    "AccuracyMap",
    "AccuracyModel",
    "ConfidenceMap",
    "ConfidenceModel",
    "DifficultyAccuracy",
    "DifficultyModel",
    "DiscretionModel",
    "Expert",
    "GroupConfidence",
    "accept_probability",
    "fit_discretion_model",
    "flip_decisions",
    "interaction_data",
    "make_expert",
    "offset_confidence",
    "perturb_adb",
    "preset_expert",
    "probability_from_score",
    "sample_acceptance",
    "sample_experts",
    "score_from_probability",
]
