"""Appendix C.1 of the TeamRules paper: value added when contradictions are expensive (α ≥ 0.6).

The same study as :mod:`hmlsim.scenarios.teamrules_value` (Figure 2) — same
contexts, variants, runs, tables, summary and figure — with α ∈ {0.6, …, 1.0},
where reconciling one contradiction costs more than half a wrong decision.
The paper: TR mostly withholds advice and never diminishes the human's value,
while the other advisors diminish it. The summary's ``claims`` are the
ledger's C.1 sentences judged on these runs, as in Figure 2; ``advising_rate``
adds TR's and task-only's share of contradicted rows per context and α.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hmlsim.experiments.scenario import ScenarioResult
from hmlsim.scenarios import _teamrules_common as common
from hmlsim.scenarios import teamrules_value

__all__ = ["HELP", "QUICK", "Config", "headline", "missing_data", "plot", "run"]

HELP = {
    **teamrules_value.HELP,
    "alphas": "costs α of a contradiction, in units of the decision loss, each >= 0, "
    "comma-separated (Appendix C.1: 0.6 to 1)",
}
missing_data = teamrules_value.missing_data


@dataclass(frozen=True)
class Config(teamrules_value.Config):
    """Appendix C.1: :class:`hmlsim.scenarios.teamrules_value.Config` with α from 0.6 to 1."""

    alphas: tuple[float, ...] = (0.6, 0.7, 0.8, 0.9, 1.0)


QUICK = {**teamrules_value.QUICK, "alphas": (0.6, 1.0)}


def run(config: Config) -> ScenarioResult:
    """Run the Figure-2 study at the prohibitive costs and add the advising rates."""
    result = teamrules_value.run(config)
    values = result.tables["values"]
    if not values.empty:
        overall = values[(values["group"] == "all") & values["variant"].isin(("TR", "Task-only"))]
        result.summary["advising_rate"] = common.nested(
            common.across_runs(
                overall, ["dataset", "decision", "variant", "alpha"], "advising_rate"
            ),
            ["dataset", "decision", "variant", "alpha"],
        )
    return result


def headline(summary: dict) -> str:
    """Figure 2's summary at these α, and how often TR and task-only still advise."""
    from hmlsim.experiments.summary_table import mean_se, text_table

    lines = [teamrules_value.headline(summary, paper="Appendix C.1")]
    rows = [
        {"context": context, "advisor": variant, **{f"α = {a}": mean_se(v) for a, v in by.items()}}
        for dataset, by_decision in summary.get("advising_rate", {}).items()
        for decision, by_variant in by_decision.items()
        for variant, by in by_variant.items()
        for context in [f"{dataset}/{decision}"]
    ]
    if rows:
        lines += ["Advising rate, the share of cases advised (paper: TR mostly silent):"]
        lines.append(text_table(rows))
    return "\n".join(lines)


def plot(result: ScenarioResult, out_dir: Path) -> list[Path]:
    """``value_added.png`` as in Figure 2."""
    return teamrules_value.plot(result, out_dir)
