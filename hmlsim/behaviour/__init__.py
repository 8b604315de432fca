"""Behaviour models of simulated experts: decisions, confidence and advice-taking."""

from hmlsim.behaviour.adb import accept_probability, sample_acceptance

__all__ = ["accept_probability", "sample_acceptance"]
