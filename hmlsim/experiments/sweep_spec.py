"""Sweep specifications: the grid, its validation, and every run's key and seed.

A :class:`SweepSpec` (a scenario name, parameter axes, a replicate count and a
master seed) is built in Python or read from TOML (:func:`load_spec`);
:func:`plan_runs` checks it whole and builds every run's configuration before
anything runs. :mod:`hmlsim.experiments.sweep` runs the plan.

Seeds
-----
Every run's seed is ``derive_seed(master_seed, scenario, *axis_values,
replicate)``, where ``axis_values`` are ``"field=value"`` strings sorted by
field name. It depends on the run's key only, never on the order in which
runs happen, so results are identical whatever the number of workers or the
backend. The seed is set in the run's ``Config`` and written beside its result.
Each run computes on one thread (:func:`limited_threads`) on every backend.

TOML format
-----------
.. code-block:: toml

    scenario = "dynamics_grid"   # a module of hmlsim.scenarios, or a dotted module path
    seeds = 3                    # replicates per grid point (default 1)
    master_seed = 2024           # default 0
    quick = false                # start from the scenario's QUICK size (default false)

    [fixed]                      # optional: fields held at one value in every run
    steps = 200

    [axes]                       # fields swept: the runs are the Cartesian product
    tilt = [0.9, 1.0, 1.1]
    start = [0.1, 0.5]
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import itertools
import json
import logging
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hmlsim.errors import ConfigError, read_text_file
from hmlsim.experiments.scenario import MAX_SEED, config_fields, make_config, to_jsonable
from hmlsim.seeding import derive_seed

log = logging.getLogger(__name__)

SPEC_KEYS = ("scenario", "axes", "seeds", "master_seed", "quick", "fixed", "name")
#: the most runs one sweep may plan (grid points x seeds): every run's configuration is
#: built before any starts, and more would exhaust memory before the first result
MAX_RUNS = 100_000
#: the most local worker processes a sweep starts
MAX_WORKERS = 512


@dataclass(frozen=True)
class SweepSpec:
    """A declared sweep: a scenario, its parameter axes and the replicate seeds.

    Parameters
    ----------
    scenario : str
        A scenario of :mod:`hmlsim.scenarios` (``"dynamics_grid"``) or the dotted
        path of a module that follows the same contract.
    axes : mapping of str to sequence
        ``Config`` field -> the values it takes; the runs are the Cartesian
        product of the axes (in the order given) times ``seeds`` replicates.
        A field whose type is a tuple (``alphas: tuple[float, ...]``) may be
        given scalar values: each run then gets a one-element tuple.
    seeds : int
        Replicates per grid point, each with its own derived seed.
    master_seed : int
        The one seed every run's seed is derived from.
    quick : bool
        Start every run from the scenario's ``QUICK`` size instead of the full size.
    fixed : mapping of str to value
        Fields held at one value in every run (not part of the seed key).
    name : str
        A label for the sweep (defaults to the scenario name).

    Examples
    --------
    >>> spec = SweepSpec("dynamics_grid", axes={"tilt": [0.9, 1.1]}, seeds=2, quick=True)
    >>> len(plan_runs(spec))
    4
    """

    scenario: str
    axes: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    seeds: int = 1
    master_seed: int = 0
    quick: bool = False
    fixed: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON-serialisable data (the TOML keys)."""
        return {
            "name": self.name or self.scenario,
            "scenario": self.scenario,
            "seeds": self.seeds,
            "master_seed": self.master_seed,
            "quick": self.quick,
            "fixed": to_jsonable(dict(self.fixed)),
            "axes": {k: to_jsonable(list(v)) for k, v in self.axes.items()},
        }


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep: everything a worker needs, picklable.

    Attributes
    ----------
    key : str
        Stable hash of (scenario, every config value including the seed, replicate).
    scenario : str
        Importable module name of the scenario.
    config : object
        The scenario's ``Config`` for this run, with ``seed`` set.
    axis_values : dict
        The swept fields' values for this run (JSON-friendly).
    replicate : int
        Replicate index, 0 .. seeds - 1.
    seed : int
        The run's derived seed (``config.seed``).
    """

    key: str
    scenario: str
    config: Any
    axis_values: dict[str, Any]
    replicate: int
    seed: int


@dataclass
class RunOutcome:
    """What a worker sends back for one run: its result or its error."""

    key: str
    ok: bool
    tables: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    traceback: str = ""
    elapsed_s: float = 0.0


def resolve_scenario(name: str) -> types.ModuleType:
    """Import a scenario module from its short name or dotted module path.

    Raises
    ------
    ConfigError
        ``scenario`` when no such module exists or it lacks ``Config``/``run``.
    """
    from hmlsim.scenarios import SCENARIOS

    if not isinstance(name, str) or not name:
        raise ConfigError("scenario", f"expected a scenario name; accepted: {', '.join(SCENARIOS)}")
    if name in SCENARIOS:
        return importlib.import_module(f"hmlsim.scenarios.{name}")
    if "." not in name:
        raise ConfigError(
            "scenario",
            f"unknown scenario {name!r}; accepted: {', '.join(SCENARIOS)} "
            "(or the dotted path of a scenario module)",
        )
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        raise ConfigError("scenario", f"cannot import {name!r}: {error}") from None
    if not (hasattr(module, "Config") and callable(getattr(module, "run", None))):
        raise ConfigError("scenario", f"module {name!r} defines no Config and run(config)")
    return module


def _check_int(field_name: str, value: Any, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ConfigError(
            field_name, f"expected an integer >= {minimum} and <= {maximum:,}, got {value!r}"
        )
    return value


def _check_value(where: str, value: Any) -> None:
    """A value TOML may give a field: text, a number, true/false, or a list of these."""
    plain = (str, int, float, bool)
    if isinstance(value, (list, tuple)):
        bad = next((v for v in value if not isinstance(v, plain)), None)
    else:
        bad = None if isinstance(value, plain) else value
    if bad is not None:
        raise ConfigError(
            where,
            f"expected text, a number, true/false or a list of these; got {bad!r} "
            f"({type(bad).__name__})",
        )


def _is_sequence_type(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_sequence_type(a) for a in typing.get_args(annotation))
    return origin in (tuple, list) or annotation in (tuple, list)


def _axis_value(annotation: Any, value: Any) -> Any:
    """Wrap a scalar given for a tuple-typed field into a one-element tuple."""
    if _is_sequence_type(annotation) and not isinstance(value, (list, tuple, str)):
        return (value,)
    return value


def canonical(value: Any) -> str:
    """A stable text form of a value (JSON, sorted keys) used in keys and seeds."""
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"))


def run_key(scenario: str, config: Any, replicate: int) -> str:
    """Stable 16-hex-digit key of a run: hash of scenario, config values and replicate."""
    payload = canonical(
        {"scenario": scenario, "config": dataclasses.asdict(config), "replicate": replicate}
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def run_seed(
    master_seed: int, scenario: str, axis_values: Mapping[str, Any], replicate: int
) -> int:
    """A run's seed, derived from the master seed and the run's key (never its order)."""
    parts = [f"{name}={canonical(axis_values[name])}" for name in sorted(axis_values)]
    return derive_seed(master_seed, scenario, *parts, replicate)


def validate_spec(spec: SweepSpec) -> types.ModuleType:
    """Check a spec's own fields and return its scenario module.

    Raises
    ------
    ConfigError
        Naming the field: ``scenario``, ``seeds``, ``master_seed``, ``quick``,
        ``axes``, ``axes.<field>`` or ``fixed.<field>``.
    """
    module = resolve_scenario(spec.scenario)
    _check_int("seeds", spec.seeds, 1, MAX_RUNS)
    _check_int("master_seed", spec.master_seed, 0, MAX_SEED)
    if not isinstance(spec.quick, bool):
        raise ConfigError("quick", f"expected true or false, got {spec.quick!r}")
    if not isinstance(spec.axes, Mapping):
        raise ConfigError("axes", "expected a table of field = [values]")
    if not isinstance(spec.fixed, Mapping):
        raise ConfigError("fixed", "expected a table of field = value")
    fields = config_fields(module.Config)
    accepted = ", ".join(f for f in fields if f != "seed")
    for section, names in (("axes", spec.axes), ("fixed", spec.fixed)):
        for name in names:
            if name == "seed":
                raise ConfigError(
                    f"{section}.seed",
                    "seeds are derived from master_seed; set seeds (replicates) and master_seed",
                )
            if name not in fields:
                raise ConfigError(
                    f"{section}.{name}",
                    f"unknown field of scenario {spec.scenario}; accepted: {accepted}",
                )
    for name in spec.fixed:
        if name in spec.axes:
            raise ConfigError(f"fixed.{name}", "is also an axis; give it in one place only")
    for name, value in spec.fixed.items():
        _check_value(f"fixed.{name}", value)
    runs = spec.seeds
    for name, values in spec.axes.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ConfigError(f"axes.{name}", f"expected a list of values, got {values!r}")
        if len(values) == 0:
            raise ConfigError(f"axes.{name}", "empty axis; give at least one value")
        for value in values:
            _check_value(f"axes.{name}", value)
        runs *= len(values)
        texts = [canonical(v) for v in values]
        duplicates = sorted({t for t in texts if texts.count(t) > 1})
        if duplicates:
            raise ConfigError(f"axes.{name}", f"duplicate values {', '.join(duplicates)}")
    if runs > MAX_RUNS:
        raise ConfigError(
            "seeds" if not spec.axes else "axes",
            f"the sweep has {runs:,} runs (grid points x seeds); at most {MAX_RUNS:,}",
        )
    return module


def plan_runs(spec: SweepSpec) -> list[RunTask]:
    """Validate a spec fully and build every run, before any run starts.

    Every run's ``Config`` is built with :func:`~hmlsim.experiments.scenario.make_config`,
    so the scenario's own checks (``__post_init__``) reject a value outside its
    range here, named as ``axes.<field>`` or ``fixed.<field>``.

    Returns
    -------
    list of RunTask
        In grid order (axes in the order given, replicates innermost).

    Raises
    ------
    ConfigError
        For the first problem found, naming the field.
    """
    module = validate_spec(spec)
    fields = config_fields(module.Config)
    names = list(spec.axes)
    scenario_module = module.__name__
    tasks: list[RunTask] = []
    keys: set[str] = set()
    for combo in itertools.product(*(list(spec.axes[n]) for n in names)):
        overrides = {n: _axis_value(fields[n], v) for n, v in spec.fixed.items()}
        overrides.update({n: _axis_value(fields[n], v) for n, v in zip(names, combo, strict=True)})
        try:
            base = make_config(module, overrides, quick=spec.quick)
        except ConfigError as error:
            where = (
                f"axes.{error.field}"
                if error.field in spec.axes
                else f"fixed.{error.field}"
                if error.field in spec.fixed
                else error.field
            )
            shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, combo, strict=True))
            raise ConfigError(where, f"{error.message} (in the run {shown})") from None
        except (TypeError, ValueError) as error:  # a Config that raises something else
            shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, combo, strict=True))
            raise ConfigError("axes", f"{error} (in the run {shown})") from None
        axis_values = {n: to_jsonable(getattr(base, n)) for n in names}
        for replicate in range(spec.seeds):
            seed = run_seed(spec.master_seed, spec.scenario, axis_values, replicate)
            config = dataclasses.replace(base, seed=seed)
            key = run_key(spec.scenario, config, replicate)
            if key in keys:  # pragma: no cover - only with equal coerced values
                raise ConfigError("axes", f"two runs have the same configuration ({axis_values})")
            keys.add(key)
            tasks.append(RunTask(key, scenario_module, config, axis_values, replicate, seed))
    return tasks


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep spec from a TOML file (see the module docstring for the format).

    Raises
    ------
    ConfigError
        ``spec`` for a missing or malformed file, or the name of an unknown key.
    """
    text = read_text_file("spec", path)  # a regular UTF-8 file: a FIFO would block
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("spec", f"cannot read {path} as TOML: {error}") from None
    return spec_from_dict(data)


def spec_from_dict(data: Mapping[str, Any]) -> SweepSpec:
    """Build a :class:`SweepSpec` from parsed TOML or JSON data, checking its keys."""
    for key in data:
        if key not in SPEC_KEYS:
            raise ConfigError(key, f"unknown key; accepted: {', '.join(SPEC_KEYS)}")
    if "scenario" not in data:
        raise ConfigError("scenario", "missing; name the scenario to sweep")
    axes, fixed = data.get("axes", {}), data.get("fixed", {})
    return SweepSpec(  # wrong types are reported by validate_spec, naming the key
        scenario=data["scenario"],
        axes=dict(axes) if isinstance(axes, Mapping) else axes,
        seeds=data.get("seeds", 1),
        master_seed=data.get("master_seed", 0),
        quick=data.get("quick", False),
        fixed=dict(fixed) if isinstance(fixed, Mapping) else fixed,
        name=str(data.get("name", "")),
    )
