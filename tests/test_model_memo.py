"""Fits computed once and reused only where their inputs and generator state are identical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hmlsim.model.domains.classification import ClassificationDomain
from hmlsim.model.memo import FitMemo, fingerprint
from hmlsim.scenarios import performative_advisors as study

SMALL = {"dataset": "heart", "n_iter": 20, "n_trees": 5}


def test_fingerprint_reads_content_not_identity():
    a, b = np.arange(6.0), np.arange(6.0)
    assert fingerprint(a, {"x": 1}) == fingerprint(b, {"x": 1})
    assert fingerprint(a) != fingerprint(a.astype(int))  # the dtype is content too
    assert fingerprint(np.random.default_rng(1)) != fingerprint(np.random.default_rng(2))
    frame = pd.DataFrame({"u": [1.0, 2.0]})
    assert fingerprint(frame) != fingerprint(frame.rename(columns={"u": "v"}))


def test_the_first_advisor_is_fitted_once_per_seed_and_expert():
    """C.5's reuse, for the loop: the same inputs give the same object; another seed or
    another expert refits; TR+expertise without audits is TR's fit under its own name."""
    memo = FitMemo()
    domain = ClassificationDomain(**SMALL, fit_memo=memo, rng=np.random.default_rng(0))
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    first = domain.initial_advisor(rng_a, "TR")
    again = domain.initial_advisor(rng_b, "TR")
    assert again.estimator is first.estimator and (memo.hits, memo.misses) == (1, 1)
    assert rng_a.random() == rng_b.random()  # the reuse left the generator where the fit did
    expertise = domain.initial_advisor(np.random.default_rng(5), "TR+expertise")
    assert expertise.estimator is first.estimator and expertise.variant == "TR+expertise"
    assert first.variant == "TR"
    reseeded = domain.initial_advisor(np.random.default_rng(6), "TR")
    assert reseeded.estimator is not first.estimator
    other = ClassificationDomain(
        **SMALL, decision="group", fit_memo=memo, rng=np.random.default_rng(0)
    )
    assert other.initial_advisor(np.random.default_rng(5), "TR").estimator is not first.estimator
    # the memo only saves work: a domain without one fits the same advisor
    plain = ClassificationDomain(**SMALL, rng=np.random.default_rng(0))
    alone = plain.initial_advisor(np.random.default_rng(5), "TR")
    assert alone.estimator is not first.estimator
    assert alone.estimator.rules_ == first.estimator.rules_


TINY = study.Config(
    datasets=("heart",),
    advisors=("TR", "TR+expertise", "Task-only"),
    retrainings=("window", "warm-start"),
    decisions=("difficulty",),
    alphas=(0.1,),
    audit_shares=(0.0, 0.3),
    initial_qualities=(0.7,),
    replicates=1,
    epochs=3,
    cases_per_epoch=60,
    n_experts=2,
    n_iter=15,
    audit_delay=0,
    patience=1,
)


def test_runs_sharing_fits_equal_runs_fitting_alone():
    shared = study.run(TINY, reuse_fits=True)
    alone = study.run(TINY, reuse_fits=False)
    for name in ("runs", "learning_paths"):
        pd.testing.assert_frame_equal(shared.tables[name], alone.tables[name])


def test_tr_expertise_without_audits_is_tr_fit_for_fit():
    memo = FitMemo()
    point = {
        "dataset": "heart",
        "decision": "difficulty",
        "alpha": 0.1,
        "audit_share": 0.0,
        "initial_quality": 0.7,
        "repetition": 0,
        "data_path": None,
        "fit_memo": memo,
    }
    tr, _ = study.run_one(TINY, advisor="TR", **point)
    fitted = memo.misses
    expertise, _ = study.run_one(TINY, advisor="TR+expertise", **point)
    assert memo.misses == fitted  # every fit of TR+expertise was TR's
    same = [c for c in tr.columns if c != "advisor"]
    pd.testing.assert_frame_equal(tr[same], expertise[same])
    assert set(expertise["advisor"]) == {"TR+expertise"}


@pytest.mark.parametrize("name", ["TR", "TR+expertise", "TR-no(ADB)", "Task-only", "TR-literal"])
def test_every_study_advisor_computes_what_its_name_says(name):
    """No run named TR computes TR+expertise: with ≥ min_audit audited rows TR's ψ stays
    the paper's, TR+expertise's uses the expertise model, TR-literal scores against d."""
    config = study.Config(**{**TINY.__dict__, "cases_per_epoch": 100, "n_experts": 2})
    model = study.make_model(
        config,
        dataset="heart",
        decision="difficulty",
        advisor=name,
        alpha=0.1,
        audit_share=0.5,
        initial_quality=0.7,
        repetition=0,
        data_path=None,
    )
    model.step()
    model.step()  # retrained on epoch 1 with its 50 audited rows revealed (delay 0)
    (agent,) = model.advisors
    firm = agent.advisor
    assert model.firm.ledger.n_revealed >= model.domain.min_audit
    assert firm.variant == study.STUDY_ADVISORS[name][0]
    assert model.domain.annealing_targets == study.STUDY_ADVISORS[name][1]
    uses_expertise = firm.estimator.get_params().get("use_expertise", False)
    assert uses_expertise == (name == "TR+expertise")
    expertise_model = getattr(firm.estimator, "expertise_model_", None)
    assert (expertise_model is not None) == (name == "TR+expertise")
    params = firm.estimator.get_params()
    if name == "Task-only":  # accuracy only: no ψ, no p̂(a), advice on every row
        assert "use_adb" not in params and "alpha" not in params
    else:  # p̂(a) ≡ 1 for TR-no(ADB) only
        assert params["use_adb"] == (name != "TR-no(ADB)")
