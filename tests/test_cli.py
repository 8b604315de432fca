"""The ``hmlsim`` dispatcher: help lists, did-you-mean, and light start-up imports."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from hmlsim.cli import COMMANDS, main
from hmlsim.experiments.cli import module_summary, scenario_summaries
from hmlsim.scenarios import SCENARIOS

HEAVY = ("pandas", "scipy", "networkx", "torch", "sklearn", "matplotlib")


def hmlsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hmlsim", *args], capture_output=True, text=True, check=False
    )


def listed_scenarios(text: str) -> dict[str, str]:
    """The ``scenarios:`` block of a help text, as name -> description."""
    block = text.split("scenarios:\n", 1)[1].splitlines()
    return dict(line.strip().split(maxsplit=1) for line in block if line.startswith("  "))


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name, (_, summary) in COMMANDS.items():
        assert name in out and summary.split()[0] in out


def test_run_help_lists_every_scenario_of_the_registry(capsys):
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: hmlsim run SCENARIO [options]")
    listed = listed_scenarios(out)
    assert list(listed) == SCENARIOS
    assert listed == scenario_summaries()
    assert all(listed.values())  # every scenario has a one-line description


def test_scenario_summary_is_the_first_docstring_line():
    name = "dynamics_grid"
    module = importlib.import_module(f"hmlsim.scenarios.{name}")
    assert module_summary(module.__file__) == module.__doc__.strip().splitlines()[0]


def test_module_summary_without_docstring(tmp_path):
    path = tmp_path / "plain.py"
    path.write_text("# a comment\n\nx = 1\n")
    assert module_summary(path) == ""


def test_run_without_scenario_lists_them_and_is_a_usage_error(capsys):
    assert main(["run"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert list(listed_scenarios(captured.err)) == SCENARIOS
    assert captured.err.rstrip().splitlines()[-1] == (
        "hmlsim run: error: name a scenario (listed above)"
    )


def test_misspelt_scenario_gets_did_you_mean_on_one_line():
    done = hmlsim("run", "case_stdy", "--quick")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "hmlsim run: error: scenario: unknown scenario 'case_stdy'; did you mean 'case_study'?"
    ]


def test_unknown_scenario_without_a_close_name(capsys):
    assert main(["run", "zzzzzz"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "hmlsim run --help" in err


def test_misspelt_command_gets_did_you_mean():
    done = hmlsim("fixd-points", "--points", "0.7:0.9")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "hmlsim: error: unknown command 'fixd-points'; did you mean 'fixed-points'?"
    )


def test_scenario_help_still_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "dynamics_grid", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: hmlsim run dynamics_grid")
    assert "--quick" in out and "--max-steps" in out


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["run", "--help"],
        ["sweep", "--help"],
        ["fixed-points", "--help"],
        ["reproduce", "--help"],
    ],
)
def test_start_up_imports_no_heavy_library(args):
    """Importing the CLI, and the help of every command but ``viz``, stay light."""
    code = (
        "import contextlib, io, json, sys\n"
        "import hmlsim.cli\n"
        f"args = {args!r}\n"
        "if args:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            hmlsim.cli.main(args)\n"
        "        except SystemExit:\n"
        "            pass\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
