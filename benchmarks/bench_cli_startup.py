"""Start-up time of the `hmlsim` help commands against bare Python.

Each command runs ``--repeats`` times in a fresh subprocess; the script prints
the median wall time and the median CPU time of the child (user + system, from
``resource.getrusage(RUSAGE_CHILDREN)``), and the ratios to two references run
the same way: ``python -c pass`` (the interpreter alone) and ``python -c
"import numpy"``. ``hmlsim`` is the installed console script when it is on the
``PATH``, else ``python -m hmlsim``.

Usage::

    python benchmarks/bench_cli_startup.py [--repeats 7]

Target (issue 12): both help commands under 1 s of wall time on the 2-core
development machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time

import numpy as np
from _common import machine_load

TARGET_S = 1.0


def hmlsim_command() -> list[str]:
    """The ``hmlsim`` console script, or ``python -m hmlsim`` without one."""
    script = shutil.which("hmlsim")
    return [script] if script else [sys.executable, "-m", "hmlsim"]


def measure(command: list[str], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of running ``command`` to completion."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return float(np.median(walls)), float(np.median(cpus))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {machine_load()}; median of {args.repeats} runs each")
    hmlsim = hmlsim_command()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "hmlsim --help": [*hmlsim, "--help"],
        "hmlsim run --help": [*hmlsim, "run", "--help"],
        "hmlsim fixed-points --help": [*hmlsim, "fixed-points", "--help"],
        "hmlsim reproduce --help": [*hmlsim, "reproduce", "--help"],
    }
    times = {name: measure(command, args.repeats) for name, command in commands.items()}
    bare, numpy_ = times["python -c pass"], times["python -c 'import numpy'"]
    print(f"{'command':<28} {'wall s':>7} {'CPU s':>7} {'wall/bare':>10} {'wall/numpy':>11}")
    for name, (wall, cpu) in times.items():
        print(f"{name:<28} {wall:7.3f} {cpu:7.3f} {wall / bare[0]:10.2f} {wall / numpy_[0]:11.2f}")
    slow = [name for name in times if name.startswith("hmlsim") and times[name][0] >= TARGET_S]
    print(f"target: every help command under {TARGET_S:g} s wall: {not slow}")
    print(machine_load())
    if slow:
        raise SystemExit(f"over {TARGET_S:g} s: {', '.join(slow)}")


if __name__ == "__main__":
    main()
