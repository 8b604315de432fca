"""Loading, cleaning, splitting and grouping the datasets (hmlsim.data)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hmlsim.data import (
    FICO,
    DatasetSpec,
    FeatureEncoder,
    GroupCondition,
    load_dataset,
    paper_split_positions,
)
from hmlsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
FICO_CANDIDATES = [
    os.environ.get("HMLSIM_FICO_PATH", ""),
    str(REPO.parent / "shared" / "data" / "heloc_dataset_v1.csv"),
]
FICO_PATH = next((p for p in FICO_CANDIDATES if p and Path(p).is_file()), None)
needs_fico = pytest.mark.skipif(FICO_PATH is None, reason="FICO HELOC file not available")


@pytest.fixture(scope="module")
def heart():
    return load_dataset("heart", seed=20)


@pytest.fixture(scope="module")
def hr():
    return load_dataset("hr", seed=20)


PAPER_SIZES = {
    "heart": {"train": 505, "validation": 87, "test": 127, "human_train": 74, "learning": 127},
    "hr": {"train": 568, "validation": 38, "test": 143, "human_train": 98, "learning": 133},
    "fico": {"train": 6120, "validation": 801, "test": 1080, "human_train": 1046, "learning": 1412},
}


@pytest.mark.parametrize("name", ["heart", "hr"])
@pytest.mark.parametrize("seed", [20, 21, 45])
def test_split_sizes_match_the_paper(name, seed):
    ds = load_dataset(name, seed=seed)
    assert ds.sizes() == PAPER_SIZES[name]


@pytest.mark.fico
@needs_fico
def test_fico_split_sizes_and_special_values():
    ds = load_dataset("fico", path=FICO_PATH, seed=20)
    assert ds.sizes() == PAPER_SIZES["fico"]
    all_rows = pd.concat([s.frame for s in ds.splits.values()])
    assert len(all_rows) == 10_459
    X = pd.concat([s.X for s in ds.splits.values()]).loc[all_rows.index]
    # every special value has its own indicator and is imputed, never left in place
    col = "MSinceMostRecentDelq"
    for code in (-7, -8, -9):
        assert np.array_equal(X[f"{col}_eq{code}"].to_numpy(), (all_rows[col] == code).to_numpy())
    assert (X.drop(columns=[c for c in X.columns if "_eq" in c]) >= 0).all().all()
    assert not X.isna().any().any()
    assert ds.train.y.mean() == pytest.approx(5459 / 10459, abs=0.002)


def test_splits_partition_the_rows_and_are_stratified(heart):
    index = np.concatenate([s.index.to_numpy() for s in heart.splits.values()])
    assert len(index) == 920 == len(np.unique(index))
    base_rate = 509 / 920
    for split in heart.splits.values():
        assert split.y.mean() == pytest.approx(base_rate, abs=0.02)
        assert split.y.dtype.kind == "i" and set(np.unique(split.y)) == {0, 1}


def test_same_seed_same_rows_other_seed_other_rows():
    a, b, c = (load_dataset("heart", seed=s) for s in (20, 20, 21))
    assert a.test.index.equals(b.test.index)
    pd.testing.assert_frame_equal(a.train.X, b.train.X)
    assert not a.test.index.equals(c.test.index)


def test_split_positions_follow_sklearn_ceil_arithmetic():
    y = np.array([0] * 5000 + [1] * 5459)
    sizes = {k: len(v) for k, v in paper_split_positions(y, (0.1, 0.15, 0.1, 0.15), 3).items()}
    assert sizes == PAPER_SIZES["fico"]


def test_features_are_numeric_complete_and_identical_across_splits(heart):
    for split in heart.splits.values():
        assert list(split.X.columns) == heart.feature_names
        assert not split.X.isna().any().any()
        assert all(dtype == np.float64 for dtype in split.X.dtypes)
        assert split.X.index.equals(split.frame.index)
        assert len(split.frame) == len(split.y)


def test_heart_missing_values_get_indicators_and_zero_cholesterol_is_missing(heart):
    frame = pd.concat([s.frame for s in heart.splits.values()])
    X = pd.concat([s.X for s in heart.splits.values()]).loc[frame.index]
    chol_missing = frame["chol"].isna() | (frame["chol"] == 0)
    assert chol_missing.sum() == 30 + 172
    assert np.array_equal(X["chol_nan"].to_numpy(), chol_missing.to_numpy(dtype=float))
    # imputed with the train split's median of the measured values
    train_chol = heart.train.frame["chol"]
    median = train_chol[train_chol > 0].median()
    assert np.allclose(X.loc[chol_missing, "chol"], median)
    assert X["ca_nan"].sum() == 611
    assert "sex_Male" in X.columns and "thal_nan" in X.columns


def test_declared_groups(heart, hr):
    frame = pd.concat([s.frame for s in heart.splits.values()])
    groups = {
        g: np.concatenate([s.groups[g] for s in heart.splits.values()]) for g in heart.train.groups
    }
    assert groups["age_lt_50"].sum() == 292 == (frame["age"] < 50).sum()
    assert groups["male"].sum() == 726
    assert np.array_equal(groups["elderly_male"], groups["elderly"] & groups["male"])
    assert np.array_equal(hr.test.groups["age_gt_32"], (hr.test.frame["Age"] > 32).to_numpy())
    assert sum(s.groups["male"].sum() for s in hr.splits.values()) == 579


def test_group_condition_operators_and_missing_values():
    frame = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0], "s": ["a", "b", None, "a"]})
    assert GroupCondition("x", "<", 2).mask(frame).tolist() == [True, False, False, False]
    assert GroupCondition("x", ">=", 2).mask(frame).tolist() == [False, True, False, True]
    assert GroupCondition("x", "!=", 2).mask(frame).tolist() == [True, False, False, True]
    assert GroupCondition("s", "in", ["a"]).mask(frame).tolist() == [True, False, False, True]
    assert GroupCondition("s", "not in", ["a"]).mask(frame).tolist() == [False, True, False, False]
    with pytest.raises(ConfigError, match="op"):
        GroupCondition("x", "~", 1)


def test_encoder_one_hot_and_booleans():
    raw = pd.DataFrame({"flag": ["TRUE", "FALSE", None], "c": ["u", "v", "u"], "n": [1, 2, 3]})
    enc = FeatureEncoder().fit(raw)
    out = enc.transform(raw)
    assert enc.feature_names_ == ["flag", "flag_nan", "c_u", "c_v", "n"]
    assert out["flag"].tolist() == [1.0, 0.0, 0.5]
    assert out["c_v"].tolist() == [0.0, 1.0, 0.0]


@pytest.fixture()
def user_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "score": rng.normal(size=n),
            "region": rng.choice(["north", "south"], size=n),
            "id": np.arange(n),
            "outcome": rng.choice(["pos", "neg"], size=n),
        }
    )
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    return path


def test_user_csv_through_a_spec(user_csv):
    spec = DatasetSpec(
        "mine",
        target_column="outcome",
        positive_value="pos",
        group_conditions={"north": GroupCondition("region", "==", "north")},
        drop_columns=("id",),
        split_fractions=(0.1, 0.1, 0.1, 0.2),
    )
    ds = load_dataset(spec, path=user_csv, seed=3)
    assert sum(ds.sizes().values()) == 200
    assert ds.sizes()["human_train"] == 20
    assert ds.feature_names == ["score", "region_north", "region_south"]
    assert np.array_equal(ds.test.groups["north"], (ds.test.frame["region"] == "north").to_numpy())
    assert np.array_equal(ds.test.y, (ds.test.frame["outcome"] == "pos").to_numpy(dtype=int))


def test_unknown_column_is_named(user_csv):
    spec = DatasetSpec(
        "mine", target_column="outcome", positive_value="pos", drop_columns=("nope",)
    )
    with pytest.raises(ConfigError, match=r"drop_columns.*'nope'"):
        load_dataset(spec, path=user_csv)
    spec = DatasetSpec("mine", target_column="label", positive_value=1)
    with pytest.raises(ConfigError, match=r"target_column.*'label'"):
        load_dataset(spec, path=user_csv)
    spec = DatasetSpec(
        "mine",
        target_column="outcome",
        positive_value="pos",
        group_conditions={"g": GroupCondition("age", "<", 5)},
    )
    with pytest.raises(ConfigError, match="'age'"):
        load_dataset(spec, path=user_csv)


def test_one_class_target_is_an_error(user_csv):
    spec = DatasetSpec("mine", target_column="outcome", positive_value="maybe")
    with pytest.raises(ConfigError, match=r"target_column.*one class"):
        load_dataset(spec, path=user_csv)


def test_bad_declarations():
    with pytest.raises(ConfigError, match="split_fractions"):
        DatasetSpec("x", "y", 1, split_fractions=(0.1, 0.2, 1.2, 0.1))
    with pytest.raises(ConfigError, match="split_fractions"):
        DatasetSpec("x", "y", 1, split_fractions=(0.1, 0.2))
    with pytest.raises(ConfigError, match="decision_group"):
        DatasetSpec("x", "y", 1, decision_group="missing")
    with pytest.raises(ConfigError, match="dataset"):
        load_dataset("adult")
    with pytest.raises(ConfigError, match="seed"):
        load_dataset("heart", seed=1.5)


def test_fico_without_a_path_says_how_to_provide_it(monkeypatch):
    monkeypatch.delenv("HMLSIM_FICO_PATH", raising=False)
    with pytest.raises(ConfigError, match="HMLSIM_FICO_PATH") as info:
        load_dataset(FICO)
    assert info.value.field == "path"
    with pytest.raises(ConfigError, match="no such file"):
        load_dataset("fico", path="/nonexistent/heloc.csv")


def test_fico_is_not_shipped():
    files = {p.name for p in (REPO / "hmlsim" / "data" / "files").iterdir()}
    assert not any("heloc" in f.lower() or "fico" in f.lower() for f in files)


@pytest.mark.parametrize(
    "module",
    ["hmlsim.data.spec", "hmlsim.data.encoding", "hmlsim.data.splits", "hmlsim.data.loaders"],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
