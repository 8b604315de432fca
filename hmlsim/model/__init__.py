"""The Mesa model: firm, expert and advisor agents stepping deployment epochs.

- :mod:`~hmlsim.model.model` — :class:`CollaborationModel` (one step = one epoch);
- :mod:`~hmlsim.model.agents` — :class:`FirmAgent`, :class:`ExpertAgent`, :class:`AdvisorAgent`;
- :mod:`~hmlsim.model.domains` — the domain interface and its knapsack and
  classification implementations;
- :mod:`~hmlsim.model.observation` — what the firm observes, the audit channel (SPEC D);
- :mod:`~hmlsim.model.retraining` — how the firm retrains (window, cumulative, warm-start, lazy-k);
- :mod:`~hmlsim.model.memo` — fits computed once and reused for identical inputs;
- :mod:`~hmlsim.model.stability` — stable points on the line, with bootstrap intervals;
- :mod:`~hmlsim.model.reporters` — the DataCollector's named reporters.
"""

from hmlsim.model.agents import AdvisorAgent, ExpertAgent, FirmAgent
from hmlsim.model.memo import FitMemo
from hmlsim.model.model import CollaborationModel
from hmlsim.model.observation import LEARNS_FROM, AuditChannel, FirmLedger, TrainingSet
from hmlsim.model.retraining import RETRAINING, parse_retraining
from hmlsim.model.stability import (
    END_STATES,
    StabilityDetector,
    StablePoint,
    end_state,
    line_gap,
)

__all__ = [
    "END_STATES",
    "LEARNS_FROM",
    "RETRAINING",
    "AdvisorAgent",
    "AuditChannel",
    "CollaborationModel",
    "ExpertAgent",
    "FirmAgent",
    "FirmLedger",
    "FitMemo",
    "StabilityDetector",
    "StablePoint",
    "TrainingSet",
    "end_state",
    "line_gap",
    "parse_retraining",
]
