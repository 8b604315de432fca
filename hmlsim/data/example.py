"""The example of "your own data" shipped with hmlsim: synthetic loan applications.

``hmlsim/data/files/example_dataset.csv`` holds 600 rows drawn by
:func:`example_table` with seed 14; nothing in it comes from real people or a
third party, so it may be redistributed with the package.
``hmlsim/data/files/example_dataset.toml`` declares it, as a user would
declare their own CSV (``docs/experts.md``, "Your own data set"). To draw the
file again::

    python -c "from hmlsim.data.example import write_example_table; write_example_table()"

Columns: ``applicant_id`` (dropped), ``age``, ``income`` (thousands; 5% left
empty), ``debt_ratio``, ``late_payments``, ``years_employed``, ``region``
(north / south / east / west), ``senior`` (1 where age >= 60: a derived group
indicator, which the TOML file does not make a feature) and ``default``
(yes / no, the target; about a third "yes").
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.outputs import atomic_path

#: seed and size of the shipped file
EXAMPLE_SEED = 14
EXAMPLE_ROWS = 600
REGIONS = ("north", "south", "east", "west")


def example_dataset_toml() -> Path:
    """Path of the shipped ``example_dataset.toml`` (pass it wherever a dataset name goes)."""
    return Path(str(resources.files("hmlsim.data") / "files" / "example_dataset.toml"))


def example_table(n: int = EXAMPLE_ROWS, seed: int = EXAMPLE_SEED) -> pd.DataFrame:
    """Synthetic loan applications; P(default) is logistic in the applicant's numbers.

    Examples
    --------
    >>> table = example_table(50, seed=0)
    >>> table.shape, sorted(table["default"].unique())
    ((50, 9), ['no', 'yes'])
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(21, 71, n)
    income = np.round(np.exp(rng.normal(3.7, 0.45, n)), 1)
    debt_ratio = np.round(rng.beta(2.0, 5.0, n), 3)
    late_payments = rng.poisson(0.8, n)
    years_employed = np.minimum(age - 18, np.round(rng.gamma(2.0, 4.0, n))).astype(int)
    region = rng.choice(REGIONS, n)
    logit = (
        -1.2
        + 4.5 * (debt_ratio - 0.29)
        + 0.9 * late_payments
        - 0.025 * (income - 44.0)
        - 0.05 * years_employed
        + 0.6 * (region == "south")
    )
    default = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    income_shown = np.where(rng.random(n) < 0.05, np.nan, income)
    return pd.DataFrame(
        {
            "applicant_id": np.arange(1, n + 1),
            "age": age,
            "income": income_shown,
            "debt_ratio": debt_ratio,
            "late_payments": late_payments,
            "years_employed": years_employed,
            "region": region,
            "senior": (age >= 60).astype(int),
            "default": np.where(default, "yes", "no"),
        }
    )


def write_example_table(path: str | Path | None = None) -> Path:
    """Write :func:`example_table` as CSV (default: over the shipped file) and return the path."""
    target = Path(path) if path is not None else example_dataset_toml().with_suffix(".csv")
    with atomic_path(target) as tmp:
        example_table().to_csv(tmp, index=False, lineterminator="\n")
    return target
