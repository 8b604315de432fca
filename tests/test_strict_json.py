"""summary.json is strict JSON, and a claim these runs cannot judge says so (issue 23)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from strict_json import load_strict

from hmlsim.experiments.scenario import NULL_REASONS, load_scenario, scenario_main, write_json
from hmlsim.scenarios.teamrules_value import all_claims_hold, check_claims


def test_strict_reader_refuses_nan(tmp_path):
    (tmp_path / "x.json").write_text('{"a": NaN}')
    with pytest.raises(ValueError, match="NaN"):
        load_strict(tmp_path / "x.json")


def test_write_json_writes_null_with_a_reason(tmp_path):
    payload = {"gap": -math.inf, "runs": [{"se": math.nan}, {"se": 0.1}], "big": math.inf}
    write_json(tmp_path / "summary.json", payload)
    data = load_strict(tmp_path / "summary.json")
    assert data["gap"] is None and data["runs"][0]["se"] is None and data["big"] is None
    assert data["runs"][1]["se"] == 0.1
    assert data[NULL_REASONS] == {
        "gap": "was -inf",
        "runs.0.se": "was nan (not a number)",
        "big": "was inf",
    }
    write_json(tmp_path / "list.json", [math.nan, 1.0])  # not a mapping: null alone
    assert load_strict(tmp_path / "list.json") == [None, 1.0]


def _stats(variants, runs: int) -> pd.DataFrame:
    rows = [
        {"variant": v, "alpha": a, "mean": m, "se": 0.01 if runs > 1 else 0.0, "n": runs}
        for v, m in zip(variants, (0.10, 0.05, -0.02), strict=False)
        for a in (0.0, 0.3)
    ]
    return pd.DataFrame(rows)


def test_a_claim_with_one_variant_or_one_run_is_not_judged():
    alone = check_claims(_stats(["TR"], runs=5))
    assert (
        alone["tr_best_within_se"] is None
        and "no rival" in alone["not_judged"]["tr_best_within_se"]
    )
    assert alone["task_only_diminishes_at_max_alpha"] is None
    assert alone["tr_not_below_human"] is True  # TR against the human needs no rival
    one_run = check_claims(_stats(["TR", "Task-only"], runs=1))
    assert all(one_run[c] is None for c in ("tr_best_within_se", "tr_not_below_human"))
    assert "no standard error" in one_run["not_judged"]["tr_not_below_human"]
    judged = check_claims(_stats(["TR", "Task-only", "TR-no(ADB)"], runs=3))
    assert judged["tr_best_within_se"] is True and "not_judged" not in judged
    # over contexts: a failure fails, an unjudged claim does not pass
    verdicts = all_claims_hold([judged, alone])
    assert verdicts["tr_best_within_se"] is None and verdicts["tr_not_below_human"] is True
    assert (
        all_claims_hold([{**judged, "tr_best_within_se": False}, alone])["tr_best_within_se"]
        is False
    )


def test_teamrules_value_with_tr_alone_writes_strict_json(tmp_path):
    module = load_scenario("teamrules_value")
    assert scenario_main(module, ["--quick", "--variants", "TR", "--out", str(tmp_path)]) == 0
    summary = load_strict(tmp_path / "summary.json")  # was -Infinity
    load_strict(tmp_path / "config.json")
    claims = summary["claims"]["heart/difficulty+accuracy"]
    assert claims["tr_best_within_se"] is None and "tr_largest_shortfall" not in claims
    assert summary["all_claims_hold"]["tr_best_within_se"] is None  # not judged is no pass
