"""Reproductions of published results, each one command that runs, checks and reports.

``hmlsim reproduce teamrules --out DIR`` runs every study of the TeamRules
paper on the paper's method (:mod:`hmlsim.reproduce.units`) as one resumable
sweep, then writes ``DIR/claims.json`` (every published claim with hmlsim's
value, its SE, the number of runs and a verdict: :mod:`hmlsim.reproduce.claims`)
and ``DIR/report.md`` with the redrawn figures (:mod:`hmlsim.reproduce.report`).
"""

from hmlsim.reproduce.teamrules import reproduce_teamrules

__all__ = ["reproduce_teamrules"]
