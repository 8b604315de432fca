"""limited_threads: one thread inside the block, restored after; the library scan is reused."""

from __future__ import annotations

import sys
import types

from threadpoolctl import threadpool_info

from hmlsim import threads


def test_the_scan_of_loaded_libraries_is_reused_until_a_module_is_imported(monkeypatch):
    first = threads.controller()
    assert threads.controller() is first
    monkeypatch.setitem(sys.modules, "hmlsim_test_new_module", types.ModuleType("x"))
    again = threads.controller()
    assert again is not first and threads.controller() is again


def test_limited_threads_caps_every_pool_and_restores_it():
    import sklearn.ensemble  # noqa: F401  (loads OpenMP)

    before = {p["filepath"]: p["num_threads"] for p in threadpool_info()}
    with threads.limited_threads(1):
        inside = {p["filepath"]: p["num_threads"] for p in threadpool_info()}
    assert inside and set(inside.values()) == {1}
    assert {p["filepath"]: p["num_threads"] for p in threadpool_info()} == before
