"""Datasets of the TeamRules paper and users' own tables: declarations, loading, splits.

Examples
--------
>>> from hmlsim.data import load_dataset
>>> ds = load_dataset("heart", seed=20)
>>> ds.sizes()["train"], ds.train.X.shape[1] == len(ds.feature_names)
(505, True)
"""

from hmlsim.data.builtin import BUILTIN, FICO, HEART, HR
from hmlsim.data.encoding import FeatureEncoder
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
    "group_mask",
    "load_dataset",
    "paper_split_positions",
    "read_table",
    "resolve_fico_path",
]
