"""Appendix C.1: value added at α ≥ 0.6 (see :mod:`hmlsim.scenarios.teamrules_prohibitive`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.teamrules_prohibitive")
