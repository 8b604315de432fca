"""Load a dataset from its declaration: read, label, split, encode and group.

``load_dataset("heart")`` reads the copy shipped in ``hmlsim/data/files``;
``load_dataset("fico", path=...)`` reads FICO HELOC from a path (or from the
``HMLSIM_FICO_PATH`` environment variable): FICO's licence does not allow
shipping it. Any other CSV (or Weka ARFF) file works through a
:class:`~hmlsim.data.spec.DatasetSpec`, declared in Python or in a small TOML
file: ``load_dataset("my.toml")`` (see :func:`hmlsim.data.load_dataset_spec`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.data.builtin import BUILTIN
from hmlsim.data.checks import check_finite, check_labels
from hmlsim.data.encoding import FeatureEncoder
from hmlsim.data.spec import DatasetSpec, group_mask
from hmlsim.data.splits import SPLIT_NAMES, Split, paper_split_positions
from hmlsim.errors import ConfigError, check_path

log = logging.getLogger(__name__)

PAPER_SEED = 20


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded, split and encoded dataset.

    Attributes
    ----------
    name : str
        The spec's name.
    spec : DatasetSpec
        The declaration it was loaded from.
    seed : int
        The ``random_state`` of the four stratified splits.
    path : Path
        The file read.
    encoder : FeatureEncoder
        The fitted encoder (medians from the train split); ``encoder.transform``
        encodes new raw rows the same way.
    splits : dict of str to Split
        ``human_train``, ``learning``, ``validation``, ``test`` and ``train``.
    """

    name: str
    spec: DatasetSpec
    seed: int
    path: Path
    encoder: FeatureEncoder
    splits: dict[str, Split]

    @property
    def feature_names(self) -> list[str]:
        """Columns of every split's ``X``."""
        return list(self.encoder.feature_names_)

    @property
    def train(self) -> Split:
        """Rows the advisor is trained on (the paper's 505 / 6,120 / 568)."""
        return self.splits["train"]

    @property
    def validation(self) -> Split:
        """Validation rows (87 / 801 / 38)."""
        return self.splits["validation"]

    @property
    def test(self) -> Split:
        """Test rows (127 / 1,080 / 143)."""
        return self.splits["test"]

    @property
    def human_train(self) -> Split:
        """Rows held out to build the simulated expert (difficulty model)."""
        return self.splits["human_train"]

    @property
    def learning(self) -> Split:
        """Rows held out to learn the expert's confidence and discretion models."""
        return self.splits["learning"]

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, seed={self.seed}, sizes={self.sizes()})"

    def sizes(self) -> dict[str, int]:
        """Number of rows of each split."""
        return {name: len(split) for name, split in self.splits.items()}


def _resolve_path(spec: DatasetSpec, path: str | os.PathLike | None) -> Path:
    if path is not None:
        if not isinstance(path, (str, os.PathLike)) or path == "":
            raise ConfigError("path", f"expected the path of a CSV or ARFF file, got {path!r}")
        return check_path("path", path)
    if spec.path_env and os.environ.get(spec.path_env):
        return check_path(spec.path_env, os.environ[spec.path_env])
    if spec.path is not None:
        return check_path("path", spec.path)
    if spec.file is not None:
        resource = resources.files("hmlsim.data") / "files" / spec.file
        return Path(str(resource))
    how = (
        f"pass path=... or set the environment variable {spec.path_env}"
        if spec.path_env
        else ("pass path=...")
    )
    extra = ""
    if spec.name == "fico":
        extra = (
            " (FICO HELOC may not be redistributed, so hmlsim does not ship it; download "
            "heloc_dataset_v1.csv from the FICO community site)"
        )
    raise ConfigError("path", f"dataset {spec.name!r} needs a file: {how}{extra}")


def read_table(path: Path, missing_values: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV or Weka ARFF file into a DataFrame (byte strings decoded, BOM stripped).

    ``missing_values`` are strings read as empty cells besides pandas' defaults
    (and ARFF's ``?``). An empty file, or one with a header and no rows, raises
    :class:`ConfigError` (``path``).
    """
    missing = list(missing_values)
    if path.suffix.lower() == ".arff":
        from scipy.io import arff

        try:
            data, _ = arff.loadarff(str(path))
        except (arff.ArffError, ValueError, UnicodeDecodeError, StopIteration, IndexError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError("path", f"cannot read {path} as ARFF: {message}") from None
        frame = pd.DataFrame(data)
        for column in frame.columns:
            if frame[column].dtype == object:
                decoded = frame[column].str.decode("utf-8")
                frame[column] = decoded.where(~decoded.isin(["?", *missing]))
    else:
        try:
            frame = pd.read_csv(path, encoding="utf-8-sig", na_values=missing or None)
        except pd.errors.EmptyDataError:
            raise ConfigError("path", f"{path} is empty") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise ConfigError("path", f"cannot read {path} as CSV: {exc}") from exc
        first = pd.read_csv(path, encoding="utf-8-sig", nrows=1, header=None, dtype=str)
        names = [str(c).lstrip("\ufeff").strip() for c in first.iloc[0].tolist()]
        doubled = sorted({c for c in names if names.count(c) > 1})
        if doubled:  # pandas would rename the second one silently (age.1)
            raise ConfigError(
                "path", f"{path} has duplicate column names: {', '.join(map(repr, doubled))}"
            )
    if frame.empty:
        raise ConfigError("path", f"{path} has no data rows")
    frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
    return frame.reset_index(drop=True)


def _spec_for(dataset: str | os.PathLike | DatasetSpec) -> DatasetSpec:
    from hmlsim.data.user import is_dataset_toml, load_dataset_spec

    if isinstance(dataset, DatasetSpec):
        return dataset
    if not isinstance(dataset, (str, os.PathLike)):
        raise ConfigError(
            "dataset",
            f"must be one of {', '.join(BUILTIN)}, a path to a dataset TOML file or a "
            f"DatasetSpec; got {dataset!r}",
        )
    if is_dataset_toml(dataset):
        return load_dataset_spec(dataset)
    if dataset not in BUILTIN:
        raise ConfigError(
            "dataset",
            f"must be one of {', '.join(BUILTIN)}, a path to a dataset TOML file or a "
            f"DatasetSpec; got {dataset!r}",
        )
    return BUILTIN[dataset]


#: where FICO HELOC is looked for when neither an explicit path nor HMLSIM_FICO_PATH is
#: given: ``shared/data`` beside the repository checkout (an editable install)
DEFAULT_FICO_PATH = Path(__file__).resolve().parents[3] / "shared" / "data" / "heloc_dataset_v1.csv"


def resolve_fico_path(explicit: str | os.PathLike | None = "") -> Path | None:
    """Where FICO HELOC is read from, or None when it is not available.

    Order: ``explicit`` (a scenario's ``fico_path``), then the ``HMLSIM_FICO_PATH``
    environment variable, then :data:`DEFAULT_FICO_PATH`. An explicit path or
    environment variable that names a missing file raises, since the user
    asked for it; the default is used only when it exists.

    Raises
    ------
    ConfigError
        ``fico_path`` when an explicitly given file does not exist.
    """
    for source, value in (
        ("fico_path", explicit),
        ("HMLSIM_FICO_PATH", os.environ.get("HMLSIM_FICO_PATH", "")),
    ):
        if value:
            try:
                return check_path(source, value)
            except ConfigError as error:
                raise ConfigError("fico_path", f"{source}: {error.message}") from None
    default = Path(DEFAULT_FICO_PATH)
    return default if default.is_file() else None


def load_dataset(
    dataset: str | os.PathLike | DatasetSpec,
    path: str | os.PathLike | None = None,
    seed: int = PAPER_SEED,
) -> Dataset:
    """Load, label, split and encode a dataset.

    Parameters
    ----------
    dataset : {"heart", "fico", "hr"}, path to a ``.toml`` file, or DatasetSpec
        A built-in dataset of the TeamRules paper, or a user's declaration:
        a TOML file (read and checked by :func:`~hmlsim.data.load_dataset_spec`)
        or a :class:`DatasetSpec`.
    path : str or path-like, optional
        The file to read. Defaults: the copy shipped with hmlsim for heart and
        HR; for FICO the ``HMLSIM_FICO_PATH`` environment variable (FICO is
        never shipped); a TOML declaration's ``path``. A spec's ``path_env``
        variable overrides the shipped copy and the spec's ``path``.
    seed : int, default 20
        ``random_state`` of the four stratified splits; the paper's runs use
        20, 21, ....

    Returns
    -------
    Dataset

    Raises
    ------
    ConfigError
        Unknown dataset, missing or empty file, unknown column, a row without
        a label, a target with one class, or an infinite value in a feature.

    Examples
    --------
    >>> ds = load_dataset("heart", seed=20)
    >>> len(ds.train), len(ds.validation), len(ds.test)
    (505, 87, 127)
    >>> sorted(ds.train.groups)[:2]
    ['age_le_50', 'age_lt_50']
    """
    spec = _spec_for(dataset)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ConfigError("seed", f"must be an integer, got {seed!r}")
    resolved = _resolve_path(spec, path)
    raw = read_table(resolved, spec.missing_values)
    spec.check_columns(list(raw.columns))
    y = check_labels(spec, raw, resolved.name)
    positions = paper_split_positions(y, spec.split_fractions, int(seed))
    features = spec.features_of(raw)
    check_finite(features, resolved.name)
    encoder = FeatureEncoder(
        categorical_columns=spec.categorical_columns,
        missing_zero_columns=spec.missing_zero_columns,
        special_values=spec.special_values,
    ).fit(features, fit_rows=positions["train"])
    encoded = encoder.transform(features)
    groups_all = {name: group_mask(cond, raw) for name, cond in spec.group_conditions.items()}
    splits = {
        name: Split(
            name=name,
            X=encoded.iloc[positions[name]],
            y=y[positions[name]],
            frame=raw.iloc[positions[name]],
            groups={g: mask[positions[name]] for g, mask in groups_all.items()},
        )
        for name in SPLIT_NAMES
    }
    log.info("loaded %s from %s: %s", spec.name, resolved, {k: len(v) for k, v in splits.items()})
    return Dataset(
        name=spec.name, spec=spec, seed=int(seed), path=resolved, encoder=encoder, splits=splits
    )
