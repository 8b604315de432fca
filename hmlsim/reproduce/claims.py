"""Every claim of the TeamRules paper that the reproduction checks, computed from its tables.

The tolerances and statements below were fixed before the full run (they are
part of the method, not fitted to it). Each function takes the tables that the
units of :mod:`hmlsim.reproduce.units` wrote (concatenated over runs) and
returns :class:`~hmlsim.reproduce.verdicts.Claim` objects. Comparisons between
advisors are paired within runs: the same split, expert draws and acceptance
draws (:func:`hmlsim.advisors.evaluate_advisors`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hmlsim.advisors import HUMAN, PAPER_VARIANTS
from hmlsim.reproduce.units import C1_ALPHAS, FIGURE2_ALPHAS
from hmlsim.reproduce.verdicts import (
    Claim,
    margin_claim,
    margins_claim,
    mean_se,
    not_run,
    number_claim,
)
from hmlsim.scenarios._teamrules_common import BEHAVIOURS, DATASETS, behaviour_parts

TR = "TR"
#: Figure 2's caption: the task-only advisor's test accuracy per dataset
TASK_ONLY_ACCURACY = {"heart": 0.78, "fico": 0.71, "hr": 0.79}
#: Figure 2's caption: the human's accuracy per dataset and decision bias
HUMAN_ACCURACY = {
    ("heart", "difficulty"): 0.71,
    ("heart", "group"): 0.83,
    ("fico", "difficulty"): 0.73,
    ("fico", "group"): 0.70,
    ("hr", "difficulty"): 0.70,
    ("hr", "group"): 0.71,
}
ACCURACY_TOLERANCE = 0.03
#: Table 4 (TTL, heart, λ1 = 3, α = 0): paper mean, paper SE, tolerance
TABLE4_TTL = {
    "TR": (0.231, 0.006, 0.03),
    "TR-no(ADB)": (0.243, 0.005, 0.03),
    "Task-only": (0.307, 0.015, 0.03),
    HUMAN: (0.313, 0.007, 0.02),
}
TABLE4_HUMAN_BY_CLASS = {"no_disease": (0.099, 0.003), "has_disease": (0.213, 0.007)}
#: C.1: "TR mostly withholds advice" read as an advising rate of at most this
C1_SILENT_RATE = 0.10
#: the case study (Doctor A): share of TR's advice on women, TR's acceptance over task-only's
CASE_SHARE_ON_WOMEN = (0.65, 0.10)
CASE_ACCEPTANCE_RATIO = (2.0, 0.5)


def _slug(variant: str) -> str:
    return variant.lower().replace("(", "_").replace(")", "").replace("-", "_").replace(",", "_")


def _wide(table: pd.DataFrame, index: Sequence[str], metric: str = "added_value") -> pd.DataFrame:
    """``metric`` per run (index) × variant, overall group only."""
    overall = table[table["group"] == "all"]
    return overall.pivot_table(index=list(index), columns="variant", values=metric, aggfunc="mean")


# ----------------------------------------------------------------------------- Figure 2, C.1


def figure2_claims(
    values: pd.DataFrame, runs: pd.DataFrame, datasets_run: Sequence[str], why_not: dict[str, str]
) -> list[Claim]:
    """Figure 2 (α ≤ 0.5), its caption's accuracies, and Appendix C.1 (α ≥ 0.6), per panel."""
    claims: list[Claim] = []
    for dataset in DATASETS:
        if dataset not in datasets_run:
            claims += _figure2_not_run(dataset, why_not.get(dataset, "not in this run's plan"))
            continue
        part = values[values["dataset"] == dataset]
        for behaviour in BEHAVIOURS:
            panel = part[part["decision"] == behaviour]
            claims += _panel_claims(dataset, behaviour, panel)
        claims += _accuracy_claims(dataset, part, runs[runs["dataset"] == dataset])
    claims.append(_task_only_overall(values, datasets_run))
    claims += _named_panel_claims(values, datasets_run, why_not)
    return claims


#: Figure 6 (C.3): the panels where TR adds significantly more than TR-SelectiveOnly,
#: panels lettered row by row (heart, FICO, HR) × the three behaviours
C3_PANELS = (("heart", "group+group"), ("hr", "difficulty+group"), ("hr", "difficulty+accuracy"))


def _named_panel_claims(
    values: pd.DataFrame, datasets_run: Sequence[str], why_not: dict[str, str]
) -> list[Claim]:
    """Claims the text makes about single panels (Figure 2b; Figure 6b, g, i)."""
    out: list[Claim] = []
    statement = "task-only diminishes value at every α, even α = 0 (Figure 2b)"
    claim_id = "figure2/heart/group+group/task_only_always_diminishes"
    if "heart" in datasets_run:
        panel = values[(values["dataset"] == "heart") & (values["decision"] == "group+group")]
        low = _per_run(_wide(panel, ["alpha", "split_seed"]), FIGURE2_ALPHAS)
        margins = {f"α={a:g}": -g["Task-only"].to_numpy() for a, g in low.groupby(level="alpha")}
        out.append(margins_claim(claim_id, statement, margins, note="margin: − task-only's value"))
    else:
        out.append(not_run(claim_id, statement, why_not.get("heart", "not run")))
    for dataset, behaviour in C3_PANELS:
        claim_id = f"c3/{dataset}/{behaviour}/tr_significantly_above_selective_only"
        statement = "TR adds significantly more value than TR-SelectiveOnly (Figure 6)"
        if dataset not in datasets_run:
            out.append(not_run(claim_id, statement, why_not.get(dataset, "not run")))
            continue
        panel = values[(values["dataset"] == dataset) & (values["decision"] == behaviour)]
        low = _per_run(_wide(panel, ["alpha", "split_seed"]), FIGURE2_ALPHAS)
        best = None
        for alpha, g in low.groupby(level="alpha"):
            mean, se, n = mean_se((g[TR] - g["TR-SelectiveOnly"]).to_numpy())
            if mean is not None and (best is None or mean - se > best[0] - best[1]):
                best = (mean, se, n, alpha)
        if best is None:
            out.append(not_run(claim_id, statement, "no TR-SelectiveOnly run"))
            continue
        mean, se, n, alpha = best
        out.append(
            margin_claim(
                claim_id,
                statement,
                mean - se,
                se,
                n,
                note=f"margin: TR − TR-SelectiveOnly minus its SE at the best α ({alpha:g}); "
                "holds when TR is one SE above somewhere in α ∈ [0, 0.5], within_se when "
                "only the mean is above",
            )
        )
    return out


def _figure2_not_run(dataset: str, why: str) -> list[Claim]:
    out = []
    for behaviour in BEHAVIOURS:
        for name in ("tr_at_or_above_every_paper_variant", "tr_never_below_human"):
            out.append(not_run(f"figure2/{dataset}/{behaviour}/{name}", _STATEMENTS[name], why))
        for name in ("tr_never_below_human", "tr_mostly_withholds", "task_only_diminishes"):
            out.append(not_run(f"c1/{dataset}/{behaviour}/{name}", _STATEMENTS[f"c1/{name}"], why))
    out.append(not_run(f"figure2/{dataset}/task_only_accuracy", TASK_ONLY_ACCURACY[dataset], why))
    for decision in ("difficulty", "group"):
        paper = HUMAN_ACCURACY[(dataset, decision)]
        out.append(not_run(f"figure2/{dataset}/{decision}/human_accuracy", paper, why))
    return out


_STATEMENTS = {
    "tr_at_or_above_every_paper_variant": "TR adds at least as much value as every other "
    "paper variant at every α in [0, 0.5]",
    "tr_never_below_human": "TR's added value >= 0 at every α in [0, 0.5]",
    "c1/tr_never_below_human": "TR's added value >= 0 at every α in [0.6, 1]",
    "c1/tr_mostly_withholds": f"TR's advising rate <= {C1_SILENT_RATE:g} at every α in [0.6, 1]",
    "c1/task_only_diminishes": "task-only's added value < 0 at every α in [0.6, 1]",
}


def _per_run(wide: pd.DataFrame, alphas: Sequence[float]) -> pd.DataFrame:
    return wide[wide.index.get_level_values("alpha").isin(alphas)]


def _panel_claims(dataset: str, behaviour: str, panel: pd.DataFrame) -> list[Claim]:
    key = f"{dataset}/{behaviour}"
    wide = _wide(panel, ["alpha", "split_seed"])
    low = _per_run(wide, FIGURE2_ALPHAS)
    high = _per_run(wide, C1_ALPHAS)
    out = []
    rivals = [v for v in PAPER_VARIANTS if v != TR and v in wide.columns]
    margins = {
        f"α={a:g}, vs {v}": (g[TR] - g[v]).to_numpy()
        for a, g in low.groupby(level="alpha")
        for v in rivals
    }
    out.append(
        margins_claim(
            f"figure2/{key}/tr_at_or_above_every_paper_variant",
            _STATEMENTS["tr_at_or_above_every_paper_variant"],
            margins,
            note="margin: TR − rival added value, paired over runs",
        )
    )
    above_human = {f"α={a:g}": g[TR].to_numpy() for a, g in low.groupby(level="alpha")}
    out.append(
        margins_claim(
            f"figure2/{key}/tr_never_below_human",
            _STATEMENTS["tr_never_below_human"],
            above_human,
            note="margin: TR's added value (TR − human alone, paired)",
        )
    )
    if high.empty:
        return out
    out.append(
        margins_claim(
            f"c1/{key}/tr_never_below_human",
            _STATEMENTS["c1/tr_never_below_human"],
            {f"α={a:g}": g[TR].to_numpy() for a, g in high.groupby(level="alpha")},
            note="margin: TR's added value",
        )
    )
    rates = _per_run(_wide(panel, ["alpha", "split_seed"], "advising_rate"), C1_ALPHAS)
    out.append(
        margins_claim(
            f"c1/{key}/tr_mostly_withholds",
            _STATEMENTS["c1/tr_mostly_withholds"],
            {
                f"α={a:g}": C1_SILENT_RATE - g[TR].to_numpy()
                for a, g in rates.groupby(level="alpha")
            },
            note=f"margin: {C1_SILENT_RATE:g} − TR's advising rate (share of rows advised)",
        )
    )
    if "Task-only" in high.columns:
        out.append(
            margins_claim(
                f"c1/{key}/task_only_diminishes",
                _STATEMENTS["c1/task_only_diminishes"],
                {f"α={a:g}": -g["Task-only"].to_numpy() for a, g in high.groupby(level="alpha")},
                note="margin: − task-only's added value",
            )
        )
    return out


def _accuracy_claims(dataset: str, values: pd.DataFrame, runs: pd.DataFrame) -> list[Claim]:
    out = []
    per_split = runs.groupby("split_seed")["task_only_test_accuracy"].first()
    out.append(
        number_claim(
            f"figure2/{dataset}/task_only_accuracy",
            TASK_ONLY_ACCURACY[dataset],
            per_split.to_numpy(),
            tolerance=ACCURACY_TOLERANCE,
            note="task-only advisor's accuracy on the test split, one value per split",
        )
    )
    human = values[(values["variant"] == HUMAN) & (values["group"] == "all")]
    human = human[human["alpha"] == human["alpha"].min()]
    for decision in ("difficulty", "group"):
        behaviours = [b for b in BEHAVIOURS if behaviour_parts(b)[0] == decision]
        rows = human[human["decision"].isin(behaviours)]
        per_run = rows.groupby("split_seed")["human_accuracy"].mean()
        out.append(
            number_claim(
                f"figure2/{dataset}/{decision}/human_accuracy",
                HUMAN_ACCURACY[(dataset, decision)],
                per_run.to_numpy(),
                tolerance=ACCURACY_TOLERANCE,
                note=f"expert alone on the test split, {decision}-biased decisions "
                f"(mean of {', '.join(behaviours)})",
            )
        )
    return out


def _task_only_overall(values: pd.DataFrame, datasets_run: Sequence[str]) -> Claim:
    """ "Task-only often diminishes value, most at high α": share of panels below 0 at α = 0.5."""
    statement = "task-only diminishes value (added value < 0 at α = 0.5) in most panels"
    if values.empty:
        return not_run("figure2/task_only_diminishes_at_max_alpha", statement, "no Figure-2 run")
    at = values[(values["variant"] == "Task-only") & (values["group"] == "all")]
    at = at[np.isclose(at["alpha"], max(FIGURE2_ALPHAS))]
    if at.empty:
        return not_run("figure2/task_only_diminishes_at_max_alpha", statement, "no task-only run")
    means = at.groupby(["dataset", "decision"])["added_value"].mean()
    share = float((means < 0).mean())
    return margins_claim(
        "figure2/task_only_diminishes_at_max_alpha",
        statement,
        {"share of panels": np.array([share - 0.5])},
        note=f"margin: share of the {len(means)} panels run with task-only < 0 at α = 0.5, "
        "minus one half",
    )


# ----------------------------------------------------------------------------- Table 4


def table4_claims(values: pd.DataFrame) -> list[Claim]:
    """Table 4: TTL per advisor (λ1 = 3, α = 0), the human's two parts, and the ordering."""
    if values.empty:
        why = "no Table-4 run"
        return [not_run(f"table4/ttl/{_slug(v)}", p[0], why) for v, p in TABLE4_TTL.items()]
    at = values[values["alpha"] == values["alpha"].min()]
    ttl = _wide(at, ["split_seed"], "ttl")
    out = [
        number_claim(
            f"table4/ttl/{_slug(variant)}",
            paper,
            ttl[variant].to_numpy(),
            tolerance=tol,
            paper_se=paper_se,
            note="total team loss on the test split (λ0 = 1, λ1 = 3, α = 0)",
        )
        for variant, (paper, paper_se, tol) in TABLE4_TTL.items()
        if variant in ttl.columns
    ]
    parts = at[at["variant"] == HUMAN]
    for group, (paper, paper_se) in TABLE4_HUMAN_BY_CLASS.items():
        per_run = parts[parts["group"] == group].groupby("split_seed")["ttl_contribution"].mean()
        out.append(
            number_claim(
                f"table4/ttl_by_class/human/{group}",
                paper,
                per_run.to_numpy(),
                tolerance=0.02,
                paper_se=paper_se,
                note="the human's TTL contribution from this class's patients",
            )
        )
    order = ("TR", "TR-no(ADB)", "Task-only", HUMAN)
    if all(v in ttl.columns for v in order):
        margins = {f"{a} < {b}": (ttl[b] - ttl[a]).to_numpy() for a, b in itertools.pairwise(order)}
        out.append(
            margins_claim(
                "table4/ordering",
                "TTL: TR < TR-no(ADB) < task-only <= human alone",
                margins,
                note="margin: each paired TTL difference",
            )
        )
    return out


# ----------------------------------------------------------------------------- case study


def case_study_claims(by_group: pd.DataFrame, shares: pd.DataFrame) -> list[Claim]:
    """Doctor A (Figures 3-4) and Doctor B (Figures 7-8) at α = 0.1."""
    if by_group.empty:
        return [not_run("case_study/doctor_a/tr_share_of_advice_on_women", 0.65, "no run")]
    out: list[Claim] = []
    value = _wide(by_group, ["doctor", "split_seed"])
    accept = _wide(by_group, ["doctor", "split_seed"], "acceptance_rate")
    tr_share = shares[shares["variant"] == TR].set_index(["doctor", "split_seed"])
    for doctor in ("doctor_a", "doctor_b"):
        if doctor not in value.index.get_level_values("doctor"):
            continue
        v, a = value.loc[doctor], accept.loc[doctor]
        rivals = [r for r in ("Task-only", "TR-no(ADB)") if r in v.columns]
        out.append(
            margins_claim(
                f"case_study/{doctor}/tr_adds_most_value",
                "TR adds more value than task-only and TR-no(ADB)",
                {f"vs {r}": (v[TR] - v[r]).to_numpy() for r in rivals},
                note="margin: TR − rival added value, paired over runs",
            )
        )
        share = tr_share.loc[doctor, "share_on_women"].to_numpy()
        if doctor == "doctor_a":
            paper, tol = CASE_SHARE_ON_WOMEN
            out.append(
                number_claim(
                    f"case_study/{doctor}/tr_share_of_advice_on_women",
                    paper,
                    share,
                    tolerance=tol,
                    note="share of TR's (expected) contradicting advice given to women",
                )
            )
            paper, tol = CASE_ACCEPTANCE_RATIO
            ratio = a[TR].mean() / a["Task-only"].mean() if "Task-only" in a else np.nan
            out.append(
                number_claim(
                    f"case_study/{doctor}/tr_acceptance_over_task_only",
                    paper,
                    [ratio],
                    tolerance=tol,
                    note="TR's acceptance rate over task-only's (ratio of the means over runs; "
                    "no SE)",
                )
            )
        else:
            out.append(
                margins_claim(
                    f"case_study/{doctor}/tr_majority_of_advice_on_women",
                    "most of TR's advice goes to women",
                    {"share − 0.5": share - 0.5},
                    note="margin: share of TR's advice on women − 0.5",
                )
            )
    if {"doctor_a", "doctor_b"} <= set(value.index.get_level_values("doctor")):
        gaps = {
            f"{variant}": (
                value.loc["doctor_b"][variant] - value.loc["doctor_a"][variant]
            ).to_numpy()
            for variant in value.columns
            if variant in PAPER_VARIANTS
        }
        out.append(
            margins_claim(
                "case_study/all_advisors_add_more_to_doctor_b",
                "every advisor adds more value to Doctor B than to Doctor A",
                gaps,
                note="margin: added value with B − with A, paired by split",
            )
        )
    return out


# ----------------------------------------------------------------------------- C.5


def c5_claims(values: pd.DataFrame) -> list[Claim]:
    """Appendix C.5: value falls as p̂(a) degrades; the gate keeps TR at or above the human."""
    if values.empty:
        return [not_run("c5/heart/gate_never_below_human", "gated TR >= human", "no run")]
    tr = values[(values["variant"] == TR) & (values["group"] == "all")]
    out = []
    gated = tr[tr["gate"].astype(bool)]
    margins = {
        f"noise={n:g}, α={a:g}": g["added_value"].to_numpy()
        for (n, a), g in gated.groupby(["noise", "alpha"])
    }
    out.append(
        margins_claim(
            "c5/heart/gate_never_below_human",
            "with the robustness gate, TR's added value >= 0 whatever the ADB drift",
            margins,
            note="margin: gated TR's added value",
        )
    )
    plain = tr[~tr["gate"].astype(bool)]
    noises = sorted(plain["noise"].unique())
    if len(noises) > 1:
        per_run = plain.groupby(["noise", "split_seed"])["added_value"].mean()
        drop = (per_run.loc[noises[0]] - per_run.loc[noises[-1]]).to_numpy()
        out.append(
            margins_claim(
                "c5/heart/value_falls_as_adb_drifts",
                "TR adds less value when the expert's ADB deviates from p̂(a)",
                {f"noise {noises[0]:g} − {noises[-1]:g}": drop},
                note="margin: ungated TR's added value (mean over α) at no drift − at the "
                "largest drift, paired by split",
            )
        )
    auc = values.drop_duplicates(["split_seed", "noise"])
    base = auc[auc["noise"] == min(noises)]["auc"].to_numpy()
    if len(noises) > 1:
        per_split = auc.set_index(["noise", "split_seed"])["auc"]
        fall = (per_split.loc[noises[0]] - per_split.loc[noises[-1]]).to_numpy()
        out.append(
            margins_claim(
                "c5/heart/auc_falls_as_adb_drifts",
                "the drifted experts make p̂(a) less accurate: its AUC falls with the drift "
                "(Figure 9's legend)",
                {f"AUC at noise {noises[0]:g} − at {noises[-1]:g}": fall},
                note="margin: p̂(a)'s validation AUC on the undrifted expert − on the most "
                "drifted one, paired by split",
            )
        )
    out.append(
        margins_claim(
            "c5/heart/discretion_auc_above_0.9",
            "the discretion model's AUC on the expert it was fitted to is > 0.9",
            {"AUC − 0.9": base - 0.9},
            note="margin: validation AUC of p̂(a) on the undrifted expert − 0.9",
        )
    )
    return out
