"""The reproduction's units and the report's tables."""

from __future__ import annotations

import pandas as pd
import pytest

from hmlsim.errors import ConfigError
from hmlsim.reproduce.units import parse_unit, plan_units


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


def test_weak_group_split_subtracts_counts_and_values_from_the_overall_rows():
    from hmlsim.reproduce.report_tables import _group_split

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
