"""One learning path through a measured Φ (see :mod:`hmlsim.scenarios.dynamics_grid`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.dynamics_grid")
