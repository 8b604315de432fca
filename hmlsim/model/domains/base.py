"""The one small interface every collaboration domain implements.

A *domain* is what the experts work on (knapsack instances, classification
cases). :class:`~hmlsim.model.model.CollaborationModel` drives any domain
through the same epoch, in this order::

    new_cases → decide → advise → respond (accept / reject → final decisions)
             → retrain (observations only, SPEC D) → utilities against hidden truth

The value objects below carry NumPy batches between the agents, so each step
is one vectorised call per agent, never a per-case Python loop. The hidden
ground truth lives in :attr:`Cases.truth`; the firm only ever receives
:attr:`Cases.features` (see :class:`~hmlsim.model.agents.FirmAgent`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from hmlsim.model.observation import TrainingSet


@dataclass(frozen=True)
class Cases:
    """One batch of problems.

    Attributes
    ----------
    features : Any
        What the firm and the advisors may see (a DataFrame of features, an
        array of knapsack instances).
    truth : Any
        The hidden ground truth (labels, optimal solutions): read only by the
        simulated experts' behaviour model and by the utility measurement.
    groups : dict of str to bool array
        Declared group memberships of the cases (may be empty).
    payload : Any
        Anything else the domain needs to hand its own methods (raw rows).
    """

    features: Any
    truth: Any
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    payload: Any = None

    def __len__(self) -> int:
        return len(self.truth)


@dataclass(frozen=True)
class Decisions:
    """An expert's own answers before advice: labels ``h`` and confidence ``c^H``.

    ``state`` carries anything the domain needs again in ``respond`` (the
    knapsack solvers' random draws); the firm never receives it.
    """

    labels: np.ndarray
    confidence: np.ndarray
    state: Any = None


@dataclass(frozen=True)
class Advice:
    """What an advisor offers on a batch.

    Attributes
    ----------
    mask : bool array, shape (n,)
        Rows on which advice is given (elsewhere ŷ = h).
    labels : array
        ŷ per row (equal to the expert's own answer where ``mask`` is False).
    confidence : float array, shape (n,)
        The advisor's confidence c^M per row.
    explored : bool array, shape (n,), optional
        Rows on which the advice was an exploration (offered on a random share
        of cases whatever the advisor's own policy says); ``None``: none.
    """

    mask: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    explored: np.ndarray | None = None

    @property
    def exploration(self) -> np.ndarray:
        """The exploration mask (all False where none was recorded)."""
        if self.explored is None:
            return np.zeros(self.mask.shape[0], dtype=bool)
        return self.explored


@dataclass(frozen=True)
class Response:
    """The expert's final answers and which pieces of advice were accepted.

    Attributes
    ----------
    labels : array
        Final decisions d (the only labels the firm will train on).
    contradicted : bool array, shape (n,)
        Rows where the advice differed from the expert's own answer.
    accepted : bool array, shape (n,)
        Rows where the expert took the advice (``False`` where none was given).
    """

    labels: np.ndarray
    contradicted: np.ndarray
    accepted: np.ndarray


@runtime_checkable
class Domain(Protocol):
    """new cases → expert decisions → advice → acceptance → final decisions → retrain → utility.

    Implementations: :class:`~hmlsim.model.domains.knapsack.KnapsackDomain`,
    :class:`~hmlsim.model.domains.classification.ClassificationDomain`.
    """

    name: str

    def new_cases(self, n: int, rng: np.random.Generator) -> Cases:
        """Draw ``n`` new cases for one epoch."""

    def evaluation_cases(self, n: int, rng: np.random.Generator) -> Cases:
        """A fixed batch on which the model alone is measured every epoch."""

    def take(self, cases: Cases, index: np.ndarray) -> Cases:
        """The sub-batch of ``cases`` at integer positions ``index``."""

    def make_experts(self, n: int, rng: np.random.Generator) -> list[tuple[str, Any]]:
        """``n`` expert behaviours as ``(group, behaviour)`` pairs."""

    def initial_advisor(self, rng: np.random.Generator, variant: str | None = None) -> Any:
        """The advisor model deployed at epoch 1 (built outside the loop).

        ``variant`` names the advisor type (``None``: the domain's default).
        """

    def decide(self, behaviour: Any, cases: Cases, rng: np.random.Generator) -> Decisions:
        """An expert's own answers on its batch."""

    def advise(
        self,
        advisor: Any,
        cases: Cases,
        decisions: Decisions,
        explore: np.ndarray | None = None,
    ) -> Advice:
        """The advisor's advice on a batch (it sees features and the expert's answers).

        ``explore`` marks rows on which the advisor offers its own answer even
        where its policy would stay silent (exploration).
        """

    def respond(
        self,
        behaviour: Any,
        cases: Cases,
        decisions: Decisions,
        advice: Advice,
        rng: np.random.Generator,
        shift: float = 0.0,
    ) -> Response:
        """The expert accepts or rejects the advice; final decisions.

        ``shift`` moves the expert's acceptance in log-odds (trust, ADB drift).
        """

    def retrain(self, advisor: Any, data: TrainingSet, rng: np.random.Generator) -> Any:
        """A new advisor trained on what the firm observed (never the hidden truth).

        ``data`` (:class:`~hmlsim.model.observation.TrainingSet`) holds the
        window's features and final decisions, the observed fields of the
        experts and the advice, and the outcomes the audit channel revealed.
        """

    def model_utility(self, advisor: Any, cases: Cases) -> np.ndarray:
        """Per-case utility in [0, 1] of the advisor alone against the hidden truth."""

    def team_utility(self, cases: Cases, labels: np.ndarray) -> np.ndarray:
        """Per-case utility in [0, 1] of final decisions against the hidden truth."""

    def describe(self, advisor: Any) -> str:
        """Human-readable text of the advisor's current model (its rules)."""


def concat(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate per-epoch arrays along the first axis (empty list → empty array)."""
    return np.concatenate(parts, axis=0) if parts else np.empty(0)
