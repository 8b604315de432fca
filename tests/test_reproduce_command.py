"""``hmlsim reproduce teamrules``: runs the units, resumes, and writes claims.json and report.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hmlsim import cli
from hmlsim.reproduce import teamrules, units
from hmlsim.reproduce.verdicts import VERDICTS

CLAIM_KEYS = {"id", "where", "quote", "test", "margin", "kind", "mde", "hmlsim", "se", "verdict"}


def _claims(out: Path) -> dict[str, dict]:
    claims = json.loads((out / "claims.json").read_text())
    assert all(CLAIM_KEYS <= set(c) and c["verdict"] in VERDICTS for c in claims)
    return {c["id"]: c for c in claims}


def _refuse(*args, **kwargs):  # pragma: no cover - reached only on failure
    raise AssertionError("a unit ran")


def test_the_master_seed_reseeds_every_unit_and_the_cli_copies_match():
    from hmlsim.experiments.scenario import MAX_SEED
    from hmlsim.experiments.sweep import plan_runs
    from hmlsim.reproduce import cli as reproduce_cli

    assert reproduce_cli.MASTER_SEED == teamrules.MASTER_SEED
    assert reproduce_cli.MAX_SEED == MAX_SEED
    default = {t.axis_values["unit"]: t.seed for t in plan_runs(teamrules.reproduction_spec()[0])}
    other = {
        t.axis_values["unit"]: t.seed for t in plan_runs(teamrules.reproduction_spec(seed=7)[0])
    }
    assert default.keys() == other.keys() and all(default[u] != other[u] for u in default)


def test_a_small_plan_runs_resumes_and_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(units, "plan_units", lambda quick, datasets: ["table4/20", "c5/20"])
    monkeypatch.setattr(teamrules, "fico_availability", lambda: (False, "FICO absent here"))
    out = tmp_path / "repro"
    argv = ["reproduce", "teamrules", "--quick", "--out", str(out), "--no-progress"]
    assert cli.main(argv) == 0
    assert "2 done now" in capsys.readouterr().out
    claims = _claims(out)
    assert claims["table4/all/human"]["n_runs"] == 1
    assert isinstance(claims["table4/all/human"]["hmlsim"], float)
    # one run: no SE, so nothing can hold
    assert {c["verdict"] for c in claims.values()} <= {"inconclusive", "not_run"}
    assert claims["c5/heart/gated_tr_does_not_diminish"]["verdict"] == "inconclusive"
    fico = [c for i, c in claims.items() if "/fico/" in i]
    assert fico and all(
        c["verdict"] == "not_run" and c["reason"].endswith("FICO absent here") for c in fico
    )
    heart = claims["figure2/heart/group+group/tr_does_not_diminish_human"]
    assert heart["verdict"] == "not_run"
    report = (out / "report.md").read_text()
    assert f"hmlsim reproduce teamrules --out {out} --quick" in report
    assert "units finished: 2 of 2" in report
    assert (out / "ttl.png").is_file()

    # a second start finds both units stored and only rewrites the report
    assert cli.main(argv) == 0
    assert "2 already in" in capsys.readouterr().out
    timing = json.loads((out / "timing.json").read_text())
    assert [t["units_done"] for t in timing] == [2, 0]
    assert _claims(out) == claims

    # another master seed is another draw: refused in this folder, before any unit runs
    monkeypatch.setattr(units, "run", _refuse)
    assert cli.main([*argv, "--seed", "7"]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "master seed 2024" in err


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--workers", "0"], "--workers"),
        (["--diagnoses", "no-such-file.md"], "--diagnoses"),
        (["--out", "/proc/nope"], "--out"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_bad_options_fail_before_any_unit_runs(tmp_path, monkeypatch, capsys, argv, field):
    monkeypatch.setattr(units, "run", _refuse)
    base = ["reproduce", "teamrules", "--quick", "--no-progress", "--out", str(tmp_path / "r")]
    assert cli.main([*base, *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert field in err and len(err.splitlines()) == 1


@pytest.mark.slow
def test_quick_reproduction_covers_every_study_and_panel(tmp_path):
    """The CI run: every Figure-2 panel, C.1, Table 4, the case study and C.5 have claims."""
    out = tmp_path / "quick"
    assert cli.main(["reproduce", "teamrules", "--quick", "--out", str(out), "--no-progress"]) == 0
    claims = _claims(out)
    has_fico, _ = teamrules.fico_availability()
    for dataset in ("heart", "fico", "hr"):
        for behaviour in ("difficulty+group", "group+group", "difficulty+accuracy"):
            for study in ("figure2", "c1"):
                claim = claims[f"{study}/{dataset}/{behaviour}/tr_does_not_diminish_human"]
                ran = dataset != "fico" or has_fico
                assert (claim["verdict"] != "not_run") == ran
    for claim_id in (
        "table4/all/human",
        "table4/tr_lower_ttl_than_rivals",
        "case_study/doctor_a/tr_share_of_advice_on_women",
        "case_study/doctor_b/tr_adds_the_most_value",
        "c5/heart/gated_tr_does_not_diminish",
    ):
        assert claims[claim_id]["verdict"] != "not_run"
    for figure in ("figure2.png", "c1.png", "ttl.png", "strategies.png", "value_added.png"):
        assert (out / figure).is_file()
