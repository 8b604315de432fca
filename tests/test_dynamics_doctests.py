"""The Examples sections of the dynamics modules are true (run as doctests)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "hmlsim.dynamics",
    "hmlsim.dynamics.analysis",
    "hmlsim.dynamics.basins",
    "hmlsim.dynamics.characteristic",
    "hmlsim.dynamics.empirical_map",
    "hmlsim.dynamics.fixed_points",
    "hmlsim.dynamics.learners",
    "hmlsim.dynamics.map_bins",
    "hmlsim.dynamics.map_plots",
    "hmlsim.dynamics.map_points",
    "hmlsim.dynamics.paths",
    "hmlsim.dynamics.plots",
    "hmlsim.dynamics.propositions",
    "hmlsim.dynamics.testing",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
