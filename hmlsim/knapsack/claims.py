"""The paper's knapsack claims, their uncertainty, and hmlsim's verdict on each.

The claims live in ``hmlsim/reproduce/ledger/knapsack.toml`` (written before
the run): each has the paper's sentence, the quantity hmlsim computes for it,
its test and margin, and whether it is a *setup* input (humans alone, the
ladder: reported, no verdict) or a *result*: a prediction with a verdict
(``holds`` / ``deviates`` / ``inconclusive``; the rules are the ledger's
``[tests]``).

**The paper's uncertainty** (:func:`sigma_user_bound`, :func:`paper_se`). The
paper's SEs are clustered at the user level (1,289 users × 10 problems) and
are not printed; its "not statistically significant" statements bound them
from below. A difference ``d`` between arms of ``n1`` and ``n2`` users that is
not significant at 5% means ``SE(d) ≥ d / 1.96``; with one SD ``σ_user`` of a
user's mean utility for all arms, ``σ_user ≥ d / (1.96 · √(1/n1 + 1/n2))``.
The largest such bound (the ledger's ``design.not_significant``) gives every
arm's SE as at least ``σ_user / √n``. These are lower bounds: a larger SE
can only turn a ``deviates`` into ``inconclusive`` (each prediction reports
the paper SE that would do so, ``paper_se_to_overturn``).
"""

from __future__ import annotations

import math
import tomllib
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.knapsack.band import band_range
from hmlsim.knapsack.prediction import Arms, figures

#: the knapsack claims ledger
LEDGER = Path(__file__).resolve().parents[1] / "reproduce" / "ledger" / "knapsack.toml"
Z95, Z90 = 1.959964, 1.644854
VERDICTS = ("holds", "deviates", "inconclusive")


def load_ledger(path: Path | str = LEDGER) -> dict:
    """The ledger as a dict (``design``, ``tests``, ``claim``: list of claims)."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def sigma_user_bound(ledger: dict) -> tuple[float, str]:
    """Lower bound on the SD of a user's mean utility, and the statement that gives it."""
    n = ledger["design"]["n_users"]
    best, source = 0.0, ""
    for s in ledger["design"]["not_significant"]:
        if len(s["arms"]) != 2:
            continue
        a, b = s["arms"]
        bound = s["difference"] / (Z95 * math.sqrt(1 / n[a] + 1 / n[b]))
        if bound > best:
            best, source = bound, s["id"]
    return best, source


def paper_se(ledger: dict, claim: dict) -> dict:
    """The paper's SE of a claim's number: ``{"value", "source", "lower_bound"}``."""
    sigma, which = sigma_user_bound(ledger)
    n = claim.get("n_users")
    if n is None:
        return {"value": None, "source": claim.get("paper_se_source", "")}
    value = sigma / math.sqrt(n)
    for s in ledger["design"]["not_significant"]:  # a one-arm statement: SE >= d / 1.96
        if len(s["arms"]) == 1 and claim["quantity"].endswith(s["arms"][0]):
            value = max(value, s["difference"] / Z95)
    source = (
        f"{claim.get('paper_se_source', '')}; sigma_user >= {sigma:.4f} from "
        f"design.not_significant '{which}' (not significant at 5%: SE >= d/1.96)"
    )
    return {"value": float(value), "source": source, "lower_bound": True}


def rung_paper_se(ledger: dict, names: Sequence[str]) -> np.ndarray:
    """The paper's SE (lower bound) of each rung's mean, ``σ_user / √n_users``."""
    sigma, _ = sigma_user_bound(ledger)
    n = ledger["design"]["n_users"]
    return np.array([sigma / math.sqrt(n.get(name, 1)) for name in names])


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)[0])


def stable_rung(delta: np.ndarray, se: np.ndarray, u: np.ndarray) -> tuple[float, float]:
    """The paper's reading of the stable point within the measured rungs.

    The first rung (in order) whose ``|Δ| < 1.96 · se`` (1-based index), else
    the first sign change of Δ between rungs ``k`` and ``k + 1`` (index
    ``k + 0.5``, with the linearly interpolated crossing), else 0: none in the
    measured range (nothing is extrapolated).

    Returns
    -------
    (float, float)
        The index and the model utility there (NaN when none).
    """
    delta, se, u = (np.asarray(a, float) for a in (delta, se, u))
    for k in range(delta.size):
        if abs(delta[k]) < Z95 * se[k]:
            return float(k + 1), float(u[k])
    for k in range(delta.size - 1):
        if delta[k] * delta[k + 1] < 0:
            t = delta[k] / (delta[k] - delta[k + 1])
            return k + 1.5, float(u[k] + t * (u[k + 1] - u[k]))
    return 0.0, float("nan")


def quantities(
    arms: Arms,
    names: Sequence[str],
    se_rung: np.ndarray,
    n_users: Sequence[int],
    bonus_u: dict[float, np.ndarray] | None = None,
    paper_q: Sequence[float] = (),
    idx: np.ndarray | None = None,
) -> dict[str, float]:
    """Every quantity a claim can ask for, from per-instance outcomes (on ``idx``).

    Besides :func:`~hmlsim.knapsack.prediction.figures`: slopes over the rungs'
    model utility (``phi_slope``, ``follow_slope``, ``max_pick_gap_slope``,
    ``inferior_not_following_slope``), Figure 22's parts per rung
    (``follow_rate_q*``, ``inferior_not_following_q*``, ``loss_not_following_q*``),
    the stable point as the paper reads it (``stable_rung``, ``stable_point_u``),
    optimality's (``optimality_stable_rung``, ``optimality_delta_min_z``), the
    bonus effects (``bonus_effect_<b>``, ``bonus_effect_max``) and Φ
    interpolated at the paper's model qualities (``phi_at_paper_q<k>``).
    """
    idx = np.arange(arms.alone.size) if idx is None else idx
    out = figures(arms, names, idx)
    u = np.array([out[f"model_{n}"] for n in names])
    phi = np.array([out[f"phi_{n}"] for n in names])
    gap = np.array([out[f"max_pick_phi_{n}"] for n in names]) - phi
    follow = np.array([out[f"follow_rate_{n}"] for n in names])
    not_f = ~arms.followed[:, idx]
    worse = arms.worse[:, idx]
    loss = (arms.model_u - arms.team_u)[:, idx]
    n_not = np.maximum(not_f.sum(axis=1), 1)
    inferior = (worse & not_f).sum(axis=1) / n_not
    for k, n in enumerate(names):
        out[f"max_pick_gap_{n}"] = float(gap[k])
        out[f"inferior_not_following_{n}"] = float(inferior[k])
        out[f"loss_not_following_{n}"] = float((loss[k] * not_f[k]).sum() / n_not[k])
    if len(names) > 1:
        out["phi_slope"] = _slope(u, phi)
        out["max_pick_gap_slope"] = _slope(u, gap)
        out["follow_slope"] = _slope(u, follow)
        out["inferior_not_following_slope"] = _slope(u, inferior)
    if len(names) > 1:  # each step Φ(q_{k+1}) − Φ(q_k) in units of its paper-sized SE
        steps = np.diff(phi) / np.hypot(se_rung[1:], se_rung[:-1])
        out["phi_min_step_z"] = float(steps.min())
    delta = phi - u
    out["stable_rung"], out["stable_point_u"] = stable_rung(delta, se_rung, u)
    k = int(out["stable_rung"]) - 1
    out["stable_point_phi"] = (
        float(phi[k]) if out["stable_rung"] % 1 == 0 and k >= 0 else out["stable_point_u"]
    )
    u_opt = np.array([out[f"optimality_model_{n}"] for n in names])
    phi_opt = np.array([out[f"optimality_phi_{n}"] for n in names])
    p = np.clip(phi_opt, 1e-3, 1 - 1e-3)
    se_opt = np.sqrt(p * (1 - p) / (10.0 * np.asarray(n_users, float)))
    out["optimality_delta_min_z"] = float(np.min((phi_opt - u_opt) / se_opt))
    out["optimality_stable_rung"], out["optimality_stable_point_u"] = stable_rung(
        phi_opt - u_opt, se_opt, u_opt
    )
    if bonus_u:
        base = bonus_u[0.0][idx]
        effects = {b: float((v[idx] - base).mean()) for b, v in bonus_u.items() if b != 0.0}
        for b, e in effects.items():
            out[f"bonus_effect_{b:g}"] = e
        out["bonus_effect_max"] = max((abs(e) for e in effects.values()), default=0.0)
    order = np.argsort(u)
    for j, q in enumerate(paper_q):
        out[f"phi_at_paper_q{j + 1}"] = float(np.interp(q, u[order], phi[order]))
    return out


def bootstrap_se(fn, n: int, rng: np.random.Generator, n_boot: int) -> dict[str, float]:
    """SD of every quantity ``fn(idx)`` over a paired bootstrap of ``n`` instances."""
    samples = [fn(rng.integers(0, n, n)) for _ in range(int(n_boot))]
    with warnings.catch_warnings():  # a quantity that is NaN in every sample has no SE
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            k: float(np.nanstd([s.get(k, np.nan) for s in samples], ddof=1)) for k in samples[0]
        }


# ----------------------------------------------------------------------------- verdicts


def _widened(band: tuple[float, float] | None, value: float, half: float) -> bool:
    """Whether ``value`` lies in ``band`` widened by ``half`` on both sides."""
    if band is None:
        return False
    return band[0] - half <= value <= band[1] + half


def verdict_number(
    central: float,
    paper: float | Sequence[float],
    se_paper: float,
    se_sim: float,
    band: tuple[float, float] | None,
    margin: float,
) -> tuple[str, str, float | None]:
    """The ``number`` / ``in_range`` rules (ledger ``[tests]``).

    Returns
    -------
    (str, str, float or None)
        The verdict, its reason, and for ``deviates`` the paper SE at which
        the widened band would reach the paper (``paper_se_to_overturn``).
    """
    lo, hi = (float(paper), float(paper)) if np.isscalar(paper) else map(float, paper)
    d = 0.0 if lo <= central <= hi else (central - hi if central > hi else central - lo)
    s = math.hypot(se_paper, se_sim)
    if abs(d) + Z90 * s <= margin:
        return "holds", f"d = {d:+.4f}: equivalent within ±{margin:g} (TOST 5%, s = {s:.4f})", None
    gap = None if band is None else max(band[0] - hi, lo - band[1], 0.0)
    if abs(d) > Z95 * s and gap is not None and gap > Z95 * s:
        overturn = float(math.sqrt(max((gap / Z95) ** 2 - se_sim**2, 0.0)))
        reason = (
            f"d = {d:+.4f} beyond 1.96·s = {Z95 * s:.4f}, and the band {_fmt(band)} misses the "
            f"paper by {gap:.4f} > 1.96·s"
        )
        return "deviates", reason, overturn
    if abs(d) > Z95 * s:
        why = f"the centre differs (d = {d:+.4f} > 1.96·s = {Z95 * s:.4f}) but the band reaches it"
    else:
        why = f"d = {d:+.4f} within 1.96·s = {Z95 * s:.4f}, not equivalent within ±{margin:g}"
    return "inconclusive", why, None


def verdict_increasing(
    central: float, se_sim: float, band: tuple[float, float] | None
) -> tuple[str, str, None]:
    """The ``increasing`` rule."""
    if central - Z95 * se_sim > 0:
        agree = "" if band is None or band[0] > 0 else f"; some band points reverse it {_fmt(band)}"
        return "holds", f"slope {central:+.4f} ± {Z95 * se_sim:.4f} > 0{agree}", None
    if central + Z95 * se_sim < 0 and (band is None or band[1] <= 0):
        return "deviates", f"slope {central:+.4f} < 0 at the centre and every band point", None
    return "inconclusive", f"slope {central:+.4f} ± {Z95 * se_sim:.4f}, band {_fmt(band)}", None


def _fmt(band: tuple[float, float] | None) -> str:
    return "[–]" if band is None else f"[{band[0]:.4f}, {band[1]:.4f}]"


def verdict_stable(
    central: float, paper: float, band_values: Sequence[float], *, whole_band: bool = False
) -> tuple[str, str, None]:
    """The ``stable_rung`` rule, and with ``whole_band`` the ``no_stable_point`` rule.

    ``stable_rung`` holds when the centre reads the paper's rung;
    ``no_stable_point`` (``paper = 0``) also needs every band point to agree.
    """
    label = {0.0: "none in the measured range"}
    name = label.get(central, f"rung {central:g}")
    values = {float(v) for v in band_values if np.isfinite(v)}
    if central == paper and (not whole_band or values <= {paper}):
        return "holds", f"the centre reads {name}, as the paper; band: {sorted(values)}", None
    if central == paper:
        others = sorted(values - {paper})
        return (
            "inconclusive",
            f"the centre reads {name}, as the paper; band points read {others}",
            None,
        )
    if paper not in values:
        return "deviates", f"the centre reads {name}; no band point gives {paper:g}", None
    return "inconclusive", f"the centre reads {name}; some band points give {paper:g}", None


def verdict_equivalent_zero(
    base: np.ndarray,
    arms_u: dict[float, np.ndarray],
    margin: float,
    band: tuple[float, float] | None,
) -> tuple[str, str, None]:
    """The ``equivalent_zero`` rule: statsmodels' TOST per bonus arm against no bonus."""
    from statsmodels.stats.weightstats import ttost_paired

    p_values, exceed = {}, []
    for b, u in arms_u.items():
        diff = np.asarray(u, float) - base
        if np.all(diff == diff[0]):  # no variation (e.g. no effort response): exact
            p_values[b] = 0.0 if abs(diff[0]) < margin else 1.0
            if abs(diff[0]) > margin:
                exceed.append(b)
            continue
        p, _, _ = ttost_paired(np.asarray(u, float), np.asarray(base, float), -margin, margin)
        p_values[b] = float(p)
        se = diff.std(ddof=1) / math.sqrt(diff.size)
        if (abs(diff.mean()) - margin) / max(se, 1e-12) > Z90:
            exceed.append(b)
    text = ", ".join(f"{b:g}¢ p = {p:.3g}" for b, p in p_values.items())
    if all(p < 0.05 for p in p_values.values()):
        tail = (
            ""
            if band is None or band[1] < margin
            else (f"; band max |effect| {band[1]:.4f} ≥ margin at some constants")
        )
        return "holds", f"TOST within ±{margin:g}: {text}{tail}", None
    if exceed and band is not None and band[0] > margin:
        return "deviates", f"effects exceed ±{margin:g} at the centre and every band point", None
    return "inconclusive", f"TOST {text}; band {_fmt(band)}", None


def evaluate(
    ledger: dict,
    central: dict[str, float],
    sim_se: dict[str, float],
    band_table: pd.DataFrame,
    extras: dict | None = None,
) -> list[dict]:
    """One prediction object per ledger claim (``summary.json`` ``predictions``).

    Parameters
    ----------
    ledger : dict
        :func:`load_ledger`.
    central : dict
        Every quantity at the centre of the band (:func:`quantities`).
    sim_se : dict
        Its simulation SE (bootstrap over instances and calibration refits).
    band_table : pandas.DataFrame
        The quantities at every band point (:func:`hmlsim.knapsack.band.run_band`).
    extras : dict, optional
        ``bonus_u`` (per-instance utilities of the bonus arms at the centre),
        ``names`` (rungs), ``paper_sd`` (ladder), ``rung_sd`` (the ladder's SDs).
    """
    extras = extras or {}
    names = extras.get("names", [f"q{k + 1}" for k in range(6)])
    out = []
    for claim in ledger["claim"]:
        row = {k: claim[k] for k in ("id", "where", "quote", "quantity", "test", "margin", "kind")}
        row["paper"] = claim.get("paper")
        se = paper_se(ledger, claim)
        row["paper_se"] = se
        key, test = claim["quantity"], claim["test"]
        if test == "ladder":
            row["hmlsim"] = [central[f"model_{n}"] for n in names]
            row["hmlsim_sd"] = extras.get("rung_sd")
            row["paper_sd"] = claim.get("paper_sd")
            row["within_margin"] = [
                abs(a - b) <= claim["margin"]
                for a, b in zip(row["hmlsim"], claim["paper"], strict=False)
            ]
            row["band"], row["sim_se"], row["verdict"] = None, None, None
            row["reason"] = "setup: the paper's model qualities are inputs"
            out.append(row)
            continue
        row["hmlsim"] = central.get(key)
        row["band"] = band_range(band_table, key)
        row["sim_se"] = sim_se.get(key)
        if test == "setup":
            row["verdict"], row["reason"] = (
                None,
                "setup: calibration input (the noise is fitted to it)",
            )
            out.append(row)
            continue
        s_sim = float(row["sim_se"] or 0.0)
        overturn = None
        if row["hmlsim"] is None:
            row["verdict"], row["reason"] = "inconclusive", f"{key} not computed in this run"
            out.append(row)
            continue
        if test in ("number", "in_range"):
            verdict, reason, overturn = verdict_number(
                row["hmlsim"],
                claim["paper"],
                se["value"] or 0.0,
                s_sim,
                row["band"],
                claim["margin"],
            )
        elif test == "increasing":
            verdict, reason, _ = verdict_increasing(row["hmlsim"], s_sim, row["band"])
        elif test == "no_significant_decrease":
            z = row["hmlsim"]
            hi = row["band"][1] if row["band"] else z
            verdict = "holds" if z > -Z95 else ("deviates" if hi < -Z95 else "inconclusive")
            reason = f"smallest step z {z:.2f} (band {_fmt(row['band'])}); a decrease needs < -1.96"
        elif test == "significant_all":
            z = row["hmlsim"]
            hi = row["band"][1] if row["band"] else z
            verdict = "holds" if z > Z95 else ("deviates" if hi < Z95 else "inconclusive")
            reason = f"min z over rungs {z:.2f} (band {_fmt(row['band'])}), needs > 1.96"
        elif test in ("stable_rung", "no_stable_point"):
            paper = float(claim["paper"])
            verdict, reason, _ = verdict_stable(
                row["hmlsim"], paper, band_table.get(key, []), whole_band=test == "no_stable_point"
            )
            if key == "stable_rung":
                row["stable_point_u"] = central.get("stable_point_u")
                row["stable_point_phi"] = central.get("stable_point_phi")
                row["band_stable_point_u"] = band_range(band_table, "stable_point_u")
                row["band_rungs"] = sorted({float(v) for v in band_table.get(key, [])})
        elif test == "equivalent_zero":
            bonus_u = extras["bonus_u"]
            verdict, reason, _ = verdict_equivalent_zero(
                bonus_u[0.0],
                {b: v for b, v in bonus_u.items() if b != 0.0},
                claim["margin"],
                row["band"],
            )
        else:  # pragma: no cover - the ledger's tests are fixed
            raise ValueError(f"unknown test {test!r}")
        row["verdict"], row["reason"] = verdict, reason
        if overturn is not None:
            row["paper_se_to_overturn"] = overturn
        if key in ("follow_slope", "inferior_not_following_slope", "max_pick_gap_slope"):
            stem = {
                "follow_slope": "follow_rate",
                "inferior_not_following_slope": "inferior_not_following",
                "max_pick_gap_slope": "max_pick_gap",
            }[key]
            row["per_rung"] = {n: central.get(f"{stem}_{n}") for n in names}
            row["per_rung_band"] = {n: band_range(band_table, f"{stem}_{n}") for n in names}
            if stem == "inferior_not_following":
                row["loss_not_following"] = {
                    n: central.get(f"loss_not_following_{n}") for n in names
                }
        out.append(row)
    return out
