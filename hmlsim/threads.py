"""Capping the compute threads of BLAS, OpenMP and torch for a block of code.

hmlsim's models are small: on a 2-core machine the default thread pools of
torch and OpenMP (scikit-learn's gradient boosting) make them many times slower
when several run at once (measured: one MLP retraining 5.5 s instead of 0.2 s,
one gradient-boosting fit 4 s instead of 0.13 s). Sweeps, the Mesa model and the
scenarios run their work inside :func:`limited_threads`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from threadpoolctl import ThreadpoolController

#: environment variables that cap the threads of BLAS / OpenMP / numexpr pools
THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


_CONTROLLER: list = []  # [number of imported modules when scanned, ThreadpoolController]


def controller() -> ThreadpoolController:
    """The thread pools of the libraries this process has loaded (scanned once per set).

    Finding the pools means reading the process's memory map (tens of
    milliseconds on a busy machine), and the loop asks thousands of times per
    run. The scan is kept while no module has been imported since; a new
    import (which may load a new native library) scans again.
    """
    if not _CONTROLLER or _CONTROLLER[0] != len(sys.modules):
        _CONTROLLER[:] = [len(sys.modules), ThreadpoolController()]
    return _CONTROLLER[1]


@contextlib.contextmanager
def limited_threads(threads: int | None = 1) -> Iterator[None]:
    """Within the block, cap this process's compute threads (BLAS, OpenMP, torch).

    ``threads=None`` leaves everything as it is.

    A sweep's parallelism comes from running many runs at once, so each run
    computes on one thread by default, on every backend alike (Dask's workers
    do so anyway): N runs each starting N threads would only compete for the
    same cores (oversubscribed OpenMP pools can be much slower). The environment
    variables reach libraries loaded inside the block, :mod:`threadpoolctl`
    those already loaded; everything is restored on leaving the block.
    """
    if threads is None:
        yield
        return
    saved_env = {name: os.environ.get(name) for name in THREAD_ENV}
    torch = sys.modules.get("torch")
    saved_torch = torch.get_num_threads() if torch is not None else None
    for name in THREAD_ENV:
        os.environ[name] = str(threads)
    try:
        with controller().limit(limits=threads):
            if torch is not None:
                torch.set_num_threads(threads)
            yield
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if torch is not None and saved_torch is not None:
            torch.set_num_threads(saved_torch)
