"""The reproduction's verdict rules and claims, on tables whose answer is known."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from hmlsim.advisors import HUMAN, PAPER_VARIANTS, VARIANTS
from hmlsim.errors import ConfigError
from hmlsim.reproduce import claims as paper_claims
from hmlsim.reproduce.report import compute_claims
from hmlsim.reproduce.units import C1_ALPHAS, FIGURE2_ALPHAS, parse_unit, plan_units
from hmlsim.reproduce.verdicts import margins_claim, number_claim
from hmlsim.scenarios._teamrules_common import BEHAVIOURS


def test_number_claim_verdicts_follow_the_stated_rules():
    assert number_claim("x", 0.5, [0.51, 0.52], tolerance=0.03).verdict == "holds"
    # outside the tolerance but within two combined SEs (noisy runs)
    noisy = number_claim("x", 0.5, [0.40, 0.70], tolerance=0.03)
    assert noisy.verdict == "within_se" and noisy.se == pytest.approx(0.15)
    far = number_claim("x", 0.5, [0.60, 0.61, 0.62], tolerance=0.03, paper_se=0.005)
    assert far.verdict == "deviates" and far.n_runs == 3


def test_margins_claim_needs_every_margin_and_names_the_deciding_one():
    ok = margins_claim("x", "s", {"a": np.array([0.1, 0.2]), "b": np.array([0.0, 0.01])})
    assert ok.verdict == "holds" and ok.hmlsim == pytest.approx(0.005)
    # one mean below 0 but within its SE: within_se, even though another is fine
    close = margins_claim("x", "s", {"a": np.array([0.1, 0.2]), "b": np.array([-0.05, 0.03])})
    assert close.verdict == "within_se" and "decided by b" in close.note
    bad = margins_claim("x", "s", {"a": np.array([0.1, 0.2]), "b": np.array([-0.2, -0.21])})
    assert bad.verdict == "deviates" and bad.hmlsim == pytest.approx(-0.205)


def test_units_are_parsed_and_planned_longest_first():
    assert parse_unit("figure2/fico/23") == ("figure2", "fico", 23)
    assert parse_unit("table4/31") == ("table4", "heart", 31)
    for bad in ("figure2/20", "figure2/adult/20", "table4/x", "c6/20", "case_study/heart/20"):
        with pytest.raises(ConfigError, match="unit"):
            parse_unit(bad)
    full = plan_units()
    assert len(full) == len(set(full)) == 30 + 10 + 20 + 20
    # rounds: every study advances together (FICO, the longest, first in a round)
    assert full[:8] == [
        "figure2/fico/20",
        "figure2/hr/20",
        "figure2/heart/20",
        "table4/20",
        "table4/21",
        "case_study/20",
        "case_study/21",
        "c5/20",
    ]
    first_half = full[: len(full) // 2]
    for study, total in (("figure2/fico", 10), ("table4", 20), ("c5", 10)):
        assert sum(u.startswith(study) for u in first_half) == total // 2
    assert len(plan_units(datasets=("heart", "hr"))) == 70
    quick = plan_units(quick=True)
    assert sorted(u.split("/")[0] for u in quick) == sorted(
        ["figure2"] * 3 + ["c5", "table4", "case_study"]
    )


def _figure2_values(dataset: str, tr_edge: float, rival: str = "Task-only") -> pd.DataFrame:
    """Added value per run: every variant 0.02, TR 0.02 + tr_edge, the rival 0.05 lower."""
    rows = []
    splits = range(20, 25)
    for behaviour, alpha, split in itertools.product(
        BEHAVIOURS, FIGURE2_ALPHAS + C1_ALPHAS, splits
    ):
        noise = 0.001 * (split - 22)
        for variant in (*VARIANTS, HUMAN):
            value = 0.0 if variant == HUMAN else 0.02 + noise
            value += tr_edge if variant == "TR" else 0.0
            value -= 0.05 if variant == rival else 0.0
            rate = 0.05 if variant == "TR" else 0.5
            accuracy = 0.71 if behaviour.startswith("difficulty") else 0.83
            rows.append(
                {
                    "dataset": dataset,
                    "decision": behaviour,
                    "split_seed": split,
                    "variant": variant,
                    "alpha": alpha,
                    "group": "all",
                    "added_value": value,
                    "advising_rate": rate,
                    "human_accuracy": accuracy,
                }
            )
    return pd.DataFrame(rows)


def _runs(dataset: str, accuracy: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"dataset": dataset, "split_seed": list(range(20, 25)), "task_only_test_accuracy": accuracy}
    )


def _by_id(claims):
    return {c.id: c for c in claims}


def test_figure2_claims_hold_when_tr_leads_and_deviate_when_a_rival_leads():
    values = _figure2_values("heart", tr_edge=0.01)
    got = _by_id(paper_claims.figure2_claims(values, _runs("heart", 0.79), ["heart"], {}))
    for behaviour in BEHAVIOURS:
        assert got[f"figure2/heart/{behaviour}/tr_at_or_above_every_paper_variant"].verdict == (
            "holds"
        )
        assert got[f"figure2/heart/{behaviour}/tr_never_below_human"].verdict == "holds"
        assert got[f"c1/heart/{behaviour}/tr_mostly_withholds"].verdict == "holds"
        # task-only (the rival, 0.05 below the others) is at -0.03: it diminishes value
        assert got[f"c1/heart/{behaviour}/task_only_diminishes"].verdict == "holds"
    assert got["figure2/heart/task_only_accuracy"].verdict == "holds"
    assert got["figure2/heart/group/human_accuracy"].hmlsim == pytest.approx(0.83)
    assert got["figure2/heart/group+group/task_only_always_diminishes"].verdict == "holds"
    c3 = got["c3/heart/group+group/tr_significantly_above_selective_only"]
    assert c3.verdict == "holds" and c3.hmlsim == pytest.approx(0.01)  # 0.01 ahead, SE 0
    assert got["c3/hr/difficulty+group/tr_significantly_above_selective_only"].verdict == "not_run"

    worse = _figure2_values("heart", tr_edge=-0.03, rival="TR-no(ADB)")
    got = _by_id(paper_claims.figure2_claims(worse, _runs("heart", 0.6), ["heart"], {}))
    claim = got["figure2/heart/group+group/tr_at_or_above_every_paper_variant"]
    assert claim.verdict == "deviates" and claim.hmlsim == pytest.approx(-0.03)
    assert got["figure2/heart/group+group/tr_never_below_human"].verdict == "deviates"
    assert got["c1/heart/group+group/task_only_diminishes"].verdict == "deviates"  # +0.02
    assert got["figure2/heart/task_only_accuracy"].verdict == "deviates"
    c3 = got["c3/heart/group+group/tr_significantly_above_selective_only"]
    assert c3.verdict == "deviates" and c3.hmlsim == pytest.approx(-0.03)


def test_tr_expertise_is_never_a_rival_in_the_paper_claims():
    assert "TR+expertise" in VARIANTS and "TR+expertise" not in PAPER_VARIANTS
    values = _figure2_values("hr", tr_edge=0.01)
    values.loc[values["variant"] == "TR+expertise", "added_value"] += 0.2
    got = _by_id(paper_claims.figure2_claims(values, _runs("hr", 0.79), ["hr"], {}))
    assert got["figure2/hr/group+group/tr_at_or_above_every_paper_variant"].verdict == "holds"


def test_fico_claims_are_not_run_with_the_reason_when_its_units_were_not_planned():
    values = _figure2_values("heart", tr_edge=0.01)
    tables = {"figure2_values": values, "figure2_runs": _runs("heart", 0.78)}
    claims = compute_claims(tables, ["figure2/heart/20"], "FICO file absent: set HMLSIM_FICO_PATH")
    fico = [c for c in claims if "/fico/" in c.id]
    assert len(fico) == 3 * 5 + 3  # per panel: 2 Figure-2 + 3 C.1 claims; accuracy claims
    assert all(c.verdict == "not_run" and "HMLSIM_FICO_PATH" in c.note for c in fico)
    hr = [c for c in claims if "/hr/" in c.id]
    assert all(c.verdict == "not_run" and "not finished" in c.note for c in hr)
    assert all(c.verdict == "not_run" for c in claims if c.id.startswith(("table4", "c5")))


def test_table4_claims_compare_ttl_with_the_paper_and_check_the_ordering():
    rows = []
    ttl = {"TR": 0.23, "TR-no(ADB)": 0.245, "Task-only": 0.30, HUMAN: 0.31, "TR+expertise": 0.2}
    for split, (variant, value) in itertools.product(range(20, 26), ttl.items()):
        for group, share in (("all", 1.0), ("no_disease", 0.32), ("has_disease", 0.68)):
            rows.append(
                {
                    "split_seed": split,
                    "variant": variant,
                    "alpha": 0.0,
                    "group": group,
                    "ttl": value + 0.002 * (split - 23),
                    "ttl_contribution": share * value,
                }
            )
    got = _by_id(paper_claims.table4_claims(pd.DataFrame(rows)))
    assert got["table4/ttl/human"].verdict == "holds"
    assert got["table4/ttl/tr"].hmlsim == pytest.approx(0.229)
    assert got["table4/ordering"].verdict == "holds"
    assert got["table4/ttl_by_class/human/no_disease"].verdict == "holds"
    assert "table4/ttl/tr+expertise" not in got


def test_weak_group_split_subtracts_counts_and_values_from_the_overall_rows():
    from hmlsim.reproduce.report import _group_split

    rows = []
    for split in (20, 21):
        for variant, (rate_all, value_all, rate_in, acc_in, value_in) in {
            "TR": (0.2, -0.01, 0.4, 0.9, 0.03),
            "Task-only": (1.0, -0.10, 1.0, 0.8, 0.01),
        }.items():
            rows.append(
                dict(
                    split_seed=split,
                    variant=variant,
                    group="all",
                    n=100,
                    advising_rate=rate_all,
                    advising_accuracy=0.5,
                    value_contribution=value_all,
                )
            )
            rows.append(
                dict(
                    split_seed=split,
                    variant=variant,
                    group="weak",
                    n=25,
                    advising_rate=rate_in,
                    advising_accuracy=acc_in,
                    value_contribution=value_in,
                )
            )
    table = _group_split(pd.DataFrame(rows), "weak").set_index("advisor")
    assert table.loc["TR", "advice per run, weak group"] == "10.0"
    assert table.loc["TR", "advice per run, elsewhere"] == "10.0"  # 20 in all − 10 inside
    assert table.loc["TR", "right, weak group"].startswith("+0.900")
    assert table.loc["TR", "value, elsewhere"].startswith("-0.040")  # −0.01 − 0.03
    assert table.loc["Task-only", "value, elsewhere"].startswith("-0.110")
