"""Table 4: asymmetric decision loss λ = (1, 3) (see :mod:`hmlsim.scenarios.asymmetric_loss`)."""

from hmlsim.experiments.scenario import script_entry

if __name__ == "__main__":
    script_entry("hmlsim.scenarios.asymmetric_loss")
