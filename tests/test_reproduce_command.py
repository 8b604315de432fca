"""``hmlsim reproduce teamrules``: runs the units, resumes, and writes claims.json and report.md."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hmlsim import cli
from hmlsim.errors import ConfigError
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

    # another reproduction judged by the same ledger beside this one (here: itself)
    assert cli.main([*argv, "--compare", f"again={out}"]) == 0
    capsys.readouterr()
    assert "## Verdicts side by side" in (out / "report.md").read_text()
    again = json.loads((out / "compare" / "again.claims.json").read_text())
    assert {c["id"]: c["verdict"] for c in again} == {i: c["verdict"] for i, c in claims.items()}
    assert cli.main([*argv, "--compare", f"x={tmp_path}"]) == 2
    assert "--compare" in capsys.readouterr().err

    # another master seed is another draw: refused in this folder, before any unit runs
    monkeypatch.setattr(units, "run", _refuse)
    # --report-only runs nothing, whatever the seed, and records itself as report-only
    assert cli.main([*argv, "--seed", "7", "--report-only"]) == 0
    capsys.readouterr()
    assert json.loads((out / "timing.json").read_text())[-1]["report_only"] is True
    assert _claims(out) == claims
    # --publish copies what a report needs (not the raw runs); --page links into it
    docs = tmp_path / "docs"
    page = docs / "reproduction.md"
    publish = ["--report-only", "--publish", str(docs / "results" / "tr"), "--page", str(page)]
    assert cli.main([*argv, *publish]) == 0
    assert (docs / "results" / "tr" / "claims.json").is_file()
    assert not (docs / "results" / "tr" / "runs").exists()
    assert "](results/tr/ttl.png)" in page.read_text()
    assert cli.main([*argv, "--seed", "7"]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and "master seed 2024" in err

    # the authors' settings are another reproduction: refused in this folder too
    assert [t["method"] for t in timing] == ["hmlsim", "hmlsim"]
    assert cli.main([*argv, "--method", "authors"]) == 2
    err = capsys.readouterr().err
    assert "--method" in err and "method hmlsim" in err


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--workers", "0"], "--workers"),
        (["--diagnoses", "no-such-file.md"], "--diagnoses"),
        (["--out", "/proc/nope"], "--out"),
        (["--seed", "-1"], "--seed"),
        (["--method", "theirs"], "--method"),
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


def test_the_authors_method_is_a_fixed_field_and_keeps_every_units_seed():
    from hmlsim.experiments.sweep import plan_runs

    ours, _ = teamrules.reproduction_spec()
    theirs, _ = teamrules.reproduction_spec(method="authors")
    assert ours.fixed["method"] == "hmlsim" and theirs.fixed["method"] == "authors"
    assert theirs.name == "reproduce-teamrules-authors" and ours.name == "reproduce-teamrules"
    ours_runs, theirs_runs = plan_runs(ours), plan_runs(theirs)
    # the same units with the same seeds (paired runs), stored under other keys
    assert [(t.axis_values, t.seed) for t in ours_runs] == [
        (t.axis_values, t.seed) for t in theirs_runs
    ]
    assert not {t.key for t in ours_runs} & {t.key for t in theirs_runs}
    with pytest.raises(ConfigError) as err:
        units.Config(unit="table4/20", method="theirs")
    assert err.value.field == "method" and "authors" in str(err.value)


def test_the_authors_settings_reach_every_advisor(monkeypatch):
    """method="authors": all proposals, no rule penalty, XGBoost p̂(y | x) read in-sample."""
    from hmlsim.advisors import advisor_base as estimators
    from hmlsim.advisors.annealing import anneal_rule_sets

    seen: dict[str, list] = {"hmlsim": [], "authors": []}
    method = ["hmlsim"]

    def spy(problem, **kwargs):
        seen[method[0]].append((kwargs["n_proposals"], kwargs["rule_penalty"], problem.p_y))
        return anneal_rule_sets(problem, **kwargs)

    monkeypatch.setattr(estimators, "anneal_rule_sets", spy)
    for method[0] in ("hmlsim", "authors"):
        units.run(units.Config(unit="table4/20", size="quick", seed=3, method=method[0]))
    assert {(n, r) for n, r, _ in seen["hmlsim"]} == {(50, 0.001)}
    assert {(n, r) for n, r, _ in seen["authors"]} == {(None, 0.0)}
    # the paper's variants train on p̂(y | x) of the training rows: another model in-sample
    assert not np.allclose(seen["hmlsim"][0][2], seen["authors"][0][2])


@pytest.mark.parametrize("method", ["hmlsim", "authors"])
def test_a_splits_shared_p_y_follows_the_method(method):
    """Figure 2 shares p̂(y | x) across a split: out of fold (hmlsim) or XGBoost in-sample."""
    import dataclasses

    from hmlsim.scenarios import _teamrules_common as common
    from hmlsim.scenarios import teamrules_value

    config = dataclasses.replace(
        teamrules_value.Config(**teamrules_value.QUICK), method=method, max_candidates=50
    )
    ds = common.load_context_data("heart", 20)
    shared = common.split_fits(ds, config, 4)
    in_sample = shared["outcome_model"].predict_proba(np.asarray(ds.train.X, float))[:, 1]
    model = type(shared["outcome_model"]).__name__
    if method == "authors":
        assert model == "XGBClassifier" and np.array_equal(shared["p_train"], in_sample)
    else:
        assert model == "HistGradientBoostingClassifier"
        assert not np.allclose(shared["p_train"], in_sample)


def test_datasets_leaves_figure2_datasets_out_and_says_why(tmp_path, monkeypatch, capsys):
    from hmlsim.reproduce.teamrules import reproduction_spec

    spec, note = reproduction_spec(datasets=("heart",))
    units_planned = spec.axes["unit"]
    assert not any(u.startswith(("figure2/fico", "figure2/hr")) for u in units_planned)
    assert any(u.startswith("table4/") for u in units_planned)  # the heart studies still run
    assert "--datasets heart" in note
    monkeypatch.setattr(units, "run", _refuse)
    base = ["reproduce", "teamrules", "--quick", "--no-progress", "--out", str(tmp_path / "r")]
    assert cli.main([*base, "--datasets", "heart,adult"]) == 2
    assert "--datasets" in capsys.readouterr().err
