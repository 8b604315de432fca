"""Heterogeneous populations of simulated experts.

Each expert's behaviour parameters (accuracy levels, confidence offset kappa,
difficulty threshold, ADB delta, k, gamma, beta) are drawn from declared
distributions: a ``(low, high)`` pair (uniform), a frozen
:mod:`scipy.stats` distribution (anything with ``rvs``), or a constant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.behaviour.accuracy import DifficultyModel
from hmlsim.behaviour.expert import Expert, make_expert
from hmlsim.data.loaders import Dataset
from hmlsim.errors import ConfigError, check_number
from hmlsim.seeding import SeedLike, make_rng

PARAMETERS: tuple[str, ...] = (
    "easy_accuracy",
    "hard_accuracy",
    "inside_accuracy",
    "outside_accuracy",
    "kappa",
    "threshold",
    "delta",
    "k",
    "gamma",
    "beta",
)

#: the range of each bounded parameter: a number or (low, high) outside it is refused; a
#: scipy distribution's draws are clipped into it
BOUNDS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(
        ("easy_accuracy", "hard_accuracy", "inside_accuracy", "outside_accuracy", "threshold"),
        (0.0, 1.0),
    ),
    "kappa": (-1.0, 1.0),
}

DEFAULT_DISTRIBUTIONS: dict[str, Any] = {
    "delta": (3.0, 7.0),
    "k": (0.5, 0.8),
    "gamma": (0.85, 1.0),
    "beta": (0.3, 0.7),
    "kappa": (0.0, 0.2),
}


def draw_parameter(name: str, spec: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` values of parameter ``name`` from ``spec`` (pair, frozen distribution, constant).

    Examples
    --------
    >>> import numpy as np
    >>> draw_parameter("delta", (3, 7), 4, np.random.default_rng(0)).round(2).tolist()
    [5.55, 4.08, 3.16, 3.07]
    """
    if hasattr(spec, "rvs"):
        values = np.asarray(spec.rvs(size=n, random_state=rng), dtype=float)
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        low, high = float(spec[0]), float(spec[1])
        if high < low:
            raise ConfigError(name, f"(low, high) needs low <= high, got {tuple(spec)!r}")
        values = rng.uniform(low, high, size=n)
    elif isinstance(spec, (int, float)) and not isinstance(spec, bool):
        values = np.full(n, float(spec))
    else:
        raise ConfigError(
            name,
            "must be a (low, high) pair, a frozen scipy.stats distribution or a number; "
            f"got {spec!r}",
        )
    if not np.all(np.isfinite(values)):
        raise ConfigError(name, "drew a non-finite value")
    return values


def sample_experts(
    ds: Dataset,
    n: int,
    distributions: Mapping[str, Any] | None = None,
    rng: SeedLike = None,
    *,
    decision: str = "difficulty",
    confidence: str | None = None,
) -> tuple[list[Expert], pd.DataFrame]:
    """Draw ``n`` experts whose parameters follow ``distributions``.

    Parameters
    ----------
    ds : Dataset
    n : int
        Population size.
    distributions : mapping, optional
        Parameter name (one of :data:`PARAMETERS`) to distribution; default
        :data:`DEFAULT_DISTRIBUTIONS`. Parameters not named keep
        :func:`make_expert`'s defaults. Accuracies, kappa and the threshold given as
        numbers or ranges must lie in :data:`BOUNDS`; draws of a scipy distribution are
        clipped into them. ADB parameters must come out positive.
    rng : Generator or int, optional
    decision, confidence : str
        Behaviour kinds, as in :func:`make_expert` (confidence None: the
        paper's pairing).

    Returns
    -------
    experts : list of Expert
    parameters : DataFrame
        One row per expert (``expert`` index and the drawn values).
    """
    if int(n) < 1:
        raise ConfigError("n", f"must be >= 1, got {n!r}")
    distributions = dict(DEFAULT_DISTRIBUTIONS if distributions is None else distributions)
    unknown = sorted(set(distributions) - set(PARAMETERS))
    if unknown:
        raise ConfigError(unknown[0], f"not an expert parameter; accepted: {', '.join(PARAMETERS)}")
    for name, spec in distributions.items():  # a number or a range outside its bounds
        low, high = BOUNDS.get(name, (None, None))
        values = spec if isinstance(spec, (tuple, list)) else (spec,)
        if low is not None and not hasattr(spec, "rvs"):
            for value in values:
                check_number(name, value, minimum=low, maximum=high)
    if confidence is None:
        confidence = "group" if decision == "group" else "accuracy"
    gen = make_rng(rng)
    draws = {name: draw_parameter(name, distributions[name], int(n), gen) for name in distributions}
    for name in (
        "easy_accuracy",
        "hard_accuracy",
        "inside_accuracy",
        "outside_accuracy",
        "threshold",
    ):
        if name in draws:
            draws[name] = np.clip(draws[name], 0.0, 1.0)
    if "kappa" in draws:
        draws["kappa"] = np.clip(draws["kappa"], -1.0, 1.0)
    for name in ("delta", "k", "gamma"):
        if name in draws and np.any(draws[name] <= 0):
            raise ConfigError(name, "its distribution drew a value <= 0; use a positive range")
    if "beta" in draws and np.any(draws["beta"] < 0):
        raise ConfigError("beta", "its distribution drew a negative value")
    shared = None
    if decision == "difficulty" or confidence == "group":
        shared = DifficultyModel.fit(ds.human_train, random_state=int(gen.integers(2**31)))
    experts = [
        make_expert(
            ds,
            decision,
            confidence,
            difficulty_model=shared,
            name=f"{ds.name}:{decision}-{confidence}#{i}",
            **{name: float(values[i]) for name, values in draws.items()},
        )
        for i in range(int(n))
    ]
    table = pd.DataFrame(draws)
    table.insert(0, "expert", range(int(n)))
    return experts, table
