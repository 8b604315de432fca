"""What the firm observes (SPEC D): no truth leaks, the audit channel, recovery from silence.

These are the artefact checks of the performative loop: a finding such as "TR
falls silent" is only a finding if the firm could not have learned otherwise
from what it saw, and if silence is not absorbing by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hmlsim.errors import ConfigError
from hmlsim.model import AdvisorAgent, AuditChannel, CollaborationModel, ExpertAgent
from hmlsim.model.observation import EpochObservation, FirmLedger, RevealedOutcome

SMALL = {
    "domain": "classification",
    "dataset": "heart",
    "n_iter": 40,
    "cases_per_epoch": 100,
    "n_experts": 2,
}


class ShuffledTruth(CollaborationModel):
    """After every epoch, the truth of each case the audit channel did not take is shuffled.

    Nothing the firm does may change: it never sees those outcomes.
    """

    def step(self) -> None:
        super().step()
        shuffle = np.random.default_rng(12345 + self.steps)  # apart from the model's stream
        audited = {(o.observation.epoch, o.observation.expert): o.rows for o in self.audit._pending}
        for expert in self.experts:
            keep = np.zeros(expert.n_cases, dtype=bool)
            keep[audited.get((self.steps, expert.unique_id), [])] = True
            free = np.flatnonzero(~keep)
            for truth in {id(a): a for a in (expert.cases.truth, expert.cases.payload.y)}.values():
                truth[free] = shuffle.permutation(np.asarray(truth)[free])


def _frames(model_class, **kwargs) -> tuple[pd.DataFrame, list[str]]:
    model = model_class(**{**SMALL, **kwargs})
    for _ in range(3):
        model.step()
    rules = [a.rules for a in model.advisors]
    return model.datacollector.get_model_vars_dataframe(), rules


AUDITED = {"audit_share": 0.3, "audit_delay": 0, "domain_options": {"min_audit": 10}}


def test_shuffling_the_truth_of_unaudited_cases_changes_nothing_the_firm_does():
    plain, plain_rules = _frames(CollaborationModel, rng=4, **AUDITED)
    shuffled, shuffled_rules = _frames(ShuffledTruth, rng=4, **AUDITED)
    assert plain["audited"].iloc[-1] > 0  # the audit channel did reveal outcomes
    pd.testing.assert_frame_equal(plain, shuffled)
    assert plain_rules == shuffled_rules


def test_the_no_leak_check_catches_a_leak(monkeypatch):
    # the same check with a firm that records the truth as its labels: the runs diverge
    original = ExpertAgent.observation

    def leaky(self, epoch):
        seen = original(self, epoch)
        return EpochObservation(**{**seen.__dict__, "d": np.asarray(self.cases.truth).copy()})

    monkeypatch.setattr(ExpertAgent, "observation", leaky)
    plain, _ = _frames(CollaborationModel, rng=4, **AUDITED)
    shuffled, _ = _frames(ShuffledTruth, rng=4, **AUDITED)
    assert not plain.equals(shuffled)


def _silence(model: CollaborationModel) -> None:
    """Empty the deployed TeamRules rule sets: the advisor says nothing."""
    for advisor in model.advisors:
        estimator = advisor.advisor.estimator
        estimator.rules_, estimator.rules_pos_, estimator.rules_neg_ = (), (), ()


def _policy_rates(model: CollaborationModel, epochs: int) -> list[float]:
    rates = []
    for _ in range(epochs):
        model.step()
        rates.append(
            model.datacollector.get_model_vars_dataframe()["policy_advising_rate"].iloc[-1]
        )
    return rates


def test_silence_is_absorbing_when_d_stands_in_for_y_and_nothing_explores():
    # the artefact the issue found: trained against d with d = h on every row, TR learns no rule
    model = CollaborationModel(
        advisor="TR",
        alpha=0.1,
        rng=7,
        domain_options={"annealing_targets": "decisions"},
        **SMALL,
    )
    _silence(model)
    rates = _policy_rates(model, 3)
    assert rates == [0.0, 0.0, 0.0]
    (advisor,) = model.advisors
    assert advisor.silent_since == 1


def test_an_advisor_recovers_from_silence_with_exploration_and_audits():
    model = CollaborationModel(
        advisor="TR",
        alpha=0.1,
        exploration=0.1,
        audit_share=0.1,
        rng=7,
        **SMALL,
    )
    _silence(model)
    rates = _policy_rates(model, 3)
    assert rates[0] == 0.0  # silent in the first epoch ...
    assert max(rates[1:]) > 0.05  # ... and advising again once retrained on what it saw
    table = model.datacollector.get_model_vars_dataframe()
    assert table["exploration_rate"].iloc[1] > 0
    (advisor,) = model.advisors
    assert advisor.silent_since is None  # silence is a state with an end


def test_two_advisor_types_serve_their_own_groups():
    model = CollaborationModel(
        advisor=["TR", "Task-only"], alpha=0.1, rng=3, **{**SMALL, "n_experts": 4}
    )
    model.step()
    model.step()
    advisors = {a.variant: a for a in model.advisors}
    assert set(advisors) == {"TR", "Task-only"}
    assert advisors["TR"].group != advisors["Task-only"].group
    table = model.datacollector.get_model_vars_dataframe()
    task_group, tr_group = advisors["Task-only"].group, advisors["TR"].group
    assert (table[f"advising_rate[{task_group}]"].iloc[1:] == 1.0).all()
    assert (table[f"advising_rate[{tr_group}]"].iloc[1:] < 1.0).all()
    assert {f"model_utility[{task_group}]", f"team_utility[{tr_group}]"} <= set(table.columns)
    # each advisor retrained on its own group's observations only
    for entry in model.firm.retrain_log[-2:]:
        assert len(entry["labels"]) == 2  # two experts per group
    frame = model.datacollector.get_agenttype_vars_dataframe(AdvisorAgent)
    assert set(frame["variant"]) == {"TR", "Task-only"}


def test_audit_channel_reveals_after_its_delay_only():
    channel = AuditChannel(share=1.0, delay=2)
    obs = _observation(epoch=3, n=4)
    channel.submit(obs, np.array([0, 2]), np.array([1, 0]))
    assert channel.reveal(3) == [] and channel.reveal(4) == []
    (due,) = channel.reveal(5)
    np.testing.assert_array_equal(due.rows, [0, 2])
    assert channel.reveal(6) == []
    assert AuditChannel(share=0.0).select(1000, np.random.default_rng(0)).sum() == 0


def test_ledger_aligns_revealed_truth_with_the_window_rows():
    ledger = FirmLedger(window=2)
    first, second = _observation(epoch=1, n=3, expert=1), _observation(epoch=2, n=2, expert=1)
    ledger.record([first])
    ledger.record([second])
    ledger.learn([RevealedOutcome(second, np.array([1]), np.array([0]), revealed_at=2)])
    data = ledger.training_set()
    assert data.y_audit.shape == (5,)
    assert np.isnan(data.y_audit[:4]).all() and data.y_audit[4] == 0
    assert len(data.audit) == 1 and data.audit.h[0] == second.h[1]


def test_expertise_model_learns_from_audited_rows_only(monkeypatch):
    from hmlsim.advisors import outcome

    seen = []
    original = outcome.fit_expertise_model

    def spy(X, y, h, c_human, **kwargs):
        seen.append(len(y))
        return original(X, y, h, c_human, **kwargs)

    monkeypatch.setattr(outcome, "fit_expertise_model", spy)
    model = CollaborationModel(
        advisor="TR",
        rng=2,
        audit_share=0.25,
        audit_delay=0,
        domain_options={"min_audit": 20},
        **SMALL,
    )
    model.step()
    model.step()  # retrained after epoch 1: ~25 audited rows
    model.step()  # after epoch 2: ~50
    (advisor,) = model.advisors
    revealed = model.firm.ledger.n_revealed
    assert seen and seen[-1] == revealed < model.cases_per_epoch * 2
    assert advisor.advisor.expertise is not None
    assert advisor.advisor.learned_from["audited_for_expertise"] == revealed


def test_without_audits_psi_is_the_papers():
    model = CollaborationModel(advisor="TR", rng=2, **SMALL)
    model.step()
    model.step()
    (advisor,) = model.advisors
    assert advisor.advisor.expertise is None
    assert advisor.advisor.estimator.get_params()["use_expertise"] is False


def test_trust_moves_with_audited_outcomes_of_contradicting_advice():
    model = CollaborationModel(advisor="TR", rng=1, trust_rate=0.5, **SMALL)
    expert = next(iter(model.experts))
    obs = _observation(epoch=1, n=4, expert=expert.unique_id)
    right = RevealedOutcome(obs, np.array([0, 1, 3]), np.array([1, 1, 0]), revealed_at=1)
    expert.learn_outcomes([right], rate=0.5)
    # rows 0 and 1 were contradicted with ŷ = 1 (right), row 3 was not contradicted
    assert expert.trust == pytest.approx(1.0)


def test_adb_drift_schedule_shifts_acceptance_by_epoch():
    model = CollaborationModel(advisor="TR", rng=1, adb_drift=[0.0, -1.0, -3.0], **SMALL)
    shifts = []
    for _ in range(4):
        model.step()
        shifts.append(model.adb_shift())
    assert shifts == [0.0, -1.0, -3.0, -3.0]
    linear = CollaborationModel(advisor="TR", rng=1, adb_drift=0.5, **SMALL)
    linear.step()
    linear.step()
    assert linear.adb_shift() == pytest.approx(0.5)


def test_experts_differ_in_accuracy_when_drawn_from_distributions():
    model = CollaborationModel(
        advisor="Task-only",
        rng=5,
        domain_options={
            "expert_distributions": {"easy_accuracy": (0.6, 0.99), "hard_accuracy": (0.3, 0.8)}
        },
        **{**SMALL, "n_experts": 4},
    )
    model.step()
    frame = model.datacollector.get_agenttype_vars_dataframe(ExpertAgent)
    accuracy = frame.xs(1, level="Step")["eval_accuracy"]
    assert accuracy.nunique() == 4 and accuracy.max() - accuracy.min() > 0.03
    assert {"trust", "kind", "eval_team_utility"} <= set(frame.columns)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"audit_share": 1.5}, "audit_share"),
        ({"audit_delay": -1}, "audit_delay"),
        ({"exploration": -0.1}, "exploration"),
        ({"trust_rate": float("nan")}, "trust_rate"),
        ({"adb_drift": [0.0, float("inf")]}, "adb_drift"),
        ({"advisor": ["TR", "Task-only"], "n_advisors": 3}, "n_advisors"),
        ({"domain_options": {"annealing_targets": "truth"}}, "annealing_targets"),
        ({"domain_options": {"colour": "red"}}, "domain_options.colour"),
    ],
)
def test_bad_loop_settings_name_the_field(kwargs, field):
    with pytest.raises(ConfigError) as error:
        CollaborationModel(**{**SMALL, "rng": 0, **kwargs})
    assert error.value.field == field


def _observation(epoch: int, n: int, expert: int = 1) -> EpochObservation:
    ones = np.ones(n, dtype=bool)
    return EpochObservation(
        epoch=epoch,
        expert=expert,
        group="g",
        features=pd.DataFrame({"x": np.arange(n, dtype=float)}),
        h=np.zeros(n, dtype=int),
        c_h=np.full(n, 0.5),
        advised=ones,
        explored=~ones,
        y_hat=np.ones(n, dtype=int),
        c_m=np.full(n, 0.8),
        contradicted=np.array([True, True, False, False][:n] + [False] * max(0, n - 4)),
        accepted=~ones,
        d=np.zeros(n, dtype=int),
    )


def test_audit_history_adds_older_audited_cases_with_their_truth():
    ledger = FirmLedger(window=1)
    old, new = _observation(epoch=1, n=4, expert=1), _observation(epoch=2, n=3, expert=1)
    ledger.record([old])
    ledger.record([new])  # the window now holds epoch 2 only
    ledger.learn([RevealedOutcome(old, np.array([0, 3]), np.array([1, 0]), revealed_at=2)])
    plain = ledger.training_set()
    assert len(plain.y_audit) == 3 and np.isnan(plain.y_audit).all()
    assert len(plain.audit) == 2  # older audits still feed the models of the expert
    extended = ledger.training_set(audit_history=True)
    np.testing.assert_array_equal(extended.y_audit[3:], [1, 0])
    assert [len(x) for x in extended.features] == [3, 2]
    np.testing.assert_array_equal(extended.observed["h"][3:], old.h[[0, 3]])


def test_the_firm_trains_on_audit_history_when_asked():
    model = CollaborationModel(
        advisor="TR", rng=2, audit_share=0.2, audit_delay=1, audit_history=True, **SMALL
    )
    for _ in range(3):
        model.step()
    entry = model.firm.retrain_log[-1]
    # after epoch 2: the window (epoch 2, 100 rows) plus epoch 1's audited rows revealed late
    assert len(np.concatenate(entry["labels"])) > model.cases_per_epoch
    assert np.isfinite(entry["audited"]).sum() > 0


def test_the_evaluation_cases_never_reach_the_firm():
    # u and Φ(u) are measured on held-out cases: none of them is ever among the firm's rows
    model = CollaborationModel(advisor="TR", rng=6, **SMALL)
    model.step()
    model.step()
    evaluation = model.evaluation.features
    recorded = pd.concat([o.features for epoch in model.firm.ledger.epochs for o in epoch])
    assert not set(map(tuple, recorded.to_numpy())) & set(map(tuple, evaluation.to_numpy()))
    assert len(recorded) == model.cases_per_epoch


def _claimed_minus_true_precision(model: CollaborationModel) -> float:
    """Task-only's claimed rule precision (its c^M) minus its precision on held-out truth."""
    from hmlsim.advisors.rules import coverage_matrix

    (advisor,) = model.advisors
    estimator, test = advisor.advisor.estimator, model.evaluation
    covered = coverage_matrix(
        estimator.rules_, test.features.to_numpy(float), estimator.feature_names_in_
    )
    used = np.flatnonzero(covered.any(axis=0))
    claimed = np.mean([estimator.rules_[k].precision for k in used])
    return float(claimed - np.mean([test.truth[covered[:, k]].mean() for k in used]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_task_only_confidence_is_inflated_by_labels_its_own_advice_made(seed):
    # the spiral's mechanism: task-only's confidence c^M is its rules' precision on the
    # firm's labels; trained on noisy truth before deployment it claims about what it
    # achieves (within 0.1, either sign: seeds 0-8 gave -0.05 to +0.09), but once
    # retrained on final decisions its own accepted advice shaped, it over-claims by
    # 0.1 or more beyond that (seeds 0-8: +0.11 to +0.33 after four epochs)
    model = CollaborationModel(advisor="Task-only", rng=seed, **{**SMALL, "cases_per_epoch": 200})
    before = _claimed_minus_true_precision(model)
    for _ in range(4):
        model.step()
    after = _claimed_minus_true_precision(model)
    assert abs(before) < 0.1 and after > before + 0.1
    assert model.datacollector.get_model_vars_dataframe()["acceptance_rate"].iloc[-1] > 0.85
