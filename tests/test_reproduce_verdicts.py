"""The tests behind the verdicts, on per-run values whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.errors import ConfigError
from hmlsim.reproduce.verdicts import (
    LEVEL,
    Claim,
    combine_parts,
    judge_part,
    minimum_detectable_effect,
)

RUNS = 10
MARGIN = 0.01


def _runs(mean: float, sd: float, n: int = RUNS, seed: int = 0) -> np.ndarray:
    """n values with exactly this mean and sample SD (so the answer is known)."""
    z = np.random.default_rng(seed).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


SMALL, HUGE = 0.001, 0.5  # sample SDs: SE 0.0003 and 0.16 over ten runs


@pytest.mark.parametrize(
    ("test", "claim_true", "claim_false"),
    [
        ("equivalence", 0.0, 3 * MARGIN),
        ("superiority", 3 * MARGIN, -3 * MARGIN),
        ("non_inferiority", 0.0, -3 * MARGIN),
        ("non_superiority", 0.0, 3 * MARGIN),
    ],
)
def test_each_test_holds_deviates_and_is_inconclusive_as_its_logic_says(
    test, claim_true, claim_false
):
    assert judge_part(_runs(claim_true, SMALL), test, MARGIN).verdict == "holds"
    assert judge_part(_runs(claim_false, SMALL), test, MARGIN).verdict == "deviates"
    for mean in (claim_true, claim_false):
        assert judge_part(_runs(mean, HUGE), test, MARGIN).verdict == "inconclusive"


def test_a_number_is_judged_under_the_papers_se_as_well_as_hmlsims():
    close = _runs(0.232, SMALL)
    assert judge_part(close, "number", 0.02, paper=0.231, paper_se=0.001).verdict == "holds"
    # the same runs against a paper whose own SE is wide: the test cannot tell
    wide = judge_part(close, "number", 0.02, paper=0.231, paper_se=0.05)
    assert wide.verdict == "inconclusive" and wide.mde > 0.05
    far = judge_part(_runs(0.30, SMALL), "number", 0.02, paper=0.231, paper_se=0.006)
    assert far.verdict == "deviates" and far.low > 0.02
    # without a published SE, hmlsim's alone
    assert judge_part(close, "number", 0.02, paper=0.231).verdict == "holds"


def test_one_run_is_inconclusive_never_holds_against_an_se_of_zero():
    for test in ("equivalence", "superiority", "non_inferiority", "non_superiority"):
        part = judge_part([0.5], test, MARGIN)
        assert part.verdict == "inconclusive" and part.se is None and part.mde is None
    assert judge_part([0.231], "number", 0.02, paper=0.231).verdict == "inconclusive"


def test_equal_runs_have_no_spread_and_are_judged_on_their_value():
    assert judge_part(np.zeros(RUNS), "equivalence", MARGIN).verdict == "holds"
    assert judge_part(np.zeros(RUNS), "superiority").verdict == "deviates"
    assert judge_part(np.full(RUNS, 0.02), "superiority").verdict == "holds"


@given(
    mean=st.floats(-0.2, 0.2),
    sd=st.floats(1e-4, 0.3),
    test=st.sampled_from(["equivalence", "superiority", "non_inferiority", "non_superiority"]),
)
def test_holds_and_deviates_never_overlap_and_follow_the_interval(mean, sd, test):
    part = judge_part(_runs(mean, sd), test, MARGIN)
    boundary = {"superiority": 0.0, "non_inferiority": -MARGIN}.get(test)
    if part.verdict == "holds" and boundary is not None:
        assert part.low > boundary - 1e-12
    if part.verdict == "deviates" and boundary is not None:
        assert part.high <= boundary + 1e-12
    if test == "equivalence" and part.verdict == "holds":
        assert -MARGIN < part.low and part.high < MARGIN
    assert part.low <= part.mean <= part.high


def test_all_needs_every_part_and_one_deviation_at_bonferroni_level_sinks_it():
    good = _runs(0.03, SMALL)
    bad = _runs(-0.03, SMALL)
    unsure = _runs(0.0, HUGE)
    verdict, deciding, each = combine_parts({"a": good, "b": bad}, "superiority", 0, "all")
    assert verdict == "deviates" and deciding.label == "b" and len(each) == 2
    assert combine_parts({"a": good, "b": good}, "superiority", 0, "all")[0] == "holds"
    assert combine_parts({"a": good, "b": unsure}, "superiority", 0, "all")[0] == "inconclusive"
    # a part that deviates at LEVEL but not at LEVEL / k does not sink the claim
    borderline = _runs(-0.0013, 0.002)  # upper bound just below 0 at 5%, not at 5%/6
    assert judge_part(borderline, "superiority").verdict == "deviates"
    parts = {f"p{i}": good for i in range(5)} | {"edge": borderline}
    assert combine_parts(parts, "superiority", 0, "all")[0] == "inconclusive"


def test_any_needs_one_part_at_bonferroni_level_and_pooled_tests_the_mean():
    good, bad = _runs(0.03, SMALL), _runs(-0.03, SMALL)
    assert combine_parts({"a": good, "b": bad}, "superiority", 0, "any")[0] == "holds"
    assert combine_parts({"a": bad, "b": bad}, "superiority", 0, "any")[0] == "deviates"
    # a part that holds at LEVEL but not at LEVEL / k: no best-of-k without correction
    barely = _runs(0.0013, 0.002)
    assert judge_part(barely, "superiority").verdict == "holds"
    parts = {f"p{i}": _runs(-0.001, HUGE, seed=i) for i in range(5)} | {"edge": barely}
    assert combine_parts(parts, "superiority", 0, "any")[0] == "inconclusive"
    # pooled: the per-run mean of the parts (here 0 ± 0.0003) is tested once
    verdict, deciding, _ = combine_parts({"a": good, "b": bad}, "superiority", 0, "pooled")
    assert verdict == "inconclusive" and deciding.mean == pytest.approx(0.0)
    lower = _runs(-0.05, SMALL)
    assert combine_parts({"a": good, "b": lower}, "superiority", 0, "pooled")[0] == "deviates"


def test_the_mde_shrinks_with_runs_and_with_spread():
    assert minimum_detectable_effect(0.01, 1) is None
    assert minimum_detectable_effect(0.0, 10) == 0.0
    ten, hundred = minimum_detectable_effect(0.01, 10), minimum_detectable_effect(0.01, 100)
    # z(0.95) + z(0.8) = 2.49 standard errors for large n; t adds a little at ten runs
    assert 2.49 * 0.01 < hundred < ten < 2.8 * 0.01
    assert judge_part(_runs(0, 0.03), "superiority").mde == pytest.approx(
        minimum_detectable_effect(0.03 / np.sqrt(RUNS), RUNS)
    )


def test_bad_test_or_margin_is_refused_naming_the_field():
    with pytest.raises(ConfigError, match="test"):
        judge_part([0.1, 0.2], "better")
    with pytest.raises(ConfigError, match="margin"):
        judge_part([0.1, 0.2], "equivalence", -0.1)
    with pytest.raises(ConfigError, match="paper"):
        judge_part([0.1, 0.2], "number", 0.02)
    with pytest.raises(ConfigError, match="combine"):
        combine_parts({"a": np.ones(3)}, "superiority", 0, "most")


def test_claims_are_strict_json():
    claim = Claim("x", "w", "q", "result", "v[TR]", "superiority", "single", 0.0, "holds")
    record = {**claim.to_dict(), "hmlsim": None}
    assert Claim(**{**record, "low": float("nan")}).to_dict()["low"] is None
    assert LEVEL == 0.05
