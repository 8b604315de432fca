"""What the knapsack study tells a user: its options' help and its printed summary.

:mod:`hmlsim.scenarios.knapsack_study` takes ``HELP`` and ``headline`` from here.
"""

from __future__ import annotations

from hmlsim.experiments.summary_table import MISSING, number, text_table

#: ``--help``: what each field means, its unit and range
HELP: dict[str, str] = {
    "seed": "master seed: every random draw derives from it (0..2^63-1)",
    "n_items": "items per knapsack instance (>= 1; the paper: 18)",
    "offset": "instance generator: item values are round(weight + offset + noise_sd·N(0,1)); "
    "offset >= 0, in value units (default: Pisinger's strongly correlated class, w_max/10)",
    "noise_sd": "instance generator: standard deviation >= 0 of the values' noise, in value units",
    "w_max": "instance generator: weights are uniform integers in 1..w_max (>= 1)",
    "capacity_low": "instance generator: the capacity is a uniform fraction of the total weight "
    "in [capacity_low, capacity_high], 0 < low <= high < 1",
    "capacity_high": "upper end of that fraction (see --capacity-low)",
    "n_train": "instances the recommender ladder is trained on (>= 1)",
    "n_valid": "instances the ladder's qualities are measured on (>= 10)",
    "qualities": "target model qualities of the ladder (the paper's q1..q6), each in (0, 1], "
    "comma-separated",
    "n_eval": "instances the simulated humans solve per model to estimate Φ (>= 10)",
    "bonuses": "bonus arms for humans alone, in cents per percentage point, each in "
    "[0, 1000], comma-separated",
    "target_alone": "calibration target: the economic performance of humans alone, in [0, 1] "
    "(the paper's 10-cent arm with quiz)",
    "calibration_rung": "the one rung (q1..qK) the follow behaviour is also fitted on; none: "
    "humans alone only, every rung predicted",
    "target_rung": "calibration target with that rung, in [0, 1] (the paper's q1)",
    "n_boot": "bootstrap resamples of the instances for the intervals (>= 1)",
    "n_refits": "calibration refits on targets drawn within their standard errors (>= 0)",
    "curve_sizes": "training-set sizes of the learning curves, each in 1..n_train, comma-separated",
    "curve_learners": "learners of the learning curves, comma-separated: sorted (the paper's "
    "MLP on density-sorted items), unsorted (the same, items as given), set (per-item set "
    "learner)",
    "loop_learner": "the learner the firm retrains in the loop: sorted, unsorted or set",
    "loop_starts": "ladder qualities the loops start from (nearest rung), each in (0, 1], "
    "comma-separated",
    "loop_label_starts": "further first models: for each fraction p in [0, 1], the loop's "
    "learner trained with optimal labels on a share p of the instances (none by default)",
    "n_seeds": "loop repetitions per start and variant (>= 1)",
    "n_cases": "instances the humans solve per deployment epoch of the loop (>= 1)",
    "max_epochs": "most deployment epochs per loop (>= 1)",
    "epsilon": "smallest meaningful change of utility, in (0, 1]: the loop's stopping rule and "
    "the tolerance of every 45°-line test",
    "patience": "epochs within epsilon before a loop stops (>= 1)",
    "train_epochs": "training epochs of each retraining in the loop (>= 1)",
    "ladder_epochs": "training epochs of each ladder model (>= 1)",
    "device": "torch device: cpu, cuda or auto",
    "torch_threads": "torch CPU threads during the run (>= 1; 1 is fastest for this small network)",
}


def _label(key: str) -> str:
    """A prediction's id as the printed summary names it."""
    fixed = {
        "stable_point": "stable point of Φ",
        "loop_model_utility": "loop end: model u",
        "loop_team_utility": "loop end: team Φ(u)",
        "loop_max_pick_model_utility": "max-pick loop end: model u",
        "loop_max_pick_team_utility": "max-pick loop end: team Φ(u)",
    }
    if key in fixed:
        return fixed[key]
    for prefix, words in (
        ("optimality_max_pick_phi_", "optimality, max-pick Φ({})"),
        ("optimality_phi_", "optimality Φ({})"),
        ("max_pick_phi_", "max-pick Φ({})"),
        ("phi_", "Φ({})"),
        ("delta_", "Δ({}) = Φ − u"),
        ("follow_rate_", "follow rate with {}"),
        ("worse_than_recommendation_", "worse than the recommendation, {}"),
        ("humans_alone_bonus_", "humans alone, bonus {}¢"),
    ):
        if key.startswith(prefix):
            return words.format(key.removeprefix(prefix))
    return key.replace("_", " ")


def headline(summary: dict) -> str:
    """The predictions the paper reports a number for, with 95% intervals; Φ's stable point."""
    rows = [
        {
            "quantity": _label(p["id"]),
            "hmlsim": number(p["hmlsim"]),
            "95% interval": f"[{p['ci_low']:.3f}, {p['ci_high']:.3f}]",
            "paper": number(p["paper"]),
            "paper inside": number(p["paper_in_ci"]),
        }
        for p in summary["predictions"]
        if p["paper"] is not None
    ]
    points = (
        ", ".join(f"{p['u']:.3f} ({p['kind']})" for p in summary["phi_stable_points"])
        or "none found"
    )
    end = summary["stable_point"]
    fit = summary.get("calibration") or {}
    calibration = ", ".join(
        f"{k.replace('_', ' ')} {number(v)} (target {number(fit.get('target_values', {}).get(k))})"
        for k, v in fit.get("achieved", {}).items()
    )
    lines = [
        "Knapsack study: simulated solvers calibrated on humans alone"
        + (f" ({calibration})" if calibration else "")
        + "; predictions beside the paper's:",
        text_table(rows),
        f"  Φ's stable points (perfect learner): {points}; paper: ≈ 0.92",
        f"  the loop's end: model u {number(end['model_utility'])}, team Φ(u) "
        f"{number(end['team_utility'])} over {end['n_paths']} paths ({end['converged']} "
        f"converged, {end['on_45_line']} on the 45° line)",
        f"  rungs whose point lies on the 45° line: "
        f"{', '.join(summary['rungs_on_45_line']) or MISSING}",
    ]
    return "\n".join(lines)
