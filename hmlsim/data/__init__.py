"""Datasets of the TeamRules paper and users' own tables: declarations, loading, splits.

Examples
--------
>>> from hmlsim.data import load_dataset
>>> ds = load_dataset("heart", seed=20)
>>> ds.sizes()["train"], ds.train.X.shape[1] == len(ds.feature_names)
(505, True)

A dataset of your own is a small TOML file, accepted wherever a name is:

>>> ds = load_dataset(example_dataset_toml(), seed=0)
>>> ds.name, "senior" in ds.feature_names
('example_loans', False)
"""

from hmlsim.data.builtin import BUILTIN, FICO, HEART, HR
from hmlsim.data.encoding import FeatureEncoder
from hmlsim.data.example import example_dataset_toml
from hmlsim.data.loaders import (
    DEFAULT_FICO_PATH,
    PAPER_SEED,
    Dataset,
    load_dataset,
    read_table,
    resolve_fico_path,
)
from hmlsim.data.spec import DatasetSpec, GroupCondition, group_mask
from hmlsim.data.splits import SPLIT_NAMES, Split, paper_split_positions
from hmlsim.data.user import is_dataset_toml, load_dataset_spec, parse_condition

__all__ = [
    "BUILTIN",
    "DEFAULT_FICO_PATH",
    "FICO",
    "HEART",
    "HR",
    "PAPER_SEED",
    "SPLIT_NAMES",
    "Dataset",
    "DatasetSpec",
    "FeatureEncoder",
    "GroupCondition",
    "Split",
    "example_dataset_toml",
    "group_mask",
    "is_dataset_toml",
    "load_dataset",
    "load_dataset_spec",
    "paper_split_positions",
    "parse_condition",
    "read_table",
    "resolve_fico_path",
]
