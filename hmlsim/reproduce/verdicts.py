"""The statistical tests behind every verdict: one published sentence, tested by its logic.

A claim of the ledger (:mod:`hmlsim.reproduce.ledger`) names a *quantity*
measured once per run (paired across advisors within a run: the same split,
expert draws and acceptance draws) and the *test* its sentence implies:

``superiority``
    "adds the most / more / significantly more / diminishes": the quantity is
    > 0. Holds when the one-sided lower bound is > 0; deviates when the upper
    bound is <= 0.
``non_inferiority``
    "does not diminish": the quantity is > −margin. Holds when the lower
    bound is > −margin; deviates when the upper bound is <= −margin.
``non_superiority``
    "cannot add value at all": the quantity is < margin. Holds when the upper
    bound is < margin; deviates when the lower bound is >= margin.
``equivalence``
    "matches / comparable / similar": |quantity| < margin, by two one-sided
    tests (statsmodels' ``ttost_mean``). Holds when both bounds are inside
    ±margin; deviates when the whole interval lies outside.
``number``
    A value the paper prints: hmlsim's mean minus the paper's, under the
    combined uncertainty √(se² + se_paper²) (the paper's SE where its text
    gives one; hmlsim's alone where it does not, and the claim says so),
    tested for equivalence within ±margin.

Every test is one-sided at level :data:`LEVEL` (a 90% two-sided interval with
Student's t over the runs). Anything else is ``inconclusive``: the interval
holds both the claim and its negation at this number of runs. A claim judged
on one run is ``inconclusive`` (no SE), never ``holds``. Each verdict carries
the *minimum detectable effect*: the distance from the test's boundary that
these runs detect with 80% power (statsmodels' ``TTestPower``).

A sentence that covers several α, rivals or panels combines its parts as the
wording implies (:func:`combine_parts`): ``all`` holds when every part holds
(an intersection–union test needs no correction) and deviates when some part
deviates at level/k (Bonferroni); ``any`` holds when some part holds at
level/k and deviates when every part deviates; ``pooled`` averages the parts
within each run first and tests once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from hmlsim.errors import ConfigError, check_choice

#: one-sided level of every test (a 90% two-sided interval)
LEVEL = 0.05
#: power at which the minimum detectable effect is computed
POWER = 0.8
TESTS = ("superiority", "non_inferiority", "non_superiority", "equivalence", "number")
COMBINE = ("single", "all", "any", "pooled")
KINDS = ("result", "setup", "by_construction")
VERDICTS = ("holds", "deviates", "inconclusive", "not_run")


@dataclass(frozen=True)
class PartResult:
    """One part of a claim (one α, rival or panel) judged at one level.

    Attributes
    ----------
    label : str
        Which part (``"alpha=0.5, rival=Task-only"``; empty for a single part).
    mean, se : float or None
        The quantity's mean over runs and its SE (for ``number``: hmlsim's
        mean, and hmlsim's SE alone).
    n : int
        Runs with a finite value.
    low, high : float or None
        The one-sided bounds at the level used (for ``number``: of hmlsim −
        paper under the combined SE).
    verdict : str
    mde : float or None
        Minimum detectable effect at :data:`POWER` (None with fewer than two runs).
    p_value : float or None
        The p-value of the test whose rejection makes the claim hold (statsmodels'
        ``ttest_mean`` or ``ttost_mean``; for ``number``, the two one-sided
        normal tests under the combined SE).
    """

    label: str
    mean: float | None
    se: float | None
    n: int
    low: float | None
    high: float | None
    verdict: str
    mde: float | None
    p_value: float | None = None


@dataclass(frozen=True)
class Claim:
    """One published result, its test and its verdict (one entry of ``claims.json``).

    Attributes
    ----------
    id : str
        ``<study>/<context>/<name>``.
    where : str
        Section, figure or table of the paper.
    quote : str
        The paper's own words.
    kind : {"result", "setup", "by_construction"}
        Only ``result`` enters the headline counts.
    quantity : str
        What hmlsim measures, as the ledger writes it.
    test, combine : str
        The test (:data:`TESTS`) and how its parts combine (:data:`COMBINE`).
    margin : float
        The test's margin (0 for superiority).
    verdict : {"holds", "deviates", "inconclusive", "not_run"}
    hmlsim, se, n_runs, low, high, mde
        The deciding part's mean, SE, runs, bounds and minimum detectable effect.
    paper, paper_se, paper_se_source
        The published value, its SE and where the SE comes from (numbers only).
    decided_by : str
        The part that decides the verdict.
    parts : list of dict
        Every part's :class:`PartResult` at level :data:`LEVEL`.
    reason : str
        Why a ``setup`` or ``by_construction`` claim is one; why a claim was not run.
    note : str
        How the quantity is read from the runs, where the ledger says more.
    """

    id: str
    where: str
    quote: str
    kind: str
    quantity: str
    test: str
    combine: str
    margin: float
    verdict: str
    hmlsim: float | None = None
    se: float | None = None
    n_runs: int = 0
    low: float | None = None
    high: float | None = None
    mde: float | None = None
    paper: float | None = None
    paper_se: float | None = None
    paper_se_source: str = ""
    decided_by: str = ""
    parts: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The claim as a strict-JSON object (non-finite numbers become null)."""
        return {k: _json_safe(v) for k, v in asdict(self).items()}


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def mean_se(values: Sequence[float] | np.ndarray) -> tuple[float | None, float | None, int]:
    """Mean, SE over runs (None for one run) and the number of finite values."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None, None, 0
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else None
    return float(v.mean()), se, int(v.size)


def minimum_detectable_effect(se: float, n: int, level: float = LEVEL) -> float | None:
    """The effect a one-sided t test at ``level`` detects with power :data:`POWER`.

    Parameters
    ----------
    se : float
        Standard error of the mean (combined, for a published number).
    n : int
        Runs behind it (>= 2).
    level : float
        One-sided level.
    """
    if n < 2 or not math.isfinite(se):
        return None
    return 0.0 if se == 0.0 else _standardised_effect(n, level) * se * math.sqrt(n)


@functools.lru_cache(maxsize=256)
def _standardised_effect(n: int, level: float) -> float:
    """Cohen's d that n runs detect at ``level`` with power :data:`POWER` (statsmodels)."""
    from statsmodels.stats.power import TTestPower

    return float(TTestPower().solve_power(nobs=n, alpha=level, power=POWER, alternative="larger"))


def _claim_p_value(values: np.ndarray, test: str, margin: float) -> float:
    """statsmodels' p-value of the null hypothesis whose rejection makes the claim hold."""
    from statsmodels.stats.weightstats import DescrStatsW

    d = DescrStatsW(values)
    if test == "superiority":
        return float(d.ttest_mean(0.0, alternative="larger")[1])
    if test == "non_inferiority":
        return float(d.ttest_mean(-margin, alternative="larger")[1])
    if test == "non_superiority":
        return float(d.ttest_mean(margin, alternative="smaller")[1])
    return float(d.ttost_mean(-margin, margin)[0])


def _number_p_value(diff: float, se: float, margin: float) -> float:
    """Two one-sided tests of |hmlsim − paper| < margin under a combined SE (normal)."""
    if se == 0.0:
        return 0.0 if abs(diff) < margin else 1.0
    return float(max(stats.norm.sf((diff + margin) / se), stats.norm.cdf((diff - margin) / se)))


def _against(test: str, low: float, high: float, margin: float) -> bool:
    """Whether the interval lies wholly on the side of the claim's negation."""
    if test == "superiority":
        return high <= 0
    if test == "non_inferiority":
        return high <= -margin
    if test == "non_superiority":
        return low >= margin
    return high <= -margin or low >= margin


def judge_part(
    values: Sequence[float] | np.ndarray,
    test: str,
    margin: float = 0.0,
    *,
    level: float = LEVEL,
    paper: float | None = None,
    paper_se: float | None = None,
    label: str = "",
) -> PartResult:
    """Judge one part: the per-run values of the claim's quantity under its test.

    Parameters
    ----------
    values : array-like
        The quantity in each run (non-finite values are left out).
    test : str
        One of :data:`TESTS`.
    margin : float
        Non-inferiority, non-superiority, equivalence or number margin (>= 0).
    level : float
        One-sided level of the test.
    paper, paper_se : float, optional
        For ``number``: the published value and its SE (None: unknown, hmlsim's
        SE alone).
    label : str
        The part's name.

    Examples
    --------
    >>> judge_part([0.001, -0.002, 0.0, 0.002, -0.001], "equivalence", 0.01).verdict
    'holds'
    >>> judge_part([0.05], "superiority").verdict  # one run: no SE
    'inconclusive'
    """
    check_choice("test", test, TESTS)
    if not (math.isfinite(margin) and margin >= 0):
        raise ConfigError("margin", f"must be a finite number >= 0, got {margin!r}")
    if test == "number" and (paper is None or not math.isfinite(paper)):
        raise ConfigError("paper", "a number claim needs the paper's finite value")
    mean, se, n = mean_se(values)
    if mean is None:
        return PartResult(label, None, None, 0, None, None, "not_run", None)
    if se is None:  # one run: no SE, so no interval
        return PartResult(label, mean, None, n, None, None, "inconclusive", None)
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if test == "number":
        centre, spread = mean - paper, math.hypot(se, paper_se or 0.0)
        z = stats.norm.ppf(1.0 - level)
        low, high = centre - z * spread, centre + z * spread
        p_value = _number_p_value(centre, spread, margin)
    elif se == 0.0:  # every run the same value: the interval is that value
        low = high = mean
        p_value = 0.0 if _inside(test, mean, margin) else 1.0
    else:
        from statsmodels.stats.weightstats import DescrStatsW

        low, high = (float(b) for b in DescrStatsW(v).tconfint_mean(alpha=2 * level))
        p_value = _claim_p_value(v, test, margin)
    if p_value < level:
        verdict = "holds"
    elif _against(test, low, high, margin):
        verdict = "deviates"
    else:
        verdict = "inconclusive"
    mde = minimum_detectable_effect(spread if test == "number" else se, n, level)
    return PartResult(label, mean, se, n, low, high, verdict, mde, p_value)


def _inside(test: str, value: float, margin: float) -> bool:
    """Whether a value known without error satisfies the claim."""
    if test == "superiority":
        return value > 0
    if test == "non_inferiority":
        return value > -margin
    if test == "non_superiority":
        return value < margin
    return abs(value) < margin


def combine_parts(
    parts: dict[str, np.ndarray],
    test: str,
    margin: float,
    combine: str,
    *,
    paper: float | None = None,
    paper_se: float | None = None,
) -> tuple[str, PartResult, list[PartResult]]:
    """Judge a claim made of several parts (see the module's combination rules).

    Parameters
    ----------
    parts : dict
        Part label -> per-run values; for ``pooled`` the arrays must be paired
        (the same runs in the same order).
    test, margin, paper, paper_se
        As for :func:`judge_part`.
    combine : {"single", "all", "any", "pooled"}

    Returns
    -------
    verdict : str
    deciding : PartResult
        The part that decides the verdict (its label names it).
    each : list of PartResult
        Every part at level :data:`LEVEL`.

    Examples
    --------
    >>> ok = np.array([0.02, 0.03, 0.025, 0.02])
    >>> bad = np.array([-0.02, -0.03, -0.025, -0.02])
    >>> combine_parts({"a": ok, "b": bad}, "superiority", 0.0, "all")[0]
    'deviates'
    >>> combine_parts({"a": ok, "b": bad}, "superiority", 0.0, "any")[0]
    'holds'
    """
    check_choice("combine", combine, COMBINE)
    kw = {"paper": paper, "paper_se": paper_se}
    if combine == "pooled" and len(parts) > 1:
        pooled = np.nanmean(np.vstack([np.asarray(v, dtype=float) for v in parts.values()]), 0)
        part = judge_part(pooled, test, margin, label="pooled: " + "; ".join(parts), **kw)
        return (
            part.verdict,
            part,
            [judge_part(v, test, margin, label=k, **kw) for k, v in parts.items()],
        )
    each = [judge_part(v, test, margin, label=k, **kw) for k, v in parts.items()]
    ran = [p for p in each if p.verdict != "not_run"]
    if not ran:
        return "not_run", each[0], each
    if len(ran) == 1 or combine in ("single", "pooled"):
        return ran[0].verdict, ran[0], each
    k = len(ran)
    strict = [
        judge_part(parts[p.label], test, margin, level=LEVEL / k, label=p.label, **kw) for p in ran
    ]
    if combine == "all":
        # holds: every part holds (intersection-union); deviates: one part at level/k
        failing = [p for p in strict if p.verdict == "deviates"]
        if failing:
            return "deviates", _worst(failing, test, margin), each
        if all(p.verdict == "holds" for p in ran):
            return "holds", _worst(ran, test, margin), each
        return "inconclusive", _worst([p for p in ran if p.verdict != "holds"], test, margin), each
    # any: holds when one part holds at level/k; deviates when every part deviates
    holding = [p for p in strict if p.verdict == "holds"]
    if holding:
        return "holds", _best(holding, test, margin), each
    if all(p.verdict == "deviates" for p in ran):
        return "deviates", _best(ran, test, margin), each
    return "inconclusive", _best(ran, test, margin), each


def _standing(part: PartResult, test: str, margin: float) -> float:
    """How far the part's interval lies on the claim's side of its boundary (larger: better)."""
    if part.low is None or part.high is None:
        return -math.inf
    if test == "superiority":
        return part.low
    if test == "non_inferiority":
        return part.low + margin
    if test == "non_superiority":
        return margin - part.high
    return min(part.low + margin, margin - part.high)


def _worst(parts: list[PartResult], test: str, margin: float) -> PartResult:
    return min(parts, key=lambda p: _standing(p, test, margin))


def _best(parts: list[PartResult], test: str, margin: float) -> PartResult:
    return max(parts, key=lambda p: _standing(p, test, margin))


def part_dict(part: PartResult) -> dict[str, Any]:
    """A part as a JSON object."""
    return _json_safe(asdict(part))
