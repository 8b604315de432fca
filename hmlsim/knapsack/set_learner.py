"""A learner with headroom: a per-item scorer shared across the items (DeepSets).

The paper's MLP (:mod:`hmlsim.knapsack.recommender`) reads density-sorted items
and learns the density order from any labels: its quality is the density-greedy
fill's (≈ 0.93 on the default instances) whether it is trained on the optimum
or on the humans' solutions. :class:`SetRecommender` is the study's named
alternative (``learner="set"``): one small network scores every item from that
item's own inputs and a mean-pooled summary of all items (Zaheer et al.'s
DeepSets: permutation-equivariant, the same weights for all 18 items), and it
is decoded exactly as the paper's MLP (items by score until the first that does
not fit). With that decoding the optimum is decoded exactly when the scores
rank its items above all others (the optimal set is maximal), so a good ranker
suffices.

Per-item inputs (:func:`item_features`; *choice*, domain knowledge of the same
kind as the paper's density sort, all divided by the capacity ``C``):

- the item: ``w/C``, ``v/C``, density / the instance's largest density, its
  density rank, the weight of it and all denser items ``/C``, its weight rank,
  the weight of it and all lighter items ``/C``;
- the density-greedy fill ``G`` (items by density until the first that does not
  fit): whether the item is in it, the fill's slack ``s/C``, ``|G|/n``,
  ``(w − s)/C``, and ``C/250``;
- the one-exchange neighbourhood of ``G``: moves that take one item out of
  ``G`` and put one other in (``w_in − w_out ≤ s``), or add one item that fits
  the slack, with a positive value gain. For each item the best gain of a move
  involving it ``/C``, the best gain of any move ``/C``, their difference,
  whether the item has an improving move, and whether it is in a best move.

These inputs *describe* the neighbourhood of the greedy fill; whether the
network ranks an exchanged item high is learnt from the labels alone. Trained
on the optimum it does (on the default instances the best single exchange
from ``G`` reaches 0.998 of the optimum); trained on simulated humans, whose
solutions follow perceived density, it ranks by density
(``docs/knapsack.md``, learning curves). Training minimises the binary
cross-entropy between the scores and the 0/1 label vectors, as the paper's MLP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from hmlsim.errors import ConfigError, check_positive
from hmlsim.knapsack.recommender import CAPACITY_SCALE, ImitationLearner, _init, density_order
from hmlsim.seeding import SeedLike, make_rng, torch_generator

#: number of per-item inputs of :func:`item_features`
N_FEATURES = 17


def _ranks(order: np.ndarray) -> np.ndarray:
    """Rank of every item (0 = first) from a per-row order."""
    ranks = np.empty_like(order)
    ranks[np.arange(order.shape[0])[:, None], order] = np.arange(order.shape[1])
    return ranks


def _cumulative(weights: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Weight of every item plus all items before it in ``order``."""
    rows = np.arange(weights.shape[0])[:, None]
    out = np.empty_like(weights)
    out[rows, order] = np.cumsum(weights[rows, order], axis=1)
    return out


def exchange_gains(
    weights: np.ndarray, values: np.ndarray, in_greedy: np.ndarray, slack: np.ndarray
) -> np.ndarray:
    """Best value gain of a one-exchange move from the greedy fill involving each item.

    A move takes item ``i ∈ G`` out and puts ``j ∉ G`` in when
    ``w_j − w_i ≤ slack`` and ``v_j > v_i``, or adds ``j ∉ G`` with
    ``w_j ≤ slack``. Items without an improving move get 0.

    Parameters
    ----------
    weights, values : ndarray of float, shape (B, n)
    in_greedy : ndarray of bool, shape (B, n)
    slack : ndarray of float, shape (B,)

    Returns
    -------
    ndarray of float, shape (B, n)

    Examples
    --------
    >>> w, v = np.array([[2.0, 3.0, 5.0]]), np.array([[12.0, 13.0, 15.0]])
    >>> exchange_gains(w, v, np.array([[True, True, False]]), np.array([2.0])).tolist()
    [[0.0, 2.0, 2.0]]
    """
    dw = weights[:, None, :] - weights[:, :, None]  # [b, out i, in j]
    dv = values[:, None, :] - values[:, :, None]
    ok = in_greedy[:, :, None] & ~in_greedy[:, None, :] & (dw <= slack[:, None, None]) & (dv > 0)
    gain = np.where(ok, dv, 0.0)
    add = np.where(~in_greedy & (weights <= slack[:, None]), values, 0.0)
    return np.maximum(np.maximum(gain.max(axis=2), gain.max(axis=1)), add)


def item_features(weights: Any, values: Any, capacity: Any) -> np.ndarray:
    """Per-item inputs of the set learner (see the module docstring).

    Returns
    -------
    ndarray of float32, shape (B, n, N_FEATURES)

    Examples
    --------
    >>> item_features(np.array([[2, 3, 5]]), np.array([[12, 13, 15]]), np.array([6])).shape
    (1, 3, 17)
    """
    w = np.asarray(weights, dtype=float)
    v = np.asarray(values, dtype=float)
    cap = np.maximum(np.asarray(capacity, dtype=float), 1.0)
    c = cap[:, None]
    n = w.shape[1]
    density = v / np.maximum(w, 1e-9)
    by_density = density_order(w, v)
    by_weight = np.argsort(w, axis=1, kind="stable")
    denser = _cumulative(w, by_density)
    lighter = _cumulative(w, by_weight)
    # the stop-rule greedy fill: a density prefix (cumulative weights only grow)
    in_greedy = denser <= c
    slack = cap - (w * in_greedy).sum(axis=1)
    gain = exchange_gains(w, v, in_greedy, slack)
    best = gain.max(axis=1, keepdims=True)

    def full(column: np.ndarray) -> np.ndarray:
        return np.broadcast_to(column, w.shape)

    columns = [
        w / c,
        v / c,
        density / density.max(axis=1, keepdims=True),
        _ranks(by_density) / n,
        denser / c,
        _ranks(by_weight) / n,
        lighter / c,
        in_greedy.astype(float),
        full(slack[:, None] / c),
        full(in_greedy.sum(axis=1, keepdims=True) / n),
        (w - slack[:, None]) / c,
        full(c / CAPACITY_SCALE),
        gain / c,
        full(best / c),
        (best - gain) / c,
        (gain > 0).astype(float),
        ((gain == best) & (best > 0)).astype(float),
    ]
    return np.stack(columns, axis=-1).astype(np.float32)


class ItemScorer(nn.Module):
    """DeepSets scorer: ``score_i = ρ(φ(x_i), mean_k φ(x_k))`` (logits).

    Parameters
    ----------
    n_features : int
        Per-item inputs.
    hidden : int
        Width of φ and ρ.
    """

    def __init__(self, n_features: int = N_FEATURES, hidden: int = 64) -> None:
        super().__init__()
        self.phi = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.rho = nn.Sequential(
            nn.Linear(2 * hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape (B, n) from inputs of shape (B, n, n_features)."""
        e = self.phi(x)
        pooled = e.mean(dim=1, keepdim=True).expand_as(e)
        return self.rho(torch.cat([e, pooled], dim=-1)).squeeze(-1)


class SetRecommender(ImitationLearner):
    """The set learner (per-item DeepSets scorer), with the paper's MLP's interface.

    Parameters
    ----------
    epochs : int
        Passes over the training labels.
    batch_size : int
        Mini-batch size (instances).
    learning_rate : float
        Adam step size.
    hidden : int
        Width of the scorer.
    device : str
        ``"cpu"`` (default), ``"cuda"`` or ``"auto"``.
    random_state : int, numpy Generator or None
        Seed of initialisation and mini-batch order.

    Attributes
    ----------
    network_ : ItemScorer
        The fitted scorer (on the CPU after ``fit``).
    n_items_ : int
    loss_curve_ : list of float

    Examples
    --------
    >>> from hmlsim.knapsack.instances import generate_instances
    >>> train = generate_instances(64, np.random.default_rng(0))
    >>> model = SetRecommender(epochs=2, random_state=0).fit(train, train.solution)
    >>> model.predict(train).shape
    (64, 18)
    """

    learner = "set"

    def __init__(
        self,
        epochs: int = 30,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        hidden: int = 64,
        device: str = "cpu",
        random_state: SeedLike = None,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.hidden = hidden
        self.device = device
        self.random_state = random_state

    def fit(
        self,
        instances: Any,
        labels: np.ndarray,
        callback: Callable[[int, SetRecommender], None] | None = None,
    ) -> SetRecommender:
        """Train on ``labels`` (0/1 item vectors, one per instance) by BCE.

        Parameters
        ----------
        instances : Instances or object with ``weights``, ``values``, ``capacity``
        labels : array-like of bool, shape (B, n)
        callback : callable, optional
            ``callback(epoch, self)`` after every epoch.

        Returns
        -------
        self
        """
        self._check_training()
        check_positive("hidden", self.hidden)
        w = np.asarray(instances.weights)
        y = np.asarray(labels, dtype=bool)
        if y.shape != w.shape:
            raise ConfigError("labels", f"must have shape {w.shape}, got {y.shape}")
        generator = torch_generator(make_rng(self.random_state))
        self.n_items_ = w.shape[1]
        network = ItemScorer(N_FEATURES, int(self.hidden))
        _init(network, generator)
        x = item_features(w, instances.values, instances.capacity)
        self._train(network, x, y, nn.BCEWithLogitsLoss(), generator, callback)
        return self

    def predict_scores(self, instances: Any) -> np.ndarray:
        """Sigmoid score of every item, shape (B, n)."""
        self._check_fitted()
        x = item_features(instances.weights, instances.values, instances.capacity)
        with torch.no_grad():
            logits = self.network_(torch.from_numpy(x)).double()
        return torch.sigmoid(logits).numpy()  # float64: saturates only beyond |logit| ≈ 37
