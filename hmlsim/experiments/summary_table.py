"""Small plain-text tables for the summaries ``hmlsim run`` prints.

Each scenario's ``headline(summary)`` prints its key numbers beside the
paper's as one or two small tables built with :func:`text_table`; the values
are formatted with :func:`number` and :func:`mean_se`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: what a table shows where there is no value (no paper number, nothing computed)
MISSING = "–"


def number(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals; bools as yes/no; None and NaN as :data:`MISSING`."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return MISSING if value != value else f"{value:.{digits}f}"
    return str(value)


def mean_se(stats: Mapping[str, Any] | None, digits: int = 3) -> str:
    """``mean ± se`` from ``{"mean", "se", "n"}``; the mean alone for one run (no SE)."""
    if not stats or stats.get("mean") is None:
        return MISSING
    se = stats.get("se")
    if stats.get("n", 0) <= 1 or se is None:
        return number(stats["mean"], digits)
    return f"{number(stats['mean'], digits)} ± {number(se, digits)}"


def over_runs(n: int) -> str:
    """``mean ± SE over 20 runs``, or ``1 run, no SE``: what a table's cells are."""
    return "1 run, no SE" if n == 1 else f"mean ± SE over {n} runs"


def text_table(rows: Sequence[Mapping[str, Any]], indent: str = "  ") -> str:
    """Rows of already formatted cells as an aligned table (the first row's keys head it).

    Examples
    --------
    >>> print(text_table([{"name": "Φ(q1)", "hmlsim": "0.909", "paper": "0.894"}]))
      name   hmlsim  paper
      Φ(q1)  0.909   0.894
    """
    if not rows:
        return f"{indent}(nothing)"
    columns = list(rows[0])
    cells = [[str(c) for c in columns]] + [
        [str(row.get(c, MISSING)) for c in columns] for row in rows
    ]
    widths = [max(len(line[k]) for line in cells) for k in range(len(columns))]
    return "\n".join(
        indent + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )
