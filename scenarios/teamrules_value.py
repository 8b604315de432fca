"""Figure 2: value added by each advisor vs α (see :mod:`hmlsim.scenarios.teamrules_value`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.teamrules_value")
