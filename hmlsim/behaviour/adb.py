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

from hmlsim.errors import ConfigError, check_number, check_positive

_CLIP = 1e-7


def _confidences(name: str, values: ArrayLike) -> np.ndarray:
    """``values`` as a float array of confidences in [0, 1], else :class:`ConfigError`."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(name, f"expected numbers in [0, 1], got {values!r}") from None
    bad = np.isnan(array) | (array < 0.0) | (array > 1.0)
    if np.any(bad):
        raise ConfigError(name, f"confidence must lie in [0, 1]; got {array[bad].ravel()[0]!r}")
    return array


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
        Naming the argument: a confidence that is not a number in [0, 1],
        confidences whose shapes do not broadcast, or a parameter that is not a
        finite number (``delta`` and ``beta`` >= 0, ``k`` and ``gamma`` > 0).

    Examples
    --------
    >>> round(float(accept_probability(0.8, 0.2)), 3)
    0.895
    >>> round(float(accept_probability(0.6, 0.2)), 3)
    0.5
    """
    cm = _confidences("c_model", c_model)
    ch = _confidences("c_human", c_human)
    try:
        np.broadcast_shapes(cm.shape, ch.shape)
    except ValueError:
        raise ConfigError(
            "c_human", f"shape {ch.shape} does not broadcast with c_model's {cm.shape}"
        ) from None
    delta = check_number("delta", delta, minimum=0.0)
    k = check_positive("k", k)
    gamma = check_positive("gamma", gamma)
    beta = check_number("beta", beta, minimum=0.0)
    q = (1.0 + ch) / 2.0
    cm = np.clip(cm, _CLIP, 1.0 - _CLIP)
    own_belief_advice_right = np.clip(1.0 - q, _CLIP, 1.0 - _CLIP)
    # The weighting p^e / (p^e + (1-p)^e) multiplies log-odds by e, and the naive-Bayes
    # combination a*b / (a*b + (1-a)(1-b)) adds them; working in log-odds gives the same
    # numbers without the cancellation of 1 - a near certainty.
    # huge parameters overflow to ±inf, which the logistic maps to 0 or 1 (never NaN)
    with np.errstate(over="ignore"):
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
