"""What the firm can observe in the performative loop (SPEC D), and the audit channel.

Every epoch the firm sees, for every case an expert decided: the features x,
the expert's own answer h and confidence c^H, whether advice was given (and
its ŷ and c^M), whether it was an exploration, accept / reject, and the final
decision d. It never sees the ground truth y — except through the **audit
channel**: a share ρ of each epoch's cases, drawn at random, whose true
outcome is revealed after a delay of k epochs (a loan's default, a diagnosis
confirmed later). ρ = 0 is the paper's pure performative setting.

The ground truth flows along one path only: the model (the environment, which
holds :attr:`~hmlsim.model.domains.base.Cases.truth`) hands the audited rows'
truth to :meth:`AuditChannel.submit`; :meth:`AuditChannel.reveal` gives it to
the firm when it is due. :class:`FirmLedger` is everything the firm knows, and
:class:`TrainingSet` is what each retraining receives. Which estimator learns
from which of these fields is declared once, in :data:`LEARNS_FROM`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError

#: which observed fields each estimator the firm refits learns from (SPEC D)
LEARNS_FROM: dict[str, tuple[str, ...]] = {
    "task model p̂(y | x) (u is its utility)": ("x", "d", "audited y (option task_labels)"),
    "p̂(a | c^M, c^H)": ("c^M", "c^H", "accept / reject on contradicted rows"),
    "expertise model p̂(h = y | x, c^H)": ("x", "h", "c^H", "audited y only"),
    "annealing objective V(y, ·)": (
        "audited y where revealed",
        "elsewhere the belief P(y | x, h): out-of-fold p̂(y | x) on d, "
        "updated by the expertise model when there is one (paper's ψ without audits)",
    ),
    "ψ at deployment": (
        "p̂(y | x)",
        "the expertise model when fitted (TR+expertise only)",
        "p̂(a)",
        "α",
    ),
    # the retraining strategies (hmlsim.model.retraining): which epochs every estimator
    # above learns from, and where its fit starts
    "retraining window": ("the last `window` epochs (1 in the study)", "refit from scratch"),
    "retraining cumulative": (
        "every epoch since deployment",
        "every revealed audit: y replaces d on its row",
        "refit from scratch",
    ),
    "retraining warm-start": (
        "the last `window` epochs",
        "the deployed fit's candidate rules and rule set start the search",
    ),
    "retraining lazy-k": (
        "the k epochs since the last redeployment",
        "refit from scratch every k epochs; the deployed advisor stays in between",
    ),
}


@dataclass(frozen=True)
class EpochObservation:
    """What the firm observed of one expert's batch in one epoch (no ground truth).

    Attributes
    ----------
    epoch : int
        The deployment epoch (1, 2, …).
    expert : int
        The expert agent's ``unique_id``.
    group : str
        The expert group (which advisor served it).
    features : Any
        The cases' features (a DataFrame for classification).
    h, c_h : ndarray
        The expert's own answers and confidence.
    advised, explored : bool ndarray
        Rows on which advice was given; rows on which it was an exploration.
    y_hat, c_m : ndarray
        The advice (equal to h where none) and its confidence (0 where none).
    contradicted, accepted : bool ndarray
        Advice contradicted h; the expert accepted it.
    d : ndarray
        The final decisions.
    """

    epoch: int
    expert: int
    group: str
    features: Any
    h: np.ndarray
    c_h: np.ndarray
    advised: np.ndarray
    explored: np.ndarray
    y_hat: np.ndarray
    c_m: np.ndarray
    contradicted: np.ndarray
    accepted: np.ndarray
    d: np.ndarray

    def __len__(self) -> int:
        return len(self.d)


@dataclass(frozen=True)
class RevealedOutcome:
    """The true outcomes of some audited rows of one observation."""

    observation: EpochObservation
    rows: np.ndarray
    truth: np.ndarray
    revealed_at: int


class AuditChannel:
    """A share of each epoch's cases whose true outcome reaches the firm after a delay.

    Parameters
    ----------
    share : float
        ρ in [0, 1]: the share of cases audited (0: none, the paper's setting).
    delay : int
        k ≥ 0: the truth of epoch t's audited cases is available to the firm's
        retraining after epoch t + k (k = 0: at the very next retraining).

    Examples
    --------
    >>> channel = AuditChannel(share=0.5, delay=1)
    >>> mask = channel.select(4, np.random.default_rng(0))
    >>> mask.dtype == bool and mask.shape == (4,)
    True
    """

    def __init__(self, share: float = 0.0, delay: int = 0) -> None:
        if not isinstance(share, (int, float)) or not (0.0 <= float(share) <= 1.0):
            raise ConfigError("audit_share", f"must be a number in [0, 1], got {share!r}")
        if isinstance(delay, bool) or int(delay) != delay or int(delay) < 0:
            raise ConfigError("audit_delay", f"must be an integer >= 0, got {delay!r}")
        self.share = float(share)
        self.delay = int(delay)
        self._pending: list[RevealedOutcome] = []
        self.n_submitted = 0
        self.n_revealed = 0

    def select(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Which of ``n`` cases are audited (one uniform draw per case, even when ρ = 0)."""
        return rng.random(n) < self.share

    def submit(self, observation: EpochObservation, rows: np.ndarray, truth: Any) -> None:
        """Queue the true outcomes of ``rows`` of ``observation`` (called by the environment)."""
        rows = np.asarray(rows, dtype=int)
        if rows.size == 0:
            return
        due = observation.epoch + self.delay
        self._pending.append(RevealedOutcome(observation, rows, np.asarray(truth), due))
        self.n_submitted += rows.size

    def reveal(self, epoch: int) -> list[RevealedOutcome]:
        """The outcomes due by the end of ``epoch`` (removed from the queue)."""
        due = [item for item in self._pending if item.revealed_at <= epoch]
        self._pending = [item for item in self._pending if item.revealed_at > epoch]
        self.n_revealed += sum(item.rows.size for item in due)
        return due


@dataclass(frozen=True)
class AuditSet:
    """Every audited row the firm has learned the truth of (for models of the expert)."""

    features: pd.DataFrame | None
    y: np.ndarray
    h: np.ndarray
    c_h: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class TrainingSet:
    """What one retraining receives: the window's observations and the revealed audits.

    Attributes
    ----------
    features : list
        Per observation in the window, its features.
    d : list of ndarray
        Per observation, the final decisions.
    observed : dict of str to ndarray
        The window's observed fields, concatenated: ``h``, ``c_h``, ``c_m``,
        ``advised``, ``explored``, ``contradicted``, ``accepted``.
    y_audit : ndarray of float
        The revealed truth of each window row (NaN where not audited or not yet due).
    audit : AuditSet
        Every revealed audited row so far (all epochs).
    """

    features: list[Any]
    d: list[np.ndarray]
    observed: dict[str, np.ndarray]
    y_audit: np.ndarray
    audit: AuditSet


_FIELDS = ("h", "c_h", "c_m", "advised", "explored", "contradicted", "accepted")


@dataclass
class FirmLedger:
    """Everything the firm knows: a window of observations and the revealed audits.

    Parameters
    ----------
    window : int or None
        Number of past epochs the firm trains on (None: every epoch seen).
    """

    window: int | None = 1
    epochs: deque = field(init=False)
    revealed: list[RevealedOutcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.epochs = deque(maxlen=None if self.window is None else int(self.window))

    def record(self, observations: list[EpochObservation]) -> None:
        """Add one epoch's observations (one per expert)."""
        self.epochs.append(list(observations))

    def learn(self, outcomes: list[RevealedOutcome]) -> None:
        """Add audited outcomes revealed by the audit channel."""
        self.revealed.extend(outcomes)

    def training_set(self, group: str | None = None, *, audit_history: bool = False) -> TrainingSet:
        """The window's observations of ``group`` (None: all) and every revealed audit.

        With ``audit_history`` the audited cases of epochs older than the window
        join the training rows too (their outcomes arrive after they left the
        window when the audit delay is at least the window): a firm that adds
        every confirmed case to its training data.
        """
        seen = [o for epoch in self.epochs for o in epoch if group is None or o.group == group]
        known: dict[tuple[int, int], list[RevealedOutcome]] = {}
        for item in self.revealed:
            known.setdefault((item.observation.epoch, item.observation.expert), []).append(item)
        y_audit = []
        for obs in seen:
            values = np.full(len(obs), math.nan)
            for item in known.pop((obs.epoch, obs.expert), []):
                values[item.rows] = item.truth
            y_audit.append(values)
        if audit_history:  # what is left in `known` lies outside the window
            for items in known.values():
                for item in items:
                    if group is None or item.observation.group == group:
                        seen.append(_subset(item.observation, item.rows))
                        y_audit.append(np.asarray(item.truth, dtype=float))
        observed = {
            key: np.concatenate([getattr(o, key) for o in seen]) if seen else np.empty(0)
            for key in _FIELDS
        }
        return TrainingSet(
            features=[o.features for o in seen],
            d=[o.d for o in seen],
            observed=observed,
            y_audit=np.concatenate(y_audit) if y_audit else np.empty(0),
            audit=self.audit_set(group),
        )

    def audit_set(self, group: str | None = None) -> AuditSet:
        """Every revealed audited row of ``group`` (None: all groups)."""
        items = [r for r in self.revealed if group is None or r.observation.group == group]
        if not items:
            return AuditSet(None, np.empty(0, int), np.empty(0, int), np.empty(0))
        rows = [_subset(r.observation, r.rows) for r in items]
        frames = [o.features for o in rows]
        features = (
            pd.concat(frames, ignore_index=True)
            if isinstance(frames[0], pd.DataFrame)
            else np.concatenate(frames)
        )
        return AuditSet(
            features=features,
            y=np.concatenate([r.truth for r in items]),
            h=np.concatenate([o.h for o in rows]),
            c_h=np.concatenate([o.c_h for o in rows]),
        )

    @property
    def n_revealed(self) -> int:
        """Number of audited rows whose truth the firm has learned."""
        return sum(r.rows.size for r in self.revealed)


def _subset(obs: EpochObservation, rows: np.ndarray) -> EpochObservation:
    """The observation restricted to ``rows`` (keeps its epoch and expert, for the audit match)."""
    arrays = {name: getattr(obs, name)[rows] for name in (*_FIELDS, "y_hat", "d")}
    return EpochObservation(
        epoch=obs.epoch,
        expert=obs.expert,
        group=obs.group,
        features=_rows(obs.features, rows),
        **arrays,
    )


def _rows(features: Any, rows: np.ndarray) -> Any:
    if isinstance(features, pd.DataFrame):
        return features.iloc[rows].reset_index(drop=True)
    return np.asarray(features)[rows]
