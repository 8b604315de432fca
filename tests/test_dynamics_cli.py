"""``hmlsim fixed-points``: JSON and table output, figures, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hmlsim.cli import main

PAPER = "0.717:0.894,0.920:0.926"


def run_json(capsys, *args):
    assert main(["fixed-points", "--points", PAPER, "--json", *args]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object on one line
    return json.loads(out)


def test_paper_points_json_reports_the_92_percent_equilibrium(capsys):
    result = run_json(capsys)
    (point,) = result["stable_points"]
    assert point["kind"] == "attracting"
    assert 0.915 < point["u"] < 0.93
    (basin,) = point["basin"]
    assert basin[0] <= 0.717 and basin[1] >= 0.920  # covers the measured range
    assert result["path"][0] == 0.717
    assert result["path"][-1] == pytest.approx(point["u"], abs=0.01)
    assert result["cycles"] == []
    settings = result["settings"]
    assert settings["epsilon"] == 0.01 and settings["tilt"] == 1.0
    assert settings["extrapolate"] == "clip"
    assert settings["points"] == [[0.717, 0.894], [0.92, 0.926]]


def test_tilt_epsilon_and_start(capsys):
    result = run_json(capsys, "--tilt", "0.98", "--epsilon", "0.001", "--start", "0.75")
    (point,) = result["stable_points"]
    assert point["phi"] == pytest.approx(point["u"] / 0.98, abs=1e-9)
    assert result["path"][0] == 0.75
    assert result["settings"]["learner"] == "tilted"
    steps = [b - a for a, b in zip(result["path"], result["path"][1:], strict=False)]
    assert all(s >= 0.001 for s in steps)


def test_cycles_in_json(capsys):
    assert main(["fixed-points", "--points", "0.4:0.9,0.6:0.1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [p["kind"] for p in result["stable_points"]] == ["repelling"]
    (cycle,) = result["cycles"]
    assert cycle["period"] == 2 and cycle["points"] == pytest.approx([0.1, 0.9])
    assert result["path_cycle_period"] == 2


def test_table_output_and_plot(tmp_path, capsys):
    target = tmp_path / "figs" / "phi.png"
    assert main(["fixed-points", "--points", PAPER, "--plot", str(target)]) == 0
    out = capsys.readouterr().out
    assert "attracting" in out and "0.9260" in out and "[0.000, 1.000]" in out
    assert "learning path from 0.717" in out
    png, svg = target, target.with_suffix(".svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:2000]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--points", "0.717:1.2"], "--points"),
        (["--points=-0.1:0.5"], "--points"),
        (["--points", "0.92:0.926,0.717:0.894"], "--points"),
        (["--points", "0.7:0.8,0.7:0.9"], "--points"),
        (["--points", "0.7-0.8"], "--points"),
        (["--points", PAPER, "--epsilon", "0"], "--epsilon"),
        (["--points", PAPER, "--epsilon", "-0.1"], "--epsilon"),
        (["--points", PAPER, "--epsilon", "x"], "--epsilon"),
        (["--points", PAPER, "--tilt", "0"], "--tilt"),
        (["--points", PAPER, "--tilt", "-2"], "--tilt"),
        (["--points", PAPER, "--start", "1.5"], "--start"),
    ],
)
def test_bad_input_is_one_line_naming_the_argument(args, field, capsys):
    assert main(["fixed-points", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"hmlsim fixed-points: error: {field}: ")


def test_bad_input_from_the_shell_has_no_traceback():
    field = "--points"
    proc = subprocess.run(
        [sys.executable, "-m", "hmlsim", "fixed-points", "--points", "0.92:0.926,0.717:0.894"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"hmlsim fixed-points: error: {field}:")
    assert proc.stdout == ""
