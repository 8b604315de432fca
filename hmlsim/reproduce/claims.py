"""Every claim of a paper's ledger judged on the reproduction's tables.

The ledger (:mod:`hmlsim.reproduce.claims_ledger`) says what each claim
measures and how its sentence is tested; this module reads the quantity from
the tables that the units of :mod:`hmlsim.reproduce.units` wrote (concatenated
over runs) and applies the test (:mod:`hmlsim.reproduce.verdicts`).
Comparisons between advisors are paired within runs: the same split, expert
draws and acceptance draws (:func:`hmlsim.advisors.evaluate_advisors`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError
from hmlsim.reproduce.claims_ledger import ClaimSpec, ledger_path, load_ledger, per_run
from hmlsim.reproduce.verdicts import KINDS, VERDICTS, Claim, combine_parts, part_dict


def judge_claim(
    spec: ClaimSpec,
    tables: Mapping[str, pd.DataFrame],
    why_not: Mapping[str, str] | None = None,
    columns: dict[str, dict] | None = None,
    *,
    absent_columns: str = "raise",
) -> Claim:
    """One claim of the ledger judged on ``tables``.

    Parameters
    ----------
    spec : ClaimSpec
        The claim, expanded.
    tables : dict
        The reproduction's tables by name (``figure2_values``, ...).
    why_not : dict, optional
        Dataset -> why its units did not run (the claim is then ``not_run``).
    columns : dict, optional
        Table name -> its converted columns, shared by the claims of one ledger
        (:func:`judge_ledger`).
    absent_columns : {"raise", "not_run"}
        A table without a column the quantity reads: an error (the reproduction,
        whose tables always have them), or ``not_run`` with the reason (a
        scenario's run of fewer advisors or contexts).
    """
    base = {
        "id": spec.id,
        "where": spec.where,
        "quote": spec.quote,
        "kind": spec.kind,
        "quantity": spec.quantity,
        "test": spec.test,
        "combine": spec.combine,
        "margin": spec.margin,
        "paper": spec.paper,
        "paper_se": spec.paper_se,
        "paper_se_source": spec.paper_se_source
        or ("" if spec.test != "number" else "the paper prints no SE for this value"),
        "note": spec.note,
    }
    missing = [d for d in spec.datasets if why_not and d in why_not]
    if missing and len(missing) == len(spec.datasets):
        return Claim(**base, verdict="not_run", reason=_join(spec.reason, why_not[missing[0]]))
    table = tables.get(spec.table)
    if table is None or table.empty:
        return Claim(**base, verdict="not_run", reason=_join(spec.reason, f"no {spec.table} table"))
    converted = {} if columns is None else columns.setdefault(spec.table, {})
    try:
        series = {
            label: per_run(spec.quantity, table, spec.filters, values, converted)
            for label, values in spec.parts.items()
        }
    except ConfigError as error:
        if absent_columns != "not_run" or error.field != "quantity":
            raise
        return Claim(**base, verdict="not_run", reason=_join(spec.reason, error.message))
    missing = sorted(label for label, s in series.items() if s is None)
    series = {label: s for label, s in series.items() if s is not None}
    if not series:
        return Claim(**base, verdict="not_run", reason=_join(spec.reason, "no runs of it"))
    if spec.combine == "pooled":  # pair the parts by run before pooling
        frame = pd.concat(series, axis=1, join="inner")
        arrays = {label: frame[label].to_numpy() for label in frame.columns}
    else:
        arrays = {label: s.to_numpy() for label, s in series.items()}
    verdict, deciding, each = combine_parts(
        arrays, spec.test, spec.margin, spec.combine, paper=spec.paper, paper_se=spec.paper_se
    )
    reason = spec.reason
    # "all" cannot hold, "any" cannot fail, on some of its parts only
    unseen = {"all": "holds", "any": "deviates"}.get(spec.combine)
    if missing and verdict == unseen:
        verdict = "inconclusive"
        reason = _join(reason, f"{unseen} on the parts run; no runs of {', '.join(missing)}")
    elif missing:  # a pool, or a verdict the missing parts cannot change: say what it lacks
        reason = _join(reason, f"judged without {', '.join(missing)} (no runs of them)")
    return Claim(
        **base,
        verdict=verdict,
        hmlsim=deciding.mean,
        se=deciding.se,
        n_runs=deciding.n,
        low=deciding.low,
        high=deciding.high,
        mde=deciding.mde,
        decided_by=deciding.label if len(each) > 1 else "",
        parts=[part_dict(p) for p in each] if len(each) > 1 else [],
        reason=reason,
    )


def _join(*texts: str) -> str:
    return "; ".join(t for t in texts if t)


def judge_ledger(
    tables: Mapping[str, pd.DataFrame],
    why_not: Mapping[str, str] | None = None,
    paper: str = "teamrules",
    *,
    absent_columns: str = "raise",
) -> list[Claim]:
    """Every claim of ``paper``'s shipped ledger judged on ``tables`` (see :func:`judge_claim`)."""
    columns: dict[str, dict] = {}  # each table's columns, converted once for all claims
    specs = load_ledger(ledger_path(paper))
    return [
        judge_claim(spec, tables, why_not, columns, absent_columns=absent_columns) for spec in specs
    ]


def count_by_kind(claims: Sequence[Claim]) -> pd.DataFrame:
    """Claims per kind (rows) and verdict (columns), with totals."""
    counts = pd.DataFrame(0, index=list(KINDS), columns=list(VERDICTS), dtype=int)
    for claim in claims:
        counts.loc[claim.kind, claim.verdict] += 1
    counts["total"] = counts.sum(axis=1)
    return counts


def headline(claims: Sequence[Claim]) -> dict[str, int]:
    """Verdict counts over ``result`` claims only (setup and arithmetic never count)."""
    results = [c for c in claims if c.kind == "result"]
    return {v: int(np.sum([c.verdict == v for c in results])) for v in VERDICTS}


# ----------------------------------------------------------------------------- published values


@functools.cache
def published(paper: str = "teamrules") -> dict[str, tuple[float, float | None, float]]:
    """The printed numbers of ``paper``'s ledger: claim id -> (value, SE or None, margin).

    The single place the paper's numbers live; the scenarios' summaries read
    them from here to print them beside hmlsim's.
    """
    return {
        spec.id: (float(spec.paper), spec.paper_se, spec.margin)
        for spec in load_ledger(ledger_path(paper))
        if spec.test == "number"
    }


def __getattr__(name: str):  # the paper's numbers under the names the scenarios print them by
    numbers = published()
    if name == "TASK_ONLY_ACCURACY":
        return {d: numbers[f"figure2/{d}/task_only_accuracy"][0] for d in ("heart", "fico", "hr")}
    if name == "HUMAN_ACCURACY":
        return {
            (d, b): numbers[f"figure2/{d}/{b}/human_accuracy"][0]
            for d in ("heart", "fico", "hr")
            for b in ("difficulty", "group")
        }
    slugs = {"TR": "tr", "TR-no(ADB)": "tr_no_adb", "Task-only": "task_only", "Human": "human"}
    if name == "TABLE4_TTL":  # variant -> (paper, paper SE, margin)
        return {v: numbers[f"table4/all/{slug}"] for v, slug in slugs.items()}
    if name == "TABLE4_HUMAN_BY_CLASS":  # class -> (paper, paper SE)
        return {g: numbers[f"table4/{g}/human"][:2] for g in ("no_disease", "has_disease")}
    if name == "CASE_SHARE_ON_WOMEN":  # (paper, margin)
        value, _, margin = numbers["case_study/doctor_a/tr_share_of_advice_on_women"]
        return value, margin
    if name == "CASE_ACCEPTANCE_RATIO":
        value, _, margin = numbers["case_study/doctor_a/tr_accepted_twice_as_often"]
        return value, margin
    raise AttributeError(name)
