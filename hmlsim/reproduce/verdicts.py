"""Claims and their verdicts: one published statement checked against hmlsim's runs.

Every claim of the reproduction is a :class:`Claim`: the paper's value (a
number with its SE, or a statement), hmlsim's value from the runs with its SE
over runs, the number of runs, and a verdict fixed by rules stated before the
runs, never adjusted to them:

- a **number** (the paper prints a value): ``holds`` when hmlsim's mean lies
  within the claim's stated tolerance of it; ``within_se`` when it does not
  but the two differ by at most two combined standard errors
  (√(se² + se_paper²)); ``deviates`` otherwise;
- a **statement** measured by a *margin* that is ≥ 0 when the statement holds
  (e.g. min over α of TR − human): ``holds`` when the margin's mean is ≥ 0;
  ``within_se`` when mean + SE ≥ 0; ``deviates`` otherwise;
- ``not_run`` when the runs it needs were not made (FICO without its file),
  with a note saying why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

VERDICTS = ("holds", "within_se", "deviates", "not_run")


@dataclass(frozen=True)
class Claim:
    """One published result checked against hmlsim.

    Attributes
    ----------
    id : str
        ``<study>/<context>/<name>``, e.g. ``figure2/fico/group+group/tr_never_below_human``.
    paper : float, str or None
        The published value, or the statement (``"TR >= every paper variant"``).
    hmlsim : float or None
        hmlsim's value (mean over runs), or the statement's margin.
    se : float or None
        Its standard error over runs.
    n_runs : int
        Runs behind ``hmlsim``.
    verdict : {"holds", "within_se", "deviates", "not_run"}
    note : str
        How ``hmlsim`` is measured and the rule of the verdict, or why it was not run.
    """

    id: str
    paper: float | str | None
    hmlsim: float | None
    se: float | None
    n_runs: int
    verdict: str
    note: str = ""

    def to_dict(self) -> dict:
        """The claim as a JSON object (the keys of ``claims.json``)."""
        return asdict(self)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def mean_se(values: Sequence[float] | np.ndarray) -> tuple[float | None, float | None, int]:
    """Mean, SE over runs (0 for one run) and the number of finite values."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None, None, 0
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0
    return float(v.mean()), se, int(v.size)


def number_claim(
    claim_id: str,
    paper: float,
    per_run: Sequence[float] | np.ndarray,
    *,
    tolerance: float,
    paper_se: float = 0.0,
    note: str = "",
) -> Claim:
    """A published number against hmlsim's per-run values (see the module rules)."""
    mean, se, n = mean_se(per_run)
    rule = f"holds within ±{tolerance:g} of the paper; within_se within 2 combined SE"
    note = f"{note}; {rule}" if note else rule
    if mean is None:
        return Claim(claim_id, paper, None, None, 0, "deviates", f"{note}; no finite value")
    gap = abs(mean - paper)
    if gap <= tolerance:
        verdict = "holds"
    elif gap <= 2.0 * math.hypot(se, paper_se):
        verdict = "within_se"
    else:
        verdict = "deviates"
    return Claim(claim_id, paper, mean, se, n, verdict, note)


def margin_claim(
    claim_id: str,
    statement: str,
    margin: float | None,
    se: float | None,
    n_runs: int,
    *,
    note: str = "",
) -> Claim:
    """A published statement whose margin is >= 0 when it holds (see the module rules)."""
    margin, se = _finite(margin), _finite(se)
    if margin is None:
        return Claim(claim_id, statement, None, None, n_runs, "deviates", f"{note}; no value")
    if margin >= 0:
        verdict = "holds"
    elif margin + (se or 0.0) >= 0:
        verdict = "within_se"
    else:
        verdict = "deviates"
    return Claim(claim_id, statement, margin, se, n_runs, verdict, note)


def not_run(claim_id: str, paper: float | str | None, why: str) -> Claim:
    """A claim whose runs were not made, saying why."""
    return Claim(claim_id, paper, None, None, 0, "not_run", why)


def margins_claim(
    claim_id: str,
    statement: str,
    per_run: dict[str, np.ndarray],
    *,
    note: str = "",
) -> Claim:
    """A statement that must hold for every one of several paired per-run margins.

    ``per_run`` maps a label (``"α=0.3, vs Task-only"``) to the margin in each
    run; the runs are the same for every label, so a margin such as TR − task-only
    is paired and its SE is the SE of the per-run differences. The verdict is
    ``holds`` when every mean is >= 0, ``within_se`` when every mean + SE is
    >= 0, else ``deviates``; the claim reports the margin that decides it (the
    lowest mean + SE when some fails, else the lowest mean), named in the note.
    """
    stats = {label: mean_se(values) for label, values in per_run.items()}
    stats = {label: s for label, s in stats.items() if s[0] is not None}
    if not stats:
        return Claim(claim_id, statement, None, None, 0, "deviates", f"{note}; no value")
    failing = {k: s for k, s in stats.items() if s[0] + s[1] < 0}
    if failing:
        label = min(failing, key=lambda k: failing[k][0] + failing[k][1])
    else:
        label = min(stats, key=lambda k: stats[k][0])
    mean, se, n = stats[label]
    claim = margin_claim(claim_id, statement, mean, se, n, note=f"{note}; decided by {label}")
    if claim.verdict == "holds" and any(s[0] < 0 for s in stats.values()):
        return Claim(**{**claim.to_dict(), "verdict": "within_se"})
    return claim
