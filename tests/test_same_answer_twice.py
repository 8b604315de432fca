"""Same seed, same numbers: every draw of a report flows from the run's seed (issue 23).

A seeded scenario run twice, and a sweep's report rebuilt twice from one store,
give the same ``summary.json`` to the last digit, the learning maps' bootstrap
standard errors included; another seed gives other bootstrap draws.
"""

from __future__ import annotations

import json
from pathlib import Path

from hmlsim.experiments.scenario import make_config, write_result
from hmlsim.experiments.sweep import SweepSpec, run_sweep
from hmlsim.scenarios import performative_advisors as scenario

#: the issue's case (TR alone, no audit, two initial qualities) at a tiny size
TINY = {
    "datasets": "heart",
    "advisors": "TR",
    "audit_shares": "0",
    "initial_qualities": "0.6,0.8",
    "epochs": 3,
    "cases_per_epoch": 100,
    "n_iter": 30,
    "patience": 1,
}


def _bootstrap_ses(summary: dict) -> list[float]:
    """Every bootstrap standard error of the summary's learning maps."""
    return [
        point["se"]
        for entry in summary["maps"]
        if entry["map"] is not None
        for point in entry["map"]["fixed_points"]
        if point["se"] is not None
    ]


def _summary_text(result, config, out: Path) -> str:
    write_result(scenario, config, result, out)
    return (out / "summary.json").read_text()


def test_a_seeded_run_twice_writes_the_same_summary(tmp_path):
    config = make_config(scenario, TINY, quick=True)
    first = _summary_text(scenario.run(config), config, tmp_path / "a")
    second = _summary_text(scenario.run(config), config, tmp_path / "b")
    assert first == second  # every number, the bootstrap SEs included
    assert _bootstrap_ses(json.loads(first)), "the case has no bootstrapped fixed point"


def test_a_sweep_report_rebuilt_twice_is_the_same(tmp_path):
    fixed = {k: v.split(",") if isinstance(v, str) else v for k, v in TINY.items()}
    fixed.pop("initial_qualities")
    fixed.update(audit_shares=[0.0], epochs=3)
    spec = SweepSpec(
        "performative_advisors",
        axes={"initial_qualities": [0.6, 0.8]},
        fixed=fixed,
        quick=True,
        master_seed=7,
    )
    store = tmp_path / "store"
    assert run_sweep(spec, store, progress=False).exit_status == 0
    reports = [scenario.summarise_store(store) for _ in range(2)]
    texts = [_summary_text(r, spec, tmp_path / f"report{i}") for i, r in enumerate(reports)]
    assert texts[0] == texts[1]
    ses = _bootstrap_ses(reports[0].summary)
    assert ses
    # the bootstrap draws from the store's master seed: another seed, other draws
    other = scenario.summarise_store(store, scenario.Config(seed=8))
    assert _bootstrap_ses(other.summary) != ses
