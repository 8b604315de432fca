"""summary.json is strict JSON, and a claim these runs cannot judge says so (issue 23)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from strict_json import load_strict

from hmlsim.experiments.scenario import NULL_REASONS, load_scenario, scenario_main, write_json
from hmlsim.scenarios.teamrules_value import ledger_verdicts


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


def _values(variants, splits, alphas=(0.0, 0.3)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figure 2's tables for heart/difficulty+accuracy: TR ahead of every rival."""
    gains = {"TR": 0.10, "Task-only": -0.02, "TR-no(ADB)": 0.05, "Human": 0.0}
    rows = [
        {
            "dataset": "heart",
            "decision": "difficulty+accuracy",
            "split_seed": split,
            "variant": v,
            "alpha": a,
            "group": "all",
            "added_value": gains[v] + 0.001 * split,
            "advising_rate": 0.3,
            "advising_accuracy": 0.6,
            "human_accuracy": 0.7,
        }
        for v in (*variants, "Human")
        for a in alphas
        for split in splits
    ]
    return pd.DataFrame(rows), pd.DataFrame({"split_seed": list(splits)})


def test_a_claim_of_one_run_or_of_missing_alphas_is_inconclusive_and_says_why():
    judged = {c["id"]: c for c in ledger_verdicts(*_values(["TR"], splits=[20, 21, 22]))}
    never_below = judged["figure2/heart/difficulty+accuracy/tr_does_not_diminish_human"]
    # over alpha 0..0.5, run at 0 and 0.3 only: it cannot hold, and says which are missing
    assert never_below["verdict"] == "inconclusive" and "alpha=0.5" in never_below["reason"]
    assert not any("rival" in key for key in judged)  # no rival ran: no rival claim
    alphas = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    one_run = ledger_verdicts(*_values(["TR", "Task-only"], splits=[20], alphas=alphas))
    assert one_run and all(c["verdict"] == "inconclusive" for c in one_run)
    full = {c["id"]: c for c in ledger_verdicts(*_values(["TR"], [20, 21, 22], alphas=alphas))}
    assert full[never_below["id"]]["verdict"] == "holds"


def test_teamrules_value_with_tr_alone_writes_strict_json(tmp_path):
    module = load_scenario("teamrules_value")
    assert scenario_main(module, ["--quick", "--variants", "TR", "--out", str(tmp_path)]) == 0
    summary = load_strict(tmp_path / "summary.json")  # was -Infinity
    load_strict(tmp_path / "config.json")
    claims = summary["claims"]  # one run: nothing can hold or deviate
    assert claims and {c["verdict"] for c in claims} == {"inconclusive"}
    assert all(c["hmlsim"] is None or math.isfinite(c["hmlsim"]) for c in claims)
