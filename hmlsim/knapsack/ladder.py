"""A quality ladder of recommenders (the paper's q1..q6), reached by label noise.

The paper trained models of chosen economic performance (0.717 … 0.920) on
optimally solved instances. Because the MLP reads density-sorted items, even a
few labelled instances teach it the density-greedy order (≈ 0.92 on the
default instances), so the training budget alone cannot make weak models.
The ladder therefore corrupts the *labels*: a fraction ``ρ`` of the training
instances has its 0/1 item vector shuffled across items (same number of
items, random positions), which removes what those labels say about which
items belong in the knapsack. ``ρ = 0`` trains on the optimum, ``ρ = 1`` on
pure noise (≈ random fill, 0.60). For each target quality ``ρ`` is found by
bisection on a validation set; the noise draws and the network seed are the
same for every ``ρ`` (nested noisy sets), so quality falls smoothly with ``ρ``.
No solution is made by hand: every rung is a trained network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from hmlsim.errors import ConfigError
from hmlsim.knapsack.instances import Instances
from hmlsim.knapsack.recommender import KnapsackRecommender
from hmlsim.knapsack.utility import economic_performance

log = logging.getLogger(__name__)

#: the paper's model qualities q1..q6 (Table 1, mean economic performance)
PAPER_QUALITIES = (0.717, 0.800, 0.844, 0.884, 0.899, 0.920)


@dataclass(frozen=True)
class Rung:
    """One trained model of the ladder.

    Attributes
    ----------
    target : float
        The quality asked for.
    label_noise : float
        Fraction ``ρ`` of shuffled training labels.
    quality : float
        Mean economic performance on the validation instances.
    quality_sd : float
        Its standard deviation over instances.
    model : KnapsackRecommender
    """

    target: float
    label_noise: float
    quality: float
    quality_sd: float
    model: KnapsackRecommender


def shuffle_labels(labels: np.ndarray, rho: float, u: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Shuffle the item vectors of the rows with ``u < rho``.

    ``u`` (shape (B,)) and ``keys`` (shape (B, n), any distinct numbers) are
    fixed draws, so the noisy rows for a larger ``rho`` include those of a
    smaller one and each row's shuffle is the same for every ``rho``.
    """
    labels = np.asarray(labels, dtype=bool)
    rows = np.arange(labels.shape[0])[:, None]
    shuffled = labels[rows, np.argsort(keys, axis=1)]
    return np.where((np.asarray(u) < rho)[:, None], shuffled, labels)


def train_ladder(
    train: Instances,
    valid: Instances,
    rng: np.random.Generator,
    targets: tuple[float, ...] = PAPER_QUALITIES,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    device: str = "cpu",
    tolerance: float = 0.005,
    max_iter: int = 8,
) -> list[Rung]:
    """Train one model per target quality by bisection on the label noise.

    Parameters
    ----------
    train, valid : Instances
        Training instances (labels: their optimum, then corrupted) and the
        instances on which quality is measured.
    rng : numpy.random.Generator
        Source of the noise draws and the network seed.
    targets : tuple of float
        Wanted mean economic performances.
    epochs, batch_size, learning_rate, device
        Passed to :class:`~hmlsim.knapsack.recommender.KnapsackRecommender`.
    tolerance : float
        Stop the bisection once the validation quality is this close.
    max_iter : int
        Bisection steps per target.

    Returns
    -------
    list of Rung
        In the order of ``targets``; a target above what clean labels reach
        gets the clean model (its ``quality`` tells what was reached).
    """
    if not targets:
        raise ConfigError("qualities", "give at least one target quality")
    for t in targets:
        if not 0.0 < t <= 1.0:
            raise ConfigError("qualities", f"each must lie in (0, 1], got {t!r}")
    u = rng.random(len(train))
    keys = rng.random(train.solution.shape)
    seed = int(rng.integers(2**63))
    cache: dict[float, tuple[float, float, KnapsackRecommender]] = {}

    def fit(rho: float) -> tuple[float, float, KnapsackRecommender]:
        rho = round(float(rho), 6)
        if rho not in cache:
            labels = shuffle_labels(train.solution, rho, u, keys)
            model = KnapsackRecommender(
                epochs=epochs,
                batch_size=batch_size,
                learning_rate=learning_rate,
                device=device,
                random_state=seed,
            ).fit(train, labels)
            score = economic_performance(valid.values, model.predict(valid), valid.optimum)
            cache[rho] = (float(score.mean()), float(score.std()), model)
            log.info("ladder: label noise %.4f -> quality %.4f", rho, cache[rho][0])
        return cache[rho]

    rungs = []
    for target in targets:
        lo, hi = 0.0, 1.0
        best = min((0.0, 1.0), key=lambda r: abs(fit(r)[0] - target))
        for _ in range(max_iter):
            if abs(fit(best)[0] - target) <= tolerance:
                break
            mid = 0.5 * (lo + hi)
            if fit(mid)[0] > target:
                lo = mid
            else:
                hi = mid
            if abs(fit(mid)[0] - target) < abs(fit(best)[0] - target):
                best = mid
        quality, sd, model = fit(best)
        rungs.append(Rung(target, round(best, 6), quality, sd, model))
    return rungs
