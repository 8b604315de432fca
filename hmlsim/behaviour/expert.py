"""A simulated expert: decisions, confidence and advice-taking behaviour (ADB).

An :class:`Expert` combines an accuracy model (how often it is right on each
row), a confidence model (the c^H it reports) and its true ADB parameters
(delta, k, gamma, beta of :func:`~hmlsim.behaviour.adb.accept_probability`).
:func:`make_expert` builds the paper's behaviours for a loaded dataset and
:func:`preset_expert` the case study's doctors and the Table-4 expert.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from hmlsim.behaviour.accuracy import (
    AccuracyMap,
    AccuracyModel,
    DifficultyAccuracy,
    DifficultyModel,
    check_groups,
    flip_decisions,
)
from hmlsim.behaviour.adb import accept_probability, sample_acceptance
from hmlsim.behaviour.confidence import (
    AccuracyConfidence,
    ConfidenceMap,
    ConfidenceModel,
    GroupConfidence,
    score_from_probability,
)
from hmlsim.data.loaders import Dataset
from hmlsim.data.splits import Split
from hmlsim.errors import ConfigError, check_choice, check_number, check_type
from hmlsim.seeding import SeedLike, make_rng

DECISIONS: tuple[str, ...] = ("difficulty", "group")
CONFIDENCES: tuple[str, ...] = ("accuracy", "group")
PRESETS: tuple[str, ...] = ("doctor_a", "doctor_b", "table4", "table4_prose")
ADB_PARAMS: tuple[str, ...] = ("delta", "k", "gamma", "beta")


@dataclass(frozen=True)
class Expert:
    """A simulated expert.

    Parameters
    ----------
    accuracy : AccuracyModel
        Per-row probability of a correct decision.
    confidence_model : ConfidenceModel
        The confidence score c^H reported on each row.
    delta, k, gamma, beta : float
        The expert's true ADB (CPT-logit) parameters.
    name : str
        A label for reports.

    Examples
    --------
    >>> from hmlsim.data import load_dataset
    >>> ds = load_dataset("heart")
    >>> expert = make_expert(ds, decision="group", confidence="accuracy")
    >>> h, c_h = expert.decide(ds.test, np.random.default_rng(0))
    >>> h.shape == c_h.shape == (127,)
    True
    """

    accuracy: AccuracyModel
    confidence_model: ConfidenceModel
    delta: float = 5.0
    k: float = 0.63
    gamma: float = 0.95
    beta: float = 0.5
    name: str = "expert"

    def __post_init__(self) -> None:
        # finite numbers only: NaN passes a plain "< 0" test and would make p(a) NaN
        check_number("delta", self.delta, minimum=0.0)
        check_number("k", self.k, minimum=0.0, strict_minimum=True)
        check_number("gamma", self.gamma, minimum=0.0, strict_minimum=True)
        check_number("beta", self.beta, minimum=0.0)

    @property
    def adb_params(self) -> dict[str, float]:
        """The ADB parameters as keyword arguments of ``accept_probability``."""
        return {p: float(getattr(self, p)) for p in ADB_PARAMS}

    def correct_probability(self, split: Split) -> np.ndarray:
        """P(h = y) on each row of ``split``."""
        return self.accuracy.correct_probability(split)

    def confidence(self, split: Split) -> np.ndarray:
        """The confidence score c^H the expert reports on each row of ``split``."""
        return self.confidence_model.confidence(split, self.correct_probability(split))

    def decide(self, split: Split, rng: SeedLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw the expert's decisions h and report confidences c^H on ``split``.

        Returns
        -------
        h : ndarray of int
        c_human : ndarray of float
        """
        check_type("split", split, Split, "a Split of a Dataset, such as ds.test")
        p = self.correct_probability(split)
        h = flip_decisions(split.y, p, make_rng(rng))
        return h, self.confidence_model.confidence(split, p)

    def accept_probability(self, c_model: ArrayLike, c_human: ArrayLike) -> np.ndarray | float:
        """The expert's true probability of accepting contradicting advice."""
        return accept_probability(c_model, c_human, **self.adb_params)

    def accept(self, c_model: ArrayLike, c_human: ArrayLike, rng: SeedLike = None) -> np.ndarray:
        """Draw accept (True) / reject (False) of contradicting advice."""
        p = np.asarray(self.accept_probability(c_model, c_human))
        return sample_acceptance(p, make_rng(rng))

    def final_decisions(
        self,
        h: ArrayLike,
        advice: ArrayLike,
        c_model: ArrayLike,
        c_human: ArrayLike,
        rng: SeedLike = None,
    ) -> np.ndarray:
        """Final decisions d: the advice where it contradicts h and is accepted, else h.

        ``advice`` may hold -1 (or any value other than 0/1) for "no advice".
        """
        h = np.asarray(h, dtype=int)
        advice = np.asarray(advice)
        contradicts = (advice != h) & np.isin(advice, (0, 1))
        accepted = self.accept(c_model, c_human, rng) & contradicts
        return np.where(accepted, advice, h).astype(int)

    def with_adb(self, **params: float) -> Expert:
        """A copy with some ADB parameters replaced (``with_adb(delta=3)``)."""
        unknown = set(params) - set(ADB_PARAMS)
        if unknown:
            raise ConfigError(sorted(unknown)[0], f"not an ADB parameter; use {ADB_PARAMS}")
        return dataclasses.replace(self, **params)


#: the largest ADB noise: the SD of a log-factor; at 5 a parameter already moves by a
#: factor up to e^20 (four SDs), beyond which the perturbed expert is not a person
MAX_ADB_NOISE = 5.0


def check_adb_noise(field: str, noise: object) -> float:
    """An ADB noise level of :func:`perturb_adb`: a number in [0, :data:`MAX_ADB_NOISE`]."""
    return check_number(field, noise, minimum=0.0, maximum=MAX_ADB_NOISE)


def perturb_adb(expert: Expert, noise: float, rng: SeedLike = None) -> Expert:
    """A copy of ``expert`` whose ADB parameters are multiplied by log-normal noise.

    Each of delta, k, gamma, beta is multiplied by exp(noise * Z), Z ~ N(0, 1):
    a discretion model fitted on ``expert`` then mis-describes the copy, which
    is how robustness studies degrade the discretion model on purpose.

    Parameters
    ----------
    expert : Expert
    noise : float
        Standard deviation of the log-factor (0 returns an identical copy).
    rng : Generator or int, optional
    """
    noise = check_adb_noise("noise", noise)
    draws = make_rng(rng).standard_normal(len(ADB_PARAMS))
    params = {
        name: float(getattr(expert, name) * np.exp(noise * z))
        for name, z in zip(ADB_PARAMS, draws, strict=True)
    }
    return dataclasses.replace(expert, name=f"{expert.name}~adb{noise:g}", **params)


def make_expert(
    ds: Dataset,
    decision: str | AccuracyModel = "difficulty",
    confidence: str | ConfidenceModel | None = None,
    *,
    rng: SeedLike = None,
    threshold: float | None = None,
    decision_group: str | None = None,
    confidence_group: str | None = None,
    easy_accuracy: float = 0.60,
    hard_accuracy: float = 1.00,
    inside_accuracy: float = 0.60,
    outside_accuracy: float = 0.95,
    kappa: float = 0.1,
    delta: float = 5.0,
    k: float = 0.63,
    gamma: float = 0.95,
    beta: float = 0.5,
    difficulty_model: DifficultyModel | None = None,
    name: str | None = None,
) -> Expert:
    """Build one of the paper's simulated experts for a loaded dataset.

    Parameters
    ----------
    ds : Dataset
        The data; the difficulty model is fitted on ``ds.human_train``.
    decision : {"difficulty", "group"} or AccuracyModel
        Difficulty-biased (``easy_accuracy`` where d > d_t, ``hard_accuracy``
        elsewhere) or group-biased (``inside_accuracy`` in ``decision_group``,
        ``outside_accuracy`` elsewhere), or any accuracy model.
    confidence : {"accuracy", "group"}, ConfidenceModel or None
        Accuracy-biased with offset ``kappa``, or the paper's group-biased
        values (0.9 where d <= d_t, else 0.2 in ``confidence_group``, 1.0 out).
        None (default) pairs them as the paper's experiments do: accuracy-biased
        confidence with difficulty-biased decisions, group-biased confidence
        with group-biased decisions (and accuracy-biased with a custom model).
    rng : Generator or int, optional
        Only used to seed the difficulty model's solver (decisions draw from
        the generator passed to :meth:`Expert.decide`).
    threshold : float, optional
        d_t; default the dataset's (0.6 heart, 0.3 FICO, 0.8 HR).
    decision_group, confidence_group : str, optional
        Group names; default the dataset's declared ones.
    delta, k, gamma, beta : float
        True ADB parameters.
    difficulty_model : DifficultyModel, optional
        Reuse a fitted model (populations share one).
    name : str, optional

    Returns
    -------
    Expert
    """
    check_type("ds", ds, Dataset, "a Dataset (hmlsim.data.load_dataset)")
    for field, value, method, accepted in (
        ("decision", decision, "correct_probability", DECISIONS),
        ("confidence", confidence, "confidence", CONFIDENCES),
    ):
        if value is not None and not isinstance(value, str):
            if not callable(getattr(value, method, None)):  # neither a name nor a model
                raise ConfigError(
                    field, f"expected one of {', '.join(accepted)} or a model; got {value!r}"
                )
    spec = ds.spec
    threshold = spec.difficulty_threshold if threshold is None else threshold
    if confidence is None:
        confidence = "group" if decision == "group" else "accuracy"
    needs_difficulty = decision == "difficulty" or confidence == "group"
    if needs_difficulty and difficulty_model is None:
        seed = int(make_rng(rng, "difficulty").integers(2**31))
        difficulty_model = DifficultyModel.fit(ds.human_train, random_state=seed)
    if isinstance(decision, str):
        check_choice("decision", decision, DECISIONS)
        if decision == "difficulty":
            accuracy: AccuracyModel = DifficultyAccuracy(
                difficulty_model, threshold, easy=easy_accuracy, hard=hard_accuracy
            )
        else:
            group = decision_group or spec.decision_group
            if group is None:
                raise ConfigError("decision_group", f"dataset {spec.name!r} declares no default")
            check_groups(ds.train, [group])
            accuracy = AccuracyMap.group(group, inside_accuracy, outside_accuracy)
    else:
        accuracy = decision
    if isinstance(confidence, str):
        check_choice("confidence", confidence, CONFIDENCES)
        if confidence == "accuracy":
            conf_model: ConfidenceModel = AccuracyConfidence(kappa)
        else:
            group = confidence_group or spec.confidence_group
            if group is None:
                raise ConfigError("confidence_group", f"dataset {spec.name!r} declares no default")
            check_groups(ds.train, [group])
            conf_model = GroupConfidence(difficulty_model, threshold, group)
    else:
        conf_model = confidence
    label = name or f"{spec.name}:{decision if isinstance(decision, str) else 'custom'}-" + (
        confidence if isinstance(confidence, str) else "custom"
    )
    return Expert(accuracy, conf_model, delta=delta, k=k, gamma=gamma, beta=beta, name=label)


def preset_expert(name: str, ds: Dataset, *, rng: SeedLike = None, **adb: float) -> Expert:
    """The TeamRules paper's named experts (heart groups ``male``, ``elderly_male``).

    - ``"doctor_a"`` (case study): 90% accurate on males, 60% on females,
      "97.5% confident" on everyone, i.e. q = 0.975, c^H = 2q - 1 = 0.95;
    - ``"doctor_b"``: same accuracy, 97.5% confident on males (c^H = 0.95) and
      60.5% on females (c^H = 0.21);
    - ``"table4"``: the expert whose numbers Table 4 reports (SPEC part B): the
      dataset's group-biased expert, 60% accurate in its decision group (heart:
      age < 50) and 95% elsewhere, with group-biased confidence;
    - ``"table4_prose"``: the expert the paper's prose describes for Table 4,
      95% accurate on young (age < 54) or female patients, 60% on elderly
      (age >= 54) males, accuracy-biased confidence with kappa = 0.1. It gives
      the human alone a TTL of ≈ 0.48, not the table's 0.313: kept for that check.

    ``rng`` seeds the difficulty model of ``"table4"``'s confidence; extra
    keyword arguments set ADB parameters.
    """
    check_choice("preset", name, PRESETS)
    if name == "table4":
        return make_expert(
            ds, decision="group", confidence="group", rng=rng, name=f"{ds.name}:{name}", **adb
        )
    if name in ("doctor_a", "doctor_b"):
        check_groups(ds.train, ["male"])
        accuracy = AccuracyMap((("male", 0.90),), default=0.60)
        male_c = float(score_from_probability(0.975))
        female_c = male_c if name == "doctor_a" else float(score_from_probability(0.605))
        conf: ConfidenceModel = ConfidenceMap((("male", male_c),), default=female_c)
    else:
        check_groups(ds.train, ["elderly_male"])
        accuracy = AccuracyMap((("elderly_male", 0.60),), default=0.95)
        conf = AccuracyConfidence(0.1)
    return Expert(accuracy, conf, name=f"{ds.name}:{name}", **adb)
