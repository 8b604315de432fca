"""Tests-only scenario: a seeded noisy logistic map, failing on purpose for one value.

Not shipped: it is a stand-in with the scenario contract (frozen ``Config`` that
validates itself, ``QUICK``, ``run``) so the sweep tests are fast. ``r`` equal
to ``fail_on`` raises inside ``run``, and so does any run while the file named
by ``fail_flag`` exists (to test retries); ``r`` equal to ``crash_on`` ends the
process (a lost worker); ``pause`` sleeps that many seconds so a test can
interrupt a sweep half-way.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError, check_probability
from hmlsim.experiments.scenario import ScenarioResult


@dataclass(frozen=True)
class Config:
    r: float = 2.5
    start: float = 0.2
    noise: float = 0.01
    steps: int = 200
    fail_on: float = -1.0
    pause: float = 0.0
    fail_flag: str = ""
    offsets: tuple[float, ...] = (0.0,)
    crash_on: float = -1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.r <= 4.0:
            raise ConfigError("r", f"must lie in [0, 4], got {self.r!r}")
        check_probability("start", self.start)
        if self.steps < 1:
            raise ConfigError("steps", f"must be >= 1, got {self.steps!r}")


QUICK = {"steps": 20}


def run(config: Config) -> ScenarioResult:
    if config.r == config.fail_on:
        raise RuntimeError(f"failing on purpose for r={config.r}")
    if config.r == config.crash_on:  # a worker process dying (never use in-process)
        time.sleep(0.5)
        os._exit(3)
    if config.fail_flag and os.path.exists(config.fail_flag):
        raise RuntimeError(f"flag file {config.fail_flag} exists")
    if config.pause:
        time.sleep(config.pause)
    rng = np.random.default_rng(config.seed)
    u = np.empty(config.steps + 1)
    u[0] = config.start
    shocks = rng.normal(0.0, config.noise, config.steps)
    for t in range(config.steps):
        u[t + 1] = np.clip(config.r * u[t] * (1 - u[t]) + shocks[t], 0.0, 1.0)
    path = pd.DataFrame({"t": np.arange(config.steps + 1), "u": u})
    final = pd.DataFrame(
        {
            "r": config.r,
            "offset": list(config.offsets),
            "final": u[-1] + np.asarray(config.offsets),
            "mean": u.mean(),
        }
    )
    from threadpoolctl import threadpool_info

    threads = max((pool["num_threads"] for pool in threadpool_info()), default=1)
    return ScenarioResult(
        summary={"final": float(u[-1]), "threads": threads}, tables={"path": path, "final": final}
    )
