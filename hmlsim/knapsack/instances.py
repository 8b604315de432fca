"""Hard 0-1 knapsack instances: the paper's Algorithm 1 (A.10) and named variants.

The paper (A.10): instances whose weights and values are "strongly, yet
imperfectly, correlated (Pisinger, 2005; Murawski & Bossaerts, 2016)", 18
items (A.8), integer weights, values and capacity, capacity "between 5 and
250" (Section 4), and "there can be multiple optimal combinations of items to
pack, but the optimal value is always unique" (Section 4): tied item sets are
allowed, since the utility is value-based. Algorithm 1's constants (its
correlation and mean) were lost in the text extraction (SPEC part A,
*choice*); the generators here take published constants only, never a figure
of the paper's results:

``"paper"`` (the default, :data:`GENERATORS`)
    weights ``w_i ~ U{1..100}`` (Pisinger's data range ``R = 100``, the
    smallest he uses: larger ranges put the capacity above 250);
    values ``v_i = w_i + R/10 + U{-R/10..R/10}`` — Pisinger's *strongly
    correlated* offset ``R/10`` with the spread ``R/10`` of his *weakly
    correlated* class, so the correlation is strong (≈ 0.98) and not
    perfect; capacity ``round(f · Σ w)``, ``f ~ U(0.08, 0.20)``, clipped to
    5..250 (random fill ≈ 60% of the optimum, as the paper's baseline);
    instances with several optimal item sets are kept (``unique_set=False``).
``"pisinger_sc"`` (the generator of earlier versions)
    Pisinger's strongly correlated class exactly (``v = w + 10``: correlation
    1), same capacity rule, and instances with two optimal item sets are
    discarded and drawn again (≈ 40% of raw draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hmlsim.errors import ConfigError, check_count, check_number
from hmlsim.knapsack.solver import solve_dp

#: the paper's bounds on the capacity
CAPACITY_MIN, CAPACITY_MAX = 5, 250
#: Pisinger's strongly correlated offset with R = 100: values = weights + R/10 (+ jitter)
OFFSET, NOISE_SD = 10.0, 0.0
#: half-width of the paper generator's uniform integer value jitter (Pisinger's weak spread R/10)
JITTER = 10
#: capacity as a fraction of the total weight (random fill ≈ 60%, SPEC criterion iii)
CAPACITY_FRACTION = (0.08, 0.20)
#: the named generators (keyword arguments of :func:`generate_instances`); "paper" is the default
GENERATORS: dict[str, dict] = {
    "paper": {"offset": OFFSET, "jitter": JITTER, "noise_sd": 0.0, "unique_set": False},
    "pisinger_sc": {"offset": OFFSET, "jitter": 0, "noise_sd": 0.0, "unique_set": True},
}


@dataclass(frozen=True)
class Instances:
    """A batch of knapsack instances with their exact optimum.

    Attributes
    ----------
    weights, values : ndarray of int64, shape (B, n)
    capacity : ndarray of int64, shape (B,)
    optimum : ndarray of int64, shape (B,)
        Optimal total value (unique: the utilities compare values).
    solution : ndarray of bool, shape (B, n)
        One optimal item set (the DP's).
    n_optimal : ndarray of int64, shape (B,), optional
        How many item sets reach the optimal value (1 unless ties are allowed).
    """

    weights: np.ndarray
    values: np.ndarray
    capacity: np.ndarray
    optimum: np.ndarray
    solution: np.ndarray
    n_optimal: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_items(self) -> int:
        """Number of items per instance."""
        return int(self.weights.shape[1])

    def subset(self, index: np.ndarray | slice) -> Instances:
        """The instances at ``index`` (rows), as a new :class:`Instances`."""
        return Instances(
            self.weights[index],
            self.values[index],
            self.capacity[index],
            self.optimum[index],
            self.solution[index],
            None if self.n_optimal is None else self.n_optimal[index],
        )


#: the most items of an instance (the paper's have 18; the exact solver's table and the
#: learners' inputs grow with it)
MAX_ITEMS = 500
#: the largest item weight, and the largest value offset and value noise
MAX_WEIGHT, MAX_VALUE = 10_000, 1e6


def check_generator(
    n_items: int,
    w_min: int,
    w_max: int,
    f_low: float,
    f_high: float,
    noise_sd: float,
    offset: float,
    jitter: int = 0,
    *,
    capacity_fields: tuple[str, str] = ("capacity_fraction", "capacity_fraction"),
) -> None:
    """Check the settings of :func:`generate_instances`, naming the field at fault.

    Raises
    ------
    ConfigError
        ``n_items`` outside 2..:data:`MAX_ITEMS`; weights not in 1..:data:`MAX_WEIGHT`,
        or all equal while the values have no noise (no instance would have a
        unique optimum); a capacity fraction outside (0, 1) or so small that
        the lightest weight would not fit in an average instance; ``offset`` or
        ``noise_sd`` outside [0, :data:`MAX_VALUE`]; ``jitter`` not an integer >= 0.
    """
    n_items = check_count("n_items", n_items, minimum=2, maximum=MAX_ITEMS)
    w_min = check_count("w_min", w_min, maximum=MAX_WEIGHT)
    w_max = check_count("w_max", w_max, minimum=w_min, maximum=MAX_WEIGHT)
    check_number("noise_sd", noise_sd, minimum=0.0, maximum=MAX_VALUE)
    check_number("offset", offset, minimum=0.0, maximum=MAX_VALUE)
    if w_max == w_min and noise_sd == 0:
        raise ConfigError(
            "w_max",
            f"must be > w_min ({w_min}) when noise_sd = 0: items of equal weight and value "
            "leave no instance with a unique optimum",
        )
    # the capacity holds at least the lightest weight when the weights are average
    lowest = 2.0 * w_min / (n_items * (w_min + w_max))
    for field, value in zip(capacity_fields, (f_low, f_high), strict=True):
        check_number(field, value, minimum=lowest, maximum=1.0)
    if not f_low <= f_high < 1.0:
        raise ConfigError(capacity_fields[0], f"need low <= high < 1, got {f_low}..{f_high}")
    if isinstance(jitter, bool) or int(jitter) != jitter or jitter < 0:
        raise ConfigError("jitter", f"must be an integer >= 0, got {jitter!r}")


def generator_kwargs(name: str, field: str = "generator") -> dict:
    """The keyword arguments of the named generator (:data:`GENERATORS`).

    ``field`` is the configuration field named in the error for an unknown name.
    """
    if name not in GENERATORS:
        raise ConfigError(field, f"must be one of {sorted(GENERATORS)}, got {name!r}")
    return dict(GENERATORS[name])


def draw_raw(
    n_instances: int,
    rng: np.random.Generator,
    *,
    n_items: int = 18,
    w_min: int = 1,
    w_max: int = 100,
    offset: float = OFFSET,
    noise_sd: float = NOISE_SD,
    capacity_fraction: tuple[float, float] = CAPACITY_FRACTION,
    jitter: int = JITTER,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw weights, values and capacities (without the uniqueness filter)."""
    w = rng.integers(w_min, w_max + 1, size=(n_instances, n_items))
    spread = rng.integers(-int(jitter), int(jitter) + 1, size=w.shape) if jitter else 0
    v = np.rint(w + offset + spread + noise_sd * rng.standard_normal((n_instances, n_items)))
    v = np.maximum(v, 1).astype(np.int64)
    fraction = rng.uniform(capacity_fraction[0], capacity_fraction[1], size=n_instances)
    cap = np.clip(np.rint(fraction * w.sum(axis=1)), CAPACITY_MIN, CAPACITY_MAX).astype(np.int64)
    return w.astype(np.int64), v, cap


def generate_instances(
    n_instances: int,
    rng: np.random.Generator,
    *,
    n_items: int = 18,
    w_min: int = 1,
    w_max: int = 100,
    offset: float = OFFSET,
    noise_sd: float = NOISE_SD,
    capacity_fraction: tuple[float, float] = CAPACITY_FRACTION,
    jitter: int = JITTER,
    unique_set: bool = False,
    max_rounds: int = 100,
) -> Instances:
    """Generate hard knapsack instances (default: the paper's generator, module doc).

    Parameters
    ----------
    n_instances : int
        Number of instances.
    rng : numpy.random.Generator
        Source of every draw.
    n_items : int
        Items per instance (the paper: 18).
    w_min, w_max : int
        Weights are uniform integers in ``w_min..w_max``.
    offset, noise_sd : float
        Values are ``round(w + offset + U{-jitter..jitter} + noise_sd · N(0, 1))``,
        at least 1.
    capacity_fraction : (float, float)
        Capacity is a uniform fraction in this range of the total weight,
        rounded and clipped to 5..250.
    jitter : int
        Half-width of the uniform integer value jitter (0: values linear in weights).
    unique_set : bool
        Discard instances whose optimal value is reached by several item sets
        (the ``"pisinger_sc"`` variant); the paper keeps them (default).
    max_rounds : int
        Rounds of redrawing instances with tied optima before giving up.

    Returns
    -------
    Instances

    Examples
    --------
    >>> inst = generate_instances(4, np.random.default_rng(0))
    >>> inst.weights.shape, bool((inst.capacity <= 250).all())
    ((4, 18), True)
    """
    check_generator(n_items, w_min, w_max, *capacity_fraction, noise_sd, offset, jitter)
    n_instances = int(n_instances)
    if n_instances < 0:
        raise ConfigError("n_instances", f"must be >= 0, got {n_instances!r}")
    kept: list[tuple[np.ndarray, ...]] = []
    missing = n_instances
    for _ in range(max_rounds):
        if missing == 0:
            break
        draw = max(missing + missing // 4, 8)
        w, v, cap = draw_raw(
            draw,
            rng,
            n_items=n_items,
            w_min=w_min,
            w_max=w_max,
            offset=offset,
            noise_sd=noise_sd,
            capacity_fraction=capacity_fraction,
            jitter=jitter,
        )
        dp = solve_dp(w, v, cap)
        ok = np.flatnonzero((dp.n_optimal == 1) | (not unique_set))[:missing]
        n_opt = dp.n_optimal[ok].astype(np.int64)
        kept.append((w[ok], v[ok], cap[ok], dp.value[ok], dp.selection[ok], n_opt))
        missing -= ok.size
    if missing:
        raise ConfigError(
            "n_instances",
            "could not draw enough instances with a unique optimum; "
            "widen the value noise (noise_sd) or the weight range",
        )
    parts = [np.concatenate(p) if kept else np.empty((0,)) for p in zip(*kept, strict=True)]
    if not kept:
        empty = np.zeros((0, n_items), dtype=np.int64)
        none = np.zeros(0, np.int64)
        return Instances(empty, empty, none, none, empty.astype(bool), none)
    return Instances(*parts)
