"""The output folder of ``hmlsim run``: whole runs in, nothing half-written, no mixing.

A scenario's files are written into a hidden staging folder beside ``--out``
(``.<name>.partial-<pid>``) and moved into ``--out`` only once all of them are
written, with Ctrl-C held back during the move. A run that fails or is
interrupted removes its staging folder and leaves ``--out`` as it was (not
created, if it did not exist).

``--out`` may be new, empty, or hold an earlier run of the *same* scenario
(its files are replaced). A folder holding another scenario's outputs (its
``config.json`` names the scenario) is refused unless ``overwrite`` clears it
first; a folder holding anything else is always refused, so no run clears a
folder it did not write.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from hmlsim.errors import ConfigError, check_path, check_writable_folder


def scenario_of(folder: Path) -> str | None:
    """The scenario whose outputs ``folder`` holds (``config.json``'s ``scenario``), or None."""
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return None
    name = config.get("scenario") if isinstance(config, dict) else None
    return name if isinstance(name, str) else None


def _entries(folder: Path) -> list[Path]:
    """What ``folder`` holds, hidden files aside (none if it does not exist)."""
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def _interrupt_held() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) inside the block: a move of files is not cut in half.

    An interrupt that arrives meanwhile is dropped: the block completes the outputs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class OutputFolder:
    """``--out`` of one scenario run: checked before the work, filled in one move after it.

    Parameters
    ----------
    out : path
        The output folder.
    scenario : str
        The scenario about to run (written as ``scenario`` in ``config.json``).
    overwrite : bool
        Clear a folder holding another scenario's outputs instead of refusing it.
    field : str
        The option named in errors.

    Raises
    ------
    ConfigError
        ``field``: ``out`` is a file, holds another scenario's outputs (and
        ``overwrite`` is off), holds files that are no scenario's outputs, or
        cannot be written.
    """

    def __init__(self, out: str | Path, scenario: str, overwrite: bool, field: str = "out") -> None:
        self.out = check_path(field, out, must_exist=False)  # '' is not the current folder
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError(field, f"{self.out} is a file; give a folder")
        absolute = self.out.resolve()
        entries = _entries(absolute)
        previous = scenario_of(absolute)
        if entries and previous is None:
            raise ConfigError(
                field,
                f"{self.out} holds files that are not a scenario's outputs (no config.json "
                "naming one); choose a new or empty folder",
            )
        if previous not in (None, scenario) and not overwrite:
            raise ConfigError(
                field,
                f"{self.out} holds the outputs of scenario {previous!r}; choose another "
                "folder, or pass --overwrite to clear it",
            )
        self.clear = previous not in (None, scenario)
        check_writable_folder(field, absolute.parent)
        self.staging = absolute.parent / f".{absolute.name}.partial-{os.getpid()}"
        _remove(self.staging)
        self.staging.mkdir()
        self._target = absolute

    def publish(self, written: Sequence[Path]) -> list[Path]:
        """Move the staged files into ``out``; returns their paths there.

        ``written`` are paths under :attr:`staging`. Files of an earlier run of
        the same scenario that this run does not write stay; another scenario's
        outputs (``overwrite``) are removed first.
        """
        with _interrupt_held():
            self._target.mkdir(parents=True, exist_ok=True)
            if self.clear:
                for entry in _entries(self._target):
                    _remove(entry)
            for entry in self.staging.iterdir():
                destination = self._target / entry.name
                if destination.is_dir() and not destination.is_symlink():
                    shutil.rmtree(destination)
                os.replace(entry, destination)
            self.staging.rmdir()
        return [self.out / Path(p).relative_to(self.staging) for p in written]

    def discard(self) -> None:
        """Remove the staging folder (after a failure or an interrupt); ``out`` is untouched."""
        with _interrupt_held():
            shutil.rmtree(self.staging, ignore_errors=True)
