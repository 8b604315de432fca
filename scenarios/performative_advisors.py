"""TR and task-only advisors in the loop (see :mod:`hmlsim.scenarios.performative_advisors`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.performative_advisors")
