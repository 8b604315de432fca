"""The knapsack claims: the paper's SE from its text, the verdict rules, the band, the ledger."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hmlsim.errors import ConfigError
from hmlsim.knapsack.band import AXES, BandSpec, band_range, one_at_a_time, run_band
from hmlsim.knapsack.claims import (
    evaluate,
    load_ledger,
    paper_se,
    quantities,
    rung_paper_se,
    sigma_user_bound,
    stable_rung,
    verdict_equivalent_zero,
    verdict_number,
    verdict_stable,
)
from hmlsim.knapsack.instances import generate_instances
from hmlsim.knapsack.prediction import simulate_arms
from hmlsim.knapsack.recommender import density_order
from hmlsim.knapsack.solvers import SolverDraws, SolverParams
from hmlsim.knapsack.utility import fill_in_order, random_fill

LEDGER = load_ledger()
FIELDS = ("id", "where", "quote", "quantity", "test", "margin", "kind")


def test_ledger_has_every_field_and_quotes_the_paper():
    paper = Path(__file__).resolve().parents[1] / ".." / "shared" / "papers"
    paper = paper / "performative-human-ml-collaboration.txt"
    text = " ".join(paper.read_text().split()) if paper.exists() else None
    ids = [c["id"] for c in LEDGER["claim"]]
    assert len(ids) == len(set(ids))
    for claim in LEDGER["claim"]:
        assert all(field in claim for field in FIELDS), claim["id"]
        assert claim["kind"] in ("setup", "result")  # the kinds of ledger/teamrules.toml
        assert claim["kind"] == "result" or claim["reason"]
        assert claim["test"] in LEDGER["tests"]
        # every quote is the paper's sentence, up to the symbols lost in extraction ("[…]")
        # and the editor's insertions that name them ("[q1]")
        for piece in re.split(r"\[[^\]]*\]", claim["quote"]) if text else []:
            piece = piece.strip(" ()").replace("Δ's", "'s").replace("’", "'")
            assert piece[:60] in text.replace("’", "'"), claim["id"]
    assert {"humans_alone", "ladder"} == {c["id"] for c in LEDGER["claim"] if c["kind"] == "setup"}


def test_sigma_user_bound_from_the_not_significant_statements():
    sigma, source = sigma_user_bound(LEDGER)
    # 20-cent (96 users) vs 10-cent (100 users): 0.014 not significant
    assert sigma == pytest.approx(0.014 / (1.959964 * math.sqrt(1 / 96 + 1 / 100)))
    assert source == "bonus_20_vs_10"
    q1 = next(c for c in LEDGER["claim"] if c["id"] == "phi_q1")
    se = paper_se(LEDGER, q1)
    assert se["value"] == pytest.approx(sigma / 8) and se["value"] > 0.006  # the issue's ≈ 0.006
    assert "q1_vs_alone" in se["source"] or "sqrt(64)" in se["source"]
    # Δ(q6) "indistinguishable from zero" at 0.005: SE >= 0.005 / 1.96, and the arm's bound
    d6 = next(c for c in LEDGER["claim"] if c["id"] == "delta_q6")
    assert paper_se(LEDGER, d6)["value"] == pytest.approx(max(0.005 / 1.959964, sigma / 191**0.5))
    assert rung_paper_se(LEDGER, ["q1", "q6"]) == pytest.approx([sigma / 8, sigma / 191**0.5])


def test_number_rule_holds_deviates_inconclusive():
    # equivalent within the margin
    assert verdict_number(0.897, 0.894, 0.006, 0.002, (0.89, 0.91), 0.015)[0] == "holds"
    assert verdict_number(0.900, 0.894, 0.006, 0.002, (0.89, 0.91), 0.015)[0] == "inconclusive"
    # far off and no band point reaches the paper: deviates, with the SE that would overturn it
    verdict, _, overturn = verdict_number(0.95, 0.894, 0.006, 0.002, (0.94, 0.96), 0.015)
    assert verdict == "deviates"
    assert overturn == pytest.approx(math.sqrt((0.046 / 1.959964) ** 2 - 0.002**2))
    # far off at the centre but the band reaches the paper: inconclusive
    assert verdict_number(0.95, 0.894, 0.006, 0.002, (0.89, 0.96), 0.015)[0] == "inconclusive"
    # a range: inside is d = 0
    assert verdict_number(0.91, [0.894, 0.926], 0.005, 0.002, None, 0.015)[0] == "holds"


def test_stable_rung_is_read_within_the_measured_range():
    se = np.full(3, 0.004)
    u = np.array([0.7, 0.8, 0.9])
    assert stable_rung([0.2, 0.05, 0.005], se, u) == (3.0, 0.9)  # |Δ| < 1.96 se at the top
    k, at = stable_rung([0.2, 0.05, -0.05], se, u)  # a sign change between rungs 2 and 3
    assert k == 2.5 and at == pytest.approx(0.85)
    k, at = stable_rung([0.2, 0.05, 0.02], se, u)  # above the line throughout: none
    assert k == 0.0 and math.isnan(at)
    # the paper's rung at the centre holds; "no stable point" also needs the whole band
    assert verdict_stable(6.0, 6.0, [0.0, 6.0])[0] == "holds"
    assert verdict_stable(0.0, 6.0, [0.0, 6.0])[0] == "inconclusive"
    assert verdict_stable(0.0, 6.0, [0.0, 5.0])[0] == "deviates"
    assert verdict_stable(0.0, 0.0, [0.0, 6.0], whole_band=True)[0] == "inconclusive"
    assert verdict_stable(0.0, 0.0, [0.0], whole_band=True)[0] == "holds"


def test_equivalence_of_the_bonus_arms_uses_tost():
    rng = np.random.default_rng(0)
    base = rng.normal(0.9, 0.05, 2000)
    same = {10.0: base + rng.normal(0, 0.001, 2000)}
    assert verdict_equivalent_zero(base, same, 0.014, (0.0, 0.001))[0] == "holds"
    shifted = {10.0: base + 0.03}
    assert verdict_equivalent_zero(base, shifted, 0.014, (0.02, 0.04))[0] == "deviates"
    assert verdict_equivalent_zero(base, shifted, 0.014, (0.0, 0.04))[0] == "inconclusive"


def _spec(n_lhs=3):
    return BandSpec(
        centre={
            "effort": 6,
            "perception_noise": 0.05,
            "follow_intercept": 0.0,
            "slope_factor": 1.0,
            "incentive_elasticity": 0.0,
        },
        ranges={
            "effort": (3, 12),
            "perception_noise": (0.0, 0.15),
            "follow_intercept": (-1.0, 1.0),
            "slope_factor": (0.5, 2.0),
            "incentive_elasticity": (0.0, 0.5),
        },
        n_lhs=n_lhs,
    )


def test_band_points_cover_each_axis_and_the_box():
    points = _spec().points(np.random.default_rng(0))
    assert points.point.iloc[0] == "centre"
    # one at a time: each end that differs from the centre (elasticity's low end is its centre)
    assert (points.design == "oat").sum() == 2 * len(AXES) - 1
    assert (points.design == "lhs").sum() == 3
    for axis in AXES:
        lo, hi = _spec().ranges[axis]
        assert points[axis].between(lo, hi).all()
    table = run_band(points, lambda p: {"y": p["effort"] * 2.0})
    assert band_range(table, "y") == (6.0, 24.0)
    assert one_at_a_time(table, "y")["effort"] == [6.0, 24.0]
    with pytest.raises(ConfigError, match="band_effort"):
        BandSpec(centre={**_spec().centre, "effort": 20}, ranges=_spec().ranges)


def test_quantities_and_verdicts_on_simulated_arms():
    rng = np.random.default_rng(2)
    inst = generate_instances(400, rng)
    weak = random_fill(inst.weights, inst.capacity, rng)
    order = density_order(inst.weights, inst.values)
    strong = fill_in_order(inst.weights, inst.capacity, order, stop_at_first=False)
    draws = SolverDraws.draw(inst.weights.shape, rng)
    arms = simulate_arms(inst, [weak, strong], SolverParams(), draws)
    names = ["q1", "q6"]
    se = rung_paper_se(LEDGER, names)
    q = quantities(arms, names, se, [64, 191], {0.0: arms.alone, 10.0: arms.alone}, (0.7, 0.9))
    not_f = ~arms.followed[1]
    assert q["inferior_not_following_q6"] == pytest.approx(
        (arms.worse[1] & not_f).sum() / not_f.sum()
    )
    assert q["bonus_effect_10"] == 0.0 and q["bonus_effect_max"] == 0.0
    assert q["phi_slope"] == pytest.approx(
        (q["phi_q6"] - q["phi_q1"]) / (q["model_q6"] - q["model_q1"])
    )
    band = pd.DataFrame([q, {**q, "phi_q1": q["phi_q1"] + 0.01}])
    preds = evaluate(
        LEDGER,
        q,
        {k: 0.002 for k in q},
        band,
        {
            "bonus_u": {0.0: arms.alone, 10.0: arms.alone},
            "names": names,
            "rung_sd": [0.1, 0.1],
        },
    )
    by_id = {p["id"]: p for p in preds}
    assert len(preds) == len(LEDGER["claim"])
    for p in preds:
        assert {"band", "paper_se", "verdict", "quote", "kind"} <= set(p)
        if p["kind"] == "result":
            assert p["verdict"] in ("holds", "deviates", "inconclusive"), p["id"]
        else:
            assert p["verdict"] is None
    assert by_id["phi_q1"]["band"] == (q["phi_q1"], q["phi_q1"] + 0.01)
    assert by_id["bonus_null"]["verdict"] == "holds"
