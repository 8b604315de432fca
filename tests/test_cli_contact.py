"""What a new user meets: usage, --version, every option explained, clean stops, clean folders.

Every scenario's ``--help`` describes every option; ``hmlsim run`` stages its
outputs and moves them into ``--out`` whole (Ctrl-C: one line, exit 130,
``--out`` untouched); another scenario's folder is refused unless
``--overwrite``; ``fixed-points --plot`` writes under ``--out``; a sweep
without the FICO file says so once and stores nothing for those runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hmlsim import __version__
from hmlsim.cli import COMMANDS, main
from hmlsim.data import loaders
from hmlsim.experiments.progress import _LIVE, close_bars, progress, show_progress, steps
from hmlsim.experiments.scenario import build_parser, headline
from hmlsim.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
#: words of the project's own documents that mean nothing to a user
INTERNAL = ("SPEC", "QUICK", "entries (see summary.json)")


def hmlsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "hmlsim", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_version_and_bare_command():
    done = hmlsim("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"hmlsim {__version__}"
    bare = hmlsim()
    assert bare.returncode == 2 and bare.stdout == ""
    assert bare.stderr.startswith("usage: hmlsim")
    assert all(name in bare.stderr for name in COMMANDS)
    assert bare.stderr.rstrip().splitlines()[-1] == "hmlsim: error: name a command (listed above)"


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_option_says_what_it_means(name):
    module = importlib.import_module(f"hmlsim.scenarios.{name}")
    fields = {f.name for f in dataclasses.fields(module.Config)}
    assert fields <= set(module.HELP), sorted(fields - set(module.HELP))
    parser = build_parser(module)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        text = action.help or ""
        # a meaning before the default, not only "(default: ...)"
        assert len(text.split("(default")[0].split()) >= 3, (action.option_strings, text)
    page = parser.format_help()
    assert "(default: )" not in page and "(default: None)" not in page
    assert not [word for word in INTERNAL if word in page]
    quick = next(a for a in parser._actions if "--quick" in a.option_strings)
    first = next(iter(module.QUICK))  # --quick lists the values it sets
    assert f"{first.replace('_', '-')} " in quick.help


def test_default_summary_is_a_table_without_entry_counts():
    module = importlib.import_module("hmlsim.scenarios.dynamics_grid")

    class Bare:  # a scenario of a user's own, without a headline
        __name__ = "mine"
        Config = module.Config

    text = headline(Bare, {"phi": 0.9123, "points": [1, 2], "runs": 3})
    assert "0.912" in text and "entries" not in text and "points" in text


def test_asymmetric_loss_prints_table_4_and_the_ordering():
    from hmlsim.scenarios import asymmetric_loss

    def stats(mean: float) -> dict:
        return {"mean": mean, "se": 0.01, "n": 2}

    ttl = {"TR": 0.25, "TR-no(ADB)": 0.22, "Task-only": 0.26, "Human": 0.31}
    summary = {
        "alpha": 0.0,
        "loss_weights": [1.0, 3.0],
        "runs": 2,
        "expert": "table4",
        "ttl": {v: stats(m) for v, m in ttl.items()},
        "ttl_by_class": {g: {v: stats(m / 2) for v, m in ttl.items()} for g in ("no_disease",)},
        "false_negative_rate": {v: stats(0.1) for v in ttl},
        "ordering_holds": False,
    }
    text = asymmetric_loss.headline(summary)
    assert "0.231 ± 0.006" in text  # the paper's TR beside hmlsim's
    assert "0.250 ± 0.010" in text
    assert "TR-no(ADB) 0.220 < TR 0.250 < Task-only 0.260 < Human 0.310" in text
    assert text.rstrip().endswith("holds: no")


def test_progress_bars_draw_only_under_show_progress(capsys):
    assert list(steps(range(3), "quiet")) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    with show_progress(), progress(2, "drawn", unit="stage") as bar:
        bar.update(2)
    assert "drawn" in capsys.readouterr().err
    with show_progress():
        walk = steps(range(3), "cut")
        next(walk)
        close_bars()  # as after Ctrl-C: cleared at once, not when the generator is collected
        assert not _LIVE
        walk.close()


def quick_grid(out: Path, *extra: str) -> list[str]:
    return ["run", "dynamics_grid", "--quick", "--out", str(out), *extra]


def test_out_folder_of_another_scenario_is_refused_or_cleared(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"scenario": "case_study", "seed": 0}))
    (out / "by_group.csv").write_text("a\n1\n")
    with pytest.raises(SystemExit) as exit_:
        main(quick_grid(out))
    assert exit_.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "'case_study'" in err[0] and "--overwrite" in err[0]
    assert (out / "by_group.csv").exists()  # refused: nothing touched
    assert main(quick_grid(out, "--overwrite")) == 0
    assert not (out / "by_group.csv").exists()
    assert json.loads((out / "config.json").read_text())["scenario"] == "dynamics_grid"
    assert main(quick_grid(out)) == 0  # the same scenario again: replaced in place
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_out_folder_holding_other_files_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit):
        main(quick_grid(tmp_path, "--overwrite"))
    assert "not a scenario's outputs" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_ctrl_c_in_run_is_one_line_exit_130_and_leaves_no_folder(tmp_path):
    out = tmp_path / "results" / "grid"
    # a noisy path that never settles: a million steps, far longer than the test waits
    args = quick_grid(out, "--noise", "0.5", "--epsilon", "1e-9", "--max-steps", "1000000")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hmlsim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # a shell's background job starts with Ctrl-C ignored, which Python then keeps:
        # the child gets the default, as a terminal gives it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    staging = out.parent / f".grid.partial-{proc.pid}"
    deadline = time.monotonic() + 120
    while not staging.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert staging.exists(), "the run never started"
    time.sleep(0.5)  # inside the scenario's run
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.strip().splitlines() == [
        f"hmlsim run dynamics_grid: interrupted; nothing written to {out}"
    ]
    assert stdout == ""
    assert not out.exists() and not staging.exists()


def test_fixed_points_plot_goes_under_out(tmp_path, monkeypatch, capsys):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    out = tmp_path / "figures"
    points = "0.717:0.894,0.920:0.926"
    assert main(["fixed-points", "--points", points, "--plot", "phi", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["phi.png", "phi.svg"]
    assert list(here.iterdir()) == []
    assert main(["fixed-points", "--points", points, "--plot", "phi"]) == 0  # default --out
    assert sorted(p.name for p in (here / "results" / "fixed-points").iterdir()) == [
        "phi.png",
        "phi.svg",
    ]


def test_grid_attractors_name_the_stable_point_they_belong_to(capsys):
    points = "0.717:0.894,0.920:0.926"
    assert main(["fixed-points", "--points", points, "--tilt", "0.98", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (point,) = result["stable_points"]
    assert "attractors" not in result
    grid = result["grid_attractors"]
    assert len(grid) == 2  # two ε-grid utilities within ε of the one stable point
    assert all(a["belongs_to"] == {"stable_point": point["u"]} for a in grid)


def test_sweep_without_fico_says_so_once_and_stores_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HMLSIM_FICO_PATH", raising=False)
    monkeypatch.setattr(loaders, "DEFAULT_FICO_PATH", tmp_path / "absent.csv")
    spec = tmp_path / "fico.toml"
    spec.write_text(
        'scenario = "teamrules_value"\nquick = true\n'
        '[axes]\ndatasets = ["fico"]\nsplit_seeds = [20, 21, 22]\n'
    )
    store = tmp_path / "store"
    assert main(["sweep", str(spec), "--out", str(store), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.count("FICO skipped") == 1 and "3 runs not run" in out
    assert "0 done now" in out
    runs = store / "runs"
    assert not runs.exists() or not [p for p in runs.iterdir() if (p / "run.json").exists()]
