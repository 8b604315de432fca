"""``claims.json``, ``report.md`` and the figures of a reproduction, written from its stored runs.

Nothing here is typed in: every number comes from the tables of the units in
the store (``DIR/runs``), the code version and command from the run's
``DIR/timing.json``. :func:`write_report` can be called again at any time (the
report of a partial run says how many units are missing).
"""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hmlsim.experiments.markdown import code_version, markdown_table
from hmlsim.experiments.scenario import ScenarioResult, write_json
from hmlsim.experiments.store import ResultStore
from hmlsim.outputs import write_text
from hmlsim.reproduce.claims import headline, judge_ledger
from hmlsim.reproduce.report_tables import body, claims_table, counts_table
from hmlsim.reproduce.units import C1_ALPHAS, FIGURE2_ALPHAS, parse_unit
from hmlsim.reproduce.verdicts import LEVEL, Claim

#: where hmlsim's TR differs from the paper's, or fixes what the paper leaves open
METHOD_NOTES = (
    "TR's ψ is eq. 5 with p̂(y | x) alone, as the paper and the authors' code compute it; "
    "hmlsim's TR+expertise (ψ conditioned on the expert's decision through a fitted model "
    "of where the expert is right) is a different advisor, shown beside TR and never "
    "counted among the paper's variants in a claim.",
    "p̂(y | x) is scikit-learn's histogram gradient boosting tuned by grid-search CV, not "
    "XGBoost; on the training rows ψ sees it out of fold (5-fold cross-fitting), on new "
    "rows the model fitted on all training rows (the authors use it in sample).",
    "The annealing adds a cost of 0.001 per rule to the objective (the authors' "
    "configuration has 0) and scores a seeded sample of 50 candidate rules per add move "
    "(the authors score all); see docs/teamrules.md, 'Choices'.",
    "Every run is seeded (split seed 20 + r; each unit's seed derives from the master "
    "seed and the unit), so the numbers below are reproducible; the authors' runs are not.",
    "Table 4 uses heart's group-biased expert with group-biased confidence (SPEC part B): "
    "the expert the table's numbers follow from, not the one its prose describes.",
)


def load_tables(store: ResultStore) -> tuple[dict[str, pd.DataFrame], list[str], list[str]]:
    """The store's tables concatenated over finished units, the units done and those planned."""
    planned = [run["key"] for run in store.manifest()["runs"]]
    units_of = {run["key"]: run["axes"]["unit"] for run in store.manifest()["runs"]}
    done = store.done_keys()
    frames: dict[str, list[pd.DataFrame]] = {}
    for key in planned:
        if key not in done:
            continue
        for name in store.table_names(key):
            frames.setdefault(name, []).append(store.read_table(key, name))
    tables = {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}
    return tables, [units_of[k] for k in planned if k in done], list(units_of.values())


def compute_claims(
    tables: dict[str, pd.DataFrame], planned_units: Sequence[str], fico_note: str
) -> list[Claim]:
    """Every claim of the ledger; FICO claims ``not_run`` with ``fico_note`` when unplanned."""
    values = tables.get("figure2_values", pd.DataFrame())
    datasets_run = set(values["dataset"]) if not values.empty else set()
    planned = {parse_unit(u)[1] for u in planned_units if u.startswith("figure2/")}
    why = {
        d: (
            "its units have not finished"
            if d in planned
            else fico_note
            if d == "fico"
            else "not run: left out of this reproduction's plan (--datasets)"
        )
        for d in ("heart", "fico", "hr")
        if d not in datasets_run
    }
    return judge_ledger(tables, why)


# ----------------------------------------------------------------------------- figures


def _figure2_panels(values: pd.DataFrame, alphas: Sequence[float], title: str, path: Path) -> Path:
    from hmlsim.experiments.collect import save_figure
    from hmlsim.scenarios.teamrules_value import value_added_figure

    return save_figure(value_added_figure(values, title, alphas), path)


def draw_figures(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """``figure2.png``, ``c1.png``, ``table4.png``, ``case_study.png`` and ``c5.png``."""
    from hmlsim.scenarios import asymmetric_loss, case_study, discretion_robustness

    paths: list[Path] = []
    values = tables.get("figure2_values")
    if values is not None and not values.empty:
        runs = values["split_seed"].nunique()
        spread = "1 run, no SE" if runs == 1 else f"mean ± SE over {runs} runs"
        paths.append(
            _figure2_panels(
                values,
                FIGURE2_ALPHAS,
                f"Figure 2: value added over the human alone ({spread})",
                out / "figure2.png",
            )
        )
        if values["alpha"].max() >= min(C1_ALPHAS):
            paths.append(
                _figure2_panels(
                    values,
                    C1_ALPHAS,
                    f"Appendix C.1: prohibitive costs α ≥ 0.6 ({spread})",
                    out / "c1.png",
                )
            )
    t4 = tables.get("table4_values")
    if t4 is not None and not t4.empty:
        config = asymmetric_loss.Config(split_seeds=tuple(sorted(set(t4["split_seed"]))))
        result = ScenarioResult(summary=asymmetric_loss.summarize(t4, config))
        paths += asymmetric_loss.plot(result, out)
    cs = tables.get("case_study_by_group")
    if cs is not None and not cs.empty:
        paths += case_study.plot(ScenarioResult(summary={}, tables={"by_group": cs}), out)
    c5 = tables.get("c5_values")
    if c5 is not None and not c5.empty:
        config = discretion_robustness.Config(
            alphas=tuple(sorted(set(c5["alpha"]))),
            noise_levels=tuple(sorted(set(c5["noise"]))),
            split_seeds=tuple(sorted(set(c5["split_seed"]))),
        )
        result = ScenarioResult(
            summary=discretion_robustness.summarize(c5, config), tables={"values": c5}
        )
        paths += discretion_robustness.plot(result, out)
    return paths


# ----------------------------------------------------------------------------- the report


def write_report(
    out: str | Path,
    *,
    fico_note: str = "",
    diagnoses: str = "",
    compare: dict[str, str | Path] | None = None,
) -> dict[str, Any]:
    """Write ``claims.json``, ``report.md`` and the figures into ``out`` from ``out/runs``.

    Parameters
    ----------
    out : path
        The reproduction's folder (``hmlsim reproduce teamrules --out``).
    fico_note : str
        Why FICO was left out of the plan (empty when it ran).
    diagnoses : str
        Markdown appended as the report's last section (the written diagnosis of
        each remaining deviation, with the experiments that check it).
    compare : dict, optional
        Name -> folder of another reproduction (``--method authors``, another
        ``--seed``): its claims are judged from its own stored runs by this
        ledger and shown beside this run's, and copied to
        ``out/compare/<name>.claims.json`` (with its ``timing.json``).

    Returns
    -------
    dict
        ``{"claims": path, "report": path, "verdicts": {verdict: count}}``: the
        counts are over ``result`` claims (the headline).
    """
    out = Path(out)
    store = ResultStore(out / "runs")
    tables, done, planned = load_tables(store)
    claims = compute_claims(tables, planned, fico_note)
    write_json(out / "claims.json", [c.to_dict() for c in claims])
    others = {name: _judge_other(Path(folder)) for name, folder in (compare or {}).items()}
    for name, (other_claims, other_timing) in others.items():
        write_json(out / "compare" / f"{name}.claims.json", [c.to_dict() for c in other_claims])
        write_json(out / "compare" / f"{name}.timing.json", other_timing)
    figures = draw_figures(tables, out)
    timing = _read_timing(out)
    lines = _header(timing, done, planned, fico_note)
    lines += _verdict_summary(claims, others)
    if others:
        lines += _side_by_side(claims, others)
    lines += ["## Every claim", ""]
    for kind, title in (
        ("result", "Reproduced results (the headline)"),
        ("setup", "Set-up checks: the simulated world matches the paper's description"),
        ("by_construction", "True by the model's arithmetic (never counted as reproduced)"),
    ):
        part = [c for c in claims if c.kind == kind]
        if part:
            lines += [f"### {title}", "", claims_table(part), ""]
    lines += ["## Method: the paper's, and where hmlsim differs", ""]
    lines += [f"- {note}" for note in METHOD_NOTES] + [""]
    lines += body(tables, claims, {p.name for p in figures})
    if diagnoses:
        lines += ["## Diagnoses of the deviations (written, with the experiments that check them)"]
        lines += ["", diagnoses.strip(), ""]
    report = out / "report.md"
    write_text(report, "\n".join(lines))
    return {"claims": out / "claims.json", "report": report, "verdicts": headline(claims)}


def check_runs_folder(field: str, folder: str | Path) -> Path:
    """``folder`` if it holds a reproduction's runs, else a ConfigError naming ``field``."""
    from hmlsim.errors import ConfigError

    folder = Path(folder)
    if not (folder / "runs" / "manifest.json").is_file():
        raise ConfigError(field, f"{folder} holds no reproduction runs (no runs/manifest.json)")
    return folder


def _judge_other(folder: Path) -> tuple[list[Claim], list[dict[str, Any]]]:
    """Another reproduction's claims, judged from its stored runs by this ledger."""
    check_runs_folder("--compare", folder)
    tables, _, planned = load_tables(ResultStore(folder / "runs"))
    return compute_claims(tables, planned, ""), _read_timing(folder)


def _read_timing(out: Path) -> list[dict[str, Any]]:
    path = out / "timing.json"
    return json.loads(path.read_text()) if path.exists() else []


def _run_line(timing: list[dict[str, Any]]) -> str:
    computing = [t for t in timing if t.get("units_done", 0) > 0]
    if not computing:
        return "no start that computed units is recorded"
    last = computing[-1]
    commits = sorted({str(t.get("commit", "unknown")) for t in computing})
    wall = sum(t.get("wall_s", 0.0) for t in computing) / 60
    units = sum(t.get("units_s", 0.0) for t in computing) / 60
    mixed = " — **runs from more than one code version**" if len(commits) > 1 else ""
    mixed += "".join(f" ({t['commit_note']})" for t in computing if t.get("commit_note"))
    return (
        f"`{last.get('command', 'unknown')}` at {', '.join(commits)}{mixed}; "
        f"{wall:.1f} min wall over {len(computing)} start(s), {last.get('workers', '?')} "
        f"worker(s), {units:.1f} min of unit time"
    )


def _header(
    timing: list[dict[str, Any]], done: Sequence[str], planned: Sequence[str], fico_note: str
) -> list[str]:
    last = timing[-1] if timing else {}
    return [
        "# The TeamRules paper, reproduced on its own method",
        "",
        "Generated by `hmlsim reproduce teamrules` from the runs stored beside this file; "
        "every number below comes from those runs, and every claim, its quote, test and "
        "margin from the ledger `hmlsim/reproduce/ledger/teamrules.toml`, written from the "
        "paper before the runs.",
        "",
        f"- runs: {_run_line(timing)}",
        f"- report written by: code version {code_version()}, "
        f"`{last.get('command', 'write_report')}`",
        f"- units finished: {len(done)} of {len(planned)}",
        f"- machine: {platform.machine()}, "
        f"{next((t['cpus'] for t in reversed(timing) if t.get('cpus')), '?')} CPUs, Python "
        f"{platform.python_version()}",
        f"- FICO: {fico_note or 'run'}",
        "",
        "How a claim is tested (`hmlsim.reproduce.verdicts`): its quantity is measured in "
        "every run, paired across advisors within a run, and tested one-sided at level "
        f"{LEVEL:g} by its sentence's logic — *superiority* (“adds the most”, "
        "“diminishes”), *non-inferiority* within a margin (“does not diminish”), "
        "*equivalence* within a margin (“matches”, “similar”), *non-superiority* "
        "(“cannot add value at all”), or a printed *number* against hmlsim's mean under "
        "the combined SE (the paper's own SE where it prints one). *holds*: the test "
        "rejects the claim's negation; *deviates*: the interval lies wholly on the "
        "negation's side; *inconclusive*: the interval holds both at this number of runs "
        "(always, for a single run). Several α, rivals or panels combine as the sentence "
        "says: *all* (every part holds; one part deviating at level/k deviates), *any* "
        "(one part at level/k), or *pooled*. `mde` is the smallest distance from the "
        "test's boundary these runs detect with 80% power.",
        "",
    ]


def _verdict_summary(claims: Sequence[Claim], others: dict[str, Any]) -> list[str]:
    rows = [{"run": "this run", **headline(claims)}]
    rows += [{"run": name, **headline(other)} for name, (other, _) in others.items()]
    lines = [
        "## Verdicts",
        "",
        f"Reproduced results (kind `result`, {sum(c.kind == 'result' for c in claims)} "
        "claims) — the headline:",
        "",
        markdown_table(pd.DataFrame(rows)),
        "",
        "Every claim by kind (set-up checks and arithmetic are listed apart and never "
        "counted as reproduced):",
        "",
        counts_table(claims),
        "",
    ]
    for name, (_, timing) in others.items():
        lines += [f"- {name}: {_run_line(timing)}"]
    return [*lines, ""] if others else lines


def _side_by_side(claims: Sequence[Claim], others: dict[str, Any]) -> list[str]:
    """Each result's verdict in every run, and what a change of verdict says.

    A claim not run in one of the runs (e.g. FICO left out of ``--method
    authors``) is compared on the runs that have it.
    """
    other_ids = {name: {c.id: c for c in other} for name, (other, _) in others.items()}
    results = [c for c in claims if c.kind == "result"]
    moved, summary = [], []
    for claim in results:
        row = {"claim": f"`{claim.id}`", "this run": claim.verdict}
        for name, by_id in other_ids.items():
            row[name] = by_id[claim.id].verdict if claim.id in by_id else "–"
        ran = {v for k, v in row.items() if k != "claim" and v not in ("–", "not_run")}
        if len(ran) > 1:
            moved.append(row)
    for name, by_id in other_ids.items():
        pairs = [
            (c.verdict, by_id[c.id].verdict)
            for c in results
            if c.id in by_id and "not_run" not in (c.verdict, by_id[c.id].verdict)
        ]
        same = sum(a == b for a, b in pairs)
        gone = sum(a == "deviates" and b != "deviates" for a, b in pairs)
        kept = sum(a == "deviates" and b == "deviates" for a, b in pairs)
        summary.append(
            f"- {name}: {same} of the {len(pairs)} results run in both have the same verdict; "
            f"of this run's deviations, {kept} deviate there too and {gone} do not"
        )
    lines = [
        "## Verdicts side by side",
        "",
        *summary,
        "",
        "A deviation that disappears under `--method authors` comes (at least in part) from "
        "hmlsim's own method choices; one that moves with the seed alone is decided by the "
        "random draw at this number of runs. The results whose verdict differs between the "
        "runs that have them:",
        "",
    ]
    if moved:
        lines += [markdown_table(pd.DataFrame(moved)), ""]
    return lines


def publish_report(out: str | Path, folder: str | Path, page: str | Path | None = None) -> Path:
    """Copy a reproduction's report, claims, timing and figures (not its raw runs) to ``folder``.

    Parameters
    ----------
    out : path
        The reproduction's folder (with ``report.md`` written).
    folder : path
        Where the committed copy goes (e.g. ``docs/results/teamrules_reproduction``).
    page : path, optional
        Also write the report as this Markdown page, its figure links pointing
        into ``folder`` (e.g. ``docs/reproduction.md``).

    Returns
    -------
    Path
        ``folder``.
    """
    import os
    import shutil

    out, folder = Path(out), Path(folder)
    if not (out / "report.md").is_file():
        from hmlsim.errors import ConfigError

        raise ConfigError("--publish", f"{out} has no report.md to publish")
    folder.mkdir(parents=True, exist_ok=True)
    names = ["report.md", "claims.json", "timing.json", *(p.name for p in out.glob("*.png"))]
    for name in names:
        if (out / name).is_file():
            shutil.copyfile(out / name, folder / name)
    if (out / "compare").is_dir():
        shutil.copytree(out / "compare", folder / "compare", dirs_exist_ok=True)
    if page is not None:
        page = Path(page)
        link = Path(os.path.relpath(folder, page.parent)).as_posix()
        text = (out / "report.md").read_text()
        text = re.sub(r"\]\(([\w.-]+\.png)\)", rf"]({link}/\1)", text)
        preface = (
            f"*This page is `report.md` of the reproduction whose outputs are in "
            f"[{link}/]({link}/) (report, claims.json, timing.json, the compared runs' "
            "claims and the figures; the raw runs are not committed).*\n\n"
        )
        page.write_text(preface + text)
    return folder
