"""docs/model.md's findings name the code and time of the runs they come from."""

from __future__ import annotations

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
