"""How figures name things: columns in words, and what an error bar or band shows.

A reader of a figure should not meet a raw column name (``added_value``) or a
claim of "mean ± SE" where one run gives no SE.

Examples
--------
>>> words("added_value")
'value added over the human alone'
>>> words("some_new_column")
'some new column'
>>> spread_note([1, 1]), spread_note([10, 10]), spread_note([2, 3])
('1 run, no SE', 'mean ± SE over 10 runs', 'mean ± SE over 2–3 runs')
"""

from __future__ import annotations

from collections.abc import Iterable

#: the words figures use for the study tables' columns
COLUMN_WORDS = {
    "added_value": "value added over the human alone",
    "alpha": "cost of a contradiction α",
    "advising_rate": "advising rate",
    "policy_advising_rate": "advising rate of the advisor's policy",
    "acceptance_rate": "acceptance rate",
    "advising_confidence": "advising confidence",
    "value_contribution": "value contribution",
    "stable_point": "stable point (model utility)",
    "model_utility": "model utility u",
    "team_utility": "team utility Φ(u)",
    "noise": "noise on the ADB parameters (SD of the log-factor)",
    "audit_share": "audited share ρ",
    "initial_quality": "initial model quality",
    "epoch": "deployment epoch",
    "variant": "advisor",
    "advisor": "advisor",
    "decision": "expert behaviour",
    "dataset": "data set",
}


def words(column: str) -> str:
    """The words for a column in a figure (its name with spaces when it has none)."""
    return COLUMN_WORDS.get(column, column.replace("_", " "))


def spread_note(runs: int | Iterable[int]) -> str:
    """What a point and its bar or band show, given the runs behind each point.

    Parameters
    ----------
    runs : int or iterable of int
        The number of runs behind each point of the figure (0 for a point
        without data, which is left out).

    Returns
    -------
    str
        ``"1 run, no SE"`` when every point is one run, else ``"mean ± SE over
        n runs"`` (a range of n when the points differ).
    """
    counts = sorted({int(n) for n in ([runs] if isinstance(runs, int) else runs)} - {0})
    if not counts or counts[-1] <= 1:
        return "1 run, no SE"
    low, high = counts[0], counts[-1]
    shown = f"{high}" if low == high else f"{low}–{high}"
    return f"mean ± SE over {shown} runs"
