"""Case study: Doctor A and Doctor B, heart, α = 0.1 (see :mod:`hmlsim.scenarios.case_study`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.case_study")
