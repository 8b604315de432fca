"""docs/model.md's findings name the code and time of the runs they come from, and test
what they say."""

from __future__ import annotations

import pandas as pd
import pytest

from hmlsim.errors import ConfigError
from hmlsim.scenarios._performative_report import provenance_line


def recorded(*versions: str) -> dict:
    return {
        "provenance": {
            "code_versions": list(versions),
            "runs": 4,
            "first_started": "2026-12-06T05:00:00+00:00",
            "last_finished": "2026-12-06T05:30:00+00:00",
            "wall_s": 1800.0,
            "run_time_s": 3500.0,
        }
    }


def test_one_committed_version_is_named_with_the_recorded_wall_time():
    line = provenance_line(recorded("9be76d8abc12"), None, None)
    assert "`9be76d8abc12`" in line and "30.0 min" in line and "58.3 min" in line


@pytest.mark.parametrize("versions", [("aaa", "bbb"), ("aaa+dirty",), ("unknown",), ()], ids=str)
def test_runs_of_mixed_uncommitted_or_unrecorded_code_are_refused(versions):
    with pytest.raises(ConfigError, match=r"report.*one committed version"):
        provenance_line(recorded(*versions), None, None)


def test_a_given_commit_stands_for_runs_stored_before_versions_were_recorded():
    line = provenance_line({}, "00e0569", "64 min")
    assert line == "at commit `00e0569`; wall time 64 min"


def test_audit_needed_is_the_least_share_from_which_the_team_stays_above_the_human():
    import pandas as pd

    from hmlsim.scenarios._performative_verdicts import audit_needed

    def runs(advisor, gains_by_share):
        return [
            {
                "advisor": advisor,
                "retraining": "window",
                "dataset": "heart",
                "decision": "group",
                "audit_share": share,
                "final_team_utility": 0.8 + gain,
                "final_human_utility": 0.8,
            }
            for share, gains in gains_by_share.items()
            for gain in gains
        ]

    above, below, noisy = [0.05, 0.06, 0.055, 0.052], [-0.05, -0.06, -0.055, -0.052], [-0.1, 0.1]
    table = pd.DataFrame(
        runs("A", {0.0: above, 0.1: above})
        + runs("B", {0.0: below, 0.1: above})
        + runs("C", {0.0: above, 0.1: noisy})  # above without audits, not shown with them
    ).set_index("advisor")
    needed = audit_needed(table.reset_index()).set_index("advisor")["audit needed"]
    assert needed.to_dict() == {"A": "0", "B": "0.1", "C": "not shown within ρ ≤ 0.1"}
    cells = audit_needed(table.reset_index()).set_index("advisor")
    assert cells.loc["B", "ρ = 0"].endswith("below") and cells.loc["C", "ρ = 0.1"].endswith(
        "inconclusive"
    )


def test_a_family_of_cells_is_holm_adjusted_so_one_weak_cell_among_many_is_not_called():
    from hmlsim.scenarios._performative_verdicts import holm_verdicts

    weak = pd.Series([0.01, 0.03, -0.005, 0.02, 0.015])  # one-sided p ≈ 0.04 alone
    assert holm_verdicts([weak]) == ["above"]
    assert holm_verdicts([weak] * 5) == ["inconclusive"] * 5  # adjusted over five cells


def test_paired_comparisons_pair_by_seed_and_call_identical_runs_identical():
    import pandas as pd

    from hmlsim.scenarios._performative_verdicts import paired_against

    def run(advisor, seed, gain, rate=0.3):
        return {
            "advisor": advisor,
            "retraining": "window",
            "dataset": "heart",
            "decision": "group",
            "alpha": 0.1,
            "audit_share": 0.0,
            "initial_quality": 0.7,
            "repetition": 0,
            "seed": seed,
            "final_model_utility": 0.8,
            "final_advising_rate": rate,
            "final_team_utility": 0.8 + gain,
            "final_human_utility": 0.8,
        }

    seeds = range(6)
    table = pd.DataFrame(
        [run("TR", s, 0.01 * s) for s in seeds]
        + [run("TR+expertise", s, 0.01 * s) for s in seeds]  # the same runs
        + [run("TR-literal", s, 0.01 * s - 0.02 - 0.001 * s, rate=0.2) for s in seeds]
    )
    out = paired_against(table, "advisor", "TR").set_index("advisor")
    assert out.loc["TR+expertise", "verdict (Φ − human)"] == "identical"
    # paired by seed: the shared 0.01·s spread cancels, leaving a clear -0.02 - 0.001·s
    assert out.loc["TR-literal", "verdict (Φ − human)"] == "lower"
    assert out.loc["TR-literal", "advising rate"].startswith("-0.100")


def test_pooled_tables_count_a_run_identical_at_several_shares_once():
    import pandas as pd

    from hmlsim.scenarios._performative_report import ends_by_start

    base = {
        "advisor": "Task-only",
        "retraining": "window",
        "dataset": "heart",
        "decision": "group",
        "alpha": 0.1,
        "initial_quality": 0.6,
        "initial_model_utility": 0.66,
        "final_team_utility": 0.6,
        "final_human_utility": 0.7,
        "final_advising_rate": 1.0,
        "end_state": "drifting",
    }
    runs = pd.DataFrame(
        [
            {**base, "audit_share": rho, "repetition": rep, "final_model_utility": 0.5 + rep / 10}
            for rho in (0.0, 0.02, 0.1)  # reads no audit: one run per repetition
            for rep in range(2)
        ]
    )
    assert ends_by_start(runs)["runs"].tolist() == [2]
