"""The performative study's findings as Markdown, generated from a report's ``summary.json``.

``docs/model.md`` carries this text between two markers; it is regenerated,
never typed, from one sweep's report with the commit and the command that
produced it::

    python -m hmlsim.scenarios._performative_report results/pa/report \\
        --command "hmlsim sweep scenarios/sweeps/performative_advisors.toml ..." \\
        --update docs/model.md

The commit and wall time are read from the sweep store's record of its runs
(``provenance`` in ``summary.json``); a store whose runs come from more than one
code version, or from uncommitted code, is refused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.errors import ConfigError
from hmlsim.experiments.markdown import markdown_table
from hmlsim.outputs import write_text
from hmlsim.scenarios._performative_maps import runs_of
from hmlsim.scenarios._performative_verdicts import (
    audit_needed,
    fmt,
    paired_against,
    with_gain,
    with_strategy,
)


def markers(section: str = "") -> tuple[str, str]:
    """The comment lines around a generated section of ``docs/model.md`` (named or not)."""
    name = f" ({section})" if section else ""
    return f"<!-- BEGIN generated findings{name} -->", f"<!-- END generated findings{name} -->"


#: what a run shares with its copies at other audit shares (ρ is left out on purpose)
SAME_RUN_BUT_RHO = (
    "advisor",
    "retraining",
    "dataset",
    "decision",
    "alpha",
    "initial_quality",
    "repetition",
)
#: a run's outcome: two runs of one advisor and context equal in all of these are one run
OUTCOME = (
    "initial_model_utility",
    "final_model_utility",
    "final_team_utility",
    "final_human_utility",
    "final_advising_rate",
    "end_state",
)


def distinct(table: pd.DataFrame, values: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """``table`` with each run counted once where several ρ gave it identically.

    A table that pools over ρ would otherwise count one run several times (and
    understate its SE): task-only reads no audit, so under ``window`` its runs
    at every ρ are one run; every advisor's epoch 1 precedes every audit. Rows
    equal in :data:`SAME_RUN_BUT_RHO` and in ``values`` are one.
    """
    keys = [c for c in SAME_RUN_BUT_RHO if c in table.columns]
    return table.drop_duplicates(subset=[*keys, *values])


def outcomes_by_advisor(runs: pd.DataFrame) -> pd.DataFrame:
    """Final u, Φ(u), human, advising rate and silence per advisor × retraining × audit share."""
    rows = []
    keys = ["advisor", "retraining", "audit_share"]
    for (advisor, retraining, rho), group in with_gain(runs).groupby(keys, sort=True):
        rows.append(
            {
                "advisor": advisor,
                "retraining": retraining,
                "ρ": f"{rho:g}",
                "runs": len(group),
                "u_0 → final u": (
                    f"{group['initial_model_utility'].mean():.3f} → "
                    + fmt(group["final_model_utility"])
                ),
                "final Φ(u)": fmt(group["final_team_utility"]),
                "Φ − human": fmt(group["gain"]),
                "advising rate": f"{group['final_advising_rate'].mean():.2f}",
                "silent at end": int(group["silent_since"].notna().sum()),
                "u fell > 0.03": int(group["spirals_down"].sum()),
                "stable (on line)": int(group["stable_point"].notna().sum()),
            }
        )
    return pd.DataFrame(rows)


def first_and_last(paths: pd.DataFrame) -> pd.DataFrame:
    """Per advisor: the gain over the human and the acceptance in epoch 1 and in the last epoch,
    and the effective learner tilt λ = u_{t+1} / Φ(u_t) (mean ± SE over runs).

    Epoch 1 is the deployment before any retraining (the static setting of the
    TeamRules paper); the last epoch is where the loop took it.
    """
    rows = []
    for run in runs_of(with_strategy(paths[paths["epoch"] >= 1])):
        u, phi = run["model_utility"].to_numpy(), run["team_utility"].to_numpy()
        gain = (run["team_utility"] - run["human_utility"]).to_numpy()
        accepted = run["acceptance_rate"].to_numpy()
        first = run.iloc[0]
        rows.append(
            {
                **{k: first[k] for k in SAME_RUN_BUT_RHO if k in run.columns},
                "gain_first": gain[0],
                "gain_last": gain[-1],
                "accept_first": accepted[0],
                "accept_last": accepted[-1],
                "tilt": float(np.mean(u[1:] / phi[:-1])) if len(u) > 1 else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    out = []
    for (advisor, retraining), group in table.groupby(["advisor", "retraining"], sort=True):
        firsts = distinct(group, ["gain_first", "accept_first"])
        lasts = distinct(group, ["gain_first", "gain_last", "accept_last", "tilt"])
        out.append(
            {
                "advisor": advisor,
                "retraining": retraining,
                "runs (epoch 1 / last)": f"{len(firsts)} / {len(lasts)}",
                "Φ − human, epoch 1": fmt(firsts["gain_first"]),
                "Φ − human, last": fmt(lasts["gain_last"]),
                "acceptance, epoch 1": fmt(firsts["accept_first"]),
                "acceptance, last": fmt(lasts["accept_last"]),
                "λ = u_{t+1} / Φ(u_t)": fmt(lasts["tilt"]),
            }
        )
    return pd.DataFrame(out)


def end_states(runs: pd.DataFrame) -> pd.DataFrame:
    """How the runs end, per advisor and retraining strategy (each distinct run once)."""
    grouped = distinct(with_strategy(runs), OUTCOME).groupby(["advisor", "retraining"])["end_state"]
    return grouped.value_counts().unstack(fill_value=0).reset_index()


def by_context(runs: pd.DataFrame) -> pd.DataFrame:
    """Final Φ(u) − human per dataset × behaviour × α × ρ × strategy, one column per advisor."""
    runs = with_gain(runs)
    rows = []
    keys = ["dataset", "decision", "alpha", "audit_share", "retraining"]
    for key, group in runs.groupby(keys, sort=True):
        row = dict(zip(["dataset", "decision", "α", "ρ", "retraining"], key, strict=True))
        for advisor, part in group.groupby("advisor"):
            row[advisor] = fmt(part["gain"])
        rows.append(row)
    return pd.DataFrame(rows)


def ends_by_start(runs: pd.DataFrame) -> pd.DataFrame:
    """Where runs end, per advisor × retraining × initial label quality q (pooled over contexts;
    each distinct run once)."""
    rows = []
    keys = ["advisor", "retraining", "initial_quality"]
    for (advisor, retraining, q), group in distinct(with_gain(runs), OUTCOME).groupby(
        keys, sort=True
    ):
        states = group["end_state"].value_counts()
        rows.append(
            {
                "advisor": advisor,
                "retraining": retraining,
                "q": f"{q:g}",
                "runs": len(group),
                "u_0": fmt(group["initial_model_utility"]),
                "final u": fmt(group["final_model_utility"]),
                "Φ − human": fmt(group["gain"]),
                "how they end": ", ".join(f"{n} {state}" for state, n in states.items()),
            }
        )
    return pd.DataFrame(rows)


def map_lines(maps: list[dict[str, Any]]) -> list[str]:
    """One line per advisor × context: the pooled map's fixed points and where u_0 ends."""
    lines = []
    for entry in maps:
        context = (
            f"{entry['advisor']} · {entry.get('retraining', 'window')} · "
            f"{entry['dataset']}/{entry['decision']} · "
            f"α = {entry['alpha']:g} · ρ = {entry['audit_share']:g}"
        )
        ends = ", ".join(
            f"u_0 {e['u0']:g} → {e['end_mean']:.3f}" for e in entry.get("endpoints", [])
        )
        fitted = entry.get("map")
        if not fitted:
            lines.append(f"- {context}: {ends}; no pooled map ({entry.get('note', '')})")
            continue
        points = [
            f"{p['kind']} {p['u']:.3f} ± {p['se']:.3f}"
            + (
                f" (band {p['interval'][0]:.3f}–{p['interval'][1]:.3f})"
                if p.get("interval")
                else ""
            )
            for p in fitted.get("fixed_points", [])
        ]
        lo, hi = entry["visited"]
        found = "; ".join(points) if points else "no fixed point in the visited range"
        lines.append(f"- {context}: visited [{lo:.3f}, {hi:.3f}]; {found}; {ends}")
    return lines


def provenance_line(summary: dict[str, Any], commit: str | None, wall: str | None) -> str:
    """Commit and wall time of the runs: given, or read from the store's ``provenance``.

    Raises
    ------
    ConfigError
        ``report`` when the runs come from more than one code version, from
        uncommitted code, or record none and ``commit`` is not given.
    """
    recorded = summary.get("provenance") or {}
    versions = recorded.get("code_versions", [])
    if commit is None:
        if len(versions) != 1 or versions[0] == "unknown" or versions[0].endswith("+dirty"):
            raise ConfigError(
                "report",
                f"its runs record code versions {versions or 'none'}; a report is written "
                "from runs of one committed version (rerun the others, or pass --commit "
                "for runs stored before versions were recorded)",
            )
        commit = versions[0]
    if wall is None:
        seconds = recorded.get("wall_s")
        wall = "unrecorded" if seconds is None else f"{seconds / 60:.1f} min"
        if seconds is not None:
            wall += (
                f" (first run started {recorded['first_started']}, last finished "
                f"{recorded['last_finished']}; the runs' own time summed "
                f"{recorded['run_time_s'] / 60:.1f} min)"
            )
    return f"at commit `{commit}`; wall time {wall}"


def _comparison_sections(runs: pd.DataFrame) -> list[str]:
    """The paired tables: each strategy against ``window``, each advisor against ``TR``."""
    parts = []
    for column, reference, title in (
        ("retraining", "window", "Each retraining strategy against `window`, on the same runs"),
        ("advisor", "TR", "Each advisor against TR (the paper's ψ), on the same runs"),
    ):
        table = paired_against(runs, column, reference)
        if table.empty:
            continue
        parts += [
            f"### {title}",
            "",
            f"Differences (value − {reference}) paired by context, q, ρ, repetition and seed "
            f"(every {column} ran on the seeds {reference} ran on); the verdict is the gain "
            "difference's one-sided t-test, Holm-adjusted over the table's cells at 0.05; "
            "`identical`: the same runs by construction.",
            "",
            markdown_table(table),
            "",
        ]
    return parts


def render(
    report: Path,
    *,
    command: str,
    commit: str | None = None,
    wall: str | None = None,
    section: str = "",
) -> str:
    """A findings section for ``docs/model.md`` between the :func:`markers` of ``section``.

    ``commit`` and ``wall`` default to what the sweep store recorded (the
    summary's ``provenance``).
    """
    begin, end = markers(section)
    summary = json.loads((report / "summary.json").read_text())
    where = provenance_line(summary, commit, wall)
    runs = pd.DataFrame(summary["runs"])
    paths = pd.read_csv(report / "learning_paths.csv")
    checks = pd.DataFrame(summary.get("checks", []))
    parts = [
        begin,
        "",
        f"Generated from `{report}` by `hmlsim.scenarios._performative_report`.",
        f"Command: `{command}` {where}; "
        f"{len(runs)} loop runs on datasets {', '.join(summary['datasets'])}.",
        "",
        "### Outcomes by advisor, retraining strategy and audit share (mean ± SE over runs)",
        "",
        markdown_table(outcomes_by_advisor(runs)),
        "",
        "### Epoch 1 (before any retraining) against the last epoch (each distinct run once)",
        "",
        markdown_table(first_and_last(paths)),
        "",
        "### How runs end (each distinct run once: runs identical at several ρ count once)",
        "",
        markdown_table(end_states(runs)),
        "",
        "### Where runs end, by the accuracy q of the first model's labels "
        "(each distinct run once)",
        "",
        markdown_table(ends_by_start(runs)),
        "",
        "### How much audit each advisor needs to end above the human alone",
        "",
        "Verdict per cell: the one-sided t-test of the runs' final Φ(u) − human in the "
        "direction of its mean, Holm-adjusted over the table's cells at 0.05 (`above`, "
        "`below`, else `inconclusive`); the runs of a cell are the declared grid's α, q and "
        "repetitions. *Audit needed*: the least ρ from which every larger ρ of the grid is "
        "`above`.",
        "",
        markdown_table(audit_needed(runs)),
        "",
        *_comparison_sections(runs),
        "### Team gain over the human alone, Φ(u) − human, by context",
        "",
        markdown_table(by_context(runs)),
        "",
    ]
    if not checks.empty:
        parts += ["### TR and TR+expertise with an audit channel: still advising?", ""]
        named = checks if "advisor" in checks else checks.assign(advisor="TR")
        for advisor, part in named.groupby("advisor", sort=True):
            parts += [
                f"- {advisor}: {int(part['keeps_advising'].sum())} of {len(part)} audited runs "
                "advise in their last epoch (whether their teams end above the human is "
                "tested in the audit table above).",
            ]
        parts += [""]
    parts += [
        "### Pooled learning maps (u_t → u_{t+1} over the initial qualities)",
        "",
        *map_lines(summary.get("maps", [])),
        "",
        end,
    ]
    return "\n".join(parts)


def update(doc: Path, text_of_section: str, section: str = "") -> None:
    """Replace the text between the :func:`markers` of ``section`` in ``doc``.

    Raises
    ------
    ConfigError
        ``--update`` when ``doc`` lacks the section's markers.
    """
    begin, end = markers(section)
    text = doc.read_text()
    if begin not in text or end not in text:
        raise ConfigError("--update", f"{doc} has no lines {begin!r} and {end!r} to write between")
    start, stop = text.index(begin), text.index(end) + len(end)
    write_text(doc, text[:start] + text_of_section + text[stop:])


def main() -> None:
    parser = argparse.ArgumentParser(description="Render the performative study's findings.")
    parser.add_argument("report", type=Path, help="a report folder with summary.json")
    parser.add_argument("--command", required=True, help="the command that produced the runs")
    parser.add_argument(
        "--commit", help="the commit the runs were made on (default: what the store recorded)"
    )
    parser.add_argument("--wall", help="the sweep's wall time (default: what the store recorded)")
    parser.add_argument("--update", type=Path, help="a Markdown file with the markers to update")
    parser.add_argument(
        "--section",
        default="",
        help="the name in the markers to write between (default: the unnamed section)",
    )
    args = parser.parse_args()
    text = render(
        args.report,
        command=args.command,
        commit=args.commit,
        wall=args.wall,
        section=args.section,
    )
    if args.update:
        update(args.update, text, args.section)
    else:
        print(text)


if __name__ == "__main__":
    main()
