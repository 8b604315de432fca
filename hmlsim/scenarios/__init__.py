"""The studies hmlsim ships, one module each (see :mod:`hmlsim.experiments.scenario`).

Each module here has a two-line wrapper in the repository's ``scenarios/``
folder, so ``python scenarios/<name>.py`` and ``hmlsim run <name>`` are the same.
"""

import pkgutil

#: names of the scenario modules ``hmlsim.scenarios.<name>``, sorted
SCENARIOS: list[str] = sorted(
    info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")
)
