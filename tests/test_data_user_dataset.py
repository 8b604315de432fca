"""A dataset of the user's own, declared in TOML (hmlsim.data.user), from the loader to the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hmlsim.cli import main as hmlsim_main
from hmlsim.data import (
    DatasetSpec,
    GroupCondition,
    example_dataset_toml,
    load_dataset,
    load_dataset_spec,
    parse_condition,
)
from hmlsim.data.example import example_table
from hmlsim.errors import ConfigError
from hmlsim.experiments.scenario import load_scenario, make_config

EXAMPLE = example_dataset_toml()

BASE_TOML = """\
name = "mine"
path = "d.csv"
target = "default"
positive = "yes"
drop = ["applicant_id"]
"""


@pytest.fixture
def base_frame() -> pd.DataFrame:
    return example_table(200, seed=3)


def write(folder: Path, toml: str, frame: pd.DataFrame | str | None) -> Path:
    """``folder/d.toml`` with ``toml`` and ``folder/d.csv`` with ``frame`` (or raw text)."""
    if isinstance(frame, pd.DataFrame):
        frame.to_csv(folder / "d.csv", index=False)
    elif isinstance(frame, str):
        (folder / "d.csv").write_text(frame)
    path = folder / "d.toml"
    path.write_text(toml)
    return path


# ----------------------------------------------------------------------------- the example


def test_example_loads_wherever_a_name_does() -> None:
    ds = load_dataset(EXAMPLE, seed=20)
    assert ds.name == "example_loans"
    assert sum(ds.sizes().values()) == 600
    assert ds.path.name == "example_dataset.csv"
    for split in ds.splits.values():
        assert np.array_equal(split.y, (split.frame["default"] == "yes").to_numpy(dtype=int))
        assert set(split.groups) == {"young", "senior", "young_south"}
    assert np.array_equal(ds.test.groups["young"], (ds.test.frame["age"] < 30).to_numpy())
    assert ds.feature_names[:2] == ["age", "income"]
    assert {"region_north", "region_south"} <= set(ds.feature_names)
    for column in ("senior", "applicant_id", "default"):
        assert not any(f == column or f.startswith(f"{column}_") for f in ds.feature_names)
    assert load_dataset(str(EXAMPLE), seed=20).sizes() == ds.sizes()


def test_example_csv_is_the_documented_draw() -> None:
    shipped = pd.read_csv(EXAMPLE.with_suffix(".csv"))
    pd.testing.assert_frame_equal(shipped, example_table(), check_dtype=False)


def test_example_threshold_gives_a_paper_like_expert() -> None:
    from hmlsim.behaviour import make_expert

    accuracies = []
    for seed in (20, 21, 22):
        ds = load_dataset(EXAMPLE, seed=seed)
        expert = make_expert(ds, decision="difficulty", rng=seed)
        accuracies.append(expert.accuracy.correct_probability(ds.test).mean())
    assert 0.62 < np.mean(accuracies) < 0.82


# ----------------------------------------------------------------------------- features


def test_group_columns_are_features_only_when_declared(tmp_path, base_frame) -> None:
    groups = '\n[groups]\nold = "senior == 1"\nyoung = "age < 30"\n'
    path = write(tmp_path, BASE_TOML + groups, base_frame)
    spec = load_dataset_spec(path)
    assert "senior" not in spec.feature_columns and "age" not in spec.feature_columns
    ds = load_dataset(path, seed=0)
    assert "senior" not in ds.feature_names and "age" not in ds.feature_names
    assert ds.train.groups["old"].any()  # the group itself is there, as a mask

    path = write(tmp_path, BASE_TOML + 'group_features = ["senior"]\n' + groups, base_frame)
    assert "senior" in load_dataset(path, seed=0).feature_names

    listed = 'features = ["debt_ratio", "senior"]\n'
    path = write(tmp_path, BASE_TOML + listed + groups, base_frame)
    assert load_dataset(path, seed=0).feature_names == ["debt_ratio", "senior"]


def test_builtin_datasets_keep_their_group_columns_as_features() -> None:
    ds = load_dataset("heart", seed=20)
    assert "age" in ds.feature_names and "sex_Male" in ds.feature_names
    assert not set(ds.train.groups) & set(ds.feature_names)


def test_missing_values_turn_junk_into_missing(tmp_path, base_frame) -> None:
    frame = base_frame.astype({"income": object})
    frame.loc[[3, 7], "income"] = "n/a"
    path = write(tmp_path, BASE_TOML + 'missing_values = ["n/a"]\n', frame)
    ds = load_dataset(path, seed=0)
    assert "income_nan" in ds.feature_names
    assert not any(f.startswith("income_n/a") for f in ds.feature_names)


def test_parse_condition_reads_what_str_prints() -> None:
    for condition in (
        GroupCondition("age", "<", 30),
        GroupCondition("sex", "==", "Male"),
        GroupCondition("years employed", ">=", 2.5),
        GroupCondition("margin", "!=", 0),
    ):
        assert parse_condition(str(condition)) == condition
    assert parse_condition("region not in ['a', 'b']") == GroupCondition(
        "region", "not in", ["a", "b"]
    )
    assert parse_condition("flag == true").value is True
    with pytest.raises(ConfigError, match="quote text"):
        parse_condition("sex == Male", "dataset.groups.g")
    with pytest.raises(ConfigError, match="column op value"):
        parse_condition("age", "dataset.groups.g")


# ----------------------------------------------------------------------------- bad input


BAD = {
    "unknown key": (BASE_TOML + "colour = 'red'\n", None, "dataset.colour", "accepted"),
    "no target": (BASE_TOML.replace('target = "default"\n', ""), None, "dataset.target", "missing"),
    "no data file": (BASE_TOML.replace("d.csv", "nope.csv"), None, "dataset.path", "no such"),
    "unknown target": (
        BASE_TOML.replace('target = "default"', 'target = "x"'),
        None,
        "dataset.target",
        "column 'x' not in d.csv; columns: applicant_id, age",
    ),
    "unknown drop": (
        BASE_TOML.replace('["applicant_id"]', '["nope"]'),
        None,
        "dataset.drop",
        "'nope' not in",
    ),
    "unknown feature": (BASE_TOML + 'features = ["nope"]\n', None, "dataset.features", "'nope'"),
    "drop as text": (
        BASE_TOML.replace('["applicant_id"]', '"applicant_id"'),
        None,
        "dataset.drop",
        "list",
    ),
    "target dropped": (
        BASE_TOML.replace('["applicant_id"]', '["default"]'),
        None,
        "dataset.drop",
        "target",
    ),
    "absent positive": (
        BASE_TOML.replace('positive = "yes"', 'positive = "Yes"'),
        None,
        "dataset.positive",
        "'Yes' does not occur in column 'default' of d.csv; its values: 'no', 'yes'",
    ),
    "positive compares text": (
        BASE_TOML.replace('positive = "yes"', 'positive = [">", 0]'),
        None,
        "dataset.positive",
        "holds text",
    ),
    "everything positive": (
        BASE_TOML.replace(
            'target = "default"\npositive = "yes"', 'target = "age"\npositive = [">", 0]'
        ),
        None,
        "dataset.target",
        "only one class",
    ),
    "unknown group column": (
        BASE_TOML + '[groups]\ng = "height > 2"\n',
        None,
        "dataset.groups.g",
        "'height' not in d.csv",
    ),
    "unreadable condition": (
        BASE_TOML + '[groups]\ng = "age about 30"\n',
        None,
        "dataset.groups.g",
        "op",
    ),
    "number compared with text": (
        BASE_TOML + "[groups]\ng = \"age < '30'\"\n",
        None,
        "dataset.groups.g",
        "holds numbers",
    ),
    "text compared with a number": (
        BASE_TOML + '[groups]\ng = "region == 1"\n',
        None,
        "dataset.groups.g",
        "holds text",
    ),
    "empty group": (BASE_TOML + '[groups]\ng = "age > 200"\n', None, "dataset.groups.g", "no row"),
    "empty conjunction": (
        BASE_TOML + '[groups]\ng = ["age < 25", "age > 60"]\n',
        None,
        "dataset.groups.g",
        "no row",
    ),
    "reserved group name": (
        BASE_TOML + '[groups]\nall = "age < 30"\n',
        None,
        "dataset.groups.all",
        "'all'",
    ),
    "threshold out of range": (
        BASE_TOML + "difficulty_threshold = 1.5\n",
        None,
        "dataset.difficulty_threshold",
        "[0, 1]",
    ),
    "threshold as text": (
        BASE_TOML + 'difficulty_threshold = "high"\n',
        None,
        "dataset.difficulty_threshold",
        "number",
    ),
    "undeclared decision group": (
        BASE_TOML + 'decision_group = "young"\n',
        None,
        "dataset.decision_group",
        "'young'",
    ),
    "built-in name": (BASE_TOML.replace('"mine"', '"heart"'), None, "dataset.name", "built-in"),
    "both feature keys": (
        BASE_TOML + 'features = ["age"]\ngroup_features = ["age"]\n',
        None,
        "dataset.group_features",
        "not both",
    ),
    "group feature of no group": (
        BASE_TOML + 'group_features = ["age"]\n',
        None,
        "dataset.group_features",
        "read by no group",
    ),
    "categorical not a feature": (
        BASE_TOML + 'categorical = ["applicant_id"]\n',
        None,
        "dataset.categorical",
        "not a feature",
    ),
    "bad split fractions": (
        BASE_TOML + "split_fractions = [0.1, 0.2]\n",
        None,
        "dataset.split_fractions",
        "4",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_declaration_names_the_field(case, tmp_path, base_frame) -> None:
    toml, frame, field, fragment = BAD[case]
    path = write(tmp_path, toml, base_frame if frame is None else frame)
    with pytest.raises(ConfigError) as info:
        load_dataset_spec(path)
    assert info.value.field == field, str(info.value)
    assert fragment in info.value.message


BAD_DATA = {
    "empty file": ("", "dataset.path", "is empty"),
    "header only": ("a,b,default\n", "dataset.path", "no data rows"),
    "unlabelled rows": (("default", [4, 9, 11], np.nan), "dataset.target", "3 of 200 rows"),
    "one class": (("default", slice(None), "no"), "dataset.target", "one value ('no')"),
    "text among numbers": (
        ("income", [2, 5], "12k"),
        "dataset.path",
        "column 'income' of d.csv holds numbers and 2 cells of text: '12k'",
    ),
    "infinite values": (("debt_ratio", [1], np.inf), "dataset.path", "infinite"),
    "identifier kept": (None, "dataset.max_categories", "'name' of d.csv has 200 distinct values"),
    "too few rows": ("head", "dataset.split_fractions", "too few"),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_names_the_field(case, tmp_path, base_frame) -> None:
    change, field, fragment = BAD_DATA[case]
    if isinstance(change, tuple):
        column, rows, value = change
        frame = base_frame.astype({column: object}) if isinstance(value, str) else base_frame
        frame.loc[rows, column] = value
    elif change is None:
        frame = base_frame.assign(name=[f"person {i}" for i in range(len(base_frame))])
    elif change == "head":
        frame = base_frame.groupby("default").head(6)
    else:
        frame = change
    path = write(tmp_path, BASE_TOML, frame)
    with pytest.raises(ConfigError) as info:
        load_dataset_spec(path)
    assert info.value.field == field, str(info.value)
    assert fragment in info.value.message


def test_missing_or_broken_toml_names_the_dataset(tmp_path) -> None:
    with pytest.raises(ConfigError, match="no such file") as info:
        load_dataset_spec(tmp_path / "nope.toml")
    assert info.value.field == "dataset"
    (tmp_path / "bad.toml").write_text("path = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_dataset(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="TOML file"):
        load_dataset("adult")


def test_unlabelled_rows_are_an_error_for_any_spec(tmp_path, base_frame) -> None:
    base_frame.loc[[0, 1], "default"] = np.nan
    base_frame.to_csv(tmp_path / "d.csv", index=False)
    spec = DatasetSpec("mine", target_column="default", positive_value="yes")
    with pytest.raises(ConfigError, match="2 of 200 rows") as info:
        load_dataset(spec, path=tmp_path / "d.csv")
    assert info.value.field == "target_column"


# ----------------------------------------------------------------------------- scenarios and CLI


def test_scenario_config_takes_a_toml_and_checks_it_first(tmp_path, base_frame) -> None:
    module = load_scenario("teamrules_value")
    config = make_config(module, {"datasets": f"heart,{EXAMPLE}"}, quick=True)
    assert config.datasets == ("heart", str(EXAMPLE))
    path = write(tmp_path, BASE_TOML.replace('"default"', '"x"', 1), base_frame)
    with pytest.raises(ConfigError) as info:
        make_config(module, {"datasets": str(path)}, quick=True)
    assert info.value.field == "datasets"
    assert "dataset.target: column 'x' not in d.csv" in info.value.message
    plain = write(tmp_path, BASE_TOML, base_frame)  # no decision or confidence group
    make_config(module, {"datasets": str(plain), "decisions": "difficulty"})
    with pytest.raises(ConfigError, match="decision_group"):
        make_config(module, {"datasets": str(plain), "decisions": "difficulty,group"})


@pytest.fixture
def example_copy(tmp_path) -> Path:
    """The example TOML next to a copy of its CSV (so two names differ only by path)."""
    text = EXAMPLE.read_text().replace("example_dataset.csv", str(EXAMPLE.with_suffix(".csv")))
    (tmp_path / "copy.toml").write_text(text)
    return tmp_path / "copy.toml"


def test_same_name_twice_is_an_error(example_copy) -> None:
    module = load_scenario("teamrules_value")
    with pytest.raises(ConfigError, match="two datasets are named 'example_loans'"):
        make_config(module, {"datasets": f"{EXAMPLE},{example_copy}"}, quick=True)


def test_sweep_plans_runs_over_a_toml_dataset(tmp_path) -> None:
    from hmlsim.experiments.sweep import load_spec, plan_runs

    spec_path = tmp_path / "sweep.toml"
    spec_path.write_text(
        'scenario = "teamrules_value"\nquick = true\nseeds = 1\n'
        f'[axes]\ndatasets = [{json.dumps(str(EXAMPLE))}, "heart"]\n'
    )
    runs = plan_runs(load_spec(spec_path))
    assert len(runs) == 2


def test_cli_rejects_a_bad_toml_with_exit_2(tmp_path, base_frame, capsys) -> None:
    path = write(tmp_path, BASE_TOML.replace('positive = "yes"', 'positive = "Y"'), base_frame)
    with pytest.raises(SystemExit) as info:
        hmlsim_main(["run", "teamrules_value", "--datasets", str(path), "--out", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--datasets" in err and "dataset.positive" in err and "'Y'" in err
    assert not (tmp_path / "summary.json").exists()


def test_cli_runs_teamrules_value_on_the_example(tmp_path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "hmlsim", "run", "teamrules_value", "--quick"]
    command += ["--datasets", str(EXAMPLE), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    values = pd.read_csv(out / "values.csv")
    assert set(values["dataset"]) == {"example_loans"}
    assert {"all", "young", "senior", "young_south"} <= set(values["group"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["contexts"] == ["example_loans/difficulty+accuracy"]
    assert summary["user_datasets"]["example_loans"]["toml"] == str(EXAMPLE)
    config = json.loads((out / "config.json").read_text())
    assert config["datasets"] == [str(EXAMPLE)]
