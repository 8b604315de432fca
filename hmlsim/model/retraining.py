"""How the firm retrains its advisor between deployment epochs (a named study axis).

Firms retrain in several ways, and the performative-prediction literature the
study extends names them: repeated risk minimisation on the newest data
(Perdomo et al. 2020), on everything seen so far, or lazily (Mendler-Dünner et
al. 2020, "lazy deployment"). Each strategy is a name:

- ``"window"`` (default): every epoch, refit from scratch on the last
  ``window`` epochs' observations (the model's ``window``, 1 in the study);
- ``"cumulative"``: every epoch, refit from scratch on every epoch observed
  since deployment, with every revealed audit in place of d;
- ``"warm-start"``: every epoch, refit on the window, the search starting
  from the deployed fit — its candidate rules join the newly mined ones and
  the annealing starts from its rule set (:class:`~hmlsim.advisors.rules.WarmStart`);
- ``"lazy-k"`` (k ≥ 2, e.g. ``"lazy-3"``): refit from scratch only every k
  epochs, on the k epochs observed since the last redeployment; in between
  the deployed advisor stays.

**Repeated gradient steps** (the other strategy of that literature) need a
learner whose parameters take a gradient step on new data. None of the
study's learners has one: a TeamRules or task-only advisor is a discrete rule
set found by simulated annealing (no gradient; its warm start is
``"warm-start"``), and p̂(y | x), p̂(a) and the expertise model are boosted
trees, which are refitted, not stepped. What each strategy learns from is
stated in :data:`hmlsim.model.observation.LEARNS_FROM`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hmlsim.errors import ConfigError

#: the strategies' names (``lazy-k`` stands for ``lazy-2``, ``lazy-3``, …)
RETRAINING: tuple[str, ...] = ("window", "cumulative", "warm-start", "lazy-k")

_LAZY = re.compile(r"lazy-(\d+)")


@dataclass(frozen=True)
class Retraining:
    """One retraining strategy, resolved.

    Attributes
    ----------
    name : str
        As given (``"lazy-3"``).
    window : int or None
        Epochs of observations kept for training (None: every epoch seen).
    every : int
        Redeploy after every ``every`` epochs.
    warm : bool
        Start each fit from the deployed one.
    """

    name: str
    window: int | None
    every: int = 1
    warm: bool = False

    def due(self, epoch: int) -> bool:
        """Whether the firm redeploys after ``epoch`` (1, 2, …) epochs observed."""
        return epoch % self.every == 0


def parse_retraining(name: str, window: int = 1) -> Retraining:
    """The strategy called ``name`` (one of :data:`RETRAINING`), with the model's ``window``.

    Raises
    ------
    ConfigError
        An unknown name, or ``lazy-k`` with k < 2.

    Examples
    --------
    >>> parse_retraining("lazy-3")
    Retraining(name='lazy-3', window=3, every=3, warm=False)
    >>> parse_retraining("cumulative").window is None
    True
    """
    if not isinstance(name, str):
        raise ConfigError("retraining", f"must be a name, one of {', '.join(RETRAINING)}")
    if name == "window":
        return Retraining(name, int(window))
    if name == "cumulative":
        return Retraining(name, None)
    if name == "warm-start":
        return Retraining(name, int(window), warm=True)
    lazy = _LAZY.fullmatch(name)
    if lazy and int(lazy.group(1)) >= 2:
        k = int(lazy.group(1))
        return Retraining(name, k, every=k)
    raise ConfigError(
        "retraining",
        f"unknown strategy {name!r}; accepted: window, cumulative, warm-start, lazy-k "
        "(k an integer >= 2, e.g. lazy-3)",
    )
