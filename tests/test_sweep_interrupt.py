"""Interrupt safety: `hmlsim sweep` killed half-way (kill -9, Ctrl-C) and started again.

These start the real command in a subprocess (its own process group, so the
test can signal the sweep and the worker processes it started, as a terminal
would) and compare the finished store with an uninterrupted sweep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from hmlsim.experiments.collect import collect
from hmlsim.experiments.store import ResultStore
from hmlsim.experiments.sweep import load_spec, plan_runs, run_sweep

REPO = Path(__file__).resolve().parents[1]

SPEC_TEXT = """
scenario = "sweep_fixtures.toy"
seeds = 3
master_seed = 99
quick = true
[fixed]
pause = 0.25
noise = 0.05
[axes]
r = [1.5, 2.5, 3.5]
start = [0.2, 0.7]
"""  # 18 runs of about 0.25 s each


def sweep_command(spec: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hmlsim",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--no-progress",
        *extra,
    ]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests"), env.get("PYTHONPATH", "")])
    return env


def start_and_signal(spec: Path, out: Path, sig: int, after_runs: int, *extra: str):
    """Start the sweep, wait until ``after_runs`` runs have landed, then signal its group."""
    process = subprocess.Popen(
        sweep_command(spec, out, *extra),
        env=environment(),
        start_new_session=True,
        # a shell's background job starts with Ctrl-C ignored: give the child the default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs = out / "runs"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            landed = len(list(runs.glob("[0-9a-f]*"))) if runs.exists() else 0
            if landed >= after_runs:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the sweep finished before it could be interrupted"
        os.killpg(process.pid, sig)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test itself fails
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, stdout, stderr


def assert_same_store(expected: Path, got: Path) -> None:
    assert ResultStore(got).done_keys() == ResultStore(expected).done_keys()
    for name, order in (("path", ["run_key", "t"]), ("final", ["run_key"])):
        a = collect(expected, name).sort_values(order).reset_index(drop=True)
        b = collect(got, name).sort_values(order).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "toy.toml"
    path.write_text(SPEC_TEXT)
    return path


@pytest.fixture(scope="module")
def reference(spec_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    report = run_sweep(load_spec(spec_file), out, progress=False)
    assert report.done == 18
    return out


def test_kill_9_half_way_then_restart_gives_the_uninterrupted_runs(spec_file, reference, tmp_path):
    out = tmp_path / "store"
    code, _, _ = start_and_signal(spec_file, out, signal.SIGKILL, 5, "--workers", "2")
    assert code == -signal.SIGKILL
    landed = ResultStore(out).done_keys()
    assert 5 <= len(landed) < 18
    assert landed <= ResultStore(reference).done_keys()
    restart = subprocess.run(
        sweep_command(spec_file, out, "--workers", "2"),
        env=environment(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert restart.returncode == 0, restart.stderr
    assert f"{len(landed)} were already in" in restart.stdout
    assert not list((out / "runs").glob(".tmp-*"))
    assert_same_store(reference, out)
    assert len(ResultStore(out).done_keys()) == len(plan_runs(load_spec(spec_file)))


def test_ctrl_c_stops_cleanly_keeping_finished_runs(spec_file, reference, tmp_path):
    out = tmp_path / "store"
    code, stdout, stderr = start_and_signal(spec_file, out, signal.SIGINT, 3, "--workers", "2")
    assert code == 130, stderr
    assert "interrupted" in stdout
    assert "Traceback" not in stderr
    store = ResultStore(out)
    kept = store.done_keys()
    assert 3 <= len(kept) < 18
    assert store.failures().empty  # an interrupted run is not a failure
    report = run_sweep(load_spec(spec_file), out, progress=False)
    assert (report.skipped, report.done) == (len(kept), 18 - len(kept))
    assert_same_store(reference, out)


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split()
        found.update(int(c) for c in children)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_workers_end_when_the_driver_is_killed(spec_file, tmp_path):
    # SIGKILL to the driver alone (not its process group): its workers must not live on
    process = subprocess.Popen(
        sweep_command(spec_file, tmp_path / "store", "--workers", "2"),
        env=environment(),
        start_new_session=True,
        # a shell's background job starts with Ctrl-C ignored: give the child the default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            # the spawn start method adds a resource tracker beside the two workers
            workers = {c for c in _children(process.pid) if _alive(c)}
            time.sleep(0.1)
        assert len(workers) >= 2, "the sweep did not start its workers"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "orphaned workers kept running"
    finally:  # whatever happened, leave nothing of the group running
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
