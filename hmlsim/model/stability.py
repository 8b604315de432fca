"""Stable-point detection for a running performative loop.

A run of :class:`~hmlsim.model.model.CollaborationModel` traces, epoch by
epoch, the utility of the deployed model ``u_t`` and of the team's final
decisions ``Φ(u_t)``. It has reached a *stable point* when the epoch-to-epoch
change of the model's utility stays below ``epsilon`` for ``patience``
consecutive epochs (SPEC A: ε-sensitivity). The point is reported on the 45°
line (perfect learner) or on the tilted line ``Φ(u) = u / λ`` of an imperfect
learner, together with the empirical Φ the run traced, which is handed to
:mod:`hmlsim.dynamics` for the exact fixed-point analysis.

The functions here are pure and vectorised; :class:`StabilityDetector` is the
small stateful wrapper the model updates once per epoch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from hmlsim.errors import ConfigError, check_positive

log = logging.getLogger(__name__)


def check_patience(patience: int) -> int:
    """Return ``patience`` if it is an integer >= 1, else raise :class:`ConfigError`."""
    if int(patience) != patience or int(patience) < 1:
        raise ConfigError("patience", f"must be an integer >= 1, got {patience!r}")
    return int(patience)


def check_tilt(tilt: float) -> float:
    """Return the learner tilt λ if it lies in (0, 1], else raise :class:`ConfigError`."""
    if not 0.0 < float(tilt) <= 1.0:
        raise ConfigError("learner_tilt", f"must lie in (0, 1], got {tilt!r}")
    return float(tilt)


def stable_epoch(path: np.ndarray, epsilon: float, patience: int) -> int | None:
    """First epoch from which the path's change stays below ``epsilon`` for ``patience`` steps.

    Parameters
    ----------
    path : array of float, shape (T,)
        Model utility per epoch, ``u_0, u_1, ...``.
    epsilon : float
        The smallest meaningful change (> 0).
    patience : int
        Number of consecutive epoch-to-epoch changes that must stay below ``epsilon``.

    Returns
    -------
    int or None
        The epoch ``t`` such that ``|u_{s+1} - u_s| < epsilon`` for
        ``s = t - patience, ..., t - 1`` (the first epoch at which the run is
        known to be stable), or ``None`` if the path never settles.

    Examples
    --------
    >>> stable_epoch(np.array([0.5, 0.7, 0.8, 0.801, 0.8015, 0.802]), 0.01, 2)
    4
    >>> stable_epoch(np.array([0.5, 0.7, 0.9]), 0.01, 1) is None
    True
    """
    check_positive("epsilon", epsilon)
    patience = check_patience(patience)
    u = np.asarray(path, dtype=float)
    if u.size <= patience:
        return None
    small = np.abs(np.diff(u)) < epsilon
    # run[i] = number of consecutive small changes ending at change i
    window = np.convolve(small.astype(int), np.ones(patience, dtype=int), mode="valid")
    hits = np.flatnonzero(window == patience)
    return None if hits.size == 0 else int(hits[0] + patience)


@dataclass(frozen=True)
class StablePoint:
    """Where a run settled.

    Attributes
    ----------
    epoch : int
        The epoch at which stability was detected.
    model_utility : float
        ``u_s``: mean model utility over the settled window.
    team_utility : float
        ``Φ(u_s)``: mean team utility over the same window.
    tilt : float
        The learner's λ; the point lies on ``Φ(u) = u / λ`` (the 45° line for λ = 1).
    line_utility : float
        ``u_s / λ``: the ordinate of the stable point on the (tilted) line.
    gap : float
        ``|λ·Φ(u_s) − u_s|``, the distance to the line in utility units.
    """

    epoch: int
    model_utility: float
    team_utility: float
    tilt: float
    line_utility: float
    gap: float

    def as_dict(self) -> dict[str, float]:
        """The fields as a plain dict (for ``summary.json`` and tidy tables)."""
        return {
            "epoch": self.epoch,
            "model_utility": self.model_utility,
            "team_utility": self.team_utility,
            "tilt": self.tilt,
            "line_utility": self.line_utility,
            "gap": self.gap,
        }


def stable_point(
    model_utility: np.ndarray,
    team_utility: np.ndarray,
    *,
    epsilon: float = 0.01,
    patience: int = 3,
    tilt: float = 1.0,
) -> StablePoint | None:
    """The stable point of a traced run, or ``None`` if it never settled.

    Parameters
    ----------
    model_utility, team_utility : array of float, shape (T,)
        ``u_t`` and ``Φ(u_t)`` per epoch.
    epsilon, patience : float, int
        See :func:`stable_epoch`.
    tilt : float
        The learner's λ in (0, 1].

    Examples
    --------
    >>> u = np.array([0.70, 0.85, 0.90, 0.905, 0.906, 0.906])
    >>> phi = np.array([0.85, 0.90, 0.905, 0.906, 0.906, 0.907])
    >>> sp = stable_point(u, phi, epsilon=0.01, patience=2)
    >>> sp.epoch, round(sp.model_utility, 3)
    (4, 0.904)
    """
    tilt = check_tilt(tilt)
    u = np.asarray(model_utility, dtype=float)
    phi = np.asarray(team_utility, dtype=float)
    if u.shape != phi.shape:
        raise ConfigError("team_utility", f"shape {phi.shape} differs from model_utility {u.shape}")
    epoch = stable_epoch(u, epsilon, patience)
    if epoch is None:
        return None
    window = slice(epoch - patience, epoch + 1)
    u_s = float(u[window].mean())
    phi_s = float(phi[window].mean())
    return StablePoint(
        epoch=epoch,
        model_utility=u_s,
        team_utility=phi_s,
        tilt=tilt,
        line_utility=u_s / tilt,
        gap=abs(tilt * phi_s - u_s),
    )


def traced_phi(model_utility: np.ndarray, team_utility: np.ndarray) -> Any:
    """The empirical characteristic function Φ traced by a run.

    Returns an :class:`hmlsim.dynamics.EmpiricalPhi` built from the run's
    ``(u_t, Φ(u_t))`` samples, so the dynamics core can find its exact
    stable points and draw its cobweb.
    """
    from hmlsim.dynamics import EmpiricalPhi

    return EmpiricalPhi.from_samples(
        np.asarray(model_utility, dtype=float), np.asarray(team_utility, dtype=float)
    )


def analyse_run(
    model_utility: np.ndarray,
    team_utility: np.ndarray,
    *,
    tilt: float = 1.0,
    epsilon: float = 0.01,
) -> Any:
    """Hand the Φ a run traced to the dynamics core: exact stable points, kinds, basins.

    Returns
    -------
    hmlsim.dynamics.DynamicsReport or None
        ``None`` when the run traced fewer than two distinct model utilities
        (no Φ to interpolate).
    """
    from hmlsim.dynamics import analyse, make_learner

    u = np.asarray(model_utility, dtype=float)
    phi = np.asarray(team_utility, dtype=float)
    keep = np.isfinite(u) & np.isfinite(phi)
    if np.unique(u[keep]).size < 2:
        return None
    return analyse(
        traced_phi(u[keep], phi[keep]),
        make_learner(None if tilt == 1.0 else check_tilt(tilt)),
        epsilon=epsilon,
        start=float(u[keep][0]),
    )


class StabilityDetector:
    """Watches a run's utilities epoch by epoch and flags its stable point.

    Parameters
    ----------
    epsilon : float
        Smallest meaningful utility change.
    patience : int
        Consecutive small changes required.
    tilt : float
        The learner's λ in (0, 1].
    first_epoch : int
        The number of the first epoch recorded (the model's epochs start at 1).

    Examples
    --------
    >>> d = StabilityDetector(epsilon=0.01, patience=2)
    >>> [d.update(u, u + 0.01) for u in (0.5, 0.8, 0.801, 0.802)]
    [False, False, False, True]
    >>> d.point.epoch
    3
    """

    def __init__(
        self, epsilon: float = 0.01, patience: int = 3, tilt: float = 1.0, first_epoch: int = 0
    ) -> None:
        self.first_epoch = int(first_epoch)
        self.epsilon = check_positive("epsilon", epsilon)
        self.patience = check_patience(patience)
        self.tilt = check_tilt(tilt)
        self.model_utility: list[float] = []
        self.team_utility: list[float] = []
        self.point: StablePoint | None = None

    @property
    def stable(self) -> bool:
        """Whether a stable point has been detected."""
        return self.point is not None

    def update(self, model_utility: float, team_utility: float) -> bool:
        """Record one epoch; return whether the run is (now or already) stable."""
        self.model_utility.append(float(model_utility))
        self.team_utility.append(float(team_utility))
        if self.point is None:
            self.point = stable_point(
                np.array(self.model_utility),
                np.array(self.team_utility),
                epsilon=self.epsilon,
                patience=self.patience,
                tilt=self.tilt,
            )
            if self.point is not None:
                self.point = replace(self.point, epoch=self.point.epoch + self.first_epoch)
                log.info(
                    "stable point at epoch %d: u=%.4f", self.point.epoch, self.point.model_utility
                )
        return self.point is not None
