"""The TeamRules paper's case study: Doctor A and Doctor B on heart disease (α = 0.1).

Both doctors are 90% accurate on male and 60% on female patients
(:func:`hmlsim.behaviour.preset_expert`). Doctor A is "97.5% confident" on
everyone (c^H = 0.95), so rarely takes advice; Doctor B knows the weakness:
97.5% confident on men, 60.5% on women (c^H = 0.21). For each doctor and run
(split seed) the advisors are trained and paired with ``expert_draws`` draws of
the doctor on the test split.

Outputs: ``by_group.csv`` (one row per doctor, run, variant, α and group
``all`` / ``male`` / ``female``, metrics averaged over the draws, plus
``advice_count``, the expected number of contradicting pieces of advice) and a
``summary.json`` with, per doctor and variant (mean ± SE over runs): added
value, TTL, advising rate, acceptance rate and advising confidence by sex, the
share of the advice given to women, and TR's acceptance rate relative to
task-only's (the paper: TR puts ~65% of its advice on women, accepted about
twice as often as task-only's).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.advisors import HUMAN
from hmlsim.experiments.progress import steps
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.experiments.summary_table import mean_se, number, over_runs, text_table
from hmlsim.scenarios import _teamrules_common as common

log = logging.getLogger(__name__)

DOCTORS = ("doctor_a", "doctor_b")
SEXES = ("male", "female")
STRATEGY_METRICS = (
    "advising_rate",
    "acceptance_rate",
    "advising_confidence",
    "advising_accuracy",
    "value_contribution",
)


@dataclass(frozen=True)
class Config:
    """The case study (defaults: 20 runs at full size; ``QUICK``: one short run).

    Attributes
    ----------
    doctors : tuple of {"doctor_a", "doctor_b"}
    alphas : tuple of float
        Costs of a contradiction (the paper: 0.1).
    variants : tuple of str
        Advisor variants.
    split_seeds : tuple of int
        One run per split seed (paper: 20 repetitions).
    expert_draws, n_iter, n_trees_per_length, max_candidates : int
        As in :class:`hmlsim.scenarios.teamrules_value.Config`.
    seed : int
        Master seed.
    method : {"hmlsim", "authors"}
        Whose settings the advisors use: hmlsim's, or the TeamRules authors'
        wherever they differ (:data:`hmlsim.scenarios._teamrules_common.AUTHORS_PARAMS`).
    """

    doctors: tuple[str, ...] = DOCTORS
    alphas: tuple[float, ...] = (0.1,)
    variants: tuple[str, ...] = ("TR", "Task-only", "TR-no(ADB)", "TR+expertise")
    split_seeds: tuple[int, ...] = tuple(range(20, 40))
    expert_draws: int = 50
    n_iter: int = 2000
    n_trees_per_length: int = 250
    max_candidates: int = 10_000
    seed: int = 0
    method: str = "hmlsim"

    def __post_init__(self) -> None:
        common.check_tuple("doctors", self.doctors, DOCTORS)
        common.check_alphas("alphas", self.alphas)
        common.check_run_size(self)


HELP = {
    **common.HELP,
    "doctors": "the simulated doctors, comma-separated: doctor_a (equally confident on "
    "everyone), doctor_b (knows the weakness on women)",
    "alphas": "costs α of a contradiction, in units of the decision loss, each >= 0, "
    "comma-separated (the paper: 0.1)",
}

QUICK = {
    "variants": ("TR", "Task-only"),
    "split_seeds": (20,),
    "expert_draws": 10,
    "n_iter": 300,
    "n_trees_per_length": 20,
    "max_candidates": 500,
}


def run(config: Config) -> ScenarioResult:
    """Advise each doctor on each split; strategies and outcomes by sex."""
    from hmlsim.behaviour import preset_expert

    frames, data = [], {}
    runs = [(s, d) for s in config.split_seeds for d in config.doctors]
    for split_seed, doctor in steps(runs, Path(__file__).stem):
        if split_seed not in data:  # one split, loaded once, for every doctor
            data = {split_seed: common.load_context_data("heart", split_seed)}
        ds = data[split_seed]
        seed = common.run_seed(config.seed, "case_study", doctor, split_seed)
        table, _ = common.run_context(
            ds,
            preset_expert(doctor, ds),
            alphas=config.alphas,
            variants=config.variants,
            expert_draws=config.expert_draws,
            params=common.advisor_params(config),
            seed=seed,
            context={"doctor": doctor, "split_seed": split_seed},
        )
        frames.append(table[table["group"].isin(("all", *SEXES))])
    by_group = pd.concat(frames, ignore_index=True)
    by_group["advice_count"] = by_group["advising_rate"] * by_group["n"]
    shares = advice_shares(by_group)
    return ScenarioResult(
        summary=summarize(by_group, shares, config),
        tables={"by_group": by_group, "advice_share": shares},
    )


def advice_shares(by_group: pd.DataFrame) -> pd.DataFrame:
    """Per doctor, run, variant and α: the share of the contradicting advice given to women."""
    keys = ["doctor", "split_seed", "variant", "alpha"]
    wide = by_group.pivot_table(index=keys, columns="group", values="advice_count", aggfunc="first")
    total = wide["all"].to_numpy()
    share = np.divide(
        wide["female"].to_numpy(), total, out=np.full(len(total), np.nan), where=total > 0
    )
    return pd.DataFrame(
        {
            **{k: wide.index.get_level_values(k) for k in keys},
            "advice_total": total,
            "share_on_women": share,
        }
    )


def summarize(by_group: pd.DataFrame, shares: pd.DataFrame, config: Config) -> dict:
    summary: dict = {"alphas": list(config.alphas), "runs": len(config.split_seeds)}
    overall = by_group[by_group["group"] == "all"]
    for metric in ("added_value", "ttl", "acceptance_rate", "advising_rate"):
        summary[metric] = common.nested(
            common.across_runs(overall, ["doctor", "alpha", "variant"], metric),
            ["doctor", "alpha", "variant"],
        )
    sexes = by_group[by_group["group"].isin(SEXES)]
    summary["by_sex"] = {
        metric: common.nested(
            common.across_runs(sexes, ["doctor", "alpha", "variant", "group"], metric),
            ["doctor", "alpha", "variant", "group"],
        )
        for metric in STRATEGY_METRICS
    }
    summary["share_of_advice_on_women"] = common.nested(
        common.across_runs(shares, ["doctor", "alpha", "variant"], "share_on_women"),
        ["doctor", "alpha", "variant"],
    )
    if {"TR", "Task-only"} <= set(config.variants):
        ratio, why = {}, {}
        for (doctor, alpha), part in overall.groupby(["doctor", "alpha"]):
            means = part.groupby("variant")["acceptance_rate"].mean()
            value = common.finite_or_none(means["TR"] / means["Task-only"])
            ratio.setdefault(doctor, {})[f"{alpha:g}"] = value
            if value is None:  # an advisor that gave no advice has no acceptance rate
                why[f"{doctor}/{alpha:g}"] = "no acceptance rate: an advisor gave no advice"
        summary["tr_over_task_only_acceptance"] = ratio
        if why:
            summary["tr_over_task_only_acceptance_null"] = why
    return summary


def headline(summary: dict) -> str:
    """Per doctor and advisor: value added, advising and acceptance, share of advice on women."""
    from hmlsim.reproduce.claims import CASE_ACCEPTANCE_RATIO, CASE_SHARE_ON_WOMEN

    rows = []
    for doctor, by_alpha in summary["added_value"].items():
        for alpha, by_variant in by_alpha.items():
            for variant, value in by_variant.items():
                if variant == HUMAN:  # the baseline: value added 0, no advice
                    continue
                cell = {
                    m: mean_se(summary[m][doctor][alpha].get(variant))
                    for m in ("advising_rate", "acceptance_rate", "share_of_advice_on_women")
                }
                rows.append(
                    {
                        "doctor": doctor,
                        "α": alpha,
                        "advisor": variant,
                        "value added": mean_se(value),
                        "advising rate": cell["advising_rate"],
                        "accepted": cell["acceptance_rate"],
                        "advice on women": cell["share_of_advice_on_women"],
                    }
                )
    lines = [
        f"Case study, heart ({over_runs(summary['runs'])}; accepted: share of the advice "
        "the doctor takes):",
        text_table(rows),
    ]
    ratio = summary.get("tr_over_task_only_acceptance", {})
    if ratio:
        shown = "; ".join(
            f"{doctor} α = {a}: {number(r, 2)}"
            for doctor, by in ratio.items()
            for a, r in by.items()
        )
        lines.append(f"  TR's acceptance over task-only's: {shown}")
    lines.append(
        f"  paper (Doctor A): TR puts ~{CASE_SHARE_ON_WOMEN[0]:.0%} of its advice on women, "
        f"accepted ~{CASE_ACCEPTANCE_RATIO[0]:g}× as often as task-only's"
    )
    return "\n".join(lines)


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """``strategies.png``: per doctor, bars by variant and sex for the strategy metrics.

    The variants run down the y axis (their names never overlap), one row of
    panels per doctor; error bars are the SE over runs (none for one run, and
    the title says which).
    """
    from matplotlib.figure import Figure

    from hmlsim.experiments.collect import save_figure
    from hmlsim.plotting.words import spread_note, words

    table = result.tables["by_group"]
    alpha = table["alpha"].min()
    table = table[(table["alpha"] == alpha) & table["group"].isin(SEXES)]
    doctors = list(dict.fromkeys(table["doctor"]))
    variants = list(dict.fromkeys(table["variant"]))
    metrics = ("value_contribution", "advising_rate", "acceptance_rate", "advising_confidence")
    fig = Figure(
        figsize=(2.8 * len(metrics) + 1.2, 0.32 * len(variants) * len(doctors) + 1.6),
        layout="constrained",
    )
    axes = fig.subplots(len(doctors), len(metrics), squeeze=False, sharey=True)
    height = 0.8 / len(SEXES)
    y = np.arange(len(variants))[::-1]  # the first variant on top
    runs = []
    for i, doctor in enumerate(doctors):
        for j, metric in enumerate(metrics):
            ax = axes[i][j]
            stats = common.across_runs(
                table[table["doctor"] == doctor], ["variant", "group"], metric
            )
            runs += list(stats["n"])
            for k, sex in enumerate(SEXES):
                part = stats[stats["group"] == sex].set_index("variant").reindex(variants)
                se = part["se"].where(part["n"] > 1)
                ax.barh(y - (k - 0.5) * height, part["mean"], height, xerr=se, capsize=2, label=sex)
            ax.axvline(0.0, color="0.4", lw=0.8)
            ax.set_yticks(y, variants)
            ax.set_title(f"{doctor.replace('_', ' ').title()}: {words(metric)}", fontsize=9)
    fig.legend(
        *axes[0][0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8
    )
    fig.suptitle(f"Case study, heart, α = {alpha:g} ({spread_note(runs)})")
    return [save_figure(fig, Path(out_dir) / "strategies.png")]
