"""The claims ledger: written from the paper, complete, and read from the right rows."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hmlsim.advisors import HUMAN, VARIANTS
from hmlsim.errors import ConfigError
from hmlsim.reproduce.claims import headline, judge_claim, judge_ledger
from hmlsim.reproduce.claims_ledger import (
    figure_panels,
    ledger_path,
    load_ledger,
    per_run,
)
from hmlsim.reproduce.report import compute_claims
from hmlsim.reproduce.units import C1_ALPHAS, FIGURE2_ALPHAS

PAPER = Path(__file__).resolve().parents[2] / "shared" / "papers" / "value-of-ai-advice.txt"
SPECS = load_ledger(ledger_path("teamrules"))
BY_ID = {s.id: s for s in SPECS}


def _normal(text: str) -> str:
    for fancy, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("−", "-")):
        text = text.replace(fancy, plain)
    return re.sub(r"\s+", " ", text).lower()


def test_the_ledger_covers_the_paper_with_every_field():
    assert len(SPECS) >= 100
    for spec in SPECS:
        assert spec.quote and spec.where and spec.test and spec.kind and spec.quantity
        assert spec.margin >= 0
        if spec.kind != "result":
            assert spec.reason, spec.id
    # the published results an earlier ledger missed are claims now
    for claim_id in (
        "figure2/heart/group+group/tr_no_adb_diminishes_at_high_alpha",
        "figure2/fico/difficulty+accuracy/tr_no_adb_diminishes_at_high_alpha",
        "case_study/doctor_a/others_cannot_add_value",
        "case_study/doctor_b/tr_more_advice_than_for_a",
        "c1/heart/group+group/alternatives_diminish_human",
        "c5/heart/ungated_tr_can_diminish",
        "table4/has_disease/tr",
        "table4/no_disease/tr_no_adb",
        "table4/all/task_only",
        "table4/tr_greatest_reduction_in_false_negatives",
        "case_study/doctor_a/tr_highly_selective",
        "case_study/doctor_a/tr_advice_more_accurate",
        "case_study/doctor_a/tr_advice_more_confident",
        "case_study/doctor_a/alternatives_lose_on_men",
        "case_study/doctor_a/tr_conservative_on_men",
    ):
        assert claim_id in BY_ID, claim_id


@pytest.mark.skipif(not PAPER.is_file(), reason="the paper's text is not beside the repository")
def test_every_quote_is_the_papers_own_words():
    paper = _normal(PAPER.read_text())
    for spec in SPECS:
        if (
            spec.test == "number" and "Table 4" in spec.where
        ):  # a transcribed cell: its numbers are the paper's
            assert f"{spec.paper:.3f}" in paper and f"{spec.paper_se:.3f}" in paper
            continue
        for fragment in re.split(r"\.\.\.|\[[^\]]*\]", spec.quote):
            fragment = fragment.strip(" .,")
            assert not fragment or _normal(fragment) in paper, (spec.id, fragment)


def test_the_two_misstated_families_say_what_the_paper_says():
    rivals = BY_ID["figure2/heart/group+group/tr_comparable_or_better_than_every_rival"]
    labels = " ".join(rivals.parts)
    assert "TR-SelectiveOnly" not in labels and "Task-only" in labels
    assert rivals.test == "non_inferiority"  # "where not superior, perform comparably"
    matches = BY_ID["figure2/heart/group+group/tr_no_adb_matches_tr_at_alpha_0"]
    assert matches.test == "equivalence" and "alpha=0.0" in matches.quantity
    # a result never holds a part the arithmetic forces: TR-no(ADB) at α = 1 is its own
    # by-construction claim, not a part of "the alternatives greatly diminish"
    alternatives = BY_ID["c1/heart/group+group/alternatives_diminish_human"].parts
    assert "alpha=1.0, rival=TR-no(ADB)" not in alternatives and len(alternatives) == 14
    assert BY_ID["c1/tr_no_adb_silent_at_alpha_1"].kind == "by_construction"
    refrains = BY_ID["c1/tr_generally_refrains"]
    assert refrains.combine == "pooled" and "alpha=0.6" not in refrains.quantity
    assert not any(s.id.startswith("c1/") and "withholds" in s.id for s in SPECS)


def test_claims_that_cannot_fail_are_kept_out_of_the_headline():
    kinds = {s.id: s.kind for s in SPECS}
    assert kinds["c1/heart/group+group/task_only_diminishes_human"] == "by_construction"
    assert kinds["figure2/heart/group/human_accuracy"] == "setup"
    assert kinds["table4/all/human"] == "setup"
    assert kinds["table4/all/tr"] == "result"


# ----------------------------------------------------------------------------- synthetic runs

SPLITS = range(20, 30)


def _figure2_values(value) -> pd.DataFrame:
    """Every panel × α × run × variant, ``added_value = value(panel, alpha, variant, split)``."""
    rows = []
    for (letter, (dataset, behaviour)), alpha, split, variant in itertools.product(
        figure_panels().items(), FIGURE2_ALPHAS + C1_ALPHAS, SPLITS, (*VARIANTS, HUMAN)
    ):
        noise = 0.0005 * np.sin(split * 7.0 + len(variant))
        rows.append(
            {
                "dataset": dataset,
                "decision": behaviour,
                "split_seed": split,
                "variant": variant,
                "alpha": alpha,
                "group": "all",
                "added_value": 0.0 if variant == HUMAN else value(letter, alpha, variant) + noise,
                "advising_rate": 0.01 if variant == "TR" else 0.4,
                "advising_accuracy": 0.55,
                "human_accuracy": 0.8,
            }
        )
    return pd.DataFrame(rows)


def test_each_panel_claim_reads_its_own_panels_rows():
    """Artefact check: a claim about panel b must not read panel a's (or all panels') rows."""
    values = _figure2_values(lambda letter, alpha, v: "abcdefghi".index(letter) / 100)
    for letter, (dataset, behaviour) in figure_panels().items():
        spec = BY_ID[f"figure2/{dataset}/{behaviour}/tr_does_not_diminish_human"]
        series = per_run(spec.quantity, values, spec.filters, spec.parts["alpha=0.3"])
        assert series.index.tolist() == list(SPLITS)
        assert series.mean() == pytest.approx("abcdefghi".index(letter) / 100, abs=1e-3)


def test_verdicts_follow_the_runs_when_tr_leads_and_when_a_rival_leads():
    def tr_ahead(letter, alpha, variant):
        if variant == "TR":
            return 0.05 if alpha <= 0.5 else 0.0
        if variant == "TR-no(ADB)" and alpha == 0.0:
            return 0.05  # matches TR where engagement is free
        return -0.05  # the others diminish value

    claims = {c.id: c for c in judge_ledger({"figure2_values": _figure2_values(tr_ahead)})}
    for dataset, behaviour in figure_panels().values():
        key = f"figure2/{dataset}/{behaviour}"
        assert claims[f"{key}/tr_comparable_or_better_than_every_rival"].verdict == "holds"
        assert claims[f"{key}/tr_no_adb_matches_tr_at_alpha_0"].verdict == "holds"
        assert claims[f"{key}/adb_essential_at_high_alpha"].verdict == "holds"
        assert claims[f"c1/{dataset}/{behaviour}/alternatives_diminish_human"].verdict == "holds"
    assert claims["c1/tr_generally_refrains"].verdict == "holds"  # rate 0.01 < 0.05

    def rival_ahead(letter, alpha, variant):
        return {"TR": 0.0, "TR-no(ADB)": 0.03}.get(variant, -0.05)

    claims = {c.id: c for c in judge_ledger({"figure2_values": _figure2_values(rival_ahead)})}
    worse = claims["figure2/hr/group+group/tr_comparable_or_better_than_every_rival"]
    assert worse.verdict == "deviates" and "TR-no(ADB)" in worse.decided_by
    assert worse.hmlsim == pytest.approx(-0.03, abs=2e-3)
    assert claims["figure2/hr/group+group/tr_no_adb_matches_tr_at_alpha_0"].verdict == "deviates"


def test_a_by_construction_claim_never_enters_the_headline():
    values = _figure2_values(lambda letter, alpha, v: -0.05)
    claims = judge_ledger({"figure2_values": values})
    arithmetic = [c for c in claims if c.kind == "by_construction"]
    # task-only loses at every α >= 0.7 here, as its arithmetic forces
    assert all(c.verdict == "holds" for c in arithmetic if "task_only" in c.id)
    results = [c for c in claims if c.kind == "result"]
    assert sum(headline(claims).values()) == len(results)
    assert headline(claims)["holds"] == sum(c.verdict == "holds" for c in results)


def test_claims_without_their_runs_are_not_run_with_the_reason():
    values = _figure2_values(lambda letter, alpha, v: 0.01)
    values = values[values["dataset"] != "fico"]
    claims = compute_claims(
        {"figure2_values": values}, ["figure2/heart/20"], "set HMLSIM_FICO_PATH"
    )
    fico = [c for c in claims if "/fico/" in c.id]
    assert fico and all(c.verdict == "not_run" and "HMLSIM_FICO_PATH" in c.reason for c in fico)
    assert all(c.verdict == "not_run" for c in claims if c.id.startswith(("table4", "c5/heart")))
    # a claim pooled over panels still runs on the panels that ran
    assert next(c for c in claims if c.id == "c1/tr_generally_refrains").verdict != "not_run"


def test_one_run_makes_every_claim_inconclusive():
    values = _figure2_values(lambda letter, alpha, v: 0.05 if v == "TR" else -0.05)
    one = values[values["split_seed"] == 20]
    claims = [c for c in judge_ledger({"figure2_values": one}) if c.verdict != "not_run"]
    assert claims and all(c.verdict == "inconclusive" for c in claims)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"quote": None}, "quote"),
        ({"kind": "finding"}, "kind"),
        ({"test": "better"}, "test"),
        ({"kind": "setup"}, "reason"),
        ({"test": "number"}, "paper"),
        ({"margin": -1}, "margin"),
        ({"colour": "red"}, "colour"),
        ({"quantity": "TR minus rival"}, "quantity"),
    ],
)
def test_a_bad_ledger_entry_is_refused_naming_the_claim_and_field(tmp_path, entry, field):
    good = {
        "id": "x/y",
        "where": "Figure 2",
        "quote": "adds the most",
        "kind": "result",
        "quantity": "added_value[TR] - added_value[Task-only]",
        "test": "superiority",
        "margin": 0,
    }
    claim = {k: v for k, v in {**good, **entry}.items() if v is not None}
    lines = ["[[claim]]"] + [
        f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {v}"
        for k, v in claim.items()
    ]
    path = tmp_path / "ledger.toml"
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=rf"claim\[0\] \(x/y\)\.{field}"):
        load_ledger(path)


def test_a_number_claim_uses_the_papers_se_and_names_its_source():
    spec = BY_ID["table4/all/tr"]
    rows = [
        {"split_seed": s, "variant": "TR", "alpha": 0.0, "group": "all", "ttl": 0.231 + d}
        for s, d in zip(range(20), np.linspace(-0.01, 0.01, 20), strict=True)
    ]
    claim = judge_claim(spec, {"table4_values": pd.DataFrame(rows)})
    assert claim.paper == 0.231 and claim.paper_se == 0.006
    assert "Table 4" in claim.paper_se_source
    assert claim.verdict == "holds" and claim.mde > 0


def test_the_knapsack_ledger_shares_the_claim_fields_and_kinds():
    """Both papers' claims carry the same fields and kinds (their test vocabularies differ:
    the knapsack study's rung and trend tests have no counterpart in TeamRules')."""
    import tomllib

    from hmlsim.reproduce.claims_ledger import REQUIRED
    from hmlsim.reproduce.verdicts import KINDS

    knapsack = tomllib.loads(ledger_path("knapsack").read_text())["claim"]
    assert len(knapsack) >= 15
    for claim in knapsack:
        assert set(REQUIRED) <= set(claim), claim["id"]
        assert claim["kind"] in KINDS and claim["quote"]
        assert claim["kind"] == "result" or claim.get("reason")
    ids = [c["id"] for c in knapsack] + [s.id for s in SPECS]
    assert len(ids) == len(set(ids))


def test_exclude_may_only_name_keys_of_over(tmp_path):
    entry = """[[claim]]
id = "x/y"
where = "Figure 5"
quote = "greatly diminish"
kind = "result"
quantity = "-added_value[{rival}]"
over = { rival = ["A", "B"] }
exclude = [{ alpha = 1.0 }]
test = "superiority"
margin = 0
"""
    path = tmp_path / "ledger.toml"
    path.write_text(entry)
    with pytest.raises(ConfigError, match=r"claim\[0\]\.exclude"):
        load_ledger(path)
    path.write_text(entry.replace("alpha = 1.0", 'rival = "B"'))
    assert list(load_ledger(path)[0].parts) == ["rival=A"]


def test_a_claim_over_every_alpha_cannot_hold_on_some_alphas_only():
    """Artefact check: a run of fewer α than the sentence covers never confirms it."""
    values = _figure2_values(lambda letter, alpha, v: 0.05 if v == "TR" else -0.05)
    some = values[values["alpha"].isin([0.0, 0.1])]
    full = {c.id: c for c in judge_ledger({"figure2_values": values})}
    part = {c.id: c for c in judge_ledger({"figure2_values": some})}
    key = "figure2/heart/group+group/tr_does_not_diminish_human"
    assert full[key].verdict == "holds"
    assert part[key].verdict == "inconclusive" and "alpha=0.5" in part[key].reason
    # a part that fails still sinks it: the missing α cannot rescue an "all"
    worse = values.assign(
        added_value=np.where(values["variant"] == "TR", -0.05, values["added_value"])
    )
    worse = worse[worse["alpha"].isin([0.0, 0.1])]
    assert {c.id: c for c in judge_ledger({"figure2_values": worse})}[key].verdict == "deviates"
