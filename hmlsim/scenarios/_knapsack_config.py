"""The knapsack study's configuration: every setting, its range, and the quick size.

Kept apart from :mod:`hmlsim.scenarios.knapsack_study` (which runs the study)
so that each module has one job; the study module re-exports :class:`Config`
and :data:`QUICK` as the scenario contract asks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hmlsim.errors import ConfigError, check_count, check_number, check_probability
from hmlsim.knapsack.band import AXES, BandSpec
from hmlsim.knapsack.calibration import PAPER_ALONE
from hmlsim.knapsack.instances import (
    CAPACITY_FRACTION,
    check_generator,
    generator_kwargs,
)
from hmlsim.knapsack.ladder import PAPER_QUALITIES
from hmlsim.knapsack.learners import check_learner

#: the largest bonus accepted, in cents (the paper's arms pay 0, 10 and 20)
MAX_BONUS_CENTS = 1_000.0


@dataclass(frozen=True)
class Config:
    """The knapsack study (defaults: full size).

    Attributes
    ----------
    seed : int
        Master seed of every draw.
    n_items : int
        Items per instance.
    generator : str
        The named instance generator: ``"paper"`` (Algorithm 1 / A.10, the
        default) or ``"pisinger_sc"`` (values ``w + 10``, ties discarded: the
        generator of earlier versions); see :mod:`hmlsim.knapsack.instances`.
    offset, noise_sd : float or None
        Generator axes: values are ``round(w + offset + U{-jitter..jitter} +
        noise_sd · N(0,1))``; ``None``: the named generator's.
    jitter : int or None
        Generator axis: the half-width of the uniform value jitter (``None``:
        the named generator's, 10 for ``"paper"``).
    w_max : int
        Generator axis: weights are uniform in ``1..w_max`` (Pisinger's ``R``).
    capacity_low, capacity_high : float
        Generator axis: capacity is a uniform fraction in this range of the
        total weight (clipped to 5..250).
    n_train, n_valid : int
        Instances to train the ladder on and to measure its qualities.
    qualities : tuple of float
        Target model qualities (the paper's q1..q6); rung ``k`` is named ``q{k+1}``.
    n_eval : int
        Instances solved per model to estimate Φ.
    bonuses : tuple of float
        Bonus arms (cents per percentage point) for humans alone (predicted
        with the prior of no effort response).
    target_alone : float
        Calibration target: humans alone (the paper's 10-cent arm with quiz),
        the only figure fitted.
    n_boot, n_refits : int
        Bootstrap resamples of the instances, and calibration refits on
        humans-alone targets drawn within the paper's SE (simulation SE).
    centre_effort, centre_perception_noise, centre_follow_intercept,
    centre_slope_factor, centre_incentive_elasticity : float
        The centre of the band: the behaviour constants that are not fitted
        (:mod:`hmlsim.knapsack.band`). ``slope_factor`` multiplies the follow
        slope's tie to the noise.
    band_effort, band_perception_noise, band_follow_intercept,
    band_slope_factor, band_incentive_elasticity : (float, float)
        Each constant's plausible range, declared before the run (reasons in
        ``docs/knapsack.md``).
    band_points : int
        Latin-hypercube points over the whole box, besides the centre and
        each constant at each end of its range.
    curve_sizes : tuple of int
        Training-set sizes of the learning curves (each at most ``n_train``).
    curve_learners : tuple of str
        Learners of the learning curves (:mod:`hmlsim.knapsack.learners`):
        ``"sorted"`` (the paper's MLP on density-sorted items), ``"unsorted"``
        (the same network, items in their given order: no density prior),
        ``"set"`` (the per-item set learner with greedy and one-exchange inputs).
    loop_learner : str
        The learner the firm retrains in the loop (``"sorted"``, the paper's
        MLP, by default; ``"unsorted"`` or ``"set"``).
    loop_starts : tuple of float
        Ladder qualities the performative loops start from (nearest rung).
    loop_label_starts : tuple of float
        Further first models of the loop (none by default): for each fraction
        ``p``, the loop's learner trained on the ladder's training instances
        with their optimum as the label on a random share ``p`` of them and
        the density-greedy fill on the others (``p = 1``: optimal labels;
        :func:`~hmlsim.knapsack.steps.label_starts`). In the tables
        ``first_model`` is ``"labels_{p}"``; these paths are summarised apart
        from the ladder's starts (``summary.label_starts``).
    n_seeds : int
        Loop repetitions per start and variant.
    n_cases, max_epochs, epsilon, patience, train_epochs : int / float
        The firm's loop (see :class:`~hmlsim.knapsack.loop.LoopSettings`);
        ``epsilon`` is also the tolerance of every 45°-line test.
    ladder_epochs : int
        Training epochs of each ladder model.
    device : str
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    torch_threads : int
        Torch CPU threads during the run (restored afterwards), at least 1.
        One thread is fastest for this small network: on a loaded 2-core
        machine two threads made one training 20× slower.
    """

    seed: int = 0
    n_items: int = 18
    generator_name: str = "paper"
    offset: float | None = None
    noise_sd: float | None = None
    jitter: int | None = None
    w_max: int = 100
    capacity_low: float = CAPACITY_FRACTION[0]
    capacity_high: float = CAPACITY_FRACTION[1]
    n_train: int = 4096
    n_valid: int = 2000
    qualities: tuple[float, ...] = PAPER_QUALITIES
    n_eval: int = 4000
    bonuses: tuple[float, ...] = (0.0, 2.0, 10.0, 20.0)
    target_alone: float = PAPER_ALONE
    n_boot: int = 200
    n_refits: int = 20
    centre_effort: float = 6
    centre_perception_noise: float = 0.05
    centre_follow_intercept: float = 0.0
    centre_slope_factor: float = 1.0
    centre_incentive_elasticity: float = 0.0
    band_effort: tuple[float, ...] = (3, 12)
    band_perception_noise: tuple[float, ...] = (0.0, 0.15)
    band_follow_intercept: tuple[float, ...] = (-1.0, 1.0)
    band_slope_factor: tuple[float, ...] = (0.5, 2.0)
    band_incentive_elasticity: tuple[float, ...] = (0.0, 0.5)
    band_points: int = 16
    curve_sizes: tuple[int, ...] = (256, 1024, 4096)
    curve_learners: tuple[str, ...] = ("sorted", "unsorted", "set")
    loop_learner: str = "sorted"
    loop_starts: tuple[float, ...] = (0.717, 0.844)
    loop_label_starts: tuple[float, ...] = ()
    n_seeds: int = 3
    n_cases: int = 2000
    max_epochs: int = 10
    epsilon: float = 0.005
    patience: int = 2
    train_epochs: int = 10
    ladder_epochs: int = 10
    device: str = "cpu"
    torch_threads: int = 1

    def __post_init__(self) -> None:
        for name in (
            "n_items",
            "w_max",
            "n_train",
            "n_valid",
            "n_eval",
            "n_boot",
            "n_seeds",
            "n_cases",
            "max_epochs",
            "patience",
            "train_epochs",
            "ladder_epochs",
        ):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {value!r}")
        if int(self.n_refits) != self.n_refits or self.n_refits < 0:
            raise ConfigError("n_refits", f"must be an integer >= 0, got {self.n_refits!r}")
        for name in ("n_valid", "n_eval"):
            if getattr(self, name) < 10:
                raise ConfigError(name, f"must be >= 10, got {getattr(self, name)!r}")
        if not self.qualities:
            raise ConfigError("qualities", "give at least one quality")
        for p in self.loop_label_starts:
            check_number("loop_label_starts", p, minimum=0.0, maximum=1.0)
        for name in ("qualities", "loop_starts"):
            for q in getattr(self, name):
                if not 0.0 < q <= 1.0:
                    raise ConfigError(name, f"each must lie in (0, 1]; got {q!r}")
        if not self.loop_starts:
            raise ConfigError("loop_starts", "give at least one start quality")
        for b in self.bonuses:
            check_number("bonuses", b, minimum=0.0, maximum=MAX_BONUS_CENTS)
        check_probability("target_alone", self.target_alone)
        generator_kwargs(self.generator_name, "generator_name")
        for axis in AXES:
            if len(getattr(self, f"band_{axis}")) != 2:
                raise ConfigError(f"band_{axis}", "give two numbers: low,high")
        _ = self.band  # BandSpec checks the ranges and the centre
        if not self.curve_sizes or any(
            int(n) != n or not 1 <= n <= self.n_train for n in self.curve_sizes
        ):
            raise ConfigError("curve_sizes", f"each must be an integer in 1..{self.n_train}")
        for name in ("curve_learners", "loop_learner"):
            value = getattr(self, name)
            for learner in value if isinstance(value, tuple) else (value,):
                check_learner(name, learner)
        generator = self.generator  # the named generator with this config's axes
        check_generator(
            self.n_items,
            1,
            self.w_max,
            self.capacity_low,
            self.capacity_high,
            generator["noise_sd"],
            generator["offset"],
            generator["jitter"],
            capacity_fields=("capacity_low", "capacity_high"),
        )
        check_count("n_boot", self.n_boot, minimum=2)  # a bootstrap of one draw has no spread
        check_count(
            "patience", self.patience, maximum=self.max_epochs, why="longer than max_epochs"
        )
        check_number("epsilon", self.epsilon, minimum=0.0, maximum=1.0, strict_minimum=True)
        if int(self.torch_threads) != self.torch_threads or self.torch_threads < 1:
            raise ConfigError(
                "torch_threads", f"must be an integer >= 1, got {self.torch_threads!r}"
            )
        if self.device not in ("cpu", "cuda", "auto"):
            raise ConfigError("device", f"must be cpu, cuda or auto; got {self.device!r}")
        check_count(
            "torch_threads", self.torch_threads, maximum=os.cpu_count() or 1, why="CPU cores here"
        )
        if self.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise ConfigError("device", "cuda: no CUDA device here; use cpu or auto")

    @property
    def generator(self) -> dict:
        """Keyword arguments of :func:`~hmlsim.knapsack.instances.generate_instances`."""
        kwargs = generator_kwargs(self.generator_name)
        for name in ("offset", "noise_sd", "jitter"):
            if getattr(self, name) is not None:
                kwargs[name] = getattr(self, name)
        return {
            **kwargs,
            "n_items": self.n_items,
            "w_max": self.w_max,
            "capacity_fraction": (self.capacity_low, self.capacity_high),
        }

    @property
    def band(self) -> BandSpec:
        """The band over the unfitted behaviour constants (:mod:`hmlsim.knapsack.band`)."""
        return BandSpec(
            centre={a: float(getattr(self, f"centre_{a}")) for a in AXES},
            ranges={a: tuple(map(float, getattr(self, f"band_{a}"))) for a in AXES},
            n_lhs=self.band_points,
        )


#: the small size for tests and CI
QUICK = {
    "n_train": 512,
    "n_valid": 500,
    "n_eval": 1000,
    "n_boot": 50,
    "n_refits": 4,
    "band_points": 4,
    "curve_sizes": (128, 512),
    "loop_starts": (0.717,),
    "n_seeds": 2,
    "n_cases": 500,
    "max_epochs": 4,
}
