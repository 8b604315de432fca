"""Stable points of a running performative loop: on the line, with their uncertainty.

Every epoch a run of :class:`~hmlsim.model.model.CollaborationModel` measures,
on the same held-out evaluation cases, the utility of the deployed model alone
(u, per case) and of the team's final decisions (Φ(u), per case). A stable
point lies on the line Φ(u) = u / λ (the 45° line for a perfect learner,
SPEC A). So an epoch is *on the line* only when

- the gap g = Φ(u) − u / λ (mean over the cases) is within ε, **and**
- its confidence interval (percentile bootstrap over the cases, paired) contains 0;

and a run's **stable point** is a window of ``patience`` consecutive epochs on
the line. Stationarity alone is not stability: a run whose u stops moving
while Φ(u) stays away from the line is *stationary off the line* (an advisor
fallen silent is the usual case), and a run's end state is named as one of
:data:`END_STATES`.

The functions are pure; :class:`StabilityDetector` is the small stateful
wrapper the model updates once per epoch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from hmlsim.errors import ConfigError, check_positive
from hmlsim.seeding import SeedLike, make_rng

log = logging.getLogger(__name__)

#: how a run ends (see :func:`end_state`)
END_STATES: tuple[str, ...] = (
    "stable",
    "stationary_off_line",
    "two_cycle",
    "drifting",
    "too_short",
)


def check_patience(patience: int) -> int:
    """Return ``patience`` if it is an integer >= 1, else raise :class:`ConfigError`."""
    if isinstance(patience, bool) or int(patience) != patience or int(patience) < 1:
        raise ConfigError("patience", f"must be an integer >= 1, got {patience!r}")
    return int(patience)


def check_tilt(tilt: float) -> float:
    """Return the learner tilt λ if it lies in (0, 1], else raise :class:`ConfigError`."""
    if not 0.0 < float(tilt) <= 1.0:
        raise ConfigError("learner_tilt", f"must lie in (0, 1], got {tilt!r}")
    return float(tilt)


@dataclass(frozen=True)
class LineGap:
    """Φ(u) − u / λ on a set of cases, with its bootstrap confidence interval.

    Attributes
    ----------
    u, phi : float
        Mean model and team utility.
    gap : float
        ``phi - u / tilt``.
    ci_low, ci_high : float
        Percentile bootstrap interval of ``gap`` (cases resampled, pairs kept).
    """

    u: float
    phi: float
    gap: float
    ci_low: float
    ci_high: float

    def on_line(self, epsilon: float) -> bool:
        """|gap| <= ε and the interval contains 0."""
        return abs(self.gap) <= epsilon and self.ci_low <= 0.0 <= self.ci_high


def line_gap(
    model_cases: np.ndarray,
    team_cases: np.ndarray,
    *,
    tilt: float = 1.0,
    n_boot: int = 500,
    level: float = 0.95,
    rng: SeedLike = None,
) -> LineGap:
    """The gap Φ(u) − u / λ over cases, with a paired percentile-bootstrap interval.

    Parameters
    ----------
    model_cases, team_cases : array of float, shape (n,) or (epochs, n)
        Per-case utility of the model alone and of the team, on the same cases
        (several epochs are averaged per case first).
    tilt : float
        The learner's λ.
    n_boot : int
        Bootstrap resamples of the cases.
    level : float
        Confidence level of the interval.
    rng : int, Generator or None

    Examples
    --------
    >>> g = line_gap(np.ones(50), np.ones(50), rng=0)
    >>> (g.gap, g.ci_low, g.ci_high)
    (0.0, 0.0, 0.0)
    """
    tilt = check_tilt(tilt)
    u = np.atleast_2d(np.asarray(model_cases, dtype=float)).mean(axis=0)
    phi = np.atleast_2d(np.asarray(team_cases, dtype=float)).mean(axis=0)
    if u.shape != phi.shape or u.size == 0:
        raise ConfigError(
            "team_cases", f"needs the shape of model_cases {u.shape}, got {phi.shape}"
        )
    if not (0.0 < level < 1.0):
        raise ConfigError("level", f"must lie in (0, 1), got {level!r}")
    diff = phi - u / tilt
    draws = make_rng(rng).integers(0, diff.size, size=(int(n_boot), diff.size))
    boot = diff[draws].mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail])
    return LineGap(float(u.mean()), float(phi.mean()), float(diff.mean()), float(low), float(high))


@dataclass(frozen=True)
class StablePoint:
    """Where a run sat on the line for ``patience`` epochs.

    Attributes
    ----------
    epoch : int
        The last epoch of the window.
    u, phi : float
        Mean model and team utility over the window.
    gap, ci_low, ci_high : float
        Φ(u) − u / λ over the window's cases and its bootstrap interval.
    tilt : float
        The learner's λ.
    on_line : bool
        Always True for a stable point (kept for the JSON record).
    """

    epoch: int
    u: float
    phi: float
    gap: float
    ci_low: float
    ci_high: float
    tilt: float
    on_line: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (``summary.json``)."""
        return {
            "epoch": self.epoch,
            "u": self.u,
            "phi": self.phi,
            "gap": self.gap,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "tilt": self.tilt,
            "on_line": self.on_line,
        }


def end_state(
    u: np.ndarray,
    on_line: np.ndarray,
    *,
    epsilon: float,
    patience: int,
    moved: bool | None = None,
    window_on_line: bool | None = None,
) -> str:
    """Name how a run ends: one of :data:`END_STATES`.

    Parameters
    ----------
    u : array of float, shape (T,)
        Model utility per epoch.
    on_line : array of bool, shape (T,)
        Whether each epoch was on the line (:meth:`LineGap.on_line`).
    epsilon, patience : float, int
    moved : bool, optional
        Whether u's change over the last ``patience`` epochs exceeds its noise
        (a paired test on the cases, :meth:`StabilityDetector.moved`). A change
        of ε or more that the noise explains is not drift. ``None``: not tested.
    window_on_line : bool, optional
        Whether the run has a stable point (:meth:`StabilityDetector.window_point`:
        the last ``patience`` epochs on the line, each and pooled). Given, it
        alone decides ``"stable"``, so that a run ends ``"stable"`` exactly when
        it has a stable point. ``None``: the per-epoch test alone.

    Returns
    -------
    str
        ``"stable"`` (the last ``patience`` epochs on the line), ``"two_cycle"``
        (the last changes of u alternate in sign, each at least ε),
        ``"drifting"`` (u moved by ε or more over the last ``patience`` epochs),
        ``"stationary_off_line"`` (u settled but off the line), or
        ``"too_short"`` (fewer than ``patience + 1`` epochs).

    Examples
    --------
    >>> end_state(np.full(6, 0.8), np.zeros(6, bool), epsilon=0.01, patience=3)
    'stationary_off_line'
    >>> end_state(np.array([.6, .8, .6, .8, .6, .8]), np.zeros(6, bool), epsilon=0.01, patience=3)
    'two_cycle'
    """
    check_positive("epsilon", epsilon)
    patience = check_patience(patience)
    u = np.asarray(u, dtype=float)
    on = np.asarray(on_line, dtype=bool)
    if window_on_line:
        return "stable"
    if u.size < patience + 1:
        return "too_short"
    if window_on_line is None and on[-patience:].all():
        return "stable"
    steps = np.diff(u[-(patience + 2) :])
    alternating = (np.sign(steps[1:]) == -np.sign(steps[:-1])).all()
    if steps.size >= 3 and (np.abs(steps) >= epsilon).all() and alternating:
        return "two_cycle"
    if abs(u[-1] - u[-patience - 1]) >= epsilon and moved is not False:
        return "drifting"
    return "stationary_off_line"


_COMPUTE = object()  # StabilityDetector.end_state: no stable point given


class StabilityDetector:
    """Watches a run epoch by epoch; flags its stable point on the line.

    Parameters
    ----------
    epsilon : float
        Tolerance of the gap Φ(u) − u / λ.
    patience : int
        Consecutive epochs on the line required.
    tilt : float
        The learner's λ in (0, 1].
    first_epoch : int
        The number of the first epoch recorded.
    n_boot, level : int, float
        Bootstrap of the gap's interval.
    rng : int, Generator or None
        Seeds the bootstraps (kept apart from the model's stream).

    Examples
    --------
    >>> d = StabilityDetector(epsilon=0.02, patience=2, rng=0)
    >>> [d.update(np.ones(40), np.ones(40)) for _ in range(3)]
    [False, True, True]
    >>> d.point.epoch, d.point.u
    (1, 1.0)
    """

    def __init__(
        self,
        epsilon: float = 0.01,
        patience: int = 3,
        tilt: float = 1.0,
        first_epoch: int = 0,
        n_boot: int = 500,
        level: float = 0.95,
        rng: SeedLike = None,
    ) -> None:
        self.first_epoch = int(first_epoch)
        self.epsilon = check_positive("epsilon", epsilon)
        self.patience = check_patience(patience)
        self.tilt = check_tilt(tilt)
        self.n_boot = int(n_boot)
        self.level = float(level)
        self.rng = make_rng(rng)
        self.lines: list[LineGap] = []
        self._cases: list[tuple[np.ndarray, np.ndarray]] = []
        self.point: StablePoint | None = None

    @property
    def stable(self) -> bool:
        """Whether a stable point has been detected."""
        return self.point is not None

    @property
    def model_utility(self) -> list[float]:
        """u per recorded epoch."""
        return [line.u for line in self.lines]

    @property
    def team_utility(self) -> list[float]:
        """Φ(u) per recorded epoch."""
        return [line.phi for line in self.lines]

    @property
    def on_line(self) -> list[bool]:
        """Whether each recorded epoch was on the line."""
        return [line.on_line(self.epsilon) for line in self.lines]

    def _gap(self, model_cases: np.ndarray, team_cases: np.ndarray) -> LineGap:
        return line_gap(
            model_cases,
            team_cases,
            tilt=self.tilt,
            n_boot=self.n_boot,
            level=self.level,
            rng=self.rng,
        )

    def update(self, model_cases: np.ndarray, team_cases: np.ndarray) -> bool:
        """Record one epoch's per-case utilities; return whether the run is (or was) stable."""
        model_cases = np.asarray(model_cases, dtype=float)
        team_cases = np.asarray(team_cases, dtype=float)
        self.lines.append(self._gap(model_cases, team_cases))
        self._cases.append((model_cases, team_cases))
        if self.point is None:
            self.point = self.window_point()
            if self.point is not None:
                log.info("stable point at epoch %d: u=%.4f", self.point.epoch, self.point.u)
        return self.point is not None

    def window_point(self) -> StablePoint | None:
        """The stable point formed by the last ``patience`` epochs, or None if they are not."""
        if len(self.lines) < self.patience or not all(self.on_line[-self.patience :]):
            return None
        window = self._cases[-self.patience :]
        pooled = self._gap(np.stack([m for m, _ in window]), np.stack([t for _, t in window]))
        point = StablePoint(
            epoch=len(self.lines) - 1 + self.first_epoch,
            u=pooled.u,
            phi=pooled.phi,
            gap=pooled.gap,
            ci_low=pooled.ci_low,
            ci_high=pooled.ci_high,
            tilt=self.tilt,
            on_line=pooled.on_line(self.epsilon),
        )
        return point if point.on_line else None

    def moved(self) -> bool | None:
        """Whether u changed beyond its noise over the last ``patience`` epochs.

        A paired bootstrap over the evaluation cases of u_T − u_{T−patience}:
        True when its interval excludes 0. None with too few epochs.
        """
        if len(self._cases) <= self.patience:
            return None
        now = np.atleast_2d(self._cases[-1][0]).mean(axis=0)
        then = np.atleast_2d(self._cases[-1 - self.patience][0]).mean(axis=0)
        change = line_gap(then, now, n_boot=self.n_boot, level=self.level, rng=self.rng)
        return not (change.ci_low <= 0.0 <= change.ci_high)

    def end_state(self, point: StablePoint | object | None = _COMPUTE) -> str:
        """How the run ends so far (:func:`end_state`, drift tested against noise).

        ``"stable"`` exactly when the run has a stable point, ``point`` —
        :meth:`window_point`, computed here unless given (its bootstrap draws
        from the detector's generator, so a caller that holds it passes it in).
        """
        if point is _COMPUTE:
            point = self.window_point()
        return end_state(
            np.array(self.model_utility),
            np.array(self.on_line),
            epsilon=self.epsilon,
            patience=self.patience,
            moved=self.moved(),
            window_on_line=point is not None,
        )


def traced_phi(model_utility: np.ndarray, team_utility: np.ndarray) -> Any:
    """The empirical characteristic function Φ traced by a run (within its visited range).

    Returns an :class:`hmlsim.dynamics.EmpiricalPhi` built from the run's
    ``(u_t, Φ(u_t))`` samples that refuses to extrapolate.
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
    """Hand the Φ one run traced to the dynamics core, keeping only what the run visited.

    A single path traces Φ at a handful of utilities; beyond them the
    interpolation is a guess. Stable points (and their basins) outside
    ``[min u, max u]`` of the run are dropped, so none is ever reported where
    the run never went.

    Returns
    -------
    hmlsim.dynamics.DynamicsReport or None
        ``None`` when the run traced fewer than two distinct model utilities.
    """
    from dataclasses import replace

    from hmlsim.dynamics import analyse, make_learner

    u = np.asarray(model_utility, dtype=float)
    phi = np.asarray(team_utility, dtype=float)
    keep = np.isfinite(u) & np.isfinite(phi)
    if np.unique(u[keep]).size < 2:
        return None
    report = analyse(
        traced_phi(u[keep], phi[keep]),
        make_learner(None if tilt == 1.0 else check_tilt(tilt)),
        epsilon=epsilon,
        start=float(u[keep][0]),
    )
    lo, hi = float(u[keep].min()), float(u[keep].max())
    inside = [
        (p, b)
        for p, b in zip(report.stable_points, report.point_basins, strict=True)
        if lo <= p.u <= hi
    ]
    return replace(
        report,
        stable_points=[p for p, _ in inside],
        point_basins=[b for _, b in inside],
    )
