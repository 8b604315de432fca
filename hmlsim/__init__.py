"""hmlsim: agent-based simulation of human-ML collaboration over deployment epochs.

The firm deploys a model or advisor, experts decide with its advice, and the
firm retrains on their final decisions; hmlsim measures where that loop goes.
See the README for a tour.
"""

from hmlsim.behaviour.adb import accept_probability
from hmlsim.errors import ConfigError

__version__ = "0.1.0"

__all__ = ["ConfigError", "__version__", "accept_probability"]
