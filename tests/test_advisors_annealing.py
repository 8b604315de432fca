"""Algorithm 1: the fast annealing equals the per-rule reference and improves on the human."""

from __future__ import annotations

import numpy as np
import pytest

from hmlsim.advisors.annealing import (
    AdvisingProblem,
    anneal_rule_sets,
    anneal_rule_sets_reference,
    selected_loss,
)
from hmlsim.advisors.loss import decision_loss
from hmlsim.advisors.rules import CandidateRules, RuleCandidates
from hmlsim.behaviour.adb import accept_probability
from hmlsim.errors import ConfigError


@pytest.fixture(scope="module")
def problem_parts(expert_task):
    _, y, h, c_h, p_y, cands = expert_task(
        250, random_state=2, noise_seed=5, hard_feature=0, p_base=0.15, p_slope=0.7
    )
    return cands, y, h, c_h, p_y


def make_problem(parts, **kw):
    cands, y, h, c_h, p_y = parts
    return AdvisingProblem(cands, y, h, c_h, p_y, **{"p_accept": accept_probability, **kw})


@pytest.mark.parametrize(
    "kw",
    [
        dict(alpha=0.05),
        dict(alpha=0.0, p_accept=None),
        dict(alpha=0.0, loss_weights=(1.0, 3.0)),
        dict(alpha=0.1, selective=False),
        dict(alpha=0.05, belief=True),
    ],
)
@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_fast_annealing_equals_the_reference(problem_parts, kw, engine):
    kw = dict(kw)
    if kw.pop("belief", False):  # the trainer's belief about y (SPEC D): expected loss
        _, y, _, _, p_y = problem_parts
        kw["y_belief"] = np.where(np.arange(len(y)) % 3 == 0, p_y, y.astype(float))
    problem = make_problem(problem_parts, **kw)
    fast = anneal_rule_sets(problem, n_iter=150, rng=11, rule_penalty=0.001, engine=engine)
    ref = anneal_rule_sets_reference(problem, n_iter=150, rng=11, rule_penalty=0.001)
    assert np.array_equal(fast.pos, ref.pos) and np.array_equal(fast.neg, ref.neg)
    assert np.array_equal(fast.history, ref.history)
    assert fast.fun == ref.fun and fast.nit == ref.nit == 150
    assert fast.n_accepted == ref.n_accepted and np.isclose(fast.ttl, ref.ttl)


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.2])
def test_compiled_engine_takes_the_numpy_engines_moves_over_a_long_search(problem_parts, alpha):
    """Over 1,000 iterations (restarts from the best set included) the two engines agree."""
    problem = make_problem(problem_parts, alpha=alpha)
    runs = [
        anneal_rule_sets(problem, n_iter=1000, rng=3, rule_penalty=0.001, engine=engine)
        for engine in ("numpy", "compiled")
    ]
    assert np.array_equal(runs[0].pos, runs[1].pos) and np.array_equal(runs[0].neg, runs[1].neg)
    assert np.array_equal(runs[0].history, runs[1].history)
    assert np.array_equal(runs[0].best_history, runs[1].best_history)


def test_without_a_p_accept_table_auto_runs_numpy_and_compiled_says_why(problem_parts, monkeypatch):
    """Too many distinct confidences for the table: 'auto' falls back, 'compiled' refuses."""
    import hmlsim.advisors.annealing_state as state

    monkeypatch.setattr(state, "TABLE_LIMIT", 0)
    problem = make_problem(problem_parts, alpha=0.05)
    assert not state.Prepared(problem).has_table
    auto = anneal_rule_sets(problem, n_iter=200, rng=5, rule_penalty=0.001)
    ref = anneal_rule_sets_reference(problem, n_iter=200, rng=5, rule_penalty=0.001)
    assert np.array_equal(auto.pos, ref.pos) and auto.fun == ref.fun
    with pytest.raises(ConfigError, match="table") as err:
        anneal_rule_sets(problem, n_iter=5, engine="compiled")
    assert err.value.field == "engine"


def test_engine_is_checked_and_a_callback_needs_the_numpy_engine(problem_parts):
    problem = make_problem(problem_parts)
    with pytest.raises(ConfigError, match="auto, compiled, numpy") as err:
        anneal_rule_sets(problem, n_iter=5, engine="fast")
    assert err.value.field == "engine"
    with pytest.raises(ConfigError, match="callback") as err:
        anneal_rule_sets(problem, n_iter=5, engine="compiled", callback=lambda *a: None)
    assert err.value.field == "engine"


def test_result_beats_the_human_alone_and_is_reproducible(problem_parts):
    problem = make_problem(problem_parts, alpha=0.05)
    res = anneal_rule_sets(problem, n_iter=400, rng=7)
    _, y, h, _, _ = problem_parts
    human = decision_loss(y, h).mean()
    assert res.ttl < human
    assert np.isclose(res.ttl, selected_loss(problem, res.pos, res.neg))
    assert np.all(np.diff(res.best_history) <= 0)
    again = anneal_rule_sets(problem, n_iter=400, rng=7)
    assert np.array_equal(again.pos, res.pos) and again.fun == res.fun


def test_higher_alpha_advises_less(problem_parts):
    cheap = make_problem(problem_parts, alpha=0.0)
    dear = make_problem(problem_parts, alpha=0.3)
    n_adv = []
    for p in (cheap, dear):
        res = anneal_rule_sets(p, n_iter=400, rng=2)
        from hmlsim.advisors.annealing_state import FastState, Prepared

        state = FastState(Prepared(p))
        state.restore(res.pos, res.neg)
        n_adv.append(state.adv.sum())
    assert n_adv[1] < n_adv[0]


def test_callback_stops_the_search(problem_parts):
    seen = []

    def stop_at_ten(x, f, t):
        seen.append((t, f))
        return t == 9

    res = anneal_rule_sets(make_problem(problem_parts), n_iter=100, rng=0, callback=stop_at_ten)
    assert res.nit == 10 and len(seen) == 10 and res.message == "stopped by callback"


def test_no_candidates_gives_the_empty_set(problem_parts):
    _, y, h, c_h, p_y = problem_parts
    empty = RuleCandidates(CandidateRules.empty(len(y), 1), CandidateRules.empty(len(y), 0), ())
    res = anneal_rule_sets(AdvisingProblem(empty, y, h, c_h, p_y), n_iter=50, rng=0)
    assert res.pos.size == 0 and res.neg.size == 0 and res.nit == 0
    assert np.isclose(res.ttl, decision_loss(y, h).mean())


def test_bad_arguments(problem_parts):
    with pytest.raises(ConfigError) as err:
        make_problem(problem_parts, alpha=-1)
    assert err.value.field == "alpha"
    with pytest.raises(ConfigError) as err:
        make_problem(problem_parts, loss_weights=(1, 0))
    assert err.value.field == "loss_weights"
    with pytest.raises(ConfigError) as err:
        anneal_rule_sets(make_problem(problem_parts), c0=0)
    assert err.value.field == "c0"
    cands, y, h, c_h, p_y = problem_parts
    with pytest.raises(ConfigError) as err:
        AdvisingProblem(cands, y[:-1], h, c_h, p_y)
    assert err.value.field == "y"


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_every_eligible_rule_scored_both_engines_and_the_reference_agree(problem_parts, alpha):
    """``n_proposals=None`` (the authors' add move): the three searches take the same moves."""
    problem = make_problem(problem_parts, alpha=alpha)
    runs = [
        anneal_rule_sets(problem, n_iter=1000, rng=3, n_proposals=None, engine=engine)
        for engine in ("numpy", "compiled")
    ]
    runs.append(anneal_rule_sets_reference(problem, n_iter=300, rng=3, n_proposals=None))
    short = anneal_rule_sets(problem, n_iter=300, rng=3, n_proposals=None, engine="compiled")
    assert np.array_equal(runs[0].pos, runs[1].pos) and np.array_equal(runs[0].neg, runs[1].neg)
    assert np.array_equal(runs[0].history, runs[1].history)
    assert np.array_equal(short.history, runs[2].history)
    assert np.array_equal(short.pos, runs[2].pos) and np.array_equal(short.neg, runs[2].neg)
    # every eligible rule is a sample as large as the candidates of either sign, and
    # not the default sample of 50 (the candidates are many more)
    cands = problem_parts[0]
    most = max(len(cands.pos.rules), len(cands.neg.rules))
    assert most > 50
    whole = anneal_rule_sets(problem, n_iter=1000, rng=3, n_proposals=most, engine="compiled")
    assert np.array_equal(whole.history, runs[1].history)
    sampled = anneal_rule_sets(problem, n_iter=1000, rng=3, engine="compiled")
    assert not np.array_equal(sampled.history, runs[1].history)


@pytest.mark.parametrize("bad", [0, -3, "all", True, 2.5])
def test_n_proposals_is_a_positive_integer_or_none(problem_parts, bad):
    with pytest.raises(ConfigError) as err:
        anneal_rule_sets(make_problem(problem_parts), n_iter=5, n_proposals=bad)
    assert err.value.field == "n_proposals" and "None" in str(err.value)
