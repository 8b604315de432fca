"""The claims ledger: every published result as a declarative claim, read from TOML.

A paper's ledger (``hmlsim/reproduce/ledger/<paper>.toml``) is a list of
``[[claim]]`` tables written from the paper before any run. Each has

``id``
    ``<study>/<context>/<name>``; may hold ``{dataset}``, ``{behaviour}`` and
    ``{panel}`` to expand over a figure's panels, and ``{name}`` for any key of ``over``.
``where``, ``quote``
    The section / figure / table and the paper's own words.
``kind``
    ``result`` (a reproduced finding), ``setup`` (the simulated world matches
    the paper's description) or ``by_construction`` (true by the model's
    arithmetic); the last two need a ``reason``.
``quantity``
    What hmlsim measures per run: arithmetic over *tokens*
    ``metric[Variant; key=value; ...]``. A token reads ``metric`` from the
    claim's ``table``, keeps the rows matching the claim's ``filters`` and its
    own selectors (the bare word is the ``variant``; ``group`` defaults to
    ``all``) and averages what is left within each run (``split_seed``).
    Tokens of one quantity are paired by run.
``test``, ``margin``, ``combine``
    The sentence's logic (:mod:`hmlsim.reproduce.verdicts`) and how the
    parts made by ``over`` (and by ``panels`` when the id names no panel)
    combine: ``all``, ``any`` or ``pooled``.
``panels``
    ``"figure2"`` (the nine panels a–i, row by row heart, FICO, HR; columns
    :data:`~hmlsim.scenarios._teamrules_common.BEHAVIOURS`) or a list of their letters.
``over``
    ``{name = [values]}``: the parts, substituted for ``{name}`` in the quantity.
``exclude``
    Parts of ``over`` left out, e.g. ``[{rival = "TR-no(ADB)", alpha = 1.0}]``:
    a part whose outcome the model's arithmetic forces belongs in a
    ``by_construction`` claim (which the ``note`` names), not in a result.
``paper``, ``paper_se``, ``paper_se_source``
    For ``number`` claims: the published value, its SE (omit when the paper
    gives none) and the sentence that gives the SE.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError
from hmlsim.reproduce.verdicts import COMBINE, KINDS, TESTS

REQUIRED = ("id", "where", "quote", "kind", "quantity", "test", "margin")
OPTIONAL = (
    "combine",
    "panels",
    "over",
    "table",
    "filters",
    "paper",
    "paper_se",
    "paper_se_source",
    "reason",
    "note",
    "exclude",
)
#: Figure 2's (and Figures 5 and 6's) panels, lettered row by row
PANEL_DATASETS = ("heart", "fico", "hr")
PANEL_BEHAVIOURS = ("difficulty+group", "group+group", "difficulty+accuracy")
TOKEN = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)\[([^\]]*)\]")


def figure_panels() -> dict[str, tuple[str, str]]:
    """Panel letter -> (dataset, behaviour), a–i row by row."""
    pairs = itertools.product(PANEL_DATASETS, PANEL_BEHAVIOURS)
    return dict(zip("abcdefghi", pairs, strict=True))


@dataclass(frozen=True)
class ClaimSpec:
    """One claim of the ledger after expansion over panels.

    Attributes
    ----------
    id, where, quote, kind, test, combine, margin
        As in the ledger.
    quantity : str
        The quantity with the panel's names filled in (``{over}`` names left).
    table : str
        The reproduction table it is read from.
    filters : dict
        Row filters every token starts from.
    parts : dict
        Part label -> values substituted into the quantity (one empty part
        when the claim has a single part).
    datasets : tuple of str
        The datasets the claim needs (for ``not_run``).
    paper, paper_se, paper_se_source, reason, note
        As in the ledger.
    """

    id: str
    where: str
    quote: str
    kind: str
    quantity: str
    test: str
    margin: float
    combine: str = "single"
    table: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: tuple[str, ...] = ()
    paper: float | None = None
    paper_se: float | None = None
    paper_se_source: str = ""
    reason: str = ""
    note: str = ""


def ledger_path(paper: str) -> Path:
    """The shipped ledger of ``paper`` (``teamrules`` or ``knapsack``)."""
    return Path(str(resources.files("hmlsim.reproduce") / "ledger" / f"{paper}.toml"))


def load_ledger(path: str | Path) -> list[ClaimSpec]:
    """Read, check and expand a ledger file.

    Raises
    ------
    ConfigError
        Naming the claim and field that is missing or not accepted.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError("ledger", f"{path}: {err}") from None
    entries = raw.get("claim")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("ledger", f"{path}: expected [[claim]] tables")
    defaults = raw.get("defaults", {})
    specs = [spec for i, entry in enumerate(entries) for spec in _expand(i, entry, defaults)]
    ids = [s.id for s in specs]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        raise ConfigError("ledger", f"{path}: claim ids used twice: {', '.join(doubled)}")
    return specs


def _check_entry(index: int, entry: Mapping[str, Any]) -> None:
    name = f"claim[{index}] ({entry.get('id', '?')})"
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        raise ConfigError(f"{name}.{missing[0]}", "is required")
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        accepted = ", ".join((*REQUIRED, *OPTIONAL))
        raise ConfigError(f"{name}.{unknown[0]}", f"unknown field; accepted: {accepted}")
    for key, accepted in (("kind", KINDS), ("test", TESTS), ("combine", COMBINE)):
        value = entry.get(key, "single")
        if value not in accepted:
            raise ConfigError(f"{name}.{key}", f"must be one of {accepted}, got {value!r}")
    margin = entry["margin"]
    if not isinstance(margin, int | float) or not 0 <= margin < 1:
        raise ConfigError(f"{name}.margin", f"must be a number in [0, 1), got {margin!r}")
    if entry["kind"] != "result" and not entry.get("reason"):
        raise ConfigError(f"{name}.reason", f"a {entry['kind']} claim must say why it is one")
    if entry["test"] == "number" and not isinstance(entry.get("paper"), int | float):
        raise ConfigError(f"{name}.paper", "a number claim needs the published value")
    if "paper_se" in entry and not entry.get("paper_se_source"):
        raise ConfigError(f"{name}.paper_se_source", "say which sentence gives the SE")
    if not TOKEN.search(entry["quantity"]):
        raise ConfigError(f"{name}.quantity", "needs at least one metric[Variant; key=value]")


def _expand(
    index: int, entry: Mapping[str, Any], defaults: Mapping[str, Any]
) -> Iterator[ClaimSpec]:
    entry = {**defaults, **entry}
    _check_entry(index, entry)
    over = entry.get("over", {})
    over_parts = [
        dict(zip(over, values, strict=True)) for values in itertools.product(*over.values())
    ]
    for left_out in entry.get("exclude", []):
        if not over_parts or set(left_out) - set(over):
            raise ConfigError(
                f"claim[{index}].exclude", f"names keys outside over ({', '.join(over)})"
            )
        over_parts = [p for p in over_parts if any(p[k] != v for k, v in left_out.items())]
    panels = _panels(index, entry.get("panels"))
    per_panel = any(f"{{{k}}}" in entry["id"] for k in ("dataset", "behaviour", "panel"))
    groups: list[list[dict[str, Any]]]
    if panels and per_panel:
        groups = [[panel] for panel in panels]
    elif panels:
        groups = [panels]
    else:
        groups = [[{}]]
    for group in groups:
        names = group[0] if len(group) == 1 else {}
        parts: dict[str, dict[str, Any]] = {}
        for panel in group:
            for part in over_parts:
                values = {**panel, **part} if len(group) > 1 else dict(part)
                label = ", ".join(f"{k}={v}" for k, v in values.items() if k != "behaviour")
                parts[label] = {**panel, **part}
        named = set(re.findall(r"dataset=([a-z]+)", entry["quantity"]))
        datasets = tuple(sorted({p["dataset"] for p in group if "dataset" in p} | named))
        yield ClaimSpec(
            id=_fill(entry["id"], names),
            where=_fill(entry["where"], names),
            quote=entry["quote"].strip(),
            kind=entry["kind"],
            quantity=_fill(entry["quantity"], names, keep=tuple(over)),
            test=entry["test"],
            margin=float(entry["margin"]),
            combine=entry.get("combine", "single"),
            table=entry.get("table", ""),
            filters={k: _fill(v, names) for k, v in entry.get("filters", {}).items()},
            parts=parts,
            datasets=datasets,
            paper=entry.get("paper"),
            paper_se=entry.get("paper_se"),
            paper_se_source=entry.get("paper_se_source", ""),
            reason=entry.get("reason", "").strip(),
            note=entry.get("note", "").strip(),
        )


def _panels(index: int, panels: Any) -> list[dict[str, str]]:
    if panels is None:
        return []
    lettered = figure_panels()
    letters = list(lettered) if panels == "figure2" else panels
    if not isinstance(letters, list) or not set(letters) <= set(lettered):
        raise ConfigError(
            f"claim[{index}].panels", f'must be "figure2" or letters a–i, got {panels!r}'
        )
    return [{"panel": k, "dataset": lettered[k][0], "behaviour": lettered[k][1]} for k in letters]


def _fill(value: Any, names: Mapping[str, Any], keep: tuple[str, ...] = ()) -> Any:
    if not isinstance(value, str):
        return value
    for key, sub in names.items():
        if key not in keep:
            value = value.replace(f"{{{key}}}", str(sub))
    return value


# ----------------------------------------------------------------------------- quantities


def _parse_value(text: str) -> Any:
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text)
    except ValueError:
        return text


def _selectors(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in (s.strip() for s in text.split(";")):
        if not item:
            continue
        if "=" in item:
            key, value = item.split("=", 1)
            out[key.strip()] = _parse_value(value)
        else:
            out["variant"] = item
    return out


def _column(
    table: pd.DataFrame, key: str, as_text: bool, cache: dict[tuple[str, bool], np.ndarray]
) -> np.ndarray:
    """A column as strings or floats, converted once per ``cache`` (one cache per table)."""
    if (key, as_text) not in cache:
        column = table[key]
        values = column.astype(str).to_numpy() if as_text else column.to_numpy(dtype=float)
        cache[key, as_text] = values
    return cache[key, as_text]


def _select(table: pd.DataFrame, where: Mapping[str, Any], cache: dict) -> np.ndarray:
    """The rows matching every ``key = value`` of ``where``, as a boolean mask."""
    mask = np.ones(len(table), dtype=bool)
    for key, value in where.items():
        if key not in table.columns:
            raise ConfigError("quantity", f"the table has no column {key!r}")
        if isinstance(value, bool):
            mask &= table[key].astype(bool).to_numpy() == value
        elif isinstance(value, float) and pd.api.types.is_numeric_dtype(table[key]):
            mask &= np.isclose(_column(table, key, False, cache), value)
        else:
            mask &= _column(table, key, True, cache) == str(value)
    return mask


def per_run(
    quantity: str,
    table: pd.DataFrame,
    filters: Mapping[str, Any],
    values: Mapping[str, Any],
    columns: dict | None = None,
) -> pd.Series | None:
    """The quantity in each run (index ``split_seed``), or None when a token has no rows.

    Parameters
    ----------
    quantity : str
        Arithmetic over ``metric[...]`` tokens (see the module).
    table : DataFrame
        The reproduction's table, concatenated over runs.
    filters : dict
        The claim's row filters.
    values : dict
        The part's names, substituted for ``{name}``.
    columns : dict, optional
        This table's columns as converted by earlier calls (the claims of one
        ledger read the same columns many times); filled as a side effect.

    Examples
    --------
    >>> t = pd.DataFrame({"split_seed": [1, 1, 2, 2], "variant": ["A", "B"] * 2,
    ...                   "group": "all", "v": [0.3, 0.1, 0.5, 0.2]})
    >>> per_run("v[A] - v[B]", t, {}, {}).round(3).tolist()
    [0.2, 0.3]
    """
    expression = _fill(quantity, values)
    cache = {} if columns is None else columns
    columns: dict[str, pd.Series] = {}
    # a panel's rows: its dataset and expert behaviour, where the table has them
    panel = {
        column: values[name]
        for name, column in (("dataset", "dataset"), ("behaviour", "decision"))
        if name in values and column in table.columns
    }
    filters = {**panel, **{k: _fill(v, values) for k, v in filters.items()}}

    def token(match: re.Match[str]) -> str:
        metric, where = match.group(1), {**filters, **_selectors(match.group(2))}
        if "group" in table.columns:
            where.setdefault("group", "all")
        mask = _select(table, where, cache)
        name = f"q{len(columns)}"
        if metric not in table.columns:
            raise ConfigError("quantity", f"the table has no metric {metric!r}")
        runs = _column(table, "split_seed", False, cache)[mask].astype(int)
        metric_values = pd.Series(_column(table, metric, False, cache)[mask])
        columns[name] = metric_values.groupby(runs).mean()
        return name

    text = TOKEN.sub(token, expression)
    if any(series.empty for series in columns.values()):
        return None
    frame = pd.concat(columns, axis=1, join="inner")
    if frame.empty:
        return None
    result = frame.eval(text) if len(frame.columns) else None
    return result if isinstance(result, pd.Series) else pd.Series(result, index=frame.index)
