"""Reproductions of published results, each one command that runs, checks and reports.

``hmlsim reproduce teamrules --out DIR`` runs every study of the TeamRules
paper on the paper's method (:mod:`hmlsim.reproduce.units`) as one resumable
sweep, then writes ``DIR/claims.json`` (every published claim with hmlsim's
value, its SE, the number of runs and a verdict: :mod:`hmlsim.reproduce.claims`)
and ``DIR/report.md`` with the redrawn figures (:mod:`hmlsim.reproduce.report`).
"""

__all__ = ["reproduce_teamrules"]


def __getattr__(name: str):
    """Import :func:`reproduce_teamrules` on first use (``hmlsim reproduce --help`` stays fast)."""
    if name != "reproduce_teamrules":
        raise AttributeError(f"module 'hmlsim.reproduce' has no attribute {name!r}")
    from hmlsim.reproduce.teamrules import reproduce_teamrules

    return reproduce_teamrules
