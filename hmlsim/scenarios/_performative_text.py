"""What the performative advisor study tells a user: its options' help and printed summary.

:mod:`hmlsim.scenarios.performative_advisors` takes ``HELP`` and ``headline`` from here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hmlsim.experiments.summary_table import number, text_table
from hmlsim.scenarios._performative_verdicts import audit_needed

#: what each option means (``hmlsim run performative_advisors --help``)
HELP: dict[str, str] = {
    "datasets": "data sets, comma-separated: heart, fico, hr",
    "advisors": "advisors trained in each context, comma-separated: TR, TR-no(ADB), "
    "TR-no(Cost), TR-no(ADB,Cost), Task-only, TR-SelectiveOnly, TR+expertise, TR-literal "
    "(TR scored against the final decisions as they are: the artefact control)",
    "retrainings": "how the firm retrains, comma-separated: window (the last epoch, from "
    "scratch), cumulative (every epoch seen), warm-start (from the deployed rules), lazy-k "
    "(every k >= 2 epochs, e.g. lazy-3)",
    "decisions": "expert decision biases, comma-separated: difficulty, group",
    "confidence": "expert confidence bias: accuracy or group",
    "alphas": "costs α of a contradiction, in units of the decision loss, each >= 0, "
    "comma-separated",
    "audit_shares": "audit shares ρ: fractions in [0, 1] of the cases whose true outcome "
    "reaches the firm (late, see --audit-delay), comma-separated",
    "audit_delay": "epochs before an audited outcome reaches the firm (0..1,000)",
    "audit_history": "true: train also on audited cases older than the training window",
    "initial_qualities": "accuracy in [0, 1] of the labels the firm's first model is trained "
    "on, comma-separated",
    "replicates": "repetitions of every context (1..1,000)",
    "epochs": "deployment epochs per run (1..1,000)",
    "cases_per_epoch": "cases the experts decide per epoch (1..100,000)",
    "n_experts": "expert agents sharing the cases (1..1,000)",
    "n_iter": "simulated-annealing iterations per TeamRules fit (1..100,000)",
    "exploration": "share in [0, 1] of the cases where a silent advisor still offers its answer",
    "trust_rate": "change of the experts' trust, in log-odds, per audited piece of advice, "
    ">= 0 (0: experts do not learn whom to trust)",
    "epsilon": "largest |Φ(u) − u|, in utility (accuracy) units in (0, 1], of a point on the "
    "45° line",
    "patience": "consecutive epochs on the line that make a stable point (1..1,000)",
    "spiral_margin": "fall of the model's utility from the first epoch, in (0, 1], that counts "
    "as spiralling down",
    "fico_path": "the FICO HELOC CSV file (never shipped); empty: HMLSIM_FICO_PATH, else "
    "shared/data/heloc_dataset_v1.csv beside the checkout; FICO is skipped when none exists",
    "seed": "master seed: every random draw derives from it (0..2^63-1)",
}


#: how a run ends (:data:`hmlsim.model.stability.END_STATES`), as the summary explains it
END_WORDS = {
    "stable": "its last epochs on the 45° line (a stable point)",
    "stationary_off_line": "u stopped moving while Φ(u) stays away from u (usually an "
    "advisor fallen silent)",
    "two_cycle": "u alternates up and down",
    "drifting": "u still moves",
    "too_short": "fewer epochs than --patience",
}


def headline(summary: dict[str, Any]) -> str:
    """Per advisor, retraining and audit share: where the runs end, beside the human alone."""
    runs = pd.DataFrame(summary["runs"])
    if "retraining" not in runs:  # a summary made before the strategies were an axis
        runs = runs.assign(retraining="window")
    lines = [*summary["notes"]]
    rows, seen = [], set()
    keys = ["advisor", "retraining", "audit_share"]
    for (advisor, retraining, rho), group in runs.groupby(keys, sort=True):
        counts = group["end_state"].value_counts()
        seen.update(counts.index)
        rows.append(
            {
                "advisor": advisor,
                "retraining": retraining,
                "audit ρ": f"{rho:g}",
                "runs": len(group),
                "final u": number(group["final_model_utility"].mean()),
                "team Φ(u)": number(group["final_team_utility"].mean()),
                "human alone": number(group["final_human_utility"].mean()),
                "advising": number(group["final_advising_rate"].mean(), 2),
                "fell silent": int(group["silent_since"].notna().sum()),
                "how the runs end": ", ".join(
                    f"{n} {s.replace('_', ' ')}" for s, n in counts.items()
                ),
            }
        )
    lines += [
        f"{len(runs)} runs on {', '.join(summary['datasets'])} (means over runs; u: the "
        "firm's model accuracy, Φ(u): the team's final decisions):",
        text_table(rows),
        *(f"  {state.replace('_', ' ')}: {END_WORDS.get(state, '')}" for state in sorted(seen)),
    ]
    checks = summary.get("checks", [])
    if checks:
        kept = sum(c["keeps_advising"] for c in checks)
        lines.append(
            f"  audited TR, TR+expertise: advising at the end in {kept}/{len(checks)} runs"
        )
    lines += [
        "Team gain over the human alone, Φ(u) − human (mean ± SE over runs; one-sided "
        "t-tests, Holm-adjusted over the table; one run per cell is inconclusive):",
        text_table(audit_needed(runs).to_dict(orient="records")),
    ]
    lines.append("  no paper reports these numbers: neither runs TeamRules inside the loop")
    return "\n".join(lines)
