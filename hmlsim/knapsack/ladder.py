"""A quality ladder of recommenders (the paper's q1..q6), reached by label noise.

The paper trained models of chosen economic performance (0.717 … 0.920) on
optimally solved instances. Because the MLP reads density-sorted items, even a
few labelled instances teach it the density-greedy order, so the training
budget alone cannot make weak models. The ladder therefore corrupts the
*labels*: a fraction ``ρ`` of the training instances has its 0/1 item vector
shuffled across items (same number of items, random positions), which removes
what those labels say about which items belong in the knapsack. ``ρ = 0``
trains on the optimum, ``ρ = 1`` on pure noise. For each target quality ``ρ``
is found by bisection; the noise draws and the network seed are the same for
every ``ρ`` (nested noisy sets), so quality falls smoothly with ``ρ``.
No solution is made by hand: every rung is a trained network.

**Decoding** (*choice*). The paper: "we sorted the items by sigmoid outputs.
We then added items to the knapsack until the weight constraint was reached"
— either stop at the first item that does not fit (``"stop"``, the rule of
its random-fill baseline) or go on past it (``"skip"``). On the paper's
instances (imperfect correlation, ties kept) the stop rule tops out at the
density-greedy fill (≈ 0.88 < q5, q6) and the skip rule bottoms out near
random-order skip filling (≈ 0.82 > q1, q2). Each rung therefore uses the
stop rule when its target lies within the stop rule's range and the skip
rule otherwise; the rung records which (``Rung.decoding``), and the network
is trained the same way for both.
"""

from __future__ import annotations

import copy
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
#: their standard deviations over instances (Table 1, SD)
PAPER_SDS = (0.083, 0.105, 0.098, 0.105, 0.088, 0.085)


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
        The network, with its ``decoding`` set.
    decoding : {"stop", "skip"}
        How its scores are decoded (module doc).
    """

    target: float
    label_noise: float
    quality: float
    quality_sd: float
    model: KnapsackRecommender
    decoding: str = "stop"


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
    tolerance: float = 0.002,
    max_iter: int = 16,
    decodings: tuple[str, ...] = ("stop", "skip"),
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
        Bisection steps per target; a target still missed is then searched
        for around the best label noise in halving steps.
    decodings : tuple of str
        Decoding rules in order of preference; a target is reached with the
        first whose range (label noise 1 to 0) contains it (module doc).

    Returns
    -------
    list of Rung
        In the order of ``targets``; a target outside every rule's range gets
        the nearest end (its ``quality`` tells what was reached).
    """
    if not targets:
        raise ConfigError("qualities", "give at least one target quality")
    for t in targets:
        if not 0.0 < t <= 1.0:
            raise ConfigError("qualities", f"each must lie in (0, 1], got {t!r}")
    for d in decodings:
        if d not in ("stop", "skip"):
            raise ConfigError("decodings", f"each must be stop or skip, got {d!r}")
    u = rng.random(len(train))
    keys = rng.random(train.solution.shape)
    seed = int(rng.integers(2**63))
    cache: dict[float, KnapsackRecommender] = {}
    scores: dict[tuple[float, str], tuple[float, float]] = {}

    def fit(rho: float, decoding: str) -> tuple[float, float, KnapsackRecommender]:
        rho = round(float(rho), 6)
        if rho not in cache:
            labels = shuffle_labels(train.solution, rho, u, keys)
            cache[rho] = KnapsackRecommender(
                epochs=epochs,
                batch_size=batch_size,
                learning_rate=learning_rate,
                device=device,
                random_state=seed,
            ).fit(train, labels)
        model = cache[rho]
        if (rho, decoding) not in scores:
            model.decoding = decoding
            score = economic_performance(valid.values, model.predict(valid), valid.optimum)
            scores[rho, decoding] = (float(score.mean()), float(score.std()))
            log.info("ladder: label noise %.4f (%s) -> quality %.4f", rho, decoding, score.mean())
        return (*scores[rho, decoding], model)

    def choose(target: float) -> str:
        for d in decodings:
            if fit(1.0, d)[0] - tolerance <= target <= fit(0.0, d)[0] + tolerance:
                return d
        return min(
            decodings,
            key=lambda d: min(abs(fit(1.0, d)[0] - target), abs(fit(0.0, d)[0] - target)),
        )

    rungs = []
    for target in targets:
        decoding = choose(target)
        lo, hi = 0.0, 1.0
        best = min((0.0, 1.0), key=lambda r: abs(fit(r, decoding)[0] - target))
        for _ in range(max_iter):
            if abs(fit(best, decoding)[0] - target) <= tolerance:
                break
            mid = 0.5 * (lo + hi)
            if fit(mid, decoding)[0] > target:
                lo = mid
            else:
                hi = mid
            if abs(fit(mid, decoding)[0] - target) < abs(fit(best, decoding)[0] - target):
                best = mid
        step = 0.5 ** (max_iter // 2)
        while abs(fit(best, decoding)[0] - target) > tolerance and step > 1e-4:
            # quality is not monotone in ρ at fine scales (training noise): search nearby
            near = [min(max(best + d, 0.0), 1.0) for d in (-step, step)]
            nearest = min(near, key=lambda r: abs(fit(r, decoding)[0] - target))
            if abs(fit(nearest, decoding)[0] - target) < abs(fit(best, decoding)[0] - target):
                best = nearest
            else:
                step /= 2
        quality, sd, _ = fit(best, decoding)
        model = copy.copy(cache[round(best, 6)])
        model.decoding = decoding
        rungs.append(Rung(target, round(best, 6), quality, sd, model, decoding))
    return rungs
