"""Decision loss, team loss (eq. 3) and the selective-advising test ψ (eq. 5).

Pure, vectorised functions: arrays in, arrays out. ``loss_weights`` is
(λ0, λ1): the loss of a false positive and of a false negative.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from hmlsim import errors
from hmlsim.errors import ConfigError

#: the range of a loss weight λ: sums of losses over many cases stay finite, and a
#: ratio λ1/λ0 of at most 10^12 keeps both classes' losses within float precision
MIN_LOSS_WEIGHT, MAX_LOSS_WEIGHT, MAX_LOSS_RATIO = 1e-6, 1e6, 1e12


def check_loss_weights(
    loss_weights: Sequence[float], fields: tuple[str, str] = ("loss_weights", "loss_weights")
) -> tuple[float, float]:
    """Return (λ0, λ1) as floats if each lies in [1e-6, 1e6], else raise ConfigError.

    ``fields`` name λ0 and λ1 in the error (``("lambda0", "lambda1")`` for a scenario).
    """
    try:
        lam0, lam1 = (float(v) for v in loss_weights)
    except (TypeError, ValueError):
        raise ConfigError(
            fields[0], f"must be two numbers (λ0, λ1); got {loss_weights!r}"
        ) from None
    for field, value in zip(fields, (lam0, lam1), strict=True):
        errors.check_number(field, value, minimum=MIN_LOSS_WEIGHT, maximum=MAX_LOSS_WEIGHT)
    if max(lam0, lam1) / min(lam0, lam1) > MAX_LOSS_RATIO:
        raise ConfigError(fields[1], f"λ1/λ0 must lie within 1e±12; got {lam1!r}/{lam0!r}")
    return lam0, lam1


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` as a float, or raise ConfigError("alpha") unless it lies in [0, 1].

    See :func:`hmlsim.errors.check_alpha`.
    """
    return errors.check_alpha("alpha", alpha)


def decision_loss(
    y: ArrayLike, d: ArrayLike, loss_weights: Sequence[float] = (1.0, 1.0)
) -> np.ndarray:
    """V(y, d) = λ0^(1-y) λ1^y 1{y != d}.

    Examples
    --------
    >>> decision_loss([0, 1, 1, 0], [1, 0, 1, 0], (1.0, 3.0)).tolist()
    [1.0, 3.0, 0.0, 0.0]
    """
    lam0, lam1 = loss_weights
    y = np.asarray(y)
    return np.where(np.asarray(d) != y, np.where(y == 1, lam1, lam0), 0.0)


def expected_decision_loss(
    p_y: ArrayLike, d: ArrayLike, loss_weights: Sequence[float] = (1.0, 1.0)
) -> np.ndarray:
    """E_y[V(y, d)] with P(y = 1) = ``p_y``: λ0 (1 - p_y) if d = 1, else λ1 p_y."""
    lam0, lam1 = loss_weights
    p = np.asarray(p_y, dtype=float)
    return np.where(np.asarray(d) == 1, lam0 * (1.0 - p), lam1 * p)


def team_loss(
    y: ArrayLike,
    y_hat: ArrayLike,
    h: ArrayLike,
    p_accept: ArrayLike,
    alpha: float,
    loss_weights: Sequence[float] = (1.0, 1.0),
) -> np.ndarray:
    """Expected team loss of eq. 3 for each row.

    L = p(a) V(y, ŷ) + (1 - p(a)) V(y, h) + α 1{ŷ != h}; where ŷ = h the loss
    is V(y, h) whatever p(a).

    Examples
    --------
    >>> team_loss([1, 1], [1, 0], [0, 0], [0.5, 0.9], 0.1).tolist()
    [0.6, 1.0]
    """
    y_hat = np.asarray(y_hat)
    h = np.asarray(h)
    p = np.asarray(p_accept, dtype=float)
    v_h = decision_loss(y, h, loss_weights)
    v_adv = decision_loss(y, y_hat, loss_weights)
    contra = y_hat != h
    return np.where(contra, p * v_adv + (1.0 - p) * v_h + alpha, v_h)


def advice_gain(
    p_y: ArrayLike,
    h: ArrayLike,
    p_accept: ArrayLike,
    alpha: float,
    loss_weights: Sequence[float] = (1.0, 1.0),
) -> np.ndarray:
    """Expected loss saved by advising 1 - h instead of withholding: p(a) ΔE[V] - α.

    ΔE[V] = E_y[V(y, h)] - E_y[V(y, 1 - h)]. Advice that contradicts h adds
    value in expectation (ψ = 1, eq. 5) exactly where this is > 0.
    """
    h = np.asarray(h)
    delta = expected_decision_loss(p_y, h, loss_weights) - expected_decision_loss(
        p_y, 1 - h, loss_weights
    )
    return np.asarray(p_accept, dtype=float) * delta - alpha


def psi(
    advice: ArrayLike,
    p_y: ArrayLike,
    h: ArrayLike,
    p_accept: ArrayLike,
    alpha: float,
    loss_weights: Sequence[float] = (1.0, 1.0),
) -> np.ndarray:
    """ψ of eq. 5: advise ``advice`` only if its expected team loss is below withholding's.

    Advice equal to h never passes (its expected loss equals withholding's).

    Examples
    --------
    >>> psi([1, 1, 0], [0.9, 0.9, 0.9], [0, 1, 1], [0.8, 0.8, 0.8], 0.1).tolist()
    [True, False, False]
    """
    advice = np.asarray(advice)
    gain = advice_gain(p_y, h, p_accept, alpha, loss_weights)
    return (advice != np.asarray(h)) & (gain > 0)
