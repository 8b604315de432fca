"""The paper's ML recommender: an MLP that imitates its labels (SPEC A.8).

Architecture ``39 → 90 → 550 → 90 → 84 → 18`` for 18 items (in general
``2n + 3 → … → n``), ReLU after the first four layers and a sigmoid output.
Inputs are the items sorted by value density (value / weight, decreasing) with
weights and values normalised; the output score of each sorted position is
mapped back to its item. The loss is the binary cross-entropy between the
scores and the 0/1 item vectors of the *labels* (never the utility); a
solution is decoded by taking items in decreasing score until the next one
does not fit ("until the weight constraint was reached"), so every decoded
solution is feasible.

Normalisation (*choice*, the paper names it without giving it): weights and
values are divided by the capacity; the three scalar inputs are
``capacity / 250`` (the largest capacity), ``Σ weights / (n · capacity)`` and
``Σ values / (n · capacity)``.

Training is seeded (one :class:`torch.Generator` for initialisation and
mini-batch order), runs on the CPU by default and on a GPU with
``device="auto"`` when one is present. Torch's thread count is left as the
caller set it (``torch.set_num_threads``).
"""

from __future__ import annotations

import copy
import itertools
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from hmlsim.errors import ConfigError, check_positive
from hmlsim.knapsack.utility import fill_in_order
from hmlsim.seeding import SeedLike, make_rng, torch_generator

log = logging.getLogger(__name__)

#: hidden layer widths of the paper's MLP
HIDDEN = (90, 550, 90, 84)
#: the paper's largest capacity, used to scale the capacity input
CAPACITY_SCALE = 250.0


def density_order(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Item indices sorted by value density, decreasing (ties: lower index first)."""
    density = np.asarray(values, dtype=float) / np.maximum(np.asarray(weights, dtype=float), 1e-9)
    return np.argsort(-density, axis=1, kind="stable")


def features(
    weights: np.ndarray, values: np.ndarray, capacity: np.ndarray, sort: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The MLP's inputs and the density order they use.

    ``sort=False`` keeps the items in their given order (no density prior:
    what a firm without the paper's prior knowledge would feed).

    Returns
    -------
    x : ndarray of float32, shape (B, 2n + 3)
        Sorted normalised weights, sorted normalised values, capacity,
        Σ weights and Σ values (see the module docstring).
    order : ndarray of int, shape (B, n)
        ``order[:, k]`` is the item in sorted position ``k``.
    """
    w = np.asarray(weights, dtype=float)
    v = np.asarray(values, dtype=float)
    cap = np.maximum(np.asarray(capacity, dtype=float), 1.0)[:, None]
    n = w.shape[1]
    order = density_order(w, v) if sort else np.broadcast_to(np.arange(n), w.shape)
    rows = np.arange(w.shape[0])[:, None]
    x = np.concatenate(
        [
            w[rows, order] / cap,
            v[rows, order] / cap,
            cap / CAPACITY_SCALE,
            w.sum(axis=1, keepdims=True) / (n * cap),
            v.sum(axis=1, keepdims=True) / (n * cap),
        ],
        axis=1,
    )
    return x.astype(np.float32), order


def build_mlp(n_items: int = 18, hidden: tuple[int, ...] = HIDDEN) -> nn.Sequential:
    """The paper's fully connected network with ``2n + 3`` inputs and ``n`` sigmoid outputs."""
    sizes = (2 * n_items + 3, *hidden, n_items)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        layers.append(nn.ReLU() if i < len(sizes) - 2 else nn.Sigmoid())
    return nn.Sequential(*layers)


def _init(module: nn.Module, generator: torch.Generator) -> None:
    """Re-initialise every linear layer from ``generator`` (PyTorch's default scheme)."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            bound = 1.0 / np.sqrt(layer.in_features)
            with torch.no_grad():
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)


def resolve_device(device: str) -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; otherwise ``device`` itself."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ConfigError("device", f"must be 'auto', 'cpu' or 'cuda[:i]'; got {device!r}")
    return torch.device(device)


def _arrays(instances: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.asarray(instances.weights),
        np.asarray(instances.values),
        np.asarray(instances.capacity),
    )


class ImitationLearner:
    """What the knapsack recommenders share: BCE imitation of 0/1 item labels, decoding, snapshots.

    A subclass sets ``epochs``, ``batch_size``, ``learning_rate``, ``device``
    and ``random_state`` and implements ``fit`` (building its network and
    inputs, then calling :meth:`_train`) and ``predict_scores``.
    """

    def _train(
        self,
        network: nn.Module,
        x: np.ndarray,
        y: np.ndarray,
        loss_fn: nn.Module,
        generator: torch.Generator,
        callback: Callable[[int, Any], None] | None,
    ) -> None:
        """Adam on mini-batches of (x, y) for ``epochs`` passes; sets ``network_`` and
        ``loss_curve_`` (mean loss per epoch) and leaves the network on the CPU."""
        device = resolve_device(self.device)
        network.to(device)
        xt = torch.from_numpy(x).to(device)
        yt = torch.from_numpy(y.astype(np.float32)).to(device)
        optimiser = torch.optim.Adam(network.parameters(), lr=float(self.learning_rate))
        self.loss_curve_ = []
        self.network_ = network
        n = xt.shape[0]
        for epoch in range(int(self.epochs)):
            network.train()
            perm = torch.randperm(n, generator=generator).to(device)
            total = 0.0
            for start in range(0, n, int(self.batch_size)):
                idx = perm[start : start + int(self.batch_size)]
                optimiser.zero_grad()
                loss = loss_fn(network(xt[idx]), yt[idx])
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * idx.numel()
            self.loss_curve_.append(total / max(n, 1))
            log.debug("epoch %d loss %.4f", epoch, self.loss_curve_[-1])
            if callback is not None:
                callback(epoch, self)
        network.to("cpu")
        network.eval()

    def _check_training(self) -> None:
        """The training settings, checked before any work."""
        if int(self.epochs) < 0:
            raise ConfigError("epochs", f"must be >= 0, got {self.epochs!r}")
        check_positive("batch_size", self.batch_size)
        check_positive("learning_rate", self.learning_rate)
        resolve_device(self.device)

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise ConfigError("model", f"this {type(self).__name__} is not fitted; call fit first")

    def predict_scores(self, instances: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    #: how scores become a solution: ``"stop"`` (items by decreasing score until the
    #: first that does not fit, the paper's random-fill rule) or ``"skip"`` (go on
    #: past items that do not fit: the knapsack is filled until nothing more fits)
    decoding: str = "stop"

    def predict(self, instances: Any) -> np.ndarray:
        """Decoded solutions: items by decreasing score, by the rule :attr:`decoding`."""
        return decode(
            self.predict_scores(instances),
            instances.weights,
            instances.capacity,
            stop_at_first=self.decoding != "skip",
        )

    def snapshot(self):
        """A frozen copy of this fitted model (for checkpoints along training)."""
        self._check_fitted()
        clone = copy.copy(self)
        clone.network_ = copy.deepcopy(self.network_).to("cpu").eval()
        clone.loss_curve_ = list(self.loss_curve_)
        return clone


class KnapsackRecommender(ImitationLearner):
    """The paper's MLP recommender, with scikit-learn conventions.

    Parameters
    ----------
    epochs : int
        Passes over the training labels (the training budget).
    batch_size : int
        Mini-batch size.
    learning_rate : float
        Adam step size.
    hidden : tuple of int
        Hidden widths (the paper's ``(90, 550, 90, 84)``).
    device : str
        ``"cpu"`` (default), ``"cuda"`` or ``"auto"`` (CUDA when available).
    random_state : int, numpy Generator or None
        Seed of initialisation and mini-batch order.
    sort_by_density : bool
        Feed the items sorted by value density (the paper's prior knowledge,
        default) or in their given order.

    Attributes
    ----------
    network_ : torch.nn.Sequential
        The fitted network (on the CPU after ``fit``).
    n_items_ : int
        Items per instance seen in ``fit``.
    loss_curve_ : list of float
        Mean training loss per epoch.

    Examples
    --------
    >>> from hmlsim.knapsack.instances import generate_instances
    >>> train = generate_instances(64, np.random.default_rng(0))
    >>> model = KnapsackRecommender(epochs=2, random_state=0).fit(train, train.solution)
    >>> model.predict(train).shape
    (64, 18)
    """

    def __init__(
        self,
        epochs: int = 30,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        hidden: tuple[int, ...] = HIDDEN,
        device: str = "cpu",
        random_state: SeedLike = None,
        sort_by_density: bool = True,
    ) -> None:
        self.epochs = epochs
        self.sort_by_density = sort_by_density
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.hidden = hidden
        self.device = device
        self.random_state = random_state

    def fit(
        self,
        instances: Any,
        labels: np.ndarray,
        callback: Callable[[int, KnapsackRecommender], None] | None = None,
    ) -> KnapsackRecommender:
        """Train on ``labels`` (0/1 item vectors, one per instance) by BCE.

        Parameters
        ----------
        instances : Instances or object with ``weights``, ``values``, ``capacity``
        labels : array-like of bool, shape (B, n)
            The item sets to imitate (expert submissions, or the optimum).
        callback : callable, optional
            ``callback(epoch, self)`` after every epoch (used to take snapshots
            along the training budget).

        Returns
        -------
        self
        """
        self._check_training()
        w, v, cap = _arrays(instances)
        y = np.asarray(labels, dtype=bool)
        if y.shape != w.shape:
            raise ConfigError("labels", f"must have shape {w.shape}, got {y.shape}")
        generator = torch_generator(make_rng(self.random_state))
        self.n_items_ = w.shape[1]
        network = build_mlp(self.n_items_, tuple(self.hidden))
        _init(network, generator)
        x, order = features(w, v, cap, sort=bool(self.sort_by_density))
        y_sorted = y[np.arange(y.shape[0])[:, None], order]
        self._train(network, x, y_sorted, nn.BCELoss(), generator, callback)
        return self

    def predict_scores(self, instances: Any) -> np.ndarray:
        """Sigmoid score of every item (original item order), shape (B, n)."""
        self._check_fitted()
        w, v, cap = _arrays(instances)
        x, order = features(w, v, cap, sort=bool(self.sort_by_density))
        device = next(self.network_.parameters()).device
        with torch.no_grad():
            sorted_scores = self.network_(torch.from_numpy(x).to(device)).cpu().numpy()
        scores = np.empty_like(sorted_scores)
        scores[np.arange(w.shape[0])[:, None], order] = sorted_scores
        return scores


def decode(
    scores: np.ndarray, weights: np.ndarray, capacity: np.ndarray, *, stop_at_first: bool = True
) -> np.ndarray:
    """Greedy decoding: items in decreasing score while they fit.

    By default decoding stops at the first item that does not fit, the paper's
    "added items to the knapsack until the weight constraint was reached" and
    the same rule as its random-fill baseline; ``stop_at_first=False`` skips
    such items and goes on.

    Examples
    --------
    >>> s, w, c = np.array([[0.9, 0.8, 0.1]]), np.array([[4, 3, 1]]), np.array([5])
    >>> decode(s, w, c).tolist(), decode(s, w, c, stop_at_first=False).tolist()
    ([[True, False, False]], [[True, False, True]])
    """
    order = np.argsort(-np.asarray(scores), axis=1, kind="stable")
    return fill_in_order(weights, capacity, order, stop_at_first=stop_at_first)
