"""The contract every scenario follows, and the code that runs one from the command line.

A scenario is a module in :mod:`hmlsim.scenarios` that defines

- ``Config``: a frozen dataclass whose defaults are the *full-size* study; it
  has an integer field ``seed`` and validates itself in ``__post_init__``
  (raising :class:`~hmlsim.errors.ConfigError` that names the field);
- ``QUICK``: a dict of field overrides giving the small size used by tests and CI;
- ``run(config) -> ScenarioResult``: the computation, with no file I/O;
- ``plot(result, out_dir) -> list[Path]`` (optional): figures from a result.

:func:`scenario_main` turns any such module into a command-line program
(``--out``, ``--quick``, ``--seed`` and one option per ``Config`` field), and
:func:`write_result` writes ``config.json``, ``summary.json``, one CSV per table
and the figures into the output folder. Sweeps (:mod:`hmlsim.experiments`)
call ``run`` directly with configurations built by :func:`make_config`.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import math
import sys
import time
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hmlsim.errors import ConfigError, OneLineParser, check_path, os_error_line
from hmlsim.outputs import atomic_path, write_text

log = logging.getLogger(__name__)


@dataclass
class ScenarioResult:
    """What a scenario run produces.

    Attributes
    ----------
    summary : dict
        JSON-serialisable key numbers (written to ``summary.json``).
    tables : dict of str to DataFrame
        Tidy result tables, each written to ``<name>.csv``.
    artifacts : dict
        In-memory objects a ``plot`` function needs (not written).
    """

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)


def to_jsonable(value: Any) -> Any:
    """Convert dataclasses, mappings, tuples, paths and NumPy values to JSON types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: to_jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


#: the key under which :func:`write_json` gives the reason for each NaN or infinity it
#: wrote as null
NULL_REASONS = "null_reasons"


def strict_jsonable(value: Any, where: str = "") -> tuple[Any, dict[str, str]]:
    """``to_jsonable(value)`` with every NaN or infinity replaced by None.

    Returns
    -------
    value : object
        Strict JSON data (no NaN, no Infinity).
    reasons : dict of str to str
        The dotted path of each replaced number and what it was.

    Examples
    --------
    >>> strict_jsonable({"a": [1.0, float("-inf")], "b": float("nan")})
    ({'a': [1.0, None], 'b': None}, {'a.1': 'was -inf', 'b': 'was nan (not a number)'})
    """
    value = to_jsonable(value)
    reasons: dict[str, str] = {}
    if isinstance(value, float) and not math.isfinite(value):
        reasons[where] = "was nan (not a number)" if math.isnan(value) else f"was {value}"
        return None, reasons
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return value, reasons
    out: dict | list = {} if isinstance(value, dict) else [None] * len(value)
    for key, item in items:
        out[key], inner = strict_jsonable(item, f"{where}.{key}" if where else str(key))
        reasons.update(inner)
    return out, reasons


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as strict, indented JSON atomically (temp file, then rename).

    A NaN or infinity is written as null; in a mapping, :data:`NULL_REASONS`
    says what each was (``{"claims.x.shortfall": "was -inf"}``), so no
    non-standard ``NaN`` or ``Infinity`` reaches the file.
    """
    data, reasons = strict_jsonable(payload)
    if reasons and isinstance(data, dict):
        data[NULL_REASONS] = {**data.get(NULL_REASONS, {}), **reasons}
    text = json.dumps(data, indent=2, sort_keys=False, allow_nan=False)
    write_text(path, text + "\n")


def write_result(
    module: types.ModuleType, config: Any, result: ScenarioResult, out: Path
) -> list[Path]:
    """Write a scenario's configuration, summary, tables and figures into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "config.json", out / "summary.json"]
    write_json(written[0], {"scenario": module.__name__.rsplit(".", 1)[-1], **to_jsonable(config)})
    write_json(written[1], result.summary)
    for name, table in result.tables.items():
        path = out / f"{name}.csv"
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False)
        written.append(path)
    plot = getattr(module, "plot", None)
    if plot is not None:
        written.extend(plot(result, out))
    return written


#: the largest integer a field accepts when neither the scenario's ``LIMITS`` nor
#: :data:`SHARED_LIMITS` names it (a count beyond this would not finish)
MAX_COUNT = 1_000_000
#: the largest seed (63 bits: what :func:`hmlsim.seeding.derive_seed` returns)
MAX_SEED = 2**63 - 1
#: limits of fields that several scenarios share: larger values would take days or
#: exhaust memory (``expert_draws`` = 50 is the paper's; split seeds are scikit-learn
#: ``random_state`` values, 32 bits)
SHARED_LIMITS: dict[str, int] = {
    "expert_draws": 10_000,
    "gate_draws": 10_000,
    "n_iter": 1_000_000,
    "n_trees_per_length": 100_000,
    "max_candidates": 1_000_000,
    "split_seeds": 2**32 - 1,
}


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", str(annotation))


def _coerce(field_name: str, annotation: Any, raw: Any) -> Any:
    """Convert ``raw`` (often a string from the CLI or TOML) to the field's type.

    Floats must be finite, bools are not numbers, a text field takes text only
    (not a TOML date), and a list field takes at least one value and no
    duplicates.
    """
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and args:
        if raw is None or (isinstance(raw, str) and raw.lower() == "none"):
            return None
        return _coerce(field_name, args[0], raw)
    if origin in (tuple, list):
        if not isinstance(raw, (str, list, tuple)):
            raise ConfigError(field_name, f"expected a list of values, got {raw!r}")
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        inner = args[0] if args else str
        converted = [
            _coerce(field_name, inner, item.strip() if isinstance(item, str) else item)
            for item in items
            if item != ""
        ]
        if not converted:
            raise ConfigError(field_name, "give at least one value (comma-separated)")
        shown = [repr(v) for v in converted]
        duplicates = sorted({v for v in shown if shown.count(v) > 1})
        if duplicates:
            raise ConfigError(field_name, f"duplicate values {', '.join(duplicates)}")
        return tuple(converted) if origin is tuple else converted
    if annotation is str:
        if not isinstance(raw, str):
            raise ConfigError(field_name, f"expected text, got {raw!r}")
        return raw
    try:
        if annotation is bool:
            if isinstance(raw, str):
                if raw.lower() in ("1", "true", "yes", "on"):
                    return True
                if raw.lower() in ("0", "false", "no", "off"):
                    return False
            if isinstance(raw, bool):
                return raw
            raise ValueError(raw)
        if annotation in (int, float) and isinstance(raw, bool):
            raise ValueError(raw)
        if annotation is int:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError(raw)
            return int(raw)
        if annotation is float:
            value = float(raw)
        elif annotation is Path:
            return Path(raw)
        else:
            return raw
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(field_name, f"expected {_type_name(annotation)}, got {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(field_name, f"must be a finite number, got {raw!r}")
    return value


def _check_limits(module: types.ModuleType, fields: dict[str, Any], values: dict) -> None:
    """Integers within their limits, and every ``*_path`` field naming an existing file.

    A seed lies in [0, :data:`MAX_SEED`]; any other integer (or integer list) at
    most the scenario's ``LIMITS[field]``, else :data:`SHARED_LIMITS`, else
    :data:`MAX_COUNT` in size.
    """
    limits = {**SHARED_LIMITS, **getattr(module, "LIMITS", {})}
    for name, value in values.items():
        annotation = fields[name]
        inner = typing.get_args(annotation)[:1] if typing.get_origin(annotation) else ()
        if annotation is int or (inner and inner[0] is int):
            seed = name == "seed" or name.endswith(("_seed", "_seeds"))
            top = limits.get(name, MAX_SEED if seed else MAX_COUNT)
            for number in value if isinstance(value, (tuple, list)) else (value,):
                if seed and number < 0:
                    raise ConfigError(name, f"a seed is an integer >= 0, got {number!r}")
                if abs(number) > top:
                    raise ConfigError(
                        name, f"at most {top:,} (a larger value would not finish), got {number!r}"
                    )
        if name.endswith("_path") and isinstance(value, str) and value:
            check_path(name, value)


def config_fields(config_cls: type) -> dict[str, Any]:
    """Map each field name of a scenario ``Config`` to its type annotation."""
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints.get(f.name, str) for f in dataclasses.fields(config_cls)}


def make_config(
    module: types.ModuleType, overrides: Mapping[str, Any] | None = None, quick: bool = False
) -> Any:
    """Build a scenario ``Config`` from overrides, checking every key and value.

    Parameters
    ----------
    module : module
        The scenario module (it defines ``Config`` and ``QUICK``).
    overrides : mapping, optional
        Field values (strings are converted to the field's type).
    quick : bool
        Start from the module's ``QUICK`` size instead of the full size.

    Raises
    ------
    ConfigError
        For an unknown field, or a value the field does not accept (a
        non-finite number, an empty or duplicated list, an integer beyond its
        limit, a ``*_path`` that names no file).
    """
    config_cls = module.Config
    fields = config_fields(config_cls)
    values: dict[str, Any] = dict(getattr(module, "QUICK", {})) if quick else {}
    for key, raw in (overrides or {}).items():
        if key not in fields:
            raise ConfigError(key, f"unknown field; accepted: {', '.join(fields)}")
        values[key] = _coerce(key, fields[key], raw)
    _check_limits(module, fields, {k: values[k] for k in overrides or {}})
    return config_cls(**values)


def load_scenario(name: str) -> types.ModuleType:
    """Import the scenario module ``hmlsim.scenarios.<name>``.

    Raises
    ------
    ConfigError
        If no such scenario exists (the message lists those that do).
    """
    from hmlsim.scenarios import SCENARIOS

    key = name.removesuffix(".py").replace("-", "_")
    key = Path(key).name
    if key not in SCENARIOS:
        raise ConfigError(
            "scenario", f"unknown scenario {name!r}; accepted: {', '.join(SCENARIOS)}"
        )
    return importlib.import_module(f"hmlsim.scenarios.{key}")


def _shown(value: Any) -> str:
    """A field value as the command line takes it (lists comma-separated, None as none)."""
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value)) if value else "(none)"
    if value is None or value == "":
        return "none" if value is None else '""'
    return str(value)


def build_parser(module: types.ModuleType, prog: str | None = None) -> argparse.ArgumentParser:
    """An argument parser with ``--out``, ``--quick`` and one option per ``Config`` field.

    Each field's help is the scenario's ``HELP[field]`` (what it means, its
    unit and range), then its default; ``--quick`` lists the values it sets.
    """
    doc = (module.__doc__ or "").strip().splitlines()
    parser = OneLineParser(
        prog=prog,
        description=doc[0] if doc else None,
    )
    name = module.__name__.rsplit(".", 1)[-1]
    parser.add_argument(
        "--out",
        default=str(Path("results") / name),  # text: an empty --out is refused, not "."
        metavar="DIR",
        help="folder for the tables (CSV), figures (PNG), summary.json and config.json: new, "
        "empty, or holding an earlier run of this scenario (default: %(default)s)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="clear an --out folder that holds another scenario's outputs (refused otherwise)",
    )
    quick = "; ".join(f"{k.replace('_', '-')} {_shown(v)}" for k, v in module.QUICK.items())
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"the small size of the tests and CI instead of the full study: {quick} "
        "(an option given explicitly wins)".replace("%", "%%"),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log each step to stderr (no progress bar)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--json", action="store_true", help="print the whole summary as JSON when done"
    )
    meanings = getattr(module, "HELP", {})
    for f in dataclasses.fields(module.Config):
        default = f.default if f.default is not dataclasses.MISSING else None
        if default is None and f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        parser.add_argument(
            f"--{f.name.replace('_', '-')}",
            dest=f.name,
            default=None,
            metavar=f.name.upper(),
            help=f"{meanings.get(f.name, '')} (default: {_shown(default)})".strip().replace(
                "%", "%%"
            ),
        )
    return parser


def scenario_main(
    module: types.ModuleType, argv: Sequence[str] | None = None, prog: str | None = None
) -> int:
    """Run a scenario from command-line arguments and write its outputs.

    Every field and the output folder are checked before the scenario runs
    (:class:`~hmlsim.experiments.outputs.OutputFolder`). Returns the process
    exit status: 0 on success, 2 on bad input (a one-line message naming the
    option), 130 after Ctrl-C (one line; ``--out`` as it was before the run).
    """
    from hmlsim.experiments.outputs import OutputFolder
    from hmlsim.experiments.progress import close_bars, show_progress

    parser = build_parser(module, prog=prog)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    if args.verbose:  # also under `hmlsim run`, whose dispatcher has configured logging
        logging.getLogger().setLevel(logging.INFO)
    overrides = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(module.Config)
        if getattr(args, f.name) is not None
    }
    name = module.__name__.rsplit(".", 1)[-1]
    folder = None
    try:
        config = make_config(module, overrides, quick=args.quick)
        folder = OutputFolder(args.out, name, overwrite=args.overwrite)
        started = time.perf_counter()
        with show_progress(not args.no_progress and not args.verbose):
            result = module.run(config)
        written = folder.publish(write_result(module, config, result, folder.staging))
    except BaseException as error:  # nothing half-written stays beside --out
        close_bars()
        if folder is not None:
            folder.discard()
        if isinstance(error, KeyboardInterrupt):
            print(f"{parser.prog}: interrupted; nothing written to {args.out}", file=sys.stderr)
            return 130
        if not isinstance(error, ConfigError):
            raise
        known = error.field in overrides or error.field in {"out", *config_fields(module.Config)}
        option = f"--{error.field.replace('_', '-')}" if known else error.field
        parser.exit(2, f"{parser.prog}: error: {option}: {error.message}\n")
    elapsed = time.perf_counter() - started
    print(f"{name}: wrote {len(written)} files to {args.out} in {elapsed:.1f} s")
    if args.json:
        print(json.dumps(to_jsonable(result.summary), indent=2))
    else:
        print(headline(module, result.summary))
    return 0


def headline(module: types.ModuleType, summary: dict[str, Any]) -> str:
    """A small readable table of a scenario's key numbers (the module's ``headline``).

    A scenario without one gets its summary's plain values as a table, and the
    names of the rest, which ``summary.json`` (or ``--json``) holds.
    """
    from hmlsim.experiments.summary_table import number, text_table

    custom = getattr(module, "headline", None)
    if custom is not None:
        return custom(summary)
    plain = {k: v for k, v in summary.items() if not isinstance(v, (dict, list, tuple))}
    lines = [text_table([{"quantity": k, "value": number(v)} for k, v in plain.items()])]
    rest = [k for k in summary if k not in plain]
    if rest:
        lines.append(f"  in summary.json also: {', '.join(rest)}")
    return "\n".join(lines)


def script_entry(module_name: str) -> None:
    """Entry point for the thin wrappers in ``scenarios/``: run and exit."""
    module = importlib.import_module(module_name)
    prog = f"{module_name.rsplit('.', 1)[-1]}.py"
    try:
        status = scenario_main(module, prog=prog)
    except OSError as error:  # a full disk: one line, status 1
        print(f"{prog}: error: {os_error_line(error)}", file=sys.stderr)
        status = 1
    sys.exit(status)
