"""Sweep specs: TOML loading, validation before any run, run keys and derived seeds."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from hmlsim.errors import ConfigError
from hmlsim.experiments.sweep import (
    SweepSpec,
    load_spec,
    plan_runs,
    run_key,
    run_seed,
    run_sweep,
)
from hmlsim.seeding import derive_seed

TOY = "sweep_fixtures.toy"
REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_toml_spec_loads_and_plans_the_grid(tmp_path):
    spec = load_spec(
        write(
            tmp_path,
            f"""
scenario = "{TOY}"
seeds = 3
master_seed = 11
quick = true
[fixed]
noise = 0.0
[axes]
r = [1.5, 2.5]
start = [0.1, 0.2, 0.3]
""",
        )
    )
    assert spec.axes == {"r": [1.5, 2.5], "start": [0.1, 0.2, 0.3]}
    tasks = plan_runs(spec)
    assert len(tasks) == 2 * 3 * 3
    assert len({t.key for t in tasks}) == len(tasks)
    first = tasks[0]
    assert first.config.steps == 20  # QUICK size
    assert first.config.noise == 0.0  # fixed field
    assert (first.config.r, first.config.start, first.replicate) == (1.5, 0.1, 0)
    assert first.config.seed == first.seed
    assert [t.replicate for t in tasks[:3]] == [0, 1, 2]


def test_seed_follows_the_run_key_not_the_order():
    a = plan_runs(SweepSpec(TOY, axes={"r": [1.5, 2.5], "start": [0.1, 0.2]}, seeds=2))
    b = plan_runs(SweepSpec(TOY, axes={"start": [0.2, 0.1], "r": [2.5, 1.5]}, seeds=2))
    seeds_a = {(t.config.r, t.config.start, t.replicate): t.seed for t in a}
    seeds_b = {(t.config.r, t.config.start, t.replicate): t.seed for t in b}
    assert seeds_a == seeds_b
    keys_a = {(t.config.r, t.config.start, t.replicate): t.key for t in a}
    keys_b = {(t.config.r, t.config.start, t.replicate): t.key for t in b}
    assert keys_a == keys_b
    # the documented derivation, and distinct seeds per replicate and per point
    t = a[0]
    expected = derive_seed(0, TOY, "r=1.5", "start=0.1", 0)
    assert t.seed == expected == run_seed(0, TOY, {"start": 0.1, "r": 1.5}, 0)
    assert len(set(seeds_a.values())) == len(seeds_a)


def test_master_seed_changes_seeds_and_keys():
    a = plan_runs(SweepSpec(TOY, axes={"r": [2.5]}, seeds=2, master_seed=1))
    b = plan_runs(SweepSpec(TOY, axes={"r": [2.5]}, seeds=2, master_seed=2))
    assert {t.seed for t in a}.isdisjoint({t.seed for t in b})
    assert {t.key for t in a}.isdisjoint({t.key for t in b})


def test_run_key_is_a_stable_hash_of_scenario_config_and_replicate():
    task = plan_runs(SweepSpec(TOY, axes={"r": [2.5]}))[0]
    assert run_key(TOY, task.config, 0) == task.key
    assert len(task.key) == 16 and int(task.key, 16) >= 0
    assert run_key(TOY, task.config, 1) != task.key
    assert run_key(TOY, dataclasses.replace(task.config, steps=21), 0) != task.key


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('scenario = "nope"\n[axes]\nr = [1.0]', "scenario", "unknown scenario"),
        (f'scenario = "{TOY}"\n[axes]\nfoo = [1.0]', "axes.foo", "unknown field of scenario"),
        (f'scenario = "{TOY}"\n[axes]\nr = []', "axes.r", "empty axis"),
        (f'scenario = "{TOY}"\n[axes]\nr = [2.0, 9.0]', "axes.r", "must lie in [0, 4]"),
        (f'scenario = "{TOY}"\n[axes]\nsteps = [10, "many"]', "axes.steps", "expected int"),
        (f'scenario = "{TOY}"\n[axes]\nr = [2.0, 2.0]', "axes.r", "duplicate"),
        (f'scenario = "{TOY}"\n[axes]\nr = 2.0', "axes.r", "expected a list"),
        (f'scenario = "{TOY}"\n[axes]\nseed = [1, 2]', "axes.seed", "master_seed"),
        (f'scenario = "{TOY}"\n[fixed]\nstart = 1.5\n[axes]\nr = [2.0]', "fixed.start", "[0, 1]"),
        (f'scenario = "{TOY}"\n[fixed]\nbar = 1\n[axes]\nr = [2.0]', "fixed.bar", "unknown field"),
        (f'scenario = "{TOY}"\n[fixed]\nr = 1.0\n[axes]\nr = [2.0]', "fixed.r", "also an axis"),
        (f'scenario = "{TOY}"\nseeds = 0\n[axes]\nr = [2.0]', "seeds", ">= 1"),
        (f'scenario = "{TOY}"\nmaster_seed = -3', "master_seed", ">= 0"),
        (f'scenario = "{TOY}"\nquick = "yes"', "quick", "true or false"),
        (f'scenario = "{TOY}"\nworkers = 3', "workers", "unknown key"),
        ("[axes]\nr = [2.0]", "scenario", "missing"),
        ('scenario = "x" = 1', "spec", "TOML"),
    ],
)
def test_bad_specs_fail_naming_the_field(tmp_path, text, field, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        plan_runs(load_spec(path))
    assert info.value.field == field
    assert words in info.value.message


def test_unknown_axis_lists_the_accepted_fields():
    with pytest.raises(ConfigError, match="accepted: r, start, noise, steps"):
        plan_runs(SweepSpec(TOY, axes={"alpha": [0.1]}))


def test_bad_value_fails_before_any_run_starts(tmp_path):
    """The bad value is in the last grid point: nothing may be written or run."""
    spec = SweepSpec(TOY, axes={"r": [1.0, 2.0, 3.0, 4.5]}, quick=True)
    out = tmp_path / "store"
    with pytest.raises(ConfigError) as info:
        run_sweep(spec, out, progress=False)
    assert info.value.field == "axes.r"
    assert "r=4.5" in info.value.message
    assert not out.exists()


def test_missing_spec_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_spec(tmp_path / "missing.toml")
    assert info.value.field == "spec"


def test_tuple_fields_take_scalar_axis_values():
    spec = SweepSpec(TOY, axes={"offsets": [0.5, [0.1, 0.2]]}, fixed={"r": "3.0"})
    tasks = plan_runs(spec)
    assert [t.config.offsets for t in tasks] == [(0.5,), (0.1, 0.2)]
    assert all(t.config.r == 3.0 for t in tasks)  # strings are converted like CLI options


def test_cli_bad_spec_exits_2_naming_the_field_and_runs_nothing(tmp_path):
    path = write(tmp_path, f'scenario = "{TOY}"\n[axes]\nr = [1.0]\nstart = []\n')
    out = tmp_path / "store"
    env = {"PYTHONPATH": str(REPO / "tests"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "hmlsim", "sweep", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "hmlsim sweep: error: axes.start: empty axis" in done.stderr
    assert not out.exists()
