"""The tables of a reproduction's report: claims, counts and each study's numbers.

Every cell is computed from the runs' tables or the judged claims
(:mod:`hmlsim.reproduce.report` writes the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.advisors import HUMAN, VARIANTS
from hmlsim.experiments.markdown import markdown_table
from hmlsim.reproduce.claims import count_by_kind
from hmlsim.reproduce.units import C1_ALPHAS, FIGURE2_ALPHAS
from hmlsim.reproduce.verdicts import Claim


def _cell(values: pd.Series) -> str:
    v = values.dropna().to_numpy(dtype=float)
    if v.size == 0:
        return "–"
    se = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
    return f"{v.mean():+.3f} ± {se:.3f}"


def _variant_by_alpha(panel: pd.DataFrame, metric: str = "added_value") -> pd.DataFrame:
    """Rows: variants (paper's order, TR+expertise last); columns: α; cells mean ± SE."""
    rows = []
    for variant in [v for v in (*VARIANTS, HUMAN) if v in set(panel["variant"])]:
        part = panel[panel["variant"] == variant]
        row = {"variant": variant}
        for alpha, cell in part.groupby("alpha"):
            row[f"α={alpha:g}"] = _cell(cell[metric])
        rows.append(row)
    return pd.DataFrame(rows)


def _number(x: Any, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def _measured(c: Claim) -> str:
    if c.hmlsim is None:
        return "–"
    if c.se is None:
        return f"{c.hmlsim:.3f} (1 run, no SE)"
    return f"{c.hmlsim:.3f} ± {c.se:.3f} ({c.n_runs} runs)"


def _interval(c: Claim) -> str:
    if c.low is None or c.high is None:
        return "–"
    what = "hmlsim − paper" if c.test == "number" else "quantity"
    return f"{what} in [{c.low:+.3f}, {c.high:+.3f}]"


def _test(c: Claim) -> str:
    text = c.test.replace("_", "-")
    if c.test != "superiority":
        text += f" ±{c.margin:g}" if c.test in ("equivalence", "number") else f" {c.margin:g}"
    if c.test == "number":
        se = f" ± {c.paper_se:g}" if c.paper_se is not None else " (no SE printed)"
        text += f"; paper {c.paper:g}{se}"
    return text + (f"; {c.combine}" if c.combine != "single" else "")


def claims_table(claims: Sequence[Claim]) -> str:
    """One Markdown row per claim: where, the paper's words, test, measure, interval, verdict."""
    rows = [
        {
            "claim": f"`{c.id}`",
            "where": c.where,
            "paper's words": f"“{c.quote}”",
            "test": _test(c),
            "hmlsim": _measured(c),
            "interval": _interval(c),
            "mde": _number(c.mde),
            "verdict": f"**{c.verdict}**" if c.verdict == "deviates" else c.verdict,
        }
        for c in claims
    ]
    return markdown_table(pd.DataFrame(rows))


def counts_table(claims: Sequence[Claim]) -> str:
    """Claims per kind × verdict, as a Markdown table."""
    counts = count_by_kind(claims).reset_index(names="kind")
    return markdown_table(counts)


def _figure2_section(values: pd.DataFrame, alphas: Sequence[float], metric: str) -> list[str]:
    lines = []
    overall = values[values["group"] == "all"]
    overall = overall[overall["alpha"].round(6).isin([round(a, 6) for a in alphas])]
    for (dataset, behaviour), panel in overall.groupby(["dataset", "decision"], sort=True):
        runs = panel["split_seed"].nunique()
        lines += [f"**{dataset}, {behaviour}** ({runs} runs)", ""]
        lines += [markdown_table(_variant_by_alpha(panel, metric)), ""]
    return lines


def _group_split(panel: pd.DataFrame, group: str) -> pd.DataFrame:
    """Per variant: advice and value inside the expert's weak group and outside it.

    Expected counts of advice and value contributions add up over groups, so
    "outside" is the overall row minus the group's (per run, then mean ± SE over
    runs); a share of right advice does not, and is given for the group only.
    """
    keys = ["split_seed", "variant"]
    rows = {}
    for name in ("all", group):
        part = panel[panel["group"] == name].set_index(keys)
        advised = part["advising_rate"] * part["n"]
        rows[name] = pd.DataFrame(
            {
                "advised": advised,
                "right": advised * part["advising_accuracy"].fillna(0.0),
                "value": part["value_contribution"],
            }
        )
    inside, overall = rows[group], rows["all"]
    outside = overall - inside.reindex(overall.index).fillna(0.0)
    out = []
    for variant in [v for v in VARIANTS if v in set(panel["variant"])]:
        record = {"advisor": variant}
        for label, frame in (("weak group", inside), ("elsewhere", outside)):
            part = frame.xs(variant, level="variant")
            record[f"advice per run, {label}"] = f"{part['advised'].mean():.1f}"
            if label == "weak group":  # measured directly; elsewhere only counts and value add up
                share = part["right"] / part["advised"].where(part["advised"] > 0)
                record[f"right, {label}"] = _cell(share)
            record[f"value, {label}"] = _cell(part["value"])
        out.append(record)
    return pd.DataFrame(out)


def _accuracy_by_group(panel: pd.DataFrame) -> pd.DataFrame:
    """Share of the contradicting advice that is right, per variant and stored test group."""
    groups = [g for g in dict.fromkeys(panel["group"]) if g != "all"]
    rows = []
    for variant in [v for v in VARIANTS if v in set(panel["variant"])]:
        part = panel[panel["variant"] == variant]
        row = {"advisor": variant}
        for group in groups:
            row[group] = _cell(part[part["group"] == group]["advising_accuracy"])
        rows.append(row)
    return pd.DataFrame(rows)


def _weak_group_section(values: pd.DataFrame) -> list[str]:
    """For the group-biased experts: where each advisor adds or loses value."""
    from hmlsim.data.builtin import BUILTIN

    lines: list[str] = []
    panels = values[values["decision"] == "group+group"]
    for (dataset, alpha), panel in panels.groupby(["dataset", "alpha"], sort=True):
        spec = BUILTIN.get(dataset)
        if spec is None or spec.decision_group is None or round(alpha, 6) not in (0.1, 0.3, 0.5):
            continue
        if spec.decision_group not in set(panel["group"]):
            continue
        lines += [
            f"**{dataset}, group+group, α = {alpha:g}**: the expert is 60% accurate in "
            f"`{spec.decision_group}` (weak group) and 95% elsewhere "
            f"({panel['split_seed'].nunique()} runs; 'right' = share of the contradicting "
            "advice that equals y; value = the group's contribution to the added value)",
            "",
            markdown_table(_group_split(panel, spec.decision_group)),
            "",
            "Share of the contradicting advice that is right, in every test group stored:",
            "",
            markdown_table(_accuracy_by_group(panel)),
            "",
        ]
    return lines


def _table4_section(t4: pd.DataFrame, claims: Sequence[Claim]) -> list[str]:
    published = {c.quantity.split(";")[0]: c for c in claims if c.id.startswith("table4/all/")}
    at = t4[t4["alpha"] == t4["alpha"].min()]
    rows = []
    for variant in [v for v in ("TR", "TR+expertise", "TR-no(ADB)", "Task-only", HUMAN)]:
        part = at[at["variant"] == variant]
        if part.empty:
            continue
        paper = published.get(f"ttl[{variant}")
        row = {
            "advisor": variant,
            "paper TTL": f"{paper.paper:.3f} ± {paper.paper_se:.3f}" if paper else "–",
        }
        row["hmlsim TTL"] = _cell(part[part["group"] == "all"]["ttl"])
        for group in ("no_disease", "has_disease"):
            row[f"hmlsim {group.replace('_', ' ')}"] = _cell(
                part[part["group"] == group]["ttl_contribution"]
            )
        rows.append(row)
    return [markdown_table(pd.DataFrame(rows)), ""]


def _case_study_section(cs: pd.DataFrame, shares: pd.DataFrame) -> list[str]:
    rows = []
    overall = cs[cs["group"] == "all"]
    for (doctor, variant), part in overall.groupby(["doctor", "variant"], sort=True):
        share = shares[(shares["doctor"] == doctor) & (shares["variant"] == variant)]
        rows.append(
            {
                "doctor": doctor,
                "advisor": variant,
                "added value": _cell(part["added_value"]),
                "advising rate": _cell(part["advising_rate"]),
                "acceptance rate": _cell(part["acceptance_rate"]),
                "advice on women": _cell(share["share_on_women"]),
            }
        )
    return [markdown_table(pd.DataFrame(rows)), ""]


def _c5_section(c5: pd.DataFrame) -> list[str]:
    tr = c5[(c5["variant"] == "TR") & (c5["group"] == "all")]
    rows = []
    for noise, part in tr.groupby("noise"):
        per_run = part.groupby(["split_seed", "gate"])["added_value"].mean().unstack()
        rows.append(
            {
                "ADB noise": f"{noise:g}",
                "AUC of p̂(a)": _cell(part.drop_duplicates("split_seed")["auc"]),
                "mean abs. error of p̂(a)": _cell(part.drop_duplicates("split_seed")["mae"]),
                "TR, no gate": _cell(per_run.get(False, pd.Series(dtype=float))),
                "TR, gate": _cell(per_run.get(True, pd.Series(dtype=float))),
            }
        )
    return [markdown_table(pd.DataFrame(rows)), ""]


def body(tables: dict[str, pd.DataFrame], claims: Sequence[Claim], figures: set[str]) -> list[str]:
    """The report's study sections (Figure 2, C.1, Table 4, case study, C.5) as lines."""
    lines: list[str] = []
    values = tables.get("figure2_values")
    if values is not None and not values.empty:
        lines += ["## Figure 2: value added (HDL − TTL) by advisor and α", ""]
        if "figure2.png" in figures:
            lines += ["![Figure 2](figure2.png)", ""]
        lines += _figure2_section(values, FIGURE2_ALPHAS, "added_value")
        weak = _weak_group_section(values)
        if weak:
            lines += ["### Where the value is won and lost: group-biased experts", ""]
            lines += [
                "Generated from the same runs: each advisor's contradicting advice and "
                "value inside the expert's weak group and elsewhere.",
                "",
                *weak,
            ]
        if values["alpha"].max() >= min(C1_ALPHAS):
            lines += ["## Appendix C.1: prohibitive costs", ""]
            if "c1.png" in figures:
                lines += ["![Appendix C.1](c1.png)", ""]
            lines += ["Value added:", "", *_figure2_section(values, C1_ALPHAS, "added_value")]
            lines += ["Advising rate (share of rows advised):", ""]
            lines += _figure2_section(values, C1_ALPHAS, "advising_rate")
    t4 = tables.get("table4_values")
    if t4 is not None and not t4.empty:
        lines += ["## Table 4: asymmetric loss (λ0 = 1, λ1 = 3, α = 0), heart", ""]
        if "ttl.png" in figures:
            lines += ["![Table 4](ttl.png)", ""]
        lines += _table4_section(t4, claims)
    cs = tables.get("case_study_by_group")
    if cs is not None and not cs.empty:
        lines += ["## Case study: Doctors A and B, heart, α = 0.1", ""]
        if "strategies.png" in figures:
            lines += ["![Case study](strategies.png)", ""]
        lines += _case_study_section(cs, tables.get("case_study_advice_share", pd.DataFrame()))
    c5 = tables.get("c5_values")
    if c5 is not None and not c5.empty:
        lines += ["## Appendix C.5: TR when the expert's ADB drifts from p̂(a), heart", ""]
        if "value_added.png" in figures:
            lines += ["![Appendix C.5](value_added.png)", ""]
        lines += ["Added value of TR, mean over α:", "", *_c5_section(c5)]
    return lines
