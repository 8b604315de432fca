"""Table 4 of the TeamRules paper: advising under asymmetric decision loss (λ0 = 1, λ1 = 3).

Heart disease, no reconciliation cost (α = 0), the expert whose numbers the
paper's Table 4 reports (:func:`hmlsim.behaviour.preset_expert` ``"table4"``:
heart's group-biased expert, 60% accurate under age 50 and 95% elsewhere, with
group-biased confidence — SPEC part B; ``expert="table4_prose"`` is the
expert the paper's prose describes, 60% on elderly males, kept to show that it
cannot give the table's human TTL). Every
advisor is trained *and* evaluated with the asymmetric loss: a missed disease
costs 3, a false alarm 1. One run per split seed (the paper's 20 repetitions),
each averaging ``expert_draws`` draws of the expert on the test split.

``summary.json`` has ``ttl``: ``{"TR", "TR-no(ADB)", "Task-only", "Human"}`` →
``{"mean", "se", "n"}`` over runs; ``ttl_by_class`` splits each TTL into the
contributions of the patients without and with the disease (they add up to the
total, as in the paper's table); ``ordering_holds`` checks TR < TR-no(ADB) <
Task-only ≤ Human.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hmlsim.advisors import HUMAN
from hmlsim.advisors.loss import check_loss_weights
from hmlsim.errors import check_choice
from hmlsim.experiments.progress import steps
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.experiments.summary_table import mean_se, number, over_runs, text_table
from hmlsim.scenarios import _teamrules_common as common

log = logging.getLogger(__name__)

CLASS_GROUPS = ("no_disease", "has_disease")
ORDER = ("TR", "TR-no(ADB)", "Task-only", HUMAN)
#: table and figure order: the paper's advisors, hmlsim's TR+expertise beside TR
DISPLAY = ("TR", "TR+expertise", "TR-no(ADB)", "Task-only", HUMAN)


@dataclass(frozen=True)
class Config:
    """Table 4 (defaults: 20 runs at full size; ``QUICK``: 2 short runs).

    Attributes
    ----------
    lambda0, lambda1 : float
        Loss of a false positive and of a false negative (> 0).
    alphas : tuple of float
        Costs of a contradiction (the paper: 0).
    variants : tuple of str
        Advisor variants compared with the human alone.
    expert : {"table4", "table4_prose"}
        The preset expert (:func:`hmlsim.behaviour.preset_expert`).
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

    lambda0: float = 1.0
    lambda1: float = 3.0
    alphas: tuple[float, ...] = (0.0,)
    variants: tuple[str, ...] = ("TR", "TR-no(ADB)", "Task-only", "TR+expertise")
    split_seeds: tuple[int, ...] = tuple(range(20, 40))
    expert: str = "table4"
    expert_draws: int = 50
    n_iter: int = 2000
    n_trees_per_length: int = 250
    max_candidates: int = 10_000
    seed: int = 0
    method: str = "hmlsim"

    def __post_init__(self) -> None:
        check_loss_weights((self.lambda0, self.lambda1), ("lambda0", "lambda1"))
        common.check_alphas("alphas", self.alphas)
        check_choice("expert", self.expert, ("table4", "table4_prose"))
        common.check_run_size(self)


HELP = {
    **common.HELP,
    "lambda0": "loss λ0 of a false positive (a false alarm), a number > 0 (Table 4: 1)",
    "lambda1": "loss λ1 of a false negative (a missed disease), a number > 0 (Table 4: 3)",
    "alphas": "costs α of a contradiction, in units of the decision loss, each >= 0, "
    "comma-separated; the summary reads the smallest (Table 4: 0)",
    "expert": "the simulated expert: table4 (the one Table 4's numbers follow from) or "
    "table4_prose (the one the paper's prose describes)",
}

QUICK = {
    "split_seeds": (20, 21),
    "expert_draws": 5,
    "n_iter": 200,
    "n_trees_per_length": 20,
    "max_candidates": 500,
}


def run(config: Config) -> ScenarioResult:
    """Train the variants with the asymmetric loss on each split; TTL by class and overall."""
    from hmlsim.behaviour import preset_expert

    frames = []
    for split_seed in steps(config.split_seeds, Path(__file__).stem):
        ds = common.load_context_data("heart", split_seed)
        y = np.asarray(ds.test.y)
        ds = common.with_groups(ds, "test", {"no_disease": y == 0, "has_disease": y == 1})
        seed = common.run_seed(config.seed, "asymmetric_loss", split_seed)
        expert = preset_expert(config.expert, ds, rng=seed)
        table, _ = common.run_context(
            ds,
            expert,
            alphas=config.alphas,
            variants=config.variants,
            expert_draws=config.expert_draws,
            params=common.advisor_params(config),
            seed=seed,
            context={"split_seed": split_seed},
            loss_weights=(config.lambda0, config.lambda1),
        )
        frames.append(table[table["group"].isin(("all", *CLASS_GROUPS))])
    values = pd.concat(frames, ignore_index=True)
    n_all = values[values["group"] == "all"].set_index("split_seed")["n"].groupby(level=0).first()
    values["ttl_contribution"] = values["ttl"] * values["n"] / values["split_seed"].map(n_all)
    summary = summarize(values, config)
    return ScenarioResult(summary=summary, tables={"values": values})


def summarize(values: pd.DataFrame, config: Config) -> dict:
    alpha = min(config.alphas)
    at = values[values["alpha"] == alpha]
    overall = common.across_runs(at[at["group"] == "all"], ["variant"], "ttl")
    by_class = common.across_runs(
        at[at["group"].isin(CLASS_GROUPS)], ["group", "variant"], "ttl_contribution"
    )
    ttl = common.nested(overall, ["variant"])
    means = {v: ttl[v]["mean"] for v in ORDER if v in ttl}
    summary = {
        "alpha": alpha,
        "loss_weights": [config.lambda0, config.lambda1],
        "runs": len(config.split_seeds),
        "expert": config.expert,
        "ttl": {v: ttl[v] for v in DISPLAY if v in ttl},
        "ttl_by_class": common.nested(by_class, ["group", "variant"]),
        "false_negative_rate": _fn_rates(at),
    }
    if all(v in means for v in ORDER):
        summary["ordering_holds"] = bool(
            means["TR"] < means["TR-no(ADB)"] < means["Task-only"] <= means[HUMAN]
        )
    summary["added_value"] = common.nested(
        common.across_runs(at[at["group"] == "all"], ["variant"], "added_value"), ["variant"]
    )
    return summary


def headline(summary: dict) -> str:
    """Table 4 beside the paper's: TTL overall and by class; the ordering it judges."""
    from hmlsim.reproduce.claims import TABLE4_HUMAN_BY_CLASS, TABLE4_TTL

    rows = []
    for variant, stats in summary["ttl"].items():
        paper = TABLE4_TTL.get(variant)
        by_class = summary["ttl_by_class"]
        rows.append(
            {
                "advisor": variant,
                "TTL": mean_se(stats),
                "paper TTL": f"{paper[0]:.3f} ± {paper[1]:.3f}" if paper else "–",
                **{
                    f"TTL {group.replace('_', ' ')}": mean_se(by_class.get(group, {}).get(variant))
                    for group in CLASS_GROUPS
                },
                "missed disease": mean_se(summary["false_negative_rate"].get(variant)),
            }
        )
    human = " and ".join(
        f"{g.replace('_', ' ')} {m:.3f} ± {se:.3f}" for g, (m, se) in TABLE4_HUMAN_BY_CLASS.items()
    )
    means = {v: s["mean"] for v, s in summary["ttl"].items()}
    ordered = " < ".join(f"{v} {means[v]:.3f}" for v in sorted(means, key=means.get))
    holds = summary.get("ordering_holds")
    verdict = "not judged (a variant is missing)" if holds is None else number(holds)
    return "\n".join(
        [
            f"Table 4: total team loss TTL (lower is better), heart, λ = "
            f"({summary['loss_weights'][0]:g}, {summary['loss_weights'][1]:g}), "
            f"α = {summary['alpha']:g}, expert {summary['expert']} "
            f"({over_runs(summary['runs'])}):",
            text_table(rows),
            f"  paper, the human by class: {human}",
            f"  hmlsim's order: {ordered}",
            f"  the paper's order TR < TR-no(ADB) < Task-only <= Human holds: {verdict}",
        ]
    )


def _fn_rates(at: pd.DataFrame) -> dict:
    """Share of diseased patients whose final decision is 'no disease', per variant."""
    sick = at[at["group"] == "has_disease"]
    # with λ1 on a missed disease, TDL of the diseased group = λ1 · miss rate
    lam1 = sick["lambda1"].to_numpy()
    sick = sick.assign(miss_rate=sick["tdl"].to_numpy() / lam1)
    return common.nested(common.across_runs(sick, ["variant"], "miss_rate"), ["variant"])


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """``ttl.png``: TTL ± SE per advisor, split into the two classes' contributions."""
    from matplotlib.figure import Figure

    from hmlsim.experiments.collect import save_figure
    from hmlsim.plotting.words import spread_note

    summary = result.summary
    variants = [v for v in DISPLAY if v in summary["ttl"]]
    fig = Figure(figsize=(7.6, 3.6), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(variants))
    bottom = np.zeros(len(variants))
    for group, colour in zip(CLASS_GROUPS, ("tab:blue", "tab:red"), strict=True):
        part = summary["ttl_by_class"].get(group, {})
        heights = np.array([part.get(v, {"mean": np.nan})["mean"] for v in variants])
        ax.bar(x, heights, bottom=bottom, color=colour, alpha=0.7, label=group.replace("_", " "))
        bottom = bottom + heights
    totals = [summary["ttl"][v] for v in variants]
    ax.errorbar(
        x,
        [t["mean"] for t in totals],
        yerr=[t["se"] for t in totals],
        fmt="k.",
        capsize=4,
        label="total ± SE" if summary["runs"] > 1 else "total",
    )
    ax.set_xticks(x, variants)
    lam0, lam1 = summary["loss_weights"]
    ax.set_ylabel(f"total team loss (λ0 = {lam0:g}, λ1 = {lam1:g})")
    ax.set_title(f"Table 4: heart, α = {summary['alpha']:g} ({spread_note(summary['runs'])})")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    return [save_figure(fig, Path(out_dir) / "ttl.png")]
