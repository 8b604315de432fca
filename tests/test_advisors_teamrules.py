"""TeamRules estimators: conventions, variants, degenerate inputs, advice and the gate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from hmlsim.advisors.loss import decision_loss
from hmlsim.advisors.rules import CandidateRules, RuleCandidates
from hmlsim.advisors.teamrules import (
    VARIANTS,
    SelectiveOnlyAdvisor,
    TaskOnlyAdvisor,
    TeamRulesAdvisor,
    make_advisor,
)
from hmlsim.behaviour.adb import accept_probability
from hmlsim.errors import ConfigError

FAST = dict(n_iter=300, n_trees_per_length=10)


@pytest.fixture(scope="module")
def data(expert_task):
    return expert_task(400, random_state=4, noise_seed=0, hard_feature=1, p_base=0.2, p_slope=0.6)


def test_params_round_trip_and_clone():
    tr = TeamRulesAdvisor(alpha=0.3, loss_weights=(1.0, 3.0), use_adb=False, random_state=5)
    params = tr.get_params()
    assert params["alpha"] == 0.3 and params["loss_weights"] == (1.0, 3.0)
    twin = clone(tr)
    assert twin.get_params() == params and twin is not tr
    twin.set_params(alpha=0.1, n_iter=10)
    assert twin.alpha == 0.1 and twin.n_iter == 10 and tr.alpha == 0.3
    for variant in VARIANTS:
        est = make_advisor(variant, alpha=0.2)
        assert clone(est).get_params() == est.get_params()


def test_init_stores_without_validating():
    tr = TeamRulesAdvisor(alpha=-1.0, loss_weights=(0, 1))  # checks happen in fit
    assert tr.alpha == -1.0


def test_bad_alpha_and_loss_weights_raise_in_fit(data):
    X, y, h, c_h, p_y, _ = data
    with pytest.raises(ConfigError) as err:
        TeamRulesAdvisor(alpha=-0.1, **FAST).fit(X, y, h, c_h, accept_probability, p_y=p_y)
    assert err.value.field == "alpha"
    with pytest.raises(ConfigError) as err:
        TeamRulesAdvisor(loss_weights=(1, 0), **FAST).fit(X, y, h, c_h, accept_probability, p_y=p_y)
    assert err.value.field == "loss_weights"
    with pytest.raises(ConfigError) as err:
        TeamRulesAdvisor(**FAST).fit(X, y, h, c_h, None, p_y=p_y)
    assert err.value.field == "p_accept_model"
    with pytest.raises(ConfigError) as err:
        TeamRulesAdvisor(**FAST).fit(X, y, h[:-1], c_h, accept_probability, p_y=p_y)
    assert err.value.field == "h"


def test_fit_returns_self_learns_rules_and_is_reproducible(data):
    X, y, h, c_h, p_y, cands = data
    tr = TeamRulesAdvisor(alpha=0.05, random_state=3, **FAST)
    assert tr.fit(X, y, h, c_h, accept_probability, p_y=p_y, candidates=cands) is tr
    assert tr.rules_ and tr.n_iter_ == 300
    assert tr.train_loss_ < decision_loss(y, h).mean()
    again = TeamRulesAdvisor(alpha=0.05, random_state=3, **FAST).fit(
        X, y, h, c_h, accept_probability, p_y=p_y, candidates=cands
    )
    assert again.rules_ == tr.rules_ and again.train_loss_ == tr.train_loss_
    a1, a2 = tr.advise(X, h, c_h, p_y=p_y), again.advise(X, h, c_h, p_y=p_y)
    assert np.array_equal(a1.y_hat, a2.y_hat)


def test_mining_inside_fit_is_seeded(data):
    X, y, h, c_h, p_y, _ = data
    fits = [
        TeamRulesAdvisor(alpha=0.05, random_state=8, **FAST).fit(
            X, y, h, c_h, accept_probability, p_y=p_y
        )
        for _ in range(2)
    ]
    assert fits[0].rules_ == fits[1].rules_


def test_advice_carries_rule_and_confidence(data):
    X, y, h, c_h, p_y, cands = data
    tr = TeamRulesAdvisor(alpha=0.02, random_state=3, **FAST).fit(
        X, y, h, c_h, accept_probability, p_y=p_y, candidates=cands
    )
    advice = tr.advise(X, h, c_h, p_y=p_y)
    offered = np.flatnonzero(advice.advise)
    assert offered.size > 0
    assert np.all(advice.y_hat[offered] != h[offered])  # TR only speaks to disagree
    assert np.array_equal(advice.y_hat[~advice.advise], h[~advice.advise])
    assert np.isnan(advice.c_model[~advice.advise]).all()
    for i in offered[:20]:
        rule = advice.rules[advice.rule_index[i]]
        assert rule.label == advice.y_hat[i]
        assert advice.c_model[i] == pytest.approx(rule.precision)
        assert rule.covers(X[i : i + 1], tr.feature_names_in_)[0]
        assert str(rule) in advice.explain(i)
    assert advice.explain(int(np.flatnonzero(~advice.advise)[0])).startswith("no advice")


def test_variants_behave_as_their_assumptions(data):
    X, y, h, c_h, p_y, cands = data
    common = dict(random_state=3, **FAST)
    fit = dict(p_y=p_y, candidates=cands)
    no_cost = TeamRulesAdvisor(alpha=0.4, use_cost=False, **common).fit(
        X, y, h, c_h, accept_probability, **fit
    )
    assert no_cost.alpha_train_ == 0.0
    no_adb = TeamRulesAdvisor(alpha=0.1, use_adb=False, **common).fit(X, y, h, c_h, **fit)
    assert no_adb.accept_ is None
    dear = TeamRulesAdvisor(alpha=0.4, **common).fit(X, y, h, c_h, accept_probability, **fit)
    cheap = TeamRulesAdvisor(alpha=0.0, **common).fit(X, y, h, c_h, accept_probability, **fit)
    assert (
        dear.advise(X, h, c_h, p_y=p_y).advise.sum() < cheap.advise(X, h, c_h, p_y=p_y).advise.sum()
    )


def test_task_only_advises_everywhere_with_eq14_confidence(data):
    X, y, h, _, _, cands = data
    to = TaskOnlyAdvisor(random_state=0, **FAST).fit(X, y, candidates=cands)
    advice = to.advise(X, h)
    assert advice.advise.all()
    assert np.array_equal(advice.y_hat, to.predict(X))
    assert to.train_accuracy_ == pytest.approx((to.predict(X) == y).mean())
    assert to.train_accuracy_ > 0.8
    zero = advice.y_hat == 0
    assert np.allclose(advice.c_model[zero], (y[zero] == 0).mean())  # NPV of uncovered region
    assert np.allclose(
        advice.c_model[~zero], [advice.rules[k].precision for k in advice.rule_index[~zero]]
    )


def test_selective_only_offers_a_subset_of_task_only_advice(data):
    X, y, h, c_h, p_y, cands = data
    to = TaskOnlyAdvisor(random_state=0, **FAST).fit(X, y, candidates=cands)
    so = SelectiveOnlyAdvisor(alpha=0.1).fit(
        X, y, p_accept_model=accept_probability, p_y=p_y, task_only=to
    )
    advice, base = so.advise(X, h, c_h, p_y=p_y), to.advise(X, h)
    assert advice.advise.sum() < (base.y_hat != h).sum()
    assert np.array_equal(advice.y_hat[advice.advise], base.y_hat[advice.advise])
    assert np.all(advice.y_hat[advice.advise] != h[advice.advise])


def test_no_surviving_candidates_gives_an_advisor_that_never_advises(data):
    X, y, h, c_h, p_y, cands = data
    # (min_support=1.0 does not empty the candidates here: on this data a range of
    # x5 covers every class-0 row with precision above the base rate, and survives)
    none = RuleCandidates(
        CandidateRules.empty(len(y), 0), CandidateRules.empty(len(y), 0), cands.feature_names
    )
    tr = TeamRulesAdvisor(random_state=0, **FAST).fit(
        X, y, h, c_h, accept_probability, p_y=p_y, candidates=none
    )
    assert tr.rules_ == ()
    advice = tr.advise(X, h, c_h, p_y=p_y)
    assert not advice.advise.any() and np.array_equal(advice.y_hat, h)


def test_one_class_labels_give_an_empty_advisor(data):
    X, _, h, c_h, _, _ = data
    ones = np.ones(len(h), int)
    tr = TeamRulesAdvisor(random_state=0, **FAST).fit(X, ones, h, c_h, accept_probability)
    assert tr.rules_ == () and not tr.advise(X, h, c_h).advise.any()
    to = TaskOnlyAdvisor(random_state=0, **FAST).fit(X, ones)
    assert (to.predict(X) == 1).all()


def test_gate_switches_off_a_harmful_advisor(data):
    X, y, h, c_h, p_y, cands = data
    tr = TeamRulesAdvisor(alpha=0.0, use_adb=False, random_state=3, **FAST).fit(
        X, y, h, c_h, p_y=p_y, candidates=cands
    )
    # a correction saves a quarter (λ = 0.25) and each contradiction costs α = 1, the most α
    # may be: advice only loses value
    accept_all = lambda cm, ch: np.ones_like(cm)  # noqa: E731
    tr.gate(X, y, h, c_h, accept_all, alpha=1.0, loss_weights=(0.25, 0.25), rng=0, p_y=p_y)
    assert tr.gated_ and tr.gate_value_ < 0
    assert not tr.advise(X, h, c_h, p_y=p_y).advise.any()
    tr.gate(
        X,
        y,
        np.stack([h, h]),
        np.stack([c_h, c_h]),
        lambda cm, ch: np.ones_like(cm),
        alpha=0.0,
        rng=0,
        p_y=p_y,
    )
    assert not tr.gated_ and tr.gate_value_ > 0


def test_unfitted_advisor_says_so():
    with pytest.raises(ConfigError):
        TeamRulesAdvisor().advise(np.ones((2, 2)), [0, 1], [0.5, 0.5])
    with pytest.raises(ConfigError) as err:
        make_advisor("TR-magic")
    assert err.value.field == "variant"


def test_accept_function_asks_the_model_only_for_new_pairs_and_returns_its_values():
    from hmlsim.advisors.advisor_base import _accept_function

    def formula(c_model, c_human):
        return 0.3 * np.asarray(c_model) + 0.5 * np.asarray(c_human) ** 2

    calls = []

    def model(c_model, c_human):
        calls.append(len(c_model))
        return formula(c_model, c_human)

    accept = _accept_function(model)
    rng = np.random.default_rng(0)
    cm = rng.choice([0.6, 0.75, 0.9], size=400)
    ch = rng.choice([0.2, 0.9, 1.0], size=400)
    assert np.array_equal(accept(cm, ch), formula(cm, ch))
    assert calls == [9]  # the distinct pairs, once
    assert np.array_equal(accept(cm[::-1], ch[::-1]), formula(cm[::-1], ch[::-1]))
    assert calls == [9]  # every pair remembered
    new_cm, new_ch = np.array([0.5, 0.6]), np.array([0.2, 0.2])
    assert np.array_equal(accept(new_cm, new_ch), formula(new_cm, new_ch))
    assert calls == [9, 1]


def test_accept_memo_starts_afresh_when_full_and_keeps_its_values(monkeypatch):
    import hmlsim.advisors.advisor_base as advisor_base

    monkeypatch.setattr(advisor_base, "ACCEPT_MEMO_SIZE", 5)
    accept = advisor_base._accept_function(lambda cm, ch: np.asarray(cm) * 10 + np.asarray(ch))
    first = accept(np.array([0.1, 0.2, 0.3]), np.array([1.0, 1.0, 1.0]))
    both = accept(np.array([0.1, 0.4, 0.5, 0.6]), np.array([1.0, 2.0, 2.0, 2.0]))
    assert np.allclose(first, [2.0, 3.0, 4.0]) and np.allclose(both, [2.0, 6.0, 7.0, 8.0])
    assert np.allclose(accept(np.array([np.nan, 0.1]), np.array([1.0, 1.0]))[1], 2.0)


def test_remembered_coverage_follows_the_rows_and_the_rules(data):
    """Advice reuses the rules' coverage of rows it has seen, and only of those rows."""
    X, y, h, c_h, p_y, cands = data
    tr = TeamRulesAdvisor(alpha=0.02, random_state=3, **FAST).fit(
        X, y, h, c_h, accept_probability, p_y=p_y, candidates=cands
    )
    first = tr.advise(X, h, c_h, p_y=p_y)
    shuffled = np.random.default_rng(0).permutation(len(y))
    moved = tr.advise(X[shuffled], h[shuffled], c_h[shuffled], p_y=p_y[shuffled])
    assert np.array_equal(moved.y_hat, first.y_hat[shuffled])  # new rows: computed afresh
    fresh = TeamRulesAdvisor(alpha=0.02, random_state=3, **FAST).fit(
        X, y, h, c_h, accept_probability, p_y=p_y, candidates=cands
    )
    assert np.array_equal(
        tr.advise(X, h, c_h, p_y=p_y).y_hat, fresh.advise(X, h, c_h, p_y=p_y).y_hat
    )
    assert len(tr.rules_pos_) > 1
    tr.rules_pos_, tr.rules_neg_ = tr.rules_pos_[:1], ()  # other rules, same rows
    tr.rules_ = tr.rules_pos_
    one = tr.advise(X, h, c_h, p_y=p_y)
    covers = tr.rules_pos_[0].covers(X, tr.feature_names_in_)
    assert (
        one.advise.any() and np.all(covers[one.advise]) and np.all(one.rule_index[one.advise] == 0)
    )
