"""The paper's metrics over repetitions, by group, with standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmlsim.advisors.metrics import repetition_metrics, summarize, team_decisions


@st.composite
def repetitions(draw):
    n = draw(st.integers(2, 40))
    bits = st.lists(st.integers(0, 1), min_size=n, max_size=n)
    y, h, adv, acc, grp = (np.array(draw(bits)) for _ in range(5))
    y_hat = np.where(adv == 1, 1 - h, h)
    accepted = (acc == 1) & (y_hat != h)
    d = np.where(accepted, y_hat, h)
    c_model = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    return y, h, y_hat, d, accepted, c_model, grp.astype(bool)


@given(repetitions(), st.floats(0, 1), st.tuples(st.floats(0.5, 3), st.floats(0.5, 3)))
def test_identities_hold(rep, alpha, lw):
    y, h, y_hat, d, accepted, c_model, grp = rep
    rows = repetition_metrics(
        y,
        h,
        y_hat,
        d,
        accepted,
        c_model,
        alpha=alpha,
        loss_weights=lw,
        groups={"g": grp, "not_g": ~grp},
    )
    overall, g, not_g = rows
    assert overall["group"] == "all" and overall["n"] == len(y)
    for m in rows:
        if m["n"]:
            assert m["ttl"] == pytest.approx(m["tdl"] + m["al"])
            assert m["added_value"] == pytest.approx(m["hdl"] - m["ttl"])
    # group contributions add up to the overall added value
    assert g["value_contribution"] + not_g["value_contribution"] == pytest.approx(
        overall["added_value"]
    )
    assert overall["accuracy_improvement"] == pytest.approx(overall["hdl"] - overall["tdl"])
    assert overall["advising_rate"] == pytest.approx((y_hat != h).mean())


def test_rates_on_a_small_example():
    y = np.array([1, 1, 0, 0, 1])
    h = np.array([0, 1, 0, 1, 0])
    y_hat = np.array([1, 1, 1, 0, 1])
    accepted = np.array([True, False, False, True, False])
    d = np.where(accepted, y_hat, h)
    c = np.array([0.9, np.nan, 0.6, 0.8, 0.7])
    m = repetition_metrics(y, h, y_hat, d, accepted, c, alpha=0.1)[0]
    assert m["advising_rate"] == pytest.approx(4 / 5)
    assert m["acceptance_rate"] == pytest.approx(2 / 4)
    assert m["advising_accuracy"] == pytest.approx(3 / 4)
    assert m["advising_confidence"] == pytest.approx((0.9 + 0.6 + 0.8 + 0.7) / 4)
    assert m["hdl"] == pytest.approx(3 / 5) and m["tdl"] == pytest.approx(1 / 5)


def test_team_decisions_follow_acceptance_probability():
    rng = np.random.default_rng(0)
    n = 20_000
    h = np.zeros(n, int)
    y_hat = np.ones(n, int)
    accepted, d = team_decisions(
        y_hat,
        h,
        np.full(n, 0.8),
        np.full(n, 0.2),
        lambda cm, ch: np.full(len(cm), 0.3),
        rng.random(n),
    )
    assert accepted.mean() == pytest.approx(0.3, abs=0.02)
    assert np.array_equal(d, accepted.astype(int))
    none, d0 = team_decisions(
        h, h, np.full(n, np.nan), np.full(n, 0.2), lambda cm, ch: 1 / 0, rng.random(n)
    )  # never called
    assert not none.any() and np.array_equal(d0, h)


def test_summarize_gives_mean_and_standard_error():
    table = pd.DataFrame(
        {
            "variant": ["TR"] * 4,
            "alpha": [0.1] * 4,
            "group": ["all"] * 4,
            "repetition": range(4),
            "ttl": [0.1, 0.2, 0.3, 0.4],
            "acceptance_rate": [0.5, np.nan, 0.7, 0.9],
        }
    )
    out = summarize(table, metrics=("ttl", "acceptance_rate")).set_index("metric")
    assert out.loc["ttl", "mean"] == pytest.approx(0.25)
    assert out.loc["ttl", "se"] == pytest.approx(np.std([0.1, 0.2, 0.3, 0.4], ddof=1) / 2)
    assert out.loc["acceptance_rate", "n_repetitions"] == 3
