"""What the knapsack study tells a user: its options' help and its printed summary.

:mod:`hmlsim.scenarios.knapsack_study` takes ``HELP`` and ``headline`` from here.
"""

from __future__ import annotations

from hmlsim.experiments.summary_table import MISSING, number, text_table

#: ``--help``: what each field means, its unit and range
HELP: dict[str, str] = {
    "seed": "master seed: every random draw derives from it (0..2^63-1)",
    "n_items": "items per knapsack instance (>= 1; the paper: 18)",
    "generator_name": "the named instance generator: paper (Algorithm 1 / A.10: values "
    "w + 10 + U{-10..10}, tied optimal item sets kept; the default) or pisinger_sc (values "
    "w + 10, ties discarded: the earlier generator)",
    "offset": "instance generator axis: item values are round(weight + offset + "
    "U{-jitter..jitter} + noise_sd·N(0,1)); offset >= 0, in value units (none: the named "
    "generator's, 10)",
    "noise_sd": "instance generator axis: standard deviation >= 0 of the values' normal noise, "
    "in value units (none: the named generator's, 0)",
    "jitter": "instance generator axis: half-width (integer >= 0) of the values' uniform "
    "jitter (none: the named generator's: 10 for paper, 0 for pisinger_sc)",
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
    "n_boot": "bootstrap resamples of the instances for the simulation SE (>= 1)",
    "n_refits": "calibration refits on humans-alone targets drawn within the paper's SE, for "
    "the simulation SE (>= 0)",
    "centre_effort": "centre of the band: local-search moves per instance (>= 0)",
    "centre_perception_noise": "centre of the band: SD >= 0 of the log of the perceived value "
    "ratio of recommendation and own solution",
    "centre_follow_intercept": "centre of the band: log-odds of following a recommendation "
    "perceived as good as one's own",
    "centre_slope_factor": "centre of the band: the follow slope as a multiple (> 0) of its "
    "tie to the noise, pi/(sqrt(3)·noise)",
    "centre_incentive_elasticity": "centre of the band: relative effort increase (>= 0) per "
    "10 cents of bonus",
    "band_effort": "band: low,high of the local-search moves (the centre inside)",
    "band_perception_noise": "band: low,high of the perception noise (>= 0)",
    "band_follow_intercept": "band: low,high of the follow intercept (log-odds)",
    "band_slope_factor": "band: low,high of the follow slope's factor (> 0)",
    "band_incentive_elasticity": "band: low,high of the incentive elasticity (>= 0)",
    "band_points": "band: Latin-hypercube points over the whole box (>= 0), besides the "
    "centre and each constant at each end of its range",
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


def headline(summary: dict) -> str:
    """Each claim's verdict beside the paper's number; the stable point; the two loop readings."""
    rows = []
    for p in summary["predictions"]:
        if p["test"] == "ladder":
            continue
        band = p.get("band")
        paper = p["paper"]
        rows.append(
            {
                "claim": p["id"],
                "paper": number(paper) if isinstance(paper, int | float) else str(paper),
                "hmlsim": number(p["hmlsim"]),
                "band": f"[{band[0]:.3f}, {band[1]:.3f}]" if band else MISSING,
                "paper SE ≥": number((p.get("paper_se") or {}).get("value")),
                "verdict": p["verdict"] or "setup",
            }
        )
    generator = summary.get("generator", {})
    ladder = summary.get("ladder", [])
    within = sum(bool(r.get("within_0.005")) for r in ladder)
    loops = summary.get("loops", {})
    perfect = loops.get("perfect_learner_human+ML", {})
    mlp = loops.get("mlp_loop_human+ML", {})
    verdicts = list(summary.get("verdicts", {}).values())
    counts = {v: verdicts.count(v) for v in ("holds", "inconclusive", "deviates")}
    path = " → ".join(number(u) for u in perfect.get("path", []))
    model_end = (mlp.get("model_utility") or {}).get("hmlsim")
    team_end = (mlp.get("team_utility") or {}).get("hmlsim")
    lines = [
        f"Knapsack study ({generator.get('name', '?')} generator, value-weight correlation "
        f"{number(generator.get('value_weight_correlation'))}; {within} of {len(ladder)} rungs "
        "within 0.005 of Table 1): solvers calibrated on humans alone; each claim with its band "
        "over the unfitted behaviour constants:",
        text_table(rows),
        "  verdicts: " + ", ".join(f"{n} {v}" for v, n in counts.items()),
        f"  perfect learner (the paper's reading) from q1: {path} "
        f"({perfect.get('status', MISSING)}); paper: ≈ 0.92",
        f"  MLP loop: model {number(model_end)}, team {number(team_end)} over "
        f"{mlp.get('n_paths', 0)} paths ({mlp.get('on_45_line', 0)} on the 45° line)",
    ]
    return "\n".join(lines)
