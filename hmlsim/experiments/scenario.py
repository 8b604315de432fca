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
import sys
import time
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hmlsim.errors import ConfigError

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


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as indented JSON atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(to_jsonable(payload), indent=2, sort_keys=False) + "\n")
    tmp.replace(path)


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
        table.to_csv(path, index=False)
        written.append(path)
    plot = getattr(module, "plot", None)
    if plot is not None:
        written.extend(plot(result, out))
    return written


def _coerce(field_name: str, annotation: Any, raw: Any) -> Any:
    """Convert ``raw`` (often a string from the CLI or TOML) to the field's type."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and args:
        if raw is None or (isinstance(raw, str) and raw.lower() == "none"):
            return None
        return _coerce(field_name, args[0], raw)
    if origin in (tuple, list):
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        inner = args[0] if args else str
        converted = [_coerce(field_name, inner, item) for item in items if item != ""]
        return tuple(converted) if origin is tuple else converted
    try:
        if annotation is bool:
            if isinstance(raw, str):
                if raw.lower() in ("1", "true", "yes", "on"):
                    return True
                if raw.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(raw)
            return bool(raw)
        if annotation is int:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError(raw)
            return int(raw)
        if annotation is float:
            return float(raw)
        if annotation is Path:
            return Path(raw)
    except (TypeError, ValueError):
        name = getattr(annotation, "__name__", str(annotation))
        raise ConfigError(field_name, f"expected {name}, got {raw!r}") from None
    return raw


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
        For an unknown field, or a value the field does not accept.
    """
    config_cls = module.Config
    fields = config_fields(config_cls)
    values: dict[str, Any] = dict(getattr(module, "QUICK", {})) if quick else {}
    for key, raw in (overrides or {}).items():
        if key not in fields:
            raise ConfigError(key, f"unknown field; accepted: {', '.join(fields)}")
        values[key] = _coerce(key, fields[key], raw)
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


def build_parser(module: types.ModuleType, prog: str | None = None) -> argparse.ArgumentParser:
    """An argument parser with ``--out``, ``--quick`` and one option per ``Config`` field.

    A scenario module may describe its fields in a ``HELP`` dict (field → meaning).
    """
    doc = (module.__doc__ or "").strip().splitlines()
    parser = argparse.ArgumentParser(
        prog=prog,
        description=doc[0] if doc else None,
    )
    name = module.__name__.rsplit(".", 1)[-1]
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results") / name,
        help="folder for tables, figures, summary.json and config.json",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small size for tests and CI (see the scenario's QUICK)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    parser.add_argument(
        "--json", action="store_true", help="print the whole summary as JSON when done"
    )
    for f in dataclasses.fields(module.Config):
        default = f.default if f.default is not dataclasses.MISSING else None
        if default is None and f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        shown = ",".join(map(str, default)) if isinstance(default, (tuple, list)) else default
        meaning = getattr(module, "HELP", {}).get(f.name, "")
        parser.add_argument(
            f"--{f.name.replace('_', '-')}",
            dest=f.name,
            default=None,
            metavar=f.name.upper(),
            help=f"{meaning} (default: {shown})".strip(),
        )
    return parser


def scenario_main(
    module: types.ModuleType, argv: Sequence[str] | None = None, prog: str | None = None
) -> int:
    """Run a scenario from command-line arguments and write its outputs.

    Returns the process exit status (0 on success, 2 on bad input).
    """
    parser = build_parser(module, prog=prog)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    overrides = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(module.Config)
        if getattr(args, f.name) is not None
    }
    try:
        config = make_config(module, overrides, quick=args.quick)
    except ConfigError as error:
        parser.exit(
            2, f"{parser.prog}: error: --{error.field.replace('_', '-')}: {error.message}\n"
        )
    started = time.perf_counter()
    result = module.run(config)
    written = write_result(module, config, result, args.out)
    elapsed = time.perf_counter() - started
    print(
        f"{module.__name__.rsplit('.', 1)[-1]}: wrote {len(written)} files to {args.out} "
        f"in {elapsed:.1f} s"
    )
    if args.json:
        print(json.dumps(to_jsonable(result.summary), indent=2))
    else:
        print(headline(module, result.summary))
    return 0


def headline(module: types.ModuleType, summary: dict[str, Any]) -> str:
    """A few readable lines about a scenario's summary (the module's ``headline`` if it has one).

    The default lists the summary's plain values and the size of its lists and
    tables; ``summary.json`` (or ``--json``) has everything.
    """
    custom = getattr(module, "headline", None)
    if custom is not None:
        return custom(summary)
    lines = []
    for key, value in summary.items():
        if isinstance(value, (dict, list, tuple)):
            lines.append(f"  {key}: {len(value)} entries (see summary.json)")
        elif isinstance(value, float):
            lines.append(f"  {key}: {value:.4g}")
        else:
            lines.append(f"  {key}: {value}")
    return "\n".join(lines)


def script_entry(module_name: str) -> None:
    """Entry point for the thin wrappers in ``scenarios/``: run and exit."""
    module = importlib.import_module(module_name)
    sys.exit(scenario_main(module, prog=f"{module_name.rsplit('.', 1)[-1]}.py"))
