"""A write that fails midway leaves nothing half-written under a final name (issue 23).

A full disk is simulated by a writer that writes part of its file and then
raises ``OSError(ENOSPC)``: for the JSON files, the CSV tables, the figures
and the store's per-run tables. The command ends in one line on stderr (no
traceback) and a non-zero status, and the file it was writing is not there
under its final name, nor its temporary copy.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import pathlib
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from hmlsim import cli
from hmlsim.outputs import atomic_path, final_name


class FullDisk:
    """Replaces a writer: writes a few bytes of its file, then the disk is full."""

    def __init__(self, monkeypatch, owner, name: str, after: int = 0) -> None:
        self.targets: list[Path] = []
        self.calls = 0
        self.after = after
        original = getattr(owner, name)

        def writer(obj, *args, **kwargs):
            self.calls += 1
            if self.calls <= self.after:  # the first writes go through
                return original(obj, *args, **kwargs)
            target = obj if isinstance(obj, Path) else Path(args[0])  # Path.write_text: self
            self.targets.append(target)
            with open(target, "wb") as half:
                half.write(b"half a fi")
            raise OSError(errno.ENOSPC, "No space left on device", str(target))

        monkeypatch.setattr(owner, name, writer)


def call(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(argv)
    return status, err.getvalue()


def assert_one_line_and_nothing_half_written(status, err, disk: FullDisk, out: Path) -> None:
    assert status != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "No space left on device" in lines[0]
    assert disk.targets, "the simulated full disk was never hit"
    for target in disk.targets:
        assert not final_name(target).exists(), final_name(target)
        assert not target.exists(), target  # the temporary file is removed too
    assert not [p for p in out.rglob(".*") if p.name != ".hmlsim-write-check"], "leftovers"


WRITERS = {
    "summary.json/config.json": (pathlib.Path, "write_text"),
    "a CSV table": (pd.DataFrame, "to_csv"),
    "a figure": (Figure, "savefig"),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_run_on_a_full_disk_ends_in_one_line_and_leaves_no_partial_file(
    tmp_path, monkeypatch, writer
):
    disk = FullDisk(monkeypatch, *WRITERS[writer])
    out = tmp_path / "out"
    status, err = call(["run", "dynamics_grid", "--quick", "--out", str(out)])
    assert_one_line_and_nothing_half_written(status, err, disk, out)
    assert str(final_name(disk.targets[0])) in err  # the message names the final file
    for path in out.glob("*.json"):  # what was written before is whole
        json.loads(path.read_text())


def test_a_sweep_on_a_full_disk_keeps_no_half_written_run(tmp_path, monkeypatch):
    spec = tmp_path / "spec.toml"
    spec.write_text('scenario = "dynamics_grid"\nquick = true\n[axes]\ntilt = [0.9, 1.1]\n')
    disk = FullDisk(monkeypatch, pd.DataFrame, "to_parquet", after=1)  # fails in a run's tables
    out = tmp_path / "store"
    status, err = call(["sweep", str(spec), "--out", str(out), "--no-progress"])
    assert_one_line_and_nothing_half_written(status, err, disk, out)
    runs = [p for p in (out / "runs").iterdir()]
    assert all((p / "run.json").exists() for p in runs)  # only whole runs, no .tmp- folder
    # started again with room on the disk, the sweep completes
    monkeypatch.undo()
    assert call(["sweep", str(spec), "--out", str(out), "--no-progress"])[0] == 0


def test_atomic_path_renames_only_a_whole_file(tmp_path):
    target = tmp_path / "a" / "table.csv"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("x,y\n1,")
            raise KeyboardInterrupt
    assert list((tmp_path / "a").iterdir()) == []
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.suffix == ".csv"
        tmp.write_text("x,y\n1,2\n")
    assert target.read_text() == "x,y\n1,2\n"
