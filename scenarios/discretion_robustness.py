"""Appendix C.5: value as the ADB drifts (see :mod:`hmlsim.scenarios.discretion_robustness`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.discretion_robustness")
