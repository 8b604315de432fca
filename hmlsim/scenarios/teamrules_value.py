"""Figure 2 of the TeamRules paper: value added by each advisor vs the cost of a contradiction α.

For every dataset (heart, FICO, HR) × expert behaviour × run (split seed 20,
21, …), :func:`hmlsim.advisors.evaluate_advisors` trains every advisor variant
(the paper's TR, TR-no(ADB), TR-no(Cost), TR-no(ADB,Cost), Task-only,
TR-SelectiveOnly, and hmlsim's TR+expertise beside them) once per α and pairs
it with ``expert_draws`` draws of the expert on the test split. The behaviours
are Figure 2's three columns (:data:`~hmlsim.scenarios._teamrules_common.BEHAVIOURS`):
difficulty-biased decisions with group-biased confidence, group-biased
decisions and confidence, difficulty-biased decisions with accuracy-biased
confidence. The candidate rules and p̂(y | x) of a split are fitted once and
shared by its behaviours. The figure shows mean ± SE *over runs* of the added
value HDL − TTL (0 = the human alone), one panel per dataset × behaviour.

``summary.json`` holds, per context: the added value of each variant at each
α (mean, se, runs); ``claims``, the paper's sentences about Figure 2 (and
C.1 at α ≥ 0.6) judged on this run by the claims ledger, with the same tests
as ``hmlsim reproduce teamrules`` (:func:`ledger_verdicts`); the task-only
advisor's test accuracy, the human's accuracy and the discretion model's AUC.

FICO is read from ``fico_path``, else ``HMLSIM_FICO_PATH``, else
``shared/data/heloc_dataset_v1.csv`` beside the checkout (see
:func:`hmlsim.data.resolve_fico_path`); when none
exists FICO is skipped with a note under ``skipped`` in the summary.

Your own data: ``--datasets my.toml`` (or ``heart,my.toml``) runs the study on
a dataset declared in TOML (``docs/experts.md``, "Your own data set"); its
``name`` labels the tables and ``user_datasets`` in the summary records the
data file and its sha256.

:mod:`hmlsim.scenarios.teamrules_prohibitive` (Appendix C.1) is this study
with α ∈ {0.6, …, 1.0}.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hmlsim.advisors import EXPERTISE_VARIANT, HUMAN, VARIANTS
from hmlsim.experiments.progress import progress
from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.experiments.summary_table import mean_se, number, over_runs, text_table
from hmlsim.scenarios import _teamrules_common as common

log = logging.getLogger(__name__)

#: variant the claims are about
TR = "TR"
#: how figures name hmlsim's own variant, so that no reader takes it for the paper's
EXPERTISE_LABEL = "TR+expertise (hmlsim's)"


@dataclass(frozen=True)
class Config:
    """Figure 2 (defaults: the full study; ``QUICK``: heart, one run, short annealing).

    Attributes
    ----------
    datasets : tuple of {"heart", "fico", "hr"} or paths of dataset TOML files
    decisions : tuple of str
        Expert behaviours "<decision bias>+<confidence bias>": Figure 2's
        "difficulty+group", "group+group", "difficulty+accuracy"; "difficulty"
        and "group" are shorthand for the last two.
    alphas : tuple of float
        Costs of a contradiction, each >= 0.
    variants : tuple of str
        Advisor variants (:data:`hmlsim.advisors.VARIANTS`).
    split_seeds : tuple of int
        One run per split seed (the paper's 10 runs: 20..29).
    expert_draws : int
        Draws of the expert on the test split per run (averaged within the run).
    n_iter, n_trees_per_length, max_candidates : int
        Annealing iterations T, mining forest size per rule length, candidates per class.
    fico_path : str
        FICO HELOC file ("" = HMLSIM_FICO_PATH or the shared default).
    seed : int
        Master seed; each run's seed is derived from it and the run's context.
    method : {"hmlsim", "authors"}
        Whose settings the advisors use: hmlsim's, or the TeamRules authors'
        wherever they differ (:data:`hmlsim.scenarios._teamrules_common.AUTHORS_PARAMS`).
    """

    datasets: tuple[str, ...] = common.DATASETS
    decisions: tuple[str, ...] = common.BEHAVIOURS
    alphas: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    variants: tuple[str, ...] = VARIANTS
    split_seeds: tuple[int, ...] = common.PAPER_SPLIT_SEEDS
    expert_draws: int = 50
    n_iter: int = 2000
    n_trees_per_length: int = 250
    max_candidates: int = 10_000
    fico_path: str = ""
    seed: int = 0
    method: str = "hmlsim"

    def __post_init__(self) -> None:
        common.check_tuple("decisions", self.decisions, common.DECISIONS)
        common.check_datasets("datasets", self.datasets, self.decisions)
        common.check_alphas("alphas", self.alphas)
        common.check_run_size(self)


HELP = common.HELP

QUICK = {
    "datasets": ("heart",),
    "decisions": ("difficulty+accuracy",),
    "alphas": (0.0, 0.3),
    "variants": ("TR", "Task-only"),
    "split_seeds": (20,),
    "expert_draws": 10,
    "n_iter": 300,
    "n_trees_per_length": 20,
    "max_candidates": 500,
}


def run(config: Config) -> ScenarioResult:
    """Train and evaluate every variant in every context; tables, summary and claims."""
    datasets, skipped = common.available_datasets(config.datasets, config.fico_path)
    frames, extras = [], []
    total = len(datasets) * len(config.split_seeds) * len(config.decisions)
    with progress(total, Path(__file__).stem, unit="run") as bar:
        for dataset in datasets:
            for split_seed in config.split_seeds:
                ds = common.load_context_data(dataset, split_seed, config.fico_path)
                shared = common.split_fits(
                    ds, config, common.run_seed(config.seed, ds.name, "split", split_seed)
                )
                for decision in config.decisions:
                    seed = common.run_seed(config.seed, ds.name, decision, split_seed)
                    expert = common.behaviour_expert(ds, decision, seed)
                    context = {"dataset": ds.name, "decision": decision, "split_seed": split_seed}
                    log.info("run %s", context)
                    bar.set_postfix_str(f"{ds.name}, {decision}, split {split_seed}")
                    table, extra = common.run_context(
                        ds,
                        expert,
                        alphas=config.alphas,
                        variants=config.variants,
                        expert_draws=config.expert_draws,
                        params=common.advisor_params(config),
                        seed=seed,
                        context=context,
                        shared=shared,
                    )
                    frames.append(table)
                    extras.append({**context, **extra})
                    bar.update(1)
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    runs = pd.DataFrame.from_records(extras)
    summary = summarize_value(values, runs, config)
    summary["skipped"] = skipped
    user = common.user_datasets(datasets)
    if user:
        summary["user_datasets"] = user
    return ScenarioResult(
        summary=summary,
        tables={"values": values, "runs": runs},
        artifacts={"alphas": tuple(config.alphas)},
    )


def missing_data(config: Config) -> str | None:
    """Why this configuration cannot run here (FICO asked for without its file), or None."""
    return common.missing_fico(config.datasets, config.fico_path)


def headline(summary: dict, paper: str = "Figure 2") -> str:
    """Added value of TR and task-only per context and α; the claims; accuracies vs the paper's."""
    from hmlsim.reproduce.claims import HUMAN_ACCURACY, TASK_ONLY_ACCURACY

    lines = [f"  {note}" for note in summary.get("skipped", {}).values()]
    if not summary.get("contexts"):
        return "\n".join([*lines, "  no data set could run"])
    runs = summary["runs_per_context"]
    rows = []
    for key in summary["contexts"]:
        for variant, by_alpha in summary["added_value"][key].items():
            if variant in (TR, "Task-only"):
                cells = {f"α = {a}": mean_se(v) for a, v in by_alpha.items()}
                rows.append({"context": key, "advisor": variant, **cells})
    lines += [
        f"Value added over the human alone, HDL − TTL ({over_runs(runs)}; paper: {paper}):",
        text_table(rows),
        *claim_lines(summary.get("claims", []), summary.get("method", "hmlsim")),
        "Accuracies beside the paper's (Figure 2's caption):",
    ]
    rows = []
    for dataset, by_decision in summary["human_accuracy"].items():
        task = summary.get("task_only_test_accuracy", {}).get(dataset)
        for decision, stats in by_decision.items():
            bias = common.behaviour_parts(decision)[0]
            rows.append(
                {
                    "context": _context_key(dataset, decision),
                    "human": mean_se(stats),
                    "paper human": number(HUMAN_ACCURACY.get((dataset, bias)), 2),
                    "task-only": mean_se(task),
                    "paper task-only": number(TASK_ONLY_ACCURACY.get(dataset), 2),
                }
            )
    lines.append(text_table(rows))
    return "\n".join(lines)


def _context_key(dataset: str, decision: str) -> str:
    return f"{dataset}/{decision}"


def ledger_verdicts(values: pd.DataFrame, runs: pd.DataFrame) -> list[dict]:
    """The paper's sentences on these runs, each judged as the claims ledger words it.

    The same ledger and tests as ``hmlsim reproduce teamrules``
    (``hmlsim/reproduce/ledger/teamrules.toml``) on this run's ``values`` and
    ``runs`` (which are the reproduction's ``figure2_values`` and
    ``figure2_runs``); claims about panels, α or studies this run lacks are left
    out. A claim over more α than were run cannot hold here (it is
    ``inconclusive``, saying which α are missing), and a claim of fewer than two
    runs per cell is ``inconclusive``.

    Returns
    -------
    list of dict
        One :meth:`~hmlsim.reproduce.verdicts.Claim.to_dict` per claim judged.
    """
    from hmlsim.reproduce.claims import judge_ledger

    tables = {"figure2_values": values, "figure2_runs": runs}
    judged = judge_ledger(tables, absent_columns="not_run")
    return [c.to_dict() for c in judged if c.verdict != "not_run"]


def claim_lines(claims: list[dict], method: str = "hmlsim") -> list[str]:
    """The printed verdicts: counts per kind, then every result claim that holds or deviates.

    ``method`` names whose settings fitted the advisors (``hmlsim``, or the
    TeamRules ``authors``'), so that a verdict is never read as the other's.
    """
    from hmlsim.reproduce.verdicts import KINDS, VERDICTS

    if not claims:
        return ["The paper's sentences: none can be judged on this run's contexts and α."]
    lines = [
        f"The paper's sentences judged on this run, advisors fitted by the {method} method "
        "(the claims ledger; results only count):"
    ]
    for kind in KINDS:
        mine = [c for c in claims if c["kind"] == kind]
        if mine:
            counts = ", ".join(
                f"{sum(c['verdict'] == v for c in mine)} {v}" for v in VERDICTS if v != "not_run"
            )
            lines.append(f"  {kind}: {counts}")
    decided = [
        {
            "claim": c["id"],
            "test": c["test"] + (f" ± {c['margin']:g}" if c["margin"] else ""),
            "verdict": c["verdict"],
            "hmlsim": mean_se({"mean": c["hmlsim"], "se": c["se"], "n": c["n_runs"]}),
            "runs": c["n_runs"],
        }
        for c in claims
        if c["kind"] == "result" and c["verdict"] in ("holds", "deviates")
    ]
    if decided:
        lines.append(text_table(decided))
    lines.append(
        "  inconclusive ones are in summary.json (claims); the paper's run count: "
        "hmlsim reproduce teamrules"
    )
    return lines


def summarize_value(values: pd.DataFrame, runs: pd.DataFrame, config: Config) -> dict:
    """The JSON summary: added value per context/variant/α, claims, accuracies, AUC."""
    if values.empty:
        return {"contexts": [], "note": "no dataset available"}
    overall = values[values["group"] == "all"]
    stats = common.across_runs(overall, ["dataset", "decision", "variant", "alpha"], "added_value")
    summary: dict = {"contexts": [], "added_value": {}}
    for (dataset, decision), part in stats.groupby(["dataset", "decision"], sort=False):
        key = _context_key(dataset, decision)
        summary["contexts"].append(key)
        adv = part[part["variant"] != HUMAN]
        summary["added_value"][key] = common.nested(adv, ["variant", "alpha"])
    summary["claims"] = ledger_verdicts(values, runs)
    summary["method"] = config.method
    human = common.human_rows(overall)
    human = human[human["alpha"] == human["alpha"].min()]
    summary["human_accuracy"] = common.nested(
        common.across_runs(human, ["dataset", "decision"], "human_accuracy"),
        ["dataset", "decision"],
    )
    if "task_only_test_accuracy" in runs:
        per_split = runs.groupby(["dataset", "split_seed"])["task_only_test_accuracy"].first()
        summary["task_only_test_accuracy"] = {
            d: common.mean_se(per_split.loc[d]) for d in runs["dataset"].unique()
        }
    summary["discretion_auc"] = common.nested(
        common.across_runs(runs, ["dataset", "decision"], "discretion_auc"),
        ["dataset", "decision"],
    )
    summary["runs_per_context"] = len(config.split_seeds)
    return summary


def value_added_figure(values: pd.DataFrame, title: str, alphas=None):
    """Added value vs α, ± SE over runs: rows datasets, columns behaviours, one line per advisor.

    Panels and lines in the paper's order (datasets heart, FICO, HR; Figure 2's
    behaviours; the paper's variants, then hmlsim's); the y label says what the
    bands show (``1 run, no SE`` for a single run).

    Parameters
    ----------
    values : DataFrame
        The per-run ``values`` table (or several runs' concatenated).
    title : str
    alphas : sequence of float, optional
        Only these α (default: every α in the table).

    Returns
    -------
    matplotlib.figure.Figure
        hmlsim's TR+expertise is labelled as hmlsim's, beside the paper's variants.
    """
    from hmlsim.experiments.collect import plot_value_added

    data = values[(values["group"] == "all") & (values["variant"] != HUMAN)]
    if alphas is not None:
        data = data[data["alpha"].round(6).isin([round(float(a), 6) for a in alphas])]
    data = data.assign(
        variant=data["variant"].replace({EXPERTISE_VARIANT: EXPERTISE_LABEL}),
        decision=[common.behaviour_label(b) for b in data["decision"]],
    )
    order = {
        "dataset": common.DATASETS,
        "decision": [common.behaviour_label(b) for b in common.BEHAVIOURS],
        "variant": [EXPERTISE_LABEL if v == EXPERTISE_VARIANT else v for v in VARIANTS],
    }
    return plot_value_added(
        data,
        x="alpha",
        y="added_value",
        hue="variant",
        row="dataset",
        col="decision",
        baseline=0.0,
        title=title,
        order=order,
    )


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """``value_added.png``: added value vs α (mean ± SE over runs), one panel per context."""
    from hmlsim.experiments.collect import save_figure

    values = result.tables.get("values")
    if values is None or values.empty:
        return []
    fig = value_added_figure(values, "Value added over the human alone")
    return [save_figure(fig, Path(out_dir) / "value_added.png")]
