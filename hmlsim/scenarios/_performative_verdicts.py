"""The performative study's comparisons, tested: against the human, and paired against a reference.

Every table here is one family of tests: each cell's one-sided t-test in the
direction of its mean, Holm-adjusted over the table's cells (statsmodels'
``multipletests``) at level 0.05. A cell is ``above`` / ``below`` (or
``higher`` / ``lower`` for a paired difference) only when its adjusted p-value
is under the level; otherwise ``inconclusive``, which never reads as "no
difference". Paired differences that are exactly zero in every pair are
``identical`` (the same runs by construction, e.g. TR+expertise at ρ = 0 is TR).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: the family-wise level of every table
LEVEL = 0.05
#: what pairs two runs of the study: the same context, start, repetition and seed
PAIRED_BY = ["dataset", "decision", "alpha", "audit_share", "initial_quality", "repetition", "seed"]


def standard_error(values: pd.Series) -> float:
    """The standard error of the mean of ``values`` (NaN for fewer than two)."""
    values = values.dropna()
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


def fmt(values: pd.Series) -> str:
    """``mean ± SE`` of ``values`` (the mean alone for one value)."""
    mean, se = float(values.mean()), standard_error(values)
    return f"{mean:.3f}" if not np.isfinite(se) else f"{mean:.3f} ± {se:.3f}"


def directional_p(values: pd.Series) -> tuple[float, int]:
    """The one-sided t-test's p-value in the direction of the mean, and that direction (±1, 0).

    ``(1.0, 0)`` when the values cannot be tested (fewer than two, or no spread).
    """
    from scipy.stats import ttest_1samp

    values = values.dropna()
    if len(values) < 2 or values.std(ddof=1) == 0:
        return 1.0, 0
    direction = 1 if values.mean() > 0 else -1
    with warnings.catch_warnings():  # near-identical values: scipy warns, the test stands
        warnings.simplefilter("ignore", RuntimeWarning)
        side = "greater" if direction > 0 else "less"
        return float(ttest_1samp(values, 0.0, alternative=side).pvalue), direction


def holm_verdicts(
    cells: Sequence[pd.Series], words: tuple[str, str] = ("above", "below")
) -> list[str]:
    """Each cell's verdict, its one-sided test Holm-adjusted over ``cells`` at :data:`LEVEL`.

    Examples
    --------
    >>> import pandas as pd
    >>> up, noise = pd.Series([0.05, 0.06, 0.055, 0.052]), pd.Series([-0.1, 0.1, 0.02])
    >>> holm_verdicts([up, -up, noise])
    ['above', 'below', 'inconclusive']
    """
    from statsmodels.stats.multitest import multipletests

    if not cells:
        return []
    tests = [directional_p(cell) for cell in cells]
    reject = multipletests([p for p, _ in tests], alpha=LEVEL, method="holm")[0]
    return [
        (words[0] if direction > 0 else words[1]) if rejected else "inconclusive"
        for rejected, (_, direction) in zip(reject, tests, strict=True)
    ]


def with_strategy(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``retraining`` column (runs made before the axis were ``window``)."""
    return table if "retraining" in table else table.assign(retraining="window")


def with_gain(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` (:func:`with_strategy`) with ``gain`` = final Φ(u) − the human alone."""
    runs = with_strategy(runs)
    return runs.assign(gain=runs["final_team_utility"] - runs["final_human_utility"])


def audit_needed(runs: pd.DataFrame) -> pd.DataFrame:
    """How much audit each advisor needs for its team to end above the human alone.

    Per advisor × retraining × dataset × expert behaviour, the final gain
    Φ(u) − human at each audit share ρ (mean ± SE over the cell's runs: α, q and
    repetitions of the declared grid) with its verdict (:func:`holm_verdicts`
    over every cell of the table), and the least ρ from which every larger ρ of
    the grid is ``above`` too: ``0`` when no audit is needed, ``not shown within
    ρ ≤ max`` when the grid shows none that suffices.
    """
    runs = with_gain(runs)
    shares = sorted(runs["audit_share"].unique())
    keys = ["advisor", "retraining", "dataset", "decision"]
    groups = list(runs.groupby(keys, sort=True))
    cells = [
        group.loc[group["audit_share"] == rho, "gain"] for _, group in groups for rho in shares
    ]
    verdicts = iter(holm_verdicts(cells))
    rows = []
    for key, group in groups:
        row = dict(zip(keys, key, strict=True))
        verdict = {}
        for rho in shares:
            verdict[rho] = next(verdicts)
            row[f"ρ = {rho:g}"] = (
                f"{fmt(group.loc[group['audit_share'] == rho, 'gain'])} " + (verdict[rho])
            )
        enough = [r for r in shares if all(verdict[s] == "above" for s in shares if s >= r)]
        row["audit needed"] = (
            f"{min(enough):g}" if enough else f"not shown within ρ ≤ {max(shares):g}"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def paired_against(runs: pd.DataFrame, column: str, reference: str) -> pd.DataFrame:
    """Every value of ``column`` against ``reference`` on the same runs (paired by
    :data:`PAIRED_BY` and the other of advisor / retraining).

    ``column`` is ``"retraining"`` (each strategy against ``window``, per
    advisor) or ``"advisor"`` (each advisor against ``TR``, per strategy). Per
    value × the other column × ρ: the mean paired difference (value − reference)
    of the final u, the final advising rate and the final Φ(u) − human, ± SE over
    the pairs, and the gain difference's verdict (:func:`holm_verdicts` over the
    table: ``higher``, ``lower``, ``inconclusive``; ``identical`` when every
    pair is the same run). Empty when ``reference`` or a second value is missing.
    """
    runs = with_gain(runs)
    if reference not in set(runs[column]) or runs[column].nunique() < 2:
        return pd.DataFrame()
    other = "advisor" if column == "retraining" else "retraining"
    keys = [k for k in (*PAIRED_BY, other) if k in runs]
    base = runs[runs[column] == reference]
    rows, cells = [], []
    for (value, kept, rho), group in runs[runs[column] != reference].groupby(
        [column, other, "audit_share"], sort=True
    ):
        pairs = group.merge(base, on=keys, suffixes=("", "_ref"))
        diff = {
            name: pairs[name] - pairs[f"{name}_ref"]
            for name in ("final_model_utility", "final_advising_rate", "gain")
        }
        cells.append(diff["gain"])
        rows.append(
            {
                column: value,
                other: kept,
                "ρ": f"{rho:g}",
                "pairs": len(pairs),
                "final u": fmt(diff["final_model_utility"]),
                "advising rate": fmt(diff["final_advising_rate"]),
                "Φ − human": fmt(diff["gain"]),
                "same runs": bool((pd.concat(diff.values()) == 0).all()),
            }
        )
    verdicts = holm_verdicts(cells, words=("higher", "lower"))
    for row, verdict in zip(rows, verdicts, strict=True):
        row["verdict (Φ − human)"] = "identical" if row.pop("same runs") else verdict
    return pd.DataFrame(rows)
