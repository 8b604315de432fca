"""Bad input never ends in a traceback, and never starts any work (issue 14).

Property-based fuzzing of every way in: ``hmlsim run <scenario> --<field>=<value>``
for every field of every scenario, ``hmlsim fixed-points``, the sweep spec (TOML),
and the public API (:func:`hmlsim.behaviour.adb.accept_probability`,
:func:`hmlsim.data.load_dataset`). The command line is called in-process
(:func:`hmlsim.cli.main`) and every scenario's ``run`` is replaced by a function
that fails the test: a bad value must be rejected while the configuration is
checked, before any computation. Each rejection is exit status 2 with one line on
stderr that names the option (CLI), or a :class:`~hmlsim.errors.ConfigError`
naming the argument (API), within seconds.

The second round (issue 23) adds every case of that issue's lists: inputs that
ended in a traceback (a FIFO spec, a path with a NUL, data beyond float32, a
non-Dask scheduler, ...), nonsense that was accepted (α outside [0, 1], an audit
delay longer than the run, ``--out ''``, ...), errors that named internal
fields, and the Python API's entry points (``analyse``, ``CollaborationModel``,
``make_expert``, ``Expert.decide``, ``mean_se``, ``save_figure``, ...), with a
fuzz test of the README's tour of the Python API.

About 1,200 generated inputs and 60 listed cases in all, ~50 s.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import io
import math
import os
import string
import tempfile
import time
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmlsim import cli
from hmlsim.behaviour.adb import accept_probability
from hmlsim.data import load_dataset
from hmlsim.errors import ConfigError
from hmlsim.experiments.sweep import load_spec, plan_runs
from hmlsim.scenarios import SCENARIOS

#: seconds any rejection may take (they take milliseconds; the bound catches a hang)
WITHIN_S = 5.0


def fuzz(examples: int) -> settings:
    """``examples`` inputs, the same ones on every run (CI and here), no deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


MODULES = {name: importlib.import_module(f"hmlsim.scenarios.{name}") for name in SCENARIOS}


def _must_not_run(config):
    raise AssertionError(f"the scenario ran with a bad configuration: {config!r}")


@pytest.fixture(scope="module")
def no_run():
    """Every scenario's ``run`` fails the test: bad input must stop before it."""
    with pytest.MonkeyPatch.context() as patch:
        for module in MODULES.values():
            patch.setattr(module, "run", _must_not_run)
        yield


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def call(argv: list[str]) -> tuple[int, str, float]:
    """``hmlsim argv`` in this process: exit status, stderr and seconds taken."""
    err, out = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            status = cli.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    return status, err.getvalue(), time.perf_counter() - started


def assert_rejected(argv: list[str], field: str) -> None:
    """Exit status 2, one line on stderr naming ``field``, no traceback, in seconds."""
    status, err, elapsed = call(argv)
    lines = err.strip().splitlines()
    assert status == 2, (argv, status, err)
    assert "Traceback" not in err
    assert len(lines) == 1, (argv, err)
    names = (field, field.replace("_", "-"), field.lstrip("-").replace("-", "_"))
    assert any(name in lines[0] for name in names), (argv, field, lines[0])
    assert elapsed < WITHIN_S, (argv, elapsed)


# ------------------------------------------------------------------ values

WORD = st.text(string.ascii_letters, min_size=1, max_size=8).map(lambda w: f"no-such-{w}")
NON_FINITE = st.sampled_from(["nan", "NaN", "inf", "+inf", "-inf", "Infinity", "1e400", "-1e999"])
HUGE = st.integers(10**24, 10**25 - 1)  # 25 digits
NEGATIVE = st.floats(-1e12, -1e-6).map(repr)
NEGATIVE_INT = st.one_of(st.just(-1), st.integers(-(10**6), -1), HUGE.map(lambda n: -n)).map(str)
NOT_INTEGER = st.floats(-1e6, 1e6).filter(lambda x: not x.is_integer()).map(repr)


def _element_type(annotation) -> type:
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return args[0] if args else annotation


def bad_values(annotation, default) -> st.SearchStrategy[str]:
    """Values no field of this type accepts (every numeric field of every scenario is >= 0)."""
    if typing.get_origin(annotation) in (tuple, list):
        inner = _element_type(annotation)
        one = bad_values(inner, None)
        valid = str(default[0]).lower() if default else "1"
        return st.one_of(
            one,
            st.just(","),
            st.just(f"{valid},{valid}"),  # a duplicate
            one.filter(bool).map(lambda v: f"{valid},{v}"),  # a bad element among good ones
        )
    if annotation is float:
        return st.one_of(NON_FINITE, NEGATIVE, WORD, st.sampled_from(["", "true", "1,,x"]))
    if annotation is int:
        return st.one_of(
            NON_FINITE, NEGATIVE_INT, HUGE.map(str), NOT_INTEGER, WORD, st.sampled_from(["", "1e3"])
        )
    if annotation is bool:
        return st.one_of(WORD, st.sampled_from(["", "2", "-1", "nan", "yess", "0.5"]))
    return WORD  # text: names of choices, points, files


def _fields(name: str) -> list[tuple[str, object, object]]:
    config = MODULES[name].Config
    hints = typing.get_type_hints(config)
    out = []
    for f in dataclasses.fields(config):
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        out.append((f.name, hints[f.name], default))
    return out


#: the numeric fields that accept negative values, and the lowest each accepts
SIGNED = {"centre_follow_intercept": -1.0}


@st.composite
def scenario_cases(draw):
    name = draw(st.sampled_from(SCENARIOS))
    field, annotation, default = draw(st.sampled_from(_fields(name)))
    if field in SIGNED:  # below its band (or not a number) is bad, not any negative
        below = st.floats(max_value=SIGNED[field] - 1e-3, allow_nan=False, allow_infinity=False)
        value = draw(st.one_of(NON_FINITE, WORD, below.map(str)))
    else:
        value = draw(bad_values(annotation, default))
    return name, field, value


@fuzz(450)
@given(case=scenario_cases())
def test_every_scenario_option_rejects_bad_values_before_running(no_run, scratch, case):
    name, field, value = case
    argv = ["run", name, "--quick", f"--{field.replace('_', '-')}={value}"]
    assert_rejected([*argv, "--out", str(scratch / "out")], field)


@pytest.mark.parametrize("name", SCENARIOS)
def test_an_unwritable_output_folder_is_rejected_before_running(no_run, name):
    assert_rejected(["run", name, "--quick", "--out", "/proc/nope"], "--out")


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_negative_seed_is_rejected(no_run, scratch, name):
    assert_rejected(["run", name, "--quick", "--seed=-1", "--out", str(scratch)], "--seed")


@pytest.mark.parametrize(
    ("name", "option", "value", "limit"),
    [
        ("performative_advisors", "epochs", "1001", "at most 1,000"),
        ("teamrules_value", "expert-draws", "10001", "at most 10,000"),
        ("discretion_robustness", "gate-draws", "10001", "at most 10,000"),
        ("dynamics_grid", "max-steps", "1000001", "at most 1,000,000"),
        ("case_study", "split-seeds", str(2**32), "at most 4,294,967,295"),
        ("knapsack_study", "n-train", "1000001", "at most 1,000,000"),
    ],
)
def test_a_count_beyond_its_limit_names_the_limit(no_run, scratch, name, option, value, limit):
    argv = ["run", name, "--quick", f"--{option}={value}", "--out", str(scratch)]
    status, err, _ = call(argv)
    assert status == 2
    assert f"--{option}: {limit}" in err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("max-period", "101", "must lie in [1, 100]"),
        ("epsilon", "1e-6", "must lie in [1e-05, 1)"),
        ("plot", ".", "expected a file name"),
    ],
)
def test_fixed_points_states_its_limits(option, value, message):
    status, err, _ = call(["fixed-points", "--points", POINTS, f"--{option}={value}"])
    assert status == 2
    assert f"--{option}: {message}" in err


def test_zero_torch_threads_is_rejected(no_run, scratch):
    argv = ["run", "knapsack_study", "--quick", "--torch-threads=0", "--out", str(scratch)]
    assert_rejected(argv, "--torch-threads")


def test_a_misspelt_option_gets_did_you_mean(no_run, scratch):
    status, err, _ = call(["run", "dynamics_grid", "--quick", "--tlit=2", "--out", str(scratch)])
    assert status == 2
    assert err.strip() == (
        "hmlsim run dynamics_grid: error: unrecognized arguments: --tlit=2; did you mean --tilt?"
    )


# ------------------------------------------------------------------ fixed-points

POINTS = "0.717:0.894,0.920:0.926"
FIXED_POINTS_BAD = {
    "plot": st.sampled_from([".", "..", "/proc/nope/phi.png", "/tmp/", "/proc/phi.png"]),
    "max-period": st.one_of(
        HUGE.map(str), st.integers(101, 10**9).map(str), NEGATIVE_INT, NOT_INTEGER, NON_FINITE, WORD
    ),
    "epsilon": st.one_of(
        st.floats(1e-300, 9.9e-6).map(repr),  # a grid of more than 100,001 points
        st.floats(1.0, 1e300).map(repr),
        NEGATIVE,
        NON_FINITE,
        WORD,
        st.just("0"),
    ),
    "tilt": st.one_of(NON_FINITE, NEGATIVE, WORD, st.just("0")),
    "start": st.one_of(NON_FINITE, NEGATIVE, st.floats(1.0001, 1e300).map(repr), WORD),
    "points": st.one_of(
        WORD,
        st.sampled_from(["", "0.5:nan", "inf:0.5", "0.1:0.2,0.1:0.3", "2:0.5", "0.5", "a:b"]),
    ),
    "extrapolate": WORD,
    "noise": NON_FINITE,  # not an option of fixed-points
}


@fuzz(150)
@given(data=st.data())
def test_fixed_points_rejects_bad_options(data):
    option = data.draw(st.sampled_from(sorted(FIXED_POINTS_BAD)))
    value = data.draw(FIXED_POINTS_BAD[option])
    points = [] if option == "points" else ["--points", POINTS]
    assert_rejected(["fixed-points", *points, f"--{option}={value}"], f"--{option}")


# ------------------------------------------------------------------ sweep specs

BASE = 'scenario = "dynamics_grid"\nquick = true\n'
TOML_DATES = st.sampled_from(
    ["1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "1979-05-27 07:32:00"]
)


@st.composite
def sweep_cases(draw) -> tuple[str, str]:
    """(TOML text, the field its error must name)."""
    word = draw(st.text(string.ascii_lowercase, min_size=1, max_size=6)).replace("-", "")
    huge = draw(HUGE)
    kind = draw(st.integers(0, 13))
    if kind == 0:
        return BASE + f"seeds = {draw(st.sampled_from([1_000_000_000, huge, 0, -1]))}\n", "seeds"
    if kind == 1:
        wrong = draw(st.sampled_from(['"3"', "1.5", "true", "[1]", "1979-05-27"]))
        return BASE + f"seeds = {wrong}\n", "seeds"
    if kind == 2:
        wrong = draw(st.sampled_from(["-1", str(huge), '"x"', "1.5", "1979-05-27"]))
        return BASE + f"master_seed = {wrong}\n", "master_seed"
    if kind == 3:
        wrong = draw(st.sampled_from(['"yes"', "1", "1979-05-27", "[true]"]))
        return f'scenario = "dynamics_grid"\nquick = {wrong}\n', "quick"
    if kind == 4:
        return BASE + f"zz{word} = 1\n", f"zz{word}"
    if kind == 5:
        return BASE + f"[axes]\nzz{word} = [1]\n", f"axes.zz{word}"
    if kind == 6:
        return BASE + f"[axes]\ntilt = [{draw(TOML_DATES)}]\n", "axes.tilt"
    if kind == 7:
        return BASE + f"[fixed]\npoints = {draw(TOML_DATES)}\n", "fixed.points"
    if kind == 8:
        wrong = draw(st.sampled_from(["nan", "inf", "-inf", "-1.0", '"abc"', "true", "[]", "{}"]))
        return BASE + f"[axes]\ntilt = [{wrong}]\n", "axes.tilt"
    if kind == 9:
        same = draw(st.floats(0.1, 2.0))
        return BASE + f"[axes]\ntilt = [{same!r}, {same!r}]\n", "axes.tilt"
    if kind == 10:
        wrong = draw(st.sampled_from(["[]", "5", '"1.0"', "{a = 1}"]))
        return BASE + f"[axes]\nepsilon = {wrong}\n", "axes.epsilon"
    if kind == 11:
        return BASE + f"[axes]\nmax_steps = [{huge}]\n", "axes.max_steps"
    if kind == 12:
        wrong = draw(st.sampled_from(["inf", "nan", "-1.0", "5", '"x"', "1e300"]))
        return BASE + f"[fixed]\nnoise = {wrong}\n", "fixed.noise"
    wrong = draw(st.sampled_from(["5", '"no_such"', '"a.b.c"', "[]"]))
    return f"scenario = {wrong}\n", "scenario"


@fuzz(150)
@given(case=sweep_cases())
def test_sweep_specs_are_rejected_before_any_run(no_run, scratch, case):
    text, field = case
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        spec = Path(folder) / "spec.toml"
        spec.write_text(text)
        with pytest.raises(ConfigError) as error:
            plan_runs(load_spec(spec))
        assert error.value.field == field, (text, error.value)
        out = Path(folder) / "store"
        assert_rejected(["sweep", str(spec), "--out", str(out), "--no-progress"], field)
        assert not any(out.rglob("*.parquet"))


# ------------------------------------------------------------------ accept_probability

PARAMETERS = ("beta", "delta", "gamma", "k")
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=4),
    st.just(np.array([1.0, 2.0])),
    st.just([1.0]),
    st.just(1 + 2j),
    st.sampled_from([float("nan"), float("inf"), float("-inf")]),
)


@fuzz(150)
@given(data=st.data())
def test_accept_probability_rejects_bad_parameters(data):
    name = data.draw(st.sampled_from(PARAMETERS))
    # delta and beta take 0, k and gamma do not
    below = st.floats(max_value=0.0, exclude_max=name in ("delta", "beta"), allow_nan=False)
    value = data.draw(st.one_of(WRONG_TYPES, below))
    started = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        accept_probability(0.7, 0.3, **{name: value})
    assert error.value.field == name
    assert time.perf_counter() - started < WITHIN_S


CONFIDENCE = st.floats(0.0, 1.0)
BAD_CONFIDENCE = st.one_of(
    st.none(),
    st.text(min_size=1, max_size=4).filter(lambda t: not _is_number(t)),
    st.floats(allow_nan=True).filter(lambda x: not 0.0 <= x <= 1.0),
    st.just({"a": 1}),
    st.just(0.5 + 1j),
)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@fuzz(100)
@given(which=st.sampled_from(["c_model", "c_human", "shapes"]), bad=BAD_CONFIDENCE)
def test_accept_probability_rejects_bad_confidences(which, bad):
    if which == "shapes":
        with pytest.raises(ConfigError) as error:
            accept_probability(np.full(2, 0.5), np.full(3, 0.5))
        assert error.value.field == "c_human"
        return
    args = {"c_model": 0.5, "c_human": 0.5, which: bad}
    with pytest.raises(ConfigError) as error:
        accept_probability(args["c_model"], args["c_human"])
    assert error.value.field == which


@fuzz(100)
@given(
    c_model=st.lists(CONFIDENCE, min_size=1, max_size=5),
    c_human=CONFIDENCE,
    delta=st.floats(0.0, allow_infinity=False),
    k=st.floats(0.0, exclude_min=True, allow_infinity=False),
    gamma=st.floats(0.0, exclude_min=True, allow_infinity=False),
    beta=st.floats(0.0, allow_infinity=False),
)
def test_accept_probability_is_a_probability_for_every_accepted_input(
    c_model, c_human, delta, k, gamma, beta
):
    p = accept_probability(c_model, c_human, delta=delta, k=k, gamma=gamma, beta=beta)
    assert np.shape(p) == (len(c_model),)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1)), p


# ------------------------------------------------------------------ load_dataset

HEART = pd.read_csv(
    Path(importlib.import_module("hmlsim.data").__file__).parent / "files" / "heart_disease_uci.csv"
)
NUMERIC = [c for c in HEART.columns if c not in ("id", "num") and HEART[c].dtype.kind in "if"]


@st.composite
def bad_files(draw) -> tuple[str, bytes]:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return ".csv", b""
    if kind == 1:  # bytes that are no table
        return draw(st.sampled_from([".csv", ".arff"])), draw(st.binary(min_size=1, max_size=200))
    if kind == 2:
        body = draw(st.text(string.printable, max_size=80))
        return ".arff", f"@relation x\n@attribute a numeric\n@data\n{body}\n".encode()
    if kind == 3:  # the heart data with an infinite value in one cell
        table = HEART.astype(object)
        row = draw(st.integers(0, len(table) - 1))
        table.loc[row, draw(st.sampled_from(NUMERIC))] = draw(
            st.sampled_from(["inf", "-inf", "1e400", "Infinity"])
        )
        return ".csv", table.to_csv(index=False).encode()
    return ".csv", ",".join(HEART.columns).encode() + b"\n"  # a header, no rows


@fuzz(80)
@given(case=bad_files())
def test_load_dataset_rejects_bad_files(scratch, case):
    suffix, content = case
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / f"data{suffix}"
        path.write_bytes(content)
        started = time.perf_counter()
        with pytest.raises(ConfigError) as error:
            load_dataset("heart", path=path)
    assert error.value.field in ("path", "target_column"), error.value
    assert time.perf_counter() - started < WITHIN_S


@pytest.mark.parametrize("path", [5, 2.5, b"x.csv", ["x.csv"], "", "/no/such/file.csv"])
def test_load_dataset_rejects_a_path_that_is_no_file(path):
    with pytest.raises(ConfigError) as error:
        load_dataset("heart", path=path)
    assert error.value.field == "path"


@pytest.mark.parametrize("dataset", [5, None, ["heart"], b"heart", "", "no_such"])
def test_load_dataset_rejects_an_unknown_dataset(dataset):
    with pytest.raises(ConfigError) as error:
        load_dataset(dataset)
    assert error.value.field == "dataset"


@pytest.mark.parametrize(
    ("option", "field"),
    [
        ("--n-valid=5", "n_valid"),
        ("--loop-starts=1.5", "loop_starts"),
        ("--epsilon=1.5", "epsilon"),
        ("--bonuses=1e24", "bonuses"),
    ],
)
def test_knapsack_options_are_named_in_their_own_error(no_run, scratch, option, field):
    argv = ["run", "knapsack_study", "--quick", option, "--out", str(scratch)]
    assert_rejected(argv, field.replace("_", "-"))


# ------------------------------------------------------------------ second round (issue 23)

needs_no_cuda = pytest.mark.skipif(
    importlib.util.find_spec("torch") is not None
    and importlib.import_module("torch").cuda.is_available(),
    reason="this machine has CUDA: --device cuda is valid here",
)


@pytest.fixture(scope="module")
def bad_data(tmp_path_factory) -> Path:
    """Dataset TOML files whose data or paths are bad (the issue's list)."""
    folder = tmp_path_factory.mktemp("bad_data")
    files = Path(importlib.import_module("hmlsim.data").__file__).parent / "files"
    toml = (files / "example_dataset.toml").read_text()
    table = pd.read_csv(files / "example_dataset.csv")

    def declare(name: str, data_path: str, **replace: str) -> None:
        text = toml.replace('path = "example_dataset.csv"', f'path = "{data_path}"')
        for old, new in replace.items():
            text = text.replace(old, new)
        (folder / f"{name}.toml").write_text(text)

    huge = table.copy()
    huge.loc[0, "income"], huge.loc[1, "income"] = 1e308, -1e308
    huge.to_csv(folder / "huge.csv", index=False)
    declare("huge", "huge.csv")
    numeric = table.assign(default=(table["default"] == "yes").astype(int))
    numeric.to_csv(folder / "numeric.csv", index=False)
    declare("abc", "numeric.csv", **{'positive = "yes"': 'positive = [">", "abc"]'})
    lines = (files / "example_dataset.csv").read_text().splitlines()
    header = lines[0].split(",")
    header[2] = header[1]  # a second "age"
    (folder / "doubled.csv").write_text("\n".join([",".join(header), *lines[1:]]) + "\n")
    declare("doubled", "doubled.csv")
    declare("nul", "a\\u0000b.csv")
    declare("long", "a" * 5000 + ".csv")
    (folder / "loop1").symlink_to(folder / "loop2")
    (folder / "loop2").symlink_to(folder / "loop1")
    declare("loop", "loop1")
    declare("prefix", "example_dataset.csv", **{'positive = "yes"': "positive = [1, 2, 3]"})
    (folder / "example_dataset.csv").write_bytes((files / "example_dataset.csv").read_bytes())
    os.mkfifo(folder / "fifo.toml")
    (folder / "spec.toml").write_text(BASE)
    (folder / "binary.md").write_bytes(bytes(range(256)) * 8)
    return folder


def _run(name: str, *options: str) -> list[str]:
    return ["run", name, "--quick", *options]


#: (argv, the field its one-line error names): the issue's lists, in its order
ISSUE_23_CLI = {
    # tracebacks
    "cases per epoch 1": (
        _run("performative_advisors", "--cases-per-epoch", "1"),
        "--cases-per-epoch",
    ),
    "lambda0 1e308": (_run("asymmetric_loss", "--lambda0", "1e308"), "--lambda0"),
    "lambda 1e-300/1e300": (
        _run("asymmetric_loss", "--lambda0", "1e-300", "--lambda1", "1e300"),
        "--lambda0",
    ),
    "data beyond float32": (
        _run("teamrules_value", "--datasets", "{data}/huge.toml"),
        "--datasets",
    ),
    "positive > abc": (
        _run("teamrules_value", "--datasets", "{data}/abc.toml"),
        "dataset.positive",
    ),
    "path with NUL": (_run("teamrules_value", "--datasets", "{data}/nul.toml"), "dataset.path"),
    "path of 5,000": (_run("teamrules_value", "--datasets", "{data}/long.toml"), "dataset.path"),
    "symlink loop": (_run("teamrules_value", "--datasets", "{data}/loop.toml"), "dataset.path"),
    "sweep --out /proc": (["sweep", "{data}/spec.toml", "--out", "/proc/nope"], "out"),
    "--workers 1e20": (
        ["sweep", "{data}/spec.toml", "--out", "{out}", "--workers", "9" * 20],
        "--workers",
    ),
    "diagnoses binary": (
        ["reproduce", "teamrules", "--quick", "--out", "{out}", "--diagnoses", "{data}/binary.md"],
        "--diagnoses",
    ),
    "fico path 100,000": (_run("teamrules_value", "--fico-path", "f" * 100_000), "--fico-path"),
    "viz host non-ASCII": (["viz", "--host", "hôst.example"], "--host"),
    "spec is a FIFO": (["sweep", "{data}/fifo.toml", "--out", "{out}"], "spec"),
    # accepted nonsense
    **{
        f"alpha {name}": (_run(name, "--alphas", value), "--alphas")
        for name, value in (
            ("teamrules_value", "3"),
            ("teamrules_prohibitive", "1.5"),
            ("case_study", "3"),
            ("asymmetric_loss", "2"),
            ("discretion_robustness", "-0.5"),
            ("performative_advisors", "1e6"),
        )
    },
    "audit delay > run": (_run("performative_advisors", "--audit-delay", "20"), "--audit-delay"),
    "patience > run": (_run("performative_advisors", "--patience", "20"), "--patience"),
    "trust rate 1e6": (_run("performative_advisors", "--trust-rate", "1e6"), "--trust-rate"),
    "tilt 1e300": (["fixed-points", "--points", POINTS, "--tilt", "1e300"], "--tilt"),
    "tilt 1e300 (grid)": (_run("dynamics_grid", "--tilt", "1e300"), "--tilt"),
    "--out ''": (["run", "dynamics_grid", "--quick", "--out", ""], "--out"),
    "plot /dev/null": (["fixed-points", "--points", POINTS, "--plot", "/dev/null"], "--plot"),
    "plot ''": (["fixed-points", "--points", POINTS, "--plot", ""], "--plot"),
    "viz host ''": (["viz", "--host", ""], "--host"),
    "n-items 1": (_run("knapsack_study", "--n-items", "1"), "--n-items"),
    "capacities 1e-9": (
        _run("knapsack_study", "--capacity-low", "1e-9", "--capacity-high", "1e-9"),
        "--capacity-low",
    ),
    "n-boot 1": (_run("knapsack_study", "--n-boot", "1"), "--n-boot"),
    "patience > max-epochs": (
        _run("knapsack_study", "--patience", "20", "--max-epochs", "3"),
        "--patience",
    ),
    "torch threads 1000": (_run("knapsack_study", "--torch-threads", "1000"), "--torch-threads"),
    "n-items 1,000,000": (_run("knapsack_study", "--n-items", "1000000"), "--n-items"),
    "duplicate columns": (
        _run("teamrules_value", "--datasets", "{data}/doubled.toml"),
        "dataset.path",
    ),
    # errors that named internal fields
    "noise levels 1e6": (_run("discretion_robustness", "--noise-levels", "1e6"), "--noise-levels"),
    "offset 1e300": (_run("knapsack_study", "--offset", "1e300"), "--offset"),
    "w-max 1": (_run("knapsack_study", "--w-max", "1"), "--w-max"),
}


@pytest.mark.parametrize("case", sorted(ISSUE_23_CLI))
def test_the_second_round_of_bad_input_gets_one_line(no_run, scratch, bad_data, case):
    argv, field = ISSUE_23_CLI[case]
    argv = [a.format(data=bad_data, out=scratch / "out") for a in argv]
    if argv[0] == "run" and "--out" not in argv:
        argv += ["--out", str(scratch / "out")]
    if argv[0] == "sweep":
        argv.append("--no-progress")
    assert_rejected(argv, field)


@needs_no_cuda
def test_cuda_without_a_cuda_device_is_refused(no_run, scratch):
    assert_rejected(_run("knapsack_study", "--device", "cuda", "--out", str(scratch)), "--device")


def test_a_doubled_prefix_is_gone(no_run, scratch, bad_data):
    status, err, _ = call(_run("teamrules_value", "--datasets", f"{bad_data}/prefix.toml"))
    assert status == 2 and "dataset.positive:" in err and "dataset.dataset" not in err


class _Endpoint:
    """A TCP server on 127.0.0.1 that greets with ``greeting`` (or stays silent)."""

    def __init__(self, greeting: bytes) -> None:
        import socket
        import threading

        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.clients: list = []

        def serve() -> None:
            while True:
                try:
                    client, _ = self.server.accept()
                except OSError:
                    return
                self.clients.append(client)
                if greeting:
                    client.sendall(greeting)

        threading.Thread(target=serve, daemon=True).start()

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.server.close()


def test_a_scheduler_that_is_not_dask_is_refused_at_once(no_run, scratch, bad_data):
    ssh = _Endpoint(b"SSH-2.0-OpenSSH_9.6\r\n")
    try:
        argv = ["sweep", f"{bad_data}/spec.toml", "--out", str(scratch / "s"), "--no-progress"]
        assert_rejected([*argv, "--scheduler", f"tcp://127.0.0.1:{ssh.port}"], "scheduler")
    finally:
        ssh.close()


def test_a_silent_scheduler_is_given_up_within_its_timeout():
    pytest.importorskip("distributed")
    from hmlsim.experiments.backends import DaskBackend

    silent = _Endpoint(b"")
    try:
        started = time.perf_counter()
        with pytest.raises(ConfigError) as error:
            DaskBackend(f"tcp://127.0.0.1:{silent.port}", timeout="1s").start()
        assert error.value.field == "scheduler"
        assert time.perf_counter() - started < 10
    finally:
        silent.close()


# ------------------------------------------------------------------ the Python API (issue 23)


@pytest.fixture(scope="module")
def heart():
    return load_dataset("heart", seed=20)


@pytest.fixture(scope="module")
def heart_expert(heart):
    from hmlsim.behaviour import make_expert

    return make_expert(heart, decision="difficulty")


def _tour(ds, expert):
    """What the API cases need: the heart data, an expert, Φ, a figure and a table."""
    from types import SimpleNamespace

    from matplotlib.figure import Figure

    from hmlsim.dynamics import TabulatedPhi

    return SimpleNamespace(
        ds=ds,
        expert=expert,
        phi=TabulatedPhi([0.717, 0.920], [0.894, 0.926]),
        figure=Figure(),
        table=pd.DataFrame({"g": ["a"], "v": [1.0]}),
    )


def _model(**options):
    from hmlsim.model import CollaborationModel

    return CollaborationModel(**{"rng": 0, **options})


def _analyse(*args, **options):
    from hmlsim.dynamics import analyse

    return analyse(*args, **options)


def _behaviour(name: str):
    return getattr(importlib.import_module("hmlsim.behaviour"), name)


def _collect(name: str):
    return getattr(importlib.import_module("hmlsim.experiments.collect"), name)


#: the issue's Python-API cases: (call on the tour's objects, the argument its error names)
API_CASES = {
    "analyse max_period 10**6": (lambda t: _analyse(t.phi, max_period=10**6), "max_period"),
    "analyse max_period 0": (lambda t: _analyse(t.phi, max_period=0), "max_period"),
    "analyse epsilon 5": (lambda t: _analyse(t.phi, epsilon=5), "epsilon"),
    "analyse Φ above 1": (lambda t: _analyse(lambda u: 0.5 + u), "phi"),
    "sample_experts accuracy > 1": (
        lambda t: _behaviour("sample_experts")(
            t.ds, 2, distributions={"easy_accuracy": (0.9, 1.2)}, rng=0
        ),
        "easy_accuracy",
    ),
    "model alpha 5": (lambda t: _model(alpha=5), "alpha"),
    "model adb_drift []": (lambda t: _model(adb_drift=[]), "adb_drift"),
    "model n_eval 0": (lambda t: _model(n_eval=0), "n_eval"),
    "model rng 'x'": (lambda t: _model(rng="x"), "rng"),
    "model cases_per_epoch 1": (lambda t: _model(cases_per_epoch=1).step(), "cases_per_epoch"),
    "make_expert(None)": (lambda t: _behaviour("make_expert")(None), "ds"),
    "expert.decide(None)": (lambda t: t.expert.decide(None), "split"),
    "expert.decide(rng='x')": (lambda t: t.expert.decide(t.ds.test, "x"), "rng"),
    "mean_se(by=[])": (lambda t: _collect("mean_se")(t.table, "v", by=[]), "by"),
    "fit_discretion_model max_depth 0": (
        lambda t: _behaviour("fit_discretion_model")(t.expert, t.ds, 0, max_depth=0),
        "max_depth",
    ),
    "save_figure unwritable": (
        lambda t: importlib.import_module("hmlsim.dynamics.plots").save_figure(
            t.figure, "/proc/nope/phi.png"
        ),
        "path",
    ),
    "save_figure (tables) unwritable": (
        lambda t: _collect("save_figure")(t.figure, "/proc/nope/x.png"),
        "path",
    ),
}


@pytest.fixture(scope="module")
def tour(heart, heart_expert):
    return _tour(heart, heart_expert)


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_the_public_api_raises_config_error_naming_the_argument(tour, case):
    call_it, field = API_CASES[case]
    started = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        call_it(tour)
    assert error.value.field == field, error.value
    assert time.perf_counter() - started < WITHIN_S


# the README's tour of the Python API, fuzzed: analyse, TiltedLearner, TabulatedPhi,
# make_expert and Expert.decide (accept_probability and load_dataset are above)

ANY_BAD = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, -1, 0, 10**9]),
    st.just([0.5]),
    st.just({"a": 1}),
)


@fuzz(120)
@given(data=st.data())
def test_the_readme_tour_rejects_bad_arguments(heart, heart_expert, data):
    from hmlsim.behaviour import make_expert
    from hmlsim.dynamics import TabulatedPhi, TiltedLearner, analyse

    phi = TabulatedPhi([0.717, 0.920], [0.894, 0.926])
    entry = data.draw(st.sampled_from(["analyse", "learner", "phi", "expert", "decide"]))
    if entry == "analyse":
        name = data.draw(st.sampled_from(["epsilon", "max_period", "start"]))
        value = data.draw(ANY_BAD.filter(lambda v: not _valid_analyse(name, v)))
        call_it = lambda: analyse(phi, TiltedLearner(0.98), **{name: value})  # noqa: E731
    elif entry == "learner":
        name, value = "tilt", data.draw(ANY_BAD)
        call_it = lambda: TiltedLearner(value)  # noqa: E731
    elif entry == "phi":
        name = "model_utility"
        value = data.draw(st.lists(ANY_BAD, min_size=1, max_size=3))
        call_it = lambda: TabulatedPhi(value, [0.5] * len(value))  # noqa: E731
    elif entry == "expert":
        name = data.draw(st.sampled_from(["ds", "decision", "confidence"]))
        value = data.draw(ANY_BAD.filter(lambda v: v is not None or name == "ds"))
        args = {"ds": heart, "decision": "difficulty", "confidence": "accuracy", name: value}
        call_it = lambda: make_expert(args.pop("ds"), **args)  # noqa: E731
    else:
        name = data.draw(st.sampled_from(["split", "rng"]))
        value = data.draw(ANY_BAD.filter(lambda v: v is not None and not _is_seed(v)))
        args = {"split": heart.test, "rng": 0, name: value}
        call_it = lambda: heart_expert.decide(args["split"], args["rng"])  # noqa: E731
    started = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        call_it()
    assert error.value.field == name, (entry, name, value, error.value)
    assert time.perf_counter() - started < WITHIN_S


def _is_seed(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _valid_analyse(name: str, value) -> bool:
    """The few values of ANY_BAD that analyse accepts (``start=None``: the measured range's)."""
    if value is None and name == "start":
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if name == "start":
        return 0 <= value <= 1
    if name == "max_period":
        return isinstance(value, int) and 1 <= value <= 100
    return 1e-5 <= value < 1
