"""What every benchmark script prints beside its ratios: the machine's load."""

from __future__ import annotations

import os


def machine_load() -> str:
    """The 1-, 5- and 15-minute load averages, as a line for the benchmark's output."""
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"
