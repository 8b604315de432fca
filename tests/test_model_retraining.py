"""The firm's retraining strategies: what each learns from and when it redeploys."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.advisors import TeamRulesAdvisor
from hmlsim.advisors.annealing import AdvisingProblem, anneal_rule_sets, selected_loss
from hmlsim.errors import ConfigError
from hmlsim.model import CollaborationModel
from hmlsim.model.retraining import parse_retraining

SMALL = {
    "domain": "classification",
    "dataset": "heart",
    "n_iter": 30,
    "cases_per_epoch": 80,
    "n_experts": 2,
    "rng": 4,
}


@pytest.mark.parametrize("name", ["lazy-1", "lazy-x", "lazy", "daily", 3])
def test_unknown_strategies_name_the_field(name):
    with pytest.raises(ConfigError) as error:
        parse_retraining(name)
    assert error.value.field == "retraining"
    with pytest.raises(ConfigError):
        CollaborationModel(retraining=name, **SMALL)


def test_lazy_k_redeploys_every_k_epochs_on_the_epochs_since():
    model = CollaborationModel(retraining="lazy-2", **SMALL)
    versions = []
    for _ in range(5):
        model.step()
        versions.append(next(iter(model.advisors)).version)
    assert versions == [0, 0, 1, 1, 2]  # retrained after epochs 2 and 4
    # one observation per expert and epoch: two experts × the two epochs since the last fit
    assert [len(entry["labels"]) for entry in model.firm.retrain_log] == [4, 4]
    assert all(sum(map(len, e["labels"])) == 2 * 80 for e in model.firm.retrain_log)


def test_cumulative_learns_every_epoch_with_its_revealed_audits():
    audits = {"audit_share": 0.3, "audit_delay": 1}
    window = CollaborationModel(retraining="window", **audits, **SMALL)
    cumulative = CollaborationModel(retraining="cumulative", **audits, **SMALL)
    for _ in range(4):
        window.step()
        cumulative.step()
    rows = [sum(map(len, e["labels"])) for e in cumulative.firm.retrain_log]
    assert rows == [80, 160, 240]
    assert [sum(map(len, e["labels"])) for e in window.firm.retrain_log] == [80, 80, 80]
    # delay 1 ≥ window 1: an audit arrives after its rows left the window; cumulative keeps them
    assert all(np.isnan(e["audited"]).all() for e in window.firm.retrain_log)
    assert np.isfinite(cumulative.firm.retrain_log[-1]["audited"]).sum() > 0


def test_a_warm_start_never_ends_worse_than_where_it_starts(expert_task):
    _, y, h, c_h, p_y, cands = expert_task(300, 0, 1, 0, 0.2, 0.6)
    problem = AdvisingProblem(cands, y, h, c_h, p_y, alpha=0.1)
    cold = anneal_rule_sets(problem, n_iter=60, rng=1)
    start = (cold.pos.tolist(), cold.neg.tolist())
    warm = anneal_rule_sets(problem, n_iter=5, rng=2, initial=start)
    assert warm.ttl <= selected_loss(problem, *start) + 1e-12
    with pytest.raises(ConfigError):
        anneal_rule_sets(problem, n_iter=5, initial=([len(cands.pos)], []))


def test_warm_start_carries_the_deployed_rules_into_the_next_fit(expert_task):
    X, y, h, c_h, p_y, _ = expert_task(300, 0, 1, 0, 0.2, 0.6)
    X2, y2, h2, c_h2, p_y2, _ = expert_task(300, 1, 2, 0, 0.2, 0.6)
    params = {"alpha": 0.1, "use_adb": False, "n_iter": 80, "n_trees_per_length": 5}
    first = TeamRulesAdvisor(**params, random_state=0).fit(X, y, h, c_h, p_y=p_y)
    start = first.warm_start()
    assert start.rules_pos == first.rules_pos_ and start.rules_neg == first.rules_neg_
    warm = TeamRulesAdvisor(**{**params, "n_iter": 1}, random_state=0).fit(
        X2, y2, h2, c_h2, p_y=p_y2, warm_start=start
    )
    pos, neg = warm.candidate_rules_
    carried = {(r.conditions, r.label) for r in (*pos, *neg)}
    assert {(r.conditions, r.label) for r in first.rules_} <= carried
    # one iteration from the deployed set: the new fit keeps (nearly all of) it
    kept = {(r.conditions, r.label) for r in warm.rules_}
    deployed = {(r.conditions, r.label) for r in first.rules_}
    assert len(kept & deployed) >= len(deployed) - 1
    # the carried rules' precision is recomputed on the new rows
    again = {(r.conditions, r.label): r.precision for r in pos}
    for rule in first.rules_pos_:
        covered = rule.covers(np.asarray(X2, float), [f"x{i}" for i in range(X2.shape[1])])
        if covered.any():
            assert again[(rule.conditions, 1)] == pytest.approx(y2[covered].mean())


def test_strategies_compared_on_one_seed_share_their_first_deployment():
    """Artefact check of the paired comparison (docs/model.md, the retraining sub-grid):
    before the first retraining every strategy deploys the same advisor to the same
    experts on the same cases, so a difference at the end is the strategy's."""
    firsts = []
    for name in ("window", "cumulative", "warm-start", "lazy-3"):
        model = CollaborationModel(retraining=name, audit_share=0.1, **SMALL)
        model.step()
        firsts.append(model.datacollector.get_model_vars_dataframe().reset_index(drop=True))
    for other in firsts[1:]:
        assert other.equals(firsts[0])
