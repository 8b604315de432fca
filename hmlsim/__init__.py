"""hmlsim: agent-based simulation of human-ML collaboration over deployment epochs.

The firm deploys a model or advisor, experts decide with its advice, and the
firm retrains on their final decisions; hmlsim measures where that loop goes.
See the README for a tour.

Sub-packages load on first use (``hmlsim.accept_probability`` imports the
behaviour models then), so ``import hmlsim`` and the ``hmlsim`` command start fast.
"""

from __future__ import annotations

from typing import Any

from hmlsim.errors import ConfigError

__version__ = "0.1.0"

__all__ = ["ConfigError", "__version__", "accept_probability"]


def __getattr__(name: str) -> Any:
    if name == "accept_probability":
        from hmlsim.behaviour.adb import accept_probability

        return accept_probability
    raise AttributeError(f"module 'hmlsim' has no attribute {name!r}")
