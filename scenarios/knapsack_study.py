"""The knapsack study end to end (see :mod:`hmlsim.scenarios.knapsack_study`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.knapsack_study")
