"""The paper's measures of an advisor paired with an expert (Appendix A.4, Table 2).

For one repetition (one draw of the expert's decisions and acceptances):

- TDL = mean V(y, d) (final decisions d), AL = α · mean 1{ŷ != h},
  TTL = TDL + AL, HDL = mean V(y, h), added value = HDL - TTL;
- by group (rows where the group's mask holds; ``"all"`` is every row):
  the same losses within the group, and
  ``accuracy_improvement`` = Σ_group [V(y, h) - V(y, d)] / n_total,
  ``advising_cost`` = α · (pieces of contradicting advice in the group) / n_total,
  ``value_contribution`` = their difference (the group's share of the added value),
  ``advising_rate`` = share of the group's rows with ŷ != h,
  ``acceptance_rate`` = accepted / contradicting pieces of advice,
  ``advising_accuracy`` = share of contradicting advice that is right,
  ``advising_confidence`` = mean c^M of contradicting advice.

A piece of advice is advice that contradicts h: only those cost α and can be
accepted. :func:`summarize` averages repetitions with standard errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from hmlsim.advisors.loss import decision_loss

#: metric columns of :func:`repetition_metrics`
METRICS = (
    "tdl",
    "al",
    "ttl",
    "hdl",
    "added_value",
    "human_accuracy",
    "team_accuracy",
    "accuracy_improvement",
    "advising_cost",
    "value_contribution",
    "advising_rate",
    "acceptance_rate",
    "advising_accuracy",
    "advising_confidence",
)


def team_decisions(
    y_hat: np.ndarray,
    h: np.ndarray,
    c_model: np.ndarray,
    c_human: np.ndarray,
    accept: Callable[[np.ndarray, np.ndarray], np.ndarray],
    uniforms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Final decisions when the expert accepts contradicting advice with p(a | c^M, c^H).

    ``uniforms`` are U(0, 1) draws, one per row: sharing them across advisors
    gives common random numbers. Returns (accepted, d).
    """
    contra = np.asarray(y_hat) != np.asarray(h)
    accepted = np.zeros(len(contra), dtype=bool)
    if contra.any():
        p = np.asarray(
            accept(np.asarray(c_model, float)[contra], np.asarray(c_human, float)[contra]),
            dtype=float,
        )
        accepted[contra] = uniforms[contra] < p
    return accepted, np.where(accepted, y_hat, h)


def _ratio(total: float, count: float) -> float:
    """A mean from its sum and count (NaN over no rows)."""
    return float(total / count) if count else float("nan")


def repetition_metrics(
    y: np.ndarray,
    h: np.ndarray,
    y_hat: np.ndarray,
    d: np.ndarray,
    accepted: np.ndarray,
    c_model: np.ndarray,
    *,
    alpha: float,
    loss_weights: Sequence[float] = (1.0, 1.0),
    groups: Mapping[str, np.ndarray] | None = None,
) -> list[dict[str, float | str]]:
    """All metrics of one repetition, one dict per group (``"all"`` first).

    Examples
    --------
    >>> y = np.array([1, 1, 0, 0]); h = np.array([0, 1, 0, 1])
    >>> y_hat = np.array([1, 1, 0, 0]); d = np.array([1, 1, 0, 1])
    >>> accepted = np.array([True, False, False, False])
    >>> m = repetition_metrics(y, h, y_hat, d, accepted, np.full(4, .9), alpha=0.1)[0]
    >>> m["hdl"], m["tdl"], round(m["ttl"], 3), m["acceptance_rate"]
    (0.5, 0.25, 0.3, 0.5)
    """
    y, h, y_hat, d = (np.asarray(a).astype(int) for a in (y, h, y_hat, d))
    c_model = np.asarray(c_model, dtype=float)
    n_total = len(y)
    names = ["all", *(str(k) for k in (groups or {}))]
    masks = np.ones((len(names), n_total))
    for row, v in enumerate((groups or {}).values(), start=1):
        masks[row] = np.asarray(v, dtype=bool)
    v_h = decision_loss(y, h, loss_weights)
    v_d = decision_loss(y, d, loss_weights)
    contra = y_hat != h
    # every per-group sum at once: one row of sums per group, one column per quantity
    columns = np.column_stack(
        [
            v_h,
            v_d,
            contra,
            h == y,
            d == y,
            contra & np.asarray(accepted, dtype=bool),
            contra & (y_hat == y),
            np.where(contra, c_model, 0.0),
        ]
    ).astype(float)
    sums = masks @ columns
    counts = masks.sum(axis=1)
    out = []
    for g, name in enumerate(names):
        s_vh, s_vd, s_contra, s_human, s_team, s_acc, s_right, s_conf = sums[g]
        n = int(counts[g])
        hdl, tdl = _ratio(s_vh, n), _ratio(s_vd, n)
        al = alpha * _ratio(s_contra, n)
        gain = (s_vh - s_vd) / n_total
        cost = alpha * s_contra / n_total
        out.append(
            {
                "group": name,
                "n": n,
                "tdl": tdl,
                "al": al,
                "ttl": tdl + al,
                "hdl": hdl,
                "added_value": hdl - (tdl + al),
                "human_accuracy": _ratio(s_human, n),
                "team_accuracy": _ratio(s_team, n),
                "accuracy_improvement": gain,
                "advising_cost": cost,
                "value_contribution": gain - cost,
                "advising_rate": _ratio(s_contra, n),
                "acceptance_rate": _ratio(s_acc, s_contra),
                "advising_accuracy": _ratio(s_right, s_contra),
                "advising_confidence": _ratio(s_conf, s_contra),
            }
        )
    return out


def summarize(
    table: pd.DataFrame,
    by: Sequence[str] = ("variant", "alpha"),
    metrics: Sequence[str] = METRICS,
) -> pd.DataFrame:
    """Mean and standard error over repetitions, as a tidy table.

    Parameters
    ----------
    table : DataFrame
        One row per (``by``..., group, repetition), with metric columns.
    by : sequence of str
        Columns identifying a condition (``group`` is added).
    metrics : sequence of str
        Metric columns to summarise.

    Returns
    -------
    DataFrame
        Columns ``by``..., ``group``, ``metric``, ``mean``, ``se``,
        ``n_repetitions`` (SE = sample SD / sqrt(repetitions); NaN values of
        rates with no advice are left out of their mean).
    """
    keys = [*by, "group"] if "group" in table.columns else list(by)
    present = [m for m in metrics if m in table.columns]
    long = table.melt(id_vars=keys, value_vars=present, var_name="metric", value_name="value")
    grouped = long.groupby([*keys, "metric"], sort=False, dropna=False)["value"]
    out = grouped.agg(mean="mean", sd="std", n_repetitions="count").reset_index()
    out["se"] = out["sd"] / np.sqrt(out["n_repetitions"].clip(lower=1))
    return out.drop(columns="sd")[[*keys, "metric", "mean", "se", "n_repetitions"]]
