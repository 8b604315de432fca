"""Characteristic functions: tabulated (with extrapolation policies), callable, empirical."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from hmlsim.dynamics import CallablePhi, EmpiricalPhi, TabulatedPhi, parse_points
from hmlsim.dynamics.testing import piecewise_linear_phis
from hmlsim.errors import ConfigError

PAPER = ([0.717, 0.920], [0.894, 0.926])


def test_tabulated_interpolates_linearly_between_points():
    phi = TabulatedPhi(*PAPER)
    u = np.array([0.717, 0.8185, 0.920])
    np.testing.assert_allclose(phi(u), [0.894, 0.910, 0.926])
    assert isinstance(phi(0.8), float)
    assert phi(u.reshape(3, 1)).shape == (3, 1)


@given(piecewise_linear_phis(), st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_tabulated_agrees_with_numpy_interp(phi, u):
    np.testing.assert_allclose(phi(np.array(u)), np.interp(u, phi.x, phi.y))


@pytest.mark.parametrize(
    ("policy", "below", "above"),
    [("clip", 0.894, 0.926), ("identity", 0.5, 0.98), ("linear", None, None)],
)
def test_extrapolation_policies(policy, below, above):
    phi = TabulatedPhi(*PAPER, extrapolate=policy)
    slope = (0.926 - 0.894) / (0.920 - 0.717)
    if policy == "linear":
        below, above = 0.894 + slope * (0.5 - 0.717), min(1.0, 0.926 + slope * (0.98 - 0.92))
    assert phi(0.5) == pytest.approx(below)
    assert phi(0.98) == pytest.approx(above)
    # inside the measured range every policy is the same interpolation
    assert phi(0.8) == pytest.approx(TabulatedPhi(*PAPER)(0.8))


def test_linear_extrapolation_stays_in_unit_interval():
    phi = TabulatedPhi([0.4, 0.5], [0.2, 0.9], extrapolate="linear")
    assert phi(0.0) == 0.0
    assert phi(1.0) == 1.0


def test_error_policy_restricts_the_domain():
    phi = TabulatedPhi(*PAPER, extrapolate="error")
    assert phi.domain == (0.717, 0.920)
    assert phi(0.8) == pytest.approx(0.894 + (0.926 - 0.894) * (0.8 - 0.717) / (0.920 - 0.717))
    with pytest.raises(ConfigError, match="extrapolate"):
        phi(0.5)


def test_identity_policy_is_discontinuous_when_end_points_are_off_the_line():
    assert not TabulatedPhi(*PAPER, extrapolate="identity").continuous
    assert TabulatedPhi([0.2, 0.8], [0.2, 0.8], extrapolate="identity").continuous
    assert TabulatedPhi(*PAPER).continuous


@pytest.mark.parametrize(
    ("xs", "ys", "field", "words"),
    [
        ([0.9, 0.7], [0.5, 0.5], "model_utility", "unsorted"),
        ([0.7, 0.7], [0.5, 0.6], "model_utility", "duplicate"),
        ([0.7, 1.2], [0.5, 0.6], "model_utility", "[0, 1]"),
        ([0.7, 0.8], [0.5, -0.1], "team_utility", "[0, 1]"),
        ([0.7, 0.8], [0.5], "team_utility", "one value"),
        ([], [], "model_utility", "non-empty"),
        ([0.7, np.nan], [0.5, 0.6], "model_utility", "[0, 1]"),
    ],
)
def test_tabulated_rejects_bad_points(xs, ys, field, words):
    with pytest.raises(ConfigError, match=field) as info:
        TabulatedPhi(xs, ys)
    assert info.value.field == field
    assert words in info.value.message


def test_tabulated_rejects_unknown_policy():
    with pytest.raises(ConfigError) as info:
        TabulatedPhi(*PAPER, extrapolate="spline")
    assert info.value.field == "extrapolate"


def test_parse_points():
    assert parse_points("0.717:0.894, 0.920:0.926") == ([0.717, 0.92], [0.894, 0.926])
    for bad, words in [
        ("0.7", "MODEL:TEAM"),
        ("0.7:0.8:0.9", "MODEL:TEAM"),
        ("a:b", "MODEL:TEAM"),
        ("", "nothing"),
        ("0.7:1.5", "[0, 1]"),
        ("0.8:0.5,0.7:0.6", "increasing"),
        ("0.7:0.5,0.7:0.6", "duplicate"),
        ("nan:0.5", "[0, 1]"),
    ]:
        with pytest.raises(ConfigError, match="--points") as info:
            parse_points(bad)
        assert words in info.value.message, bad


def test_callable_phi_scalar_and_loop_modes():
    vectorised = CallablePhi(lambda u: u**2, name="square")
    looped = CallablePhi(lambda u: u**2 if u < 0.5 else 0.25, vectorised=False)
    u = np.array([0.2, 0.4, 0.8])
    np.testing.assert_allclose(vectorised(u), u**2)
    np.testing.assert_allclose(looped(u), [0.04, 0.16, 0.25])
    assert CallablePhi(lambda u: 0.3)(u).tolist() == [0.3, 0.3, 0.3]
    assert vectorised.delta(0.5) == pytest.approx(-0.25)
    with pytest.raises(ConfigError):
        CallablePhi("not callable")


# --- empirical Φ -------------------------------------------------------------------------


def _samples(seed=0, n=40):
    rng = np.random.default_rng(seed)
    levels = np.array([0.717, 0.800, 0.844, 0.884, 0.899, 0.920])
    model = np.repeat(levels, n)
    team = np.clip(model + 0.3 * (0.92 - model) + rng.normal(0, 0.08, model.size), 0, 1)
    return model, team


def test_empirical_phi_means_and_t_intervals_match_scipy():
    model, team = _samples()
    phi = EmpiricalPhi.from_samples(model, team, ci="t", level=0.9)
    table = phi.table()
    assert table["n"].tolist() == [40] * 6
    first = team[model == 0.717]
    lo, hi = stats.t.interval(0.9, df=39, loc=first.mean(), scale=stats.sem(first))
    assert table.loc[0, "team_utility"] == pytest.approx(first.mean())
    assert (table.loc[0, "team_lo"], table.loc[0, "team_hi"]) == pytest.approx((lo, hi))
    diff = first - 0.717
    dlo, dhi = stats.t.interval(0.9, df=39, loc=diff.mean(), scale=stats.sem(diff))
    assert (table.loc[0, "delta_lo"], table.loc[0, "delta_hi"]) == pytest.approx((dlo, dhi))
    assert phi(0.717) == pytest.approx(first.mean())
    # the bands bracket the estimate at every measured point
    assert np.all(phi.lower(phi.x) <= phi(phi.x)) and np.all(phi(phi.x) <= phi.upper(phi.x))


def test_empirical_t_interval_covers_the_truth_at_its_level():
    # 200 simulated studies: the 90% interval of the team utility at u = 0.8 covers the
    # true mean 0.8 + 0.3·0.12 = 0.836 in roughly 90% of them
    covered = 0
    for seed in range(200):
        model, team = _samples(seed, n=30)
        row = EmpiricalPhi.from_samples(model, team, level=0.9).table().iloc[1]
        covered += row["team_lo"] <= 0.836 <= row["team_hi"]
    assert 0.84 <= covered / 200 <= 0.96


def test_empirical_bootstrap_is_reproducible_and_close_to_t():
    model, team = _samples()
    a = EmpiricalPhi.from_samples(model, team, ci="bootstrap", rng=7).table()
    b = EmpiricalPhi.from_samples(model, team, ci="bootstrap", rng=7).table()
    c = EmpiricalPhi.from_samples(model, team, ci="bootstrap", rng=8).table()
    t = EmpiricalPhi.from_samples(model, team, ci="t").table()
    assert a.equals(b)
    assert not a["team_lo"].equals(c["team_lo"])
    np.testing.assert_allclose(a["team_lo"], t["team_lo"], atol=0.01)
    np.testing.assert_allclose(a["team_hi"], t["team_hi"], atol=0.01)


def test_empirical_groups_and_bins():
    rng = np.random.default_rng(1)
    model = rng.uniform(0.6, 0.95, 300)
    team = np.clip(model + 0.05, 0, 1)
    epochs = np.repeat([0, 1, 2], 100)
    by_epoch = EmpiricalPhi.from_samples(np.sort(model), team[np.argsort(model)], groups=epochs)
    assert len(by_epoch.x) == 3 and list(by_epoch.counts) == [100, 100, 100]
    binned = EmpiricalPhi.from_samples(model, team, bins=5)
    assert list(binned.counts) == [60] * 5
    np.testing.assert_allclose(binned.y - binned.x, 0.05, atol=1e-12)
    single = EmpiricalPhi.from_samples([0.5, 0.7], [0.6, 0.8])
    assert np.isnan(single.table()["team_lo"]).all()
    assert single.lower(0.5) == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ci": "normal"}, "ci"),
        ({"level": 1.0}, "level"),
        ({"bins": 0}, "bins"),
        ({"n_boot": 0}, "n_boot"),
        ({"groups": [1, 2]}, "groups"),
    ],
)
def test_empirical_rejects_bad_arguments(kwargs, field):
    model, team = _samples(n=5)
    with pytest.raises(ConfigError) as info:
        EmpiricalPhi.from_samples(model, team, **kwargs)
    assert info.value.field == field
