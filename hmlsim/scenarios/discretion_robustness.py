"""Appendix C.5 of the TeamRules paper: value added as the expert's ADB drifts from p̂(a).

TR is trained with a discretion model p̂(a) fitted on the expert's answers
(:func:`hmlsim.behaviour.fit_discretion_model`), and then paired with experts
whose *true* ADB is the original one with log-normal noise on each parameter
(:func:`hmlsim.behaviour.perturb_adb`, noise 0 = the expert it was trained
for). Their decisions are the same; only how they take advice changes. Each
pairing is measured with and without the robustness gate of C.5 (evaluate the
advisor with the expert on the validation split; deploy no advice if it lowers
value). With the same run seed, the gated and ungated advisors are the same
rule sets and see the same test draws, so the comparison is paired.

``values.csv``: one row per (run, noise, gate, variant, α, group) with the
discretion model's AUC and mean absolute error against the *perturbed*
expert's answers. ``summary.json``: added value (mean ± SE over runs) per
noise level, gate and α; the AUC per noise level; the lowest added value with
and without the gate (the paper: with the gate TR never diminishes the human's
value).
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
from hmlsim.threads import limited_threads

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Config:
    """C.5 (defaults: heart, 10 runs at full size; ``QUICK``: one short run).

    Attributes
    ----------
    dataset : {"heart", "fico", "hr"}
    decision : str
        The expert's behaviour, one of :data:`~hmlsim.scenarios._teamrules_common.DECISIONS`
        ("difficulty" = difficulty-biased decisions, accuracy-biased confidence).
    alphas : tuple of float
    noise_levels : tuple of float
        Standard deviations of the log-factor on each ADB parameter (>= 0).
    gates : tuple of bool
        Evaluate without (False) and/or with (True) the robustness gate.
    variants : tuple of str
    split_seeds : tuple of int
    expert_draws, n_iter, n_trees_per_length, max_candidates : int
        As in :class:`hmlsim.scenarios.teamrules_value.Config`.
    gate_draws : int
        Expert draws on the validation split for the gate.
    fico_path : str
    seed : int
    method : {"hmlsim", "authors"}
        Whose settings the advisors use: hmlsim's, or the TeamRules authors'
        wherever they differ (:data:`hmlsim.scenarios._teamrules_common.AUTHORS_PARAMS`).
    """

    dataset: str = "heart"
    decision: str = "difficulty"
    alphas: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    noise_levels: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0)
    gates: tuple[bool, ...] = (False, True)
    variants: tuple[str, ...] = ("TR",)
    split_seeds: tuple[int, ...] = common.PAPER_SPLIT_SEEDS
    expert_draws: int = 50
    gate_draws: int = 10
    n_iter: int = 2000
    n_trees_per_length: int = 250
    max_candidates: int = 10_000
    fico_path: str = ""
    seed: int = 0
    method: str = "hmlsim"

    def __post_init__(self) -> None:
        common.check_tuple("dataset", (self.dataset,), common.DATASETS)
        common.check_tuple("decision", (self.decision,), common.DECISIONS)
        common.check_alphas("alphas", self.alphas)
        common.check_tuple("noise_levels", self.noise_levels)
        from hmlsim.behaviour.expert import check_adb_noise

        for noise in self.noise_levels:
            check_adb_noise("noise_levels", noise)
        common.check_tuple("gates", self.gates)
        common.check_int("gate_draws", self.gate_draws, 1)
        common.check_run_size(self)


HELP = {
    **common.HELP,
    "dataset": "the data set: heart, fico or hr",
    "decision": "the expert's behaviour <decision bias>+<confidence bias> (as --decisions of "
    "teamrules_value; difficulty = difficulty-biased decisions, accuracy-biased confidence)",
    "noise_levels": "how far the expert's true advice-taking drifts from the one TR was "
    "trained for: standard deviations of a log-normal factor on each ADB parameter, each "
    ">= 0, comma-separated (0: no drift)",
    "gates": "evaluate without (false) and/or with (true) the robustness gate of C.5 (no "
    "advice where it lowers value on the validation split), comma-separated",
    "gate_draws": "draws of the expert on the validation split for the gate (1..10,000)",
}

QUICK = {
    "alphas": (0.3,),
    "noise_levels": (0.0, 2.0),
    "split_seeds": (20,),
    "expert_draws": 5,
    "gate_draws": 5,
    "n_iter": 200,
    "n_trees_per_length": 10,
    "max_candidates": 300,
}


def run(config: Config) -> ScenarioResult:
    """Train TR once per run with the original p̂(a); pair it with each perturbed expert."""
    frames = []
    with limited_threads(1):
        for split_seed in steps(config.split_seeds, Path(__file__).stem):
            frames.extend(_one_split(config, split_seed))
    values = pd.concat(frames, ignore_index=True)
    return ScenarioResult(summary=summarize(values, config), tables={"values": values})


def _one_split(config: Config, split_seed: int) -> list[pd.DataFrame]:
    """Fit p̂(a) on the original expert, then evaluate TR with every drifted expert."""
    from hmlsim.behaviour import fit_discretion_model, interaction_data, perturb_adb
    from hmlsim.behaviour.discretion import fit_logistic_advisor

    frames = []
    ds = common.load_context_data(config.dataset, split_seed, config.fico_path)
    seed = common.run_seed(
        config.seed, "discretion_robustness", config.dataset, config.decision, split_seed
    )
    expert = common.behaviour_expert(ds, config.decision, seed)
    model = fit_discretion_model(expert, ds, rng=common.run_seed(seed, "discretion"))
    probe = fit_logistic_advisor(ds.train, random_state=0)
    shared: dict = {}  # candidates and p̂(y | x) of the split, mined and fitted once
    # the drifted experts decide as the original: TR's fits are the same for every
    # noise level and gate (evaluate_advisors checks their inputs) and are made once
    fitted: dict = {}
    for noise in config.noise_levels:
        drifted = perturb_adb(expert, float(noise), rng=common.run_seed(seed, "noise", noise))
        answers = interaction_data(
            drifted, ds.validation, probe, rng=common.run_seed(seed, "auc", noise)
        )
        auc = model.score(answers)
        p_hat = model.predict_proba(answers["c_model"], answers["c_human"], answers["agreement"])
        mae = float(np.mean(np.abs(p_hat - answers["p_accept"].to_numpy())))
        for gate in config.gates:
            table, _ = common.run_context(
                ds,
                drifted,
                alphas=config.alphas,
                variants=config.variants,
                expert_draws=config.expert_draws,
                params=common.advisor_params(config),
                seed=seed,
                context={
                    "split_seed": split_seed,
                    "noise": float(noise),
                    "gate": bool(gate),
                    "auc": auc,
                    "mae": mae,
                },
                gate=bool(gate),
                discretion_model=model,
                shared=shared,
                fitted_advisors=fitted,
            )
            frames.append(table[table["group"] == "all"])
    return frames


def summarize(values: pd.DataFrame, config: Config) -> dict:
    advisors = values[values["variant"] != HUMAN]
    stats = common.across_runs(advisors, ["variant", "gate", "noise", "alpha"], "added_value")
    runs = values.drop_duplicates(["split_seed", "noise"])
    summary: dict = {
        "dataset": config.dataset,
        "decision": config.decision,
        "runs": len(config.split_seeds),
        "added_value": common.nested(stats, ["variant", "gate", "noise", "alpha"]),
        "discretion_auc": common.nested(common.across_runs(runs, ["noise"], "auc"), ["noise"]),
        "discretion_mae": common.nested(common.across_runs(runs, ["noise"], "mae"), ["noise"]),
        "gated_share": common.nested(
            common.across_runs(
                advisors.assign(gated=advisors["gated"].astype(float)),
                ["variant", "noise", "alpha"],
                "gated",
            ),
            ["variant", "noise", "alpha"],
        ),
    }
    for gate in sorted(set(stats["gate"])):
        part = stats[stats["gate"] == gate]
        key = "with_gate" if gate else "without_gate"
        worst = part.loc[part["mean"].idxmin()]
        summary[f"lowest_added_value_{key}"] = {
            "mean": float(worst["mean"]),
            "se": float(worst["se"]),
            "noise": float(worst["noise"]),
            "alpha": float(worst["alpha"]),
        }
    return summary


def missing_data(config: Config) -> str | None:
    """Why this configuration cannot run here (FICO without its file), or None."""
    return common.missing_fico((config.dataset,), config.fico_path)


def headline(summary: dict) -> str:
    """Added value per drift and gate at each α; the lowest with and without the gate."""
    rows = []
    for variant, by_gate in summary["added_value"].items():
        for gate, by_noise in by_gate.items():
            for noise, by_alpha in by_noise.items():
                rows.append(
                    {
                        "advisor": variant,
                        "gate": "with" if gate == "True" else "without",
                        "ADB drift": noise,
                        "discretion AUC": mean_se(summary["discretion_auc"].get(noise)),
                        **{f"α = {a}": mean_se(v) for a, v in by_alpha.items()},
                    }
                )
    lines = [
        f"C.5: value added over the human alone as the expert's advice-taking drifts "
        f"({summary['dataset']}, {summary['decision']}; {over_runs(summary['runs'])}):",
        text_table(rows),
    ]
    for key, words in (("without_gate", "without"), ("with_gate", "with")):
        worst = summary.get(f"lowest_added_value_{key}")
        if worst:
            lines.append(
                f"  lowest value added {words} the gate: {number(worst['mean'])} "
                f"(drift {worst['noise']:g}, α = {worst['alpha']:g})"
            )
    lines.append("  paper: with the gate, TR never lowers the human's value (lowest >= 0)")
    return "\n".join(lines)


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """``value_added.png``: added value vs α per noise level, with and without the gate.

    Each noise level has its own colour and marker (the legend gives the
    discretion model's AUC against that expert); with the robustness gate solid
    and thick, drawn beneath, without it dashed: where the gate never switched
    TR off the two coincide. With a single α the points of each noise level
    are set side by side around it so that none hides another.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from hmlsim.experiments.collect import MARKERS, save_figure
    from hmlsim.plotting.axes import swept_x_axis
    from hmlsim.plotting.words import spread_note, words

    values = result.tables["values"]
    advisors = values[values["variant"] != HUMAN]
    variants = list(dict.fromkeys(advisors["variant"]))
    fig = Figure(figsize=(4.6 * len(variants) + 0.6, 4.4), layout="constrained")
    axes = fig.subplots(1, len(variants), squeeze=False, sharey=True)[0]
    auc = result.summary["discretion_auc"]
    gates = {
        True: ("-", 2.6, 0.55, "with the robustness gate"),
        False: ("--", 1.2, 1.0, "without the gate"),
    }
    noises = sorted(advisors["noise"].unique())
    alphas = np.unique(advisors["alpha"])
    # one α: noise levels and gates side by side around it (else they would coincide)
    step = (
        max(0.25 * abs(float(alphas[0])), 0.05) / (2 * len(noises) + 1) if len(alphas) == 1 else 0
    )
    for ax, variant in zip(axes, variants, strict=True):
        stats = common.across_runs(
            advisors[advisors["variant"] == variant], ["gate", "noise", "alpha"], "added_value"
        )
        for i, noise in enumerate(noises):
            colour, marker = f"C{i}", MARKERS[i % len(MARKERS)]
            for g, (gate, (style, width, alpha, _)) in enumerate(gates.items()):
                line = stats[(stats["gate"] == gate) & (stats["noise"] == noise)]
                if line.empty:
                    continue
                line = line.sort_values("alpha")
                xs = line["alpha"].to_numpy() + step * (2 * i + g - len(noises) + 0.5)
                mean, se = line["mean"].to_numpy(), line["se"].to_numpy()
                if len(xs) == 1:
                    ax.errorbar(
                        xs,
                        mean,
                        yerr=se,
                        fmt=marker,
                        color=colour,
                        ms=6,
                        capsize=3,
                        mfc=colour if gate else "white",
                        alpha=alpha,
                    )
                    continue
                ax.plot(
                    xs,
                    mean,
                    style,
                    color=colour,
                    marker=marker,
                    ms=4,
                    linewidth=width,
                    alpha=alpha,
                )
                if (se > 0).any():
                    ax.fill_between(xs, mean - se, mean + se, color=colour, alpha=0.12, lw=0)
        ax.axhline(0.0, color="0.4", linewidth=0.8)
        swept_x_axis(ax, advisors["alpha"])
        ax.set_xlabel(words("alpha"))
        ax.set_title(f"{variant} paired with experts whose ADB drifts", fontsize=9)
    n_runs = advisors.groupby(["variant", "gate", "noise", "alpha"])["split_seed"].nunique()
    axes[0].set_ylabel(f"{words('added_value')}\n({spread_note(n_runs)})")
    handles = [
        Line2D(
            [],
            [],
            color=f"C{i}",
            marker=MARKERS[i % len(MARKERS)],
            ls="none",
            label=f"noise {noise:g} (AUC {auc[f'{noise:g}']['mean']:.2f})",
        )
        for i, noise in enumerate(noises)
    ]
    for gate, (style, width, alpha, name) in gates.items():
        single = len(alphas) == 1
        handles.append(
            Line2D(
                [],
                [],
                color="0.3",
                ls="none" if single else style,
                lw=width,
                alpha=alpha,
                marker="o" if single else None,
                mfc="0.3" if gate else "white",
                label=name,
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle(
        f"Appendix C.5: {result.summary['dataset']}, "
        + common.behaviour_label(result.summary["decision"]).replace("\n", " "),
        fontsize=10,
    )
    return [save_figure(fig, Path(out_dir) / "value_added.png")]
