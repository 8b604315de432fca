"""Advice-taking behaviour (ADB): the CPT utility and logit acceptance model.

The expert's probability of accepting contradicting advice follows the
Adjusted-Naive-Bayes belief combination and CPT logit selection of Wang, Lu &
Yin (2022), as the TeamRules authors' released implementation computes it
(``SPEC.md`` part B, "ADB").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, logit

from hmlsim.errors import ConfigError

_CLIP = 1e-7


def _check_unit_interval(name: str, values: np.ndarray) -> None:
    if np.any(np.isnan(values)) or np.any((values < 0.0) | (values > 1.0)):
        bad = values[np.isnan(values) | (values < 0.0) | (values > 1.0)].ravel()[0]
        raise ConfigError(name, f"confidence must lie in [0, 1]; got {bad!r}")


def accept_probability(
    c_model: ArrayLike,
    c_human: ArrayLike,
    *,
    delta: float = 5.0,
    k: float = 0.63,
    gamma: float = 0.95,
    beta: float = 0.5,
) -> np.ndarray | float:
    """Probability that an expert accepts advice that contradicts their decision.

    Parameters
    ----------
    c_model : array_like
        The advisor's confidence c^M in [0, 1].
    c_human : array_like
        The expert's self-reported confidence score c^H in [0, 1]; the expert's
        subjective probability of being right is q = (1 + c^H) / 2.
    delta : float, default 5.0
        Logit sensitivity (rationality) of the choice.
    k : float, default 0.63
        Curvature of the CPT probability weighting of the combined belief.
    gamma : float, default 0.95
        Weighting applied to each source's belief before they are combined.
    beta : float, default 0.5
        Loss aversion: the weight of a wrong acceptance relative to a right one.

    Returns
    -------
    ndarray or float
        p(a) in [0, 1], broadcast to the shape of the inputs (a float for scalars).

    Raises
    ------
    ConfigError
        If a confidence lies outside [0, 1] or ``delta`` is negative.

    Examples
    --------
    >>> round(float(accept_probability(0.8, 0.2)), 3)
    0.895
    >>> round(float(accept_probability(0.6, 0.2)), 3)
    0.5
    """
    cm = np.asarray(c_model, dtype=float)
    ch = np.asarray(c_human, dtype=float)
    _check_unit_interval("c_model", cm)
    _check_unit_interval("c_human", ch)
    if delta < 0:
        raise ConfigError("delta", f"must be >= 0, got {delta!r}")
    if k <= 0 or gamma <= 0:
        raise ConfigError("k" if k <= 0 else "gamma", "must be > 0")
    q = (1.0 + ch) / 2.0
    cm = np.clip(cm, _CLIP, 1.0 - _CLIP)
    own_belief_advice_right = np.clip(1.0 - q, _CLIP, 1.0 - _CLIP)
    # The weighting p^e / (p^e + (1-p)^e) multiplies log-odds by e, and the naive-Bayes
    # combination a*b / (a*b + (1-a)(1-b)) adds them; working in log-odds gives the same
    # numbers without the cancellation of 1 - a near certainty.
    combined_logit = gamma * (logit(cm) + logit(own_belief_advice_right))
    weighted = expit(k * combined_logit)
    u_accept = (1.0 + beta) * weighted - beta
    u_reject = 1.0 - (1.0 + beta) * weighted
    # logistic form of exp(d*ua) / (exp(d*ua) + exp(d*ur)), stable for large delta
    result = 1.0 / (1.0 + np.exp(-delta * (u_accept - u_reject)))
    return float(result) if result.ndim == 0 else result


def sample_acceptance(p_accept: ArrayLike, rng: np.random.Generator) -> np.ndarray:
    """Draw accept (True) / reject (False) for each probability in ``p_accept``."""
    p = np.asarray(p_accept, dtype=float)
    return rng.random(p.shape) < p
