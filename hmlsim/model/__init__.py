"""The Mesa model: firm, expert and advisor agents stepping deployment epochs.

- :mod:`~hmlsim.model.model` — :class:`CollaborationModel` (one step = one epoch);
- :mod:`~hmlsim.model.agents` — :class:`FirmAgent`, :class:`ExpertAgent`, :class:`AdvisorAgent`;
- :mod:`~hmlsim.model.domains` — the domain interface and its knapsack and
  classification implementations;
- :mod:`~hmlsim.model.stability` — stable-point detection and the traced Φ;
- :mod:`~hmlsim.model.reporters` — the DataCollector's named reporters.
"""

from hmlsim.model.agents import AdvisorAgent, ExpertAgent, FirmAgent
from hmlsim.model.model import CollaborationModel
from hmlsim.model.stability import StabilityDetector, StablePoint, stable_epoch, stable_point

__all__ = [
    "AdvisorAgent",
    "CollaborationModel",
    "ExpertAgent",
    "FirmAgent",
    "StabilityDetector",
    "StablePoint",
    "stable_epoch",
    "stable_point",
]
