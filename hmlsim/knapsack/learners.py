"""The recommenders the study can train, by name.

- ``"sorted"`` — the paper's MLP on density-sorted items (the default, the
  paper's method; :class:`~hmlsim.knapsack.recommender.KnapsackRecommender`);
- ``"unsorted"`` — the same network on the items in their given order (no
  density prior);
- ``"set"`` — the per-item DeepSets scorer with greedy and one-exchange inputs
  (:class:`~hmlsim.knapsack.set_learner.SetRecommender`), a learner whose level
  follows its labels.

All three are fitted with ``fit(instances, labels)`` and decoded the paper's
way (items by score until the first that does not fit).
"""

from __future__ import annotations

from hmlsim.errors import ConfigError
from hmlsim.seeding import SeedLike

#: names accepted by :func:`make_recommender`
LEARNERS = ("sorted", "unsorted", "set")


def check_learner(field: str, name: object) -> str:
    """``name`` if it is one of :data:`LEARNERS`, else a ConfigError naming ``field``.

    Examples
    --------
    >>> check_learner("loop_learner", "set")
    'set'
    """
    if not isinstance(name, str) or name not in LEARNERS:
        raise ConfigError(field, f"must be one of {', '.join(LEARNERS)}; got {name!r}")
    return name


def make_recommender(
    learner: str,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    device: str = "cpu",
    random_state: SeedLike = None,
    field: str = "learner",
):
    """An unfitted recommender of the named kind.

    Parameters
    ----------
    learner : {"sorted", "unsorted", "set"}
    epochs, batch_size, learning_rate, device, random_state
        Training settings (the same meaning for every learner).
    field : str
        The configuration field named in the error for an unknown learner.

    Returns
    -------
    KnapsackRecommender or SetRecommender

    Examples
    --------
    >>> type(make_recommender("set", random_state=0)).__name__
    'SetRecommender'
    """
    check_learner(field, learner)
    common = {
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "device": device,
        "random_state": random_state,
    }
    if learner == "set":
        from hmlsim.knapsack.set_learner import SetRecommender

        return SetRecommender(**common)
    from hmlsim.knapsack.recommender import KnapsackRecommender

    return KnapsackRecommender(**common, sort_by_density=learner == "sorted")
