"""Shared machinery of the TeamRules scenarios (not a scenario itself).

The five TeamRules studies (:mod:`~hmlsim.scenarios.teamrules_value`,
:mod:`~hmlsim.scenarios.teamrules_prohibitive`, :mod:`~hmlsim.scenarios.case_study`,
:mod:`~hmlsim.scenarios.asymmetric_loss`, :mod:`~hmlsim.scenarios.discretion_robustness`)
all do the same thing per *run*: load a dataset with one split seed (the
paper's runs use split seeds 20, 21, …), build a simulated expert, and call
:func:`hmlsim.advisors.evaluate_advisors`, which trains every advisor variant
once and pairs it with ``expert_draws`` fresh draws of the expert on the test
split. This module turns that into one tidy row per (run, variant, α, group)
— metrics averaged over the expert draws of the run — so that the paper's
"mean ± SE over repetitions" is the mean ± SE over runs (split seeds).

FICO
----
FICO HELOC is never shipped. :func:`resolve_fico_path` looks, in this order, at
the scenario's ``fico_path`` field, the ``HMLSIM_FICO_PATH`` environment
variable and :data:`hmlsim.data.loaders.DEFAULT_FICO_PATH` (``shared/data`` beside the checkout);
when none exists, the scenarios skip FICO and say so in ``summary.json``.

Your own data
-------------
Wherever a scenario takes dataset names, it also takes the path of a dataset
TOML file (``--datasets my.toml``; :func:`hmlsim.data.load_dataset_spec`).
:func:`check_datasets` reads and checks the file and its data when the
configuration is built, so a wrong column fails before any run starts; tables
and run seeds use the dataset's ``name``.

Threads
-------
Each run computes on one thread (:func:`hmlsim.threads.limited_threads`).
scikit-learn's histogram gradient boosting (p̂(y | x)) otherwise starts one
OpenMP thread per core, and on a loaded machine those threads spin against
each other: on the project's 2-core machine under load, fitting p̂(y | x) took
8.3 s of CPU with the default pool and 0.6 s with one thread. Parallelism
belongs to the sweep (one process per run).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hmlsim.advisors import HUMAN, METRICS, VARIANTS, evaluate_advisors
from hmlsim.data import loaders
from hmlsim.data.loaders import resolve_fico_path
from hmlsim.data.user import is_dataset_toml, load_dataset_spec
from hmlsim.errors import ConfigError, check_alpha, check_choice
from hmlsim.seeding import derive_seed
from hmlsim.threads import limited_threads

log = logging.getLogger(__name__)

DATASETS = ("heart", "fico", "hr")
#: Figure 2's three columns, as the authors' plotting code draws them:
#: "<decision bias>+<confidence bias>"
BEHAVIOURS = ("difficulty+group", "group+group", "difficulty+accuracy")
#: one-word behaviours: the decision bias with the confidence its expert usually has
SHORTHAND = {"difficulty": "difficulty+accuracy", "group": "group+group"}
#: every accepted value of a ``decisions`` field
DECISIONS = (*BEHAVIOURS, *SHORTHAND)
#: the paper's first split seed; run r uses split seed 20 + r
PAPER_SPLIT_SEEDS = tuple(range(20, 30))

#: ``--help`` of the fields the TeamRules scenarios share: meaning, unit and range
HELP: dict[str, str] = {
    "datasets": "data sets, comma-separated: heart, fico, hr, or the path of a dataset TOML "
    "file (docs/experts.md, 'Your own data set')",
    "decisions": "expert behaviours <decision bias>+<confidence bias>, comma-separated: "
    "difficulty+group, group+group, difficulty+accuracy (Figure 2's columns; difficulty and "
    "group are shorthand for the last two)",
    "alphas": "costs α of a contradiction (advice that disagrees with the expert), in units of "
    "the decision loss, each >= 0, comma-separated",
    "variants": f"advisor variants, comma-separated, from: {', '.join(VARIANTS)}",
    "split_seeds": "one run per split seed (the data set's train/validation/test split), "
    "integers >= 0, comma-separated; the paper's runs use 20, 21, ...",
    "expert_draws": "draws of the simulated expert on the test split per run, averaged within "
    "the run (1..10,000; the paper: 50)",
    "n_iter": "simulated-annealing iterations T per TeamRules fit (1..1,000,000)",
    "n_trees_per_length": "trees of the rule-mining forest per rule length (1..100,000)",
    "max_candidates": "candidate rules kept per class for the annealing (1..1,000,000)",
    "fico_path": "the FICO HELOC CSV file (never shipped); empty: HMLSIM_FICO_PATH, else "
    "shared/data/heloc_dataset_v1.csv beside the checkout; FICO is skipped when none exists",
    "seed": "master seed: every random draw of the study derives from it (0..2^63-1)",
    "method": "whose settings the advisors use: hmlsim, or authors (the TeamRules authors' "
    "wherever hmlsim's differ: every eligible rule scored in an add move, rule penalty 0, "
    "p̂(y|x) by XGBoost read in-sample)",
}

#: whose settings the advisors are fitted with: a scenario's ``method`` field
METHODS = ("hmlsim", "authors")
#: the TeamRules authors' settings wherever hmlsim's differ (docs/teamrules.md, "Choices"):
#: every eligible rule scored in an add move, no cost per rule, and p̂(y | x) by XGBoost
#: read in-sample on the training rows
AUTHORS_PARAMS: dict[str, Any] = {
    "n_proposals": None,
    "rule_penalty": 0.0,
    "p_y_fit": "xgboost-in-sample",
}

#: what :func:`run_context` passes on from ``shared`` (see :func:`split_fits`)
SHARED_FITS = ("candidates", "outcome_model", "p_train")

#: per-run table columns that identify an observation (besides the context columns)
KEY_COLUMNS = ("variant", "alpha", "lambda0", "lambda1", "gated", "group")


def load_context_data(dataset: str, split_seed: int, fico_path: str | os.PathLike | None = ""):
    """Load a dataset (a paper's name or a TOML file) with the given split seed.

    FICO is read from its path (:func:`resolve_fico_path`).
    """
    from hmlsim.data import load_dataset

    path = resolve_fico_path(fico_path) if dataset == "fico" else None
    if dataset == "fico" and path is None:
        raise ConfigError("fico_path", "FICO not found: set fico_path or HMLSIM_FICO_PATH")
    return load_dataset(dataset, path=path, seed=int(split_seed))


def missing_fico(datasets: Sequence[str], fico_path: str = "") -> str | None:
    """Why a run of ``datasets`` cannot run here (FICO asked for, no file found), or None.

    A scenario's ``missing_data(config)``: a sweep runs none of the runs it
    names and stores nothing for them, so they run once the file is there.
    """
    if "fico" in datasets and resolve_fico_path(fico_path) is None:
        return (
            "FICO skipped: the FICO HELOC file was not found (set --fico-path or "
            f"HMLSIM_FICO_PATH; the default {loaders.DEFAULT_FICO_PATH} does not exist)"
        )
    return None


def available_datasets(datasets: Sequence[str], fico_path: str = "") -> tuple[list[str], dict]:
    """The datasets that can run, and a note for each one skipped (FICO without a file)."""
    keep, skipped = [], {}
    for name in datasets:
        note = missing_fico((name,), fico_path)
        if note is not None:
            skipped[name] = note
            log.warning(note)
        else:
            keep.append(name)
    return keep, skipped


def user_datasets(datasets: Sequence[str]) -> dict[str, dict[str, str]]:
    """For each dataset TOML file among ``datasets``: its file, data file and data sha256.

    Keyed by the dataset's name, for ``summary.json`` (the configuration
    records the TOML path only).
    """
    out: dict[str, dict[str, str]] = {}
    for value in datasets:
        if is_dataset_toml(value):
            spec = load_dataset_spec(value)
            data = Path(spec.path)
            out[spec.name] = {
                "toml": str(value),
                "data": str(data),
                "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
            }
    return out


def with_groups(ds, split: str, extra: Mapping[str, np.ndarray]):
    """A copy of ``ds`` whose ``split`` has extra evaluation groups (e.g. by class)."""
    part = ds.splits[split]
    new = dataclasses.replace(part, groups={**part.groups, **extra})
    return dataclasses.replace(ds, splits={**ds.splits, split: new})


# ----------------------------------------------------------------------------- validation


def check_tuple(field: str, values: Sequence, accepted: Sequence | None = None) -> None:
    """Non-empty, no duplicates, and (if given) every value among ``accepted``."""
    if len(values) == 0:
        raise ConfigError(field, "give at least one value")
    if len(set(values)) != len(values):
        raise ConfigError(field, f"duplicate values in {tuple(values)!r}")
    if accepted is not None:
        for value in values:
            check_choice(field, value, tuple(accepted))


def check_datasets(
    field: str, datasets: Sequence[str], decisions: Sequence[str] = ()
) -> dict[str, str]:
    """Built-in names or dataset TOML files, each read and checked now.

    Parameters
    ----------
    field : str
        The configuration field (named in errors).
    datasets : sequence of str
        ``"heart"``, ``"fico"``, ``"hr"`` or paths ending in ``.toml``.
    decisions : sequence of str
        The expert behaviours the scenario will build (:data:`DECISIONS`): a
        group-biased decision needs the dataset's ``decision_group``, a
        group-biased confidence its ``confidence_group``.

    Returns
    -------
    dict of str to str
        Each entry's label in tables: the name itself, or the TOML's ``name``.

    Raises
    ------
    ConfigError
        ``field``, with the TOML file and its own field in the message
        (``datasets: my.toml: dataset.target: column 'x' not in my.csv; ...``).
    """
    check_tuple(field, datasets)
    labels: dict[str, str] = {}
    for value in datasets:
        if value in DATASETS:
            labels[value] = value
            continue
        if not is_dataset_toml(value):
            raise ConfigError(
                field,
                f"must be one of {', '.join(DATASETS)} or the path of a dataset TOML file "
                f"(docs/experts.md, 'Your own data set'); got {value!r}",
            )
        try:
            spec = load_dataset_spec(value)
        except ConfigError as error:
            raise ConfigError(field, f"{value}: {error}") from None
        for behaviour in decisions:
            decision, confidence = behaviour_parts(behaviour)
            needed = [("decision_group", decision), ("confidence_group", confidence)]
            for attr, bias in needed:
                if bias == "group" and getattr(spec, attr) is None:
                    raise ConfigError(
                        field,
                        f"{value}: the expert {behaviour!r} needs dataset.{attr}, one of "
                        f"its [groups]; set it or leave {behaviour!r} out of decisions",
                    )
        labels[value] = spec.name
    names = list(labels.values())
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(field, f"two datasets are named {name!r}")
    return labels


def behaviour_parts(behaviour: str) -> tuple[str, str]:
    """``(decision bias, confidence bias)`` of a behaviour name (shorthand expanded).

    Examples
    --------
    >>> behaviour_parts("difficulty+group"), behaviour_parts("group")
    (('difficulty', 'group'), ('group', 'group'))
    """
    decision, confidence = SHORTHAND.get(behaviour, behaviour).split("+")
    return decision, confidence


def behaviour_label(behaviour: str) -> str:
    """Figure 2's behaviour in words, on two lines.

    Examples
    --------
    >>> behaviour_label("difficulty+group")
    'difficulty-biased decisions,\\ngroup-biased confidence'
    """
    decision, confidence = behaviour_parts(behaviour)
    return f"{decision}-biased decisions,\n{confidence}-biased confidence"


def behaviour_expert(ds, behaviour: str, seed: int):
    """The simulated expert of one behaviour (:data:`DECISIONS`) on a loaded dataset."""
    from hmlsim.behaviour import make_expert

    decision, confidence = behaviour_parts(behaviour)
    return make_expert(ds, decision=decision, confidence=confidence, rng=seed)


def split_fits(ds, config, seed: int) -> dict[str, Any]:
    """The fits of one split that depend on the data only: candidates, p̂(y | x), its OOF values.

    Every expert behaviour and α of the split shares them (pass the result as
    ``shared`` to :func:`run_context`); their seeds come from ``seed`` (derive it
    from the dataset and split only), so a behaviour's results do not depend on
    which other behaviours run beside it.
    """
    from hmlsim.advisors import mine_candidates
    from hmlsim.advisors.outcome import fit_p_y_model, training_proba

    X, y = ds.train.X, np.asarray(ds.train.y).astype(int)
    with limited_threads(1):
        candidates = mine_candidates(
            X,
            y,
            feature_names=[str(c) for c in X.columns],
            rng=derive_seed(seed, "mining"),
            max_candidates=int(config.max_candidates),
            n_trees_per_length=int(config.n_trees_per_length),
        )
        how = advisor_params(config).get("p_y_fit", "out-of-fold")
        outcome = fit_p_y_model(X, y, how, rng=derive_seed(seed, "outcome"))
        p_train = training_proba(outcome, X, y, how, rng=derive_seed(seed, "out-of-fold"))
    return {"candidates": candidates, "outcome_model": outcome, "p_train": p_train}


def check_alphas(field: str, alphas: Sequence[float]) -> None:
    """α values: at least one, no duplicates, each in [0, 1] (:func:`hmlsim.errors.check_alpha`)."""
    check_tuple(field, alphas)
    for a in alphas:
        check_alpha(field, a)


def check_int(field: str, value: int, minimum: int = 1) -> None:
    """An integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(field, f"must be an integer >= {minimum}, got {value!r}")


def check_run_size(config) -> None:
    """The fields every TeamRules scenario shares: runs, draws, advisor sizes and method."""
    check_tuple("split_seeds", config.split_seeds)
    for s in config.split_seeds:
        check_int("split_seeds", s, 0)
    check_int("expert_draws", config.expert_draws, 1)
    check_int("n_iter", config.n_iter, 1)
    check_int("n_trees_per_length", config.n_trees_per_length, 1)
    check_int("max_candidates", config.max_candidates, 1)
    check_int("seed", config.seed, 0)
    check_choice("method", config.method, METHODS)
    if hasattr(config, "variants"):
        check_tuple("variants", config.variants, VARIANTS)


def advisor_params(config) -> dict[str, Any]:
    """The estimator and mining settings of a config, for ``evaluate_advisors``.

    With ``method="authors"`` they include :data:`AUTHORS_PARAMS`.
    """
    params = {
        "n_iter": int(config.n_iter),
        "n_trees_per_length": int(config.n_trees_per_length),
        "max_candidates": int(config.max_candidates),
    }
    if getattr(config, "method", "hmlsim") == "authors":
        params.update(AUTHORS_PARAMS)
    return params


# ----------------------------------------------------------------------------- one run


def aggregate_draws(table: pd.DataFrame) -> pd.DataFrame:
    """Average :func:`evaluate_advisors`' rows over the expert draws of one run.

    Returns one row per (variant, α, λ, gated, group) with ``n`` (group size),
    ``n_rules``, ``expert_draws`` and the mean of every metric (rates with no
    advice in a draw are left out of their mean).
    """
    keys = [*KEY_COLUMNS, "n", "n_rules"]
    metrics = [m for m in METRICS if m in table.columns]
    grouped = table.groupby(keys, sort=False, dropna=False)
    out = grouped[metrics].mean().reset_index()
    out.insert(len(keys), "expert_draws", grouped.size().to_numpy())
    return out


def run_context(
    ds,
    expert,
    *,
    alphas: Sequence[float],
    variants: Sequence[str],
    expert_draws: int,
    params: Mapping[str, Any],
    seed: int,
    context: Mapping[str, Any],
    loss_weights: tuple[float, float] = (1.0, 1.0),
    gate: bool = False,
    discretion_model=None,
    shared: dict[str, Any] | None = None,
    fitted_advisors: dict | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Train and evaluate the advisors for one run; return the per-run table and extras.

    Parameters
    ----------
    ds, expert
        The run's dataset (one split seed) and simulated expert.
    alphas, variants, expert_draws, params, loss_weights, gate, discretion_model
        Passed to :func:`~hmlsim.advisors.evaluate_advisors`.
    seed : int
        The run's seed (everything random in the run flows from it).
    context : mapping
        Columns put in front of every row (dataset, decision, split seed, ...).
    shared : dict, optional
        Reuse across calls on the same split: what it holds of
        :data:`SHARED_FITS` is passed on (no mining, no p̂(y | x) fit; see
        :func:`split_fits`); otherwise this call's candidates and p̂(y | x)
        are stored in it.
    fitted_advisors : dict, optional
        Advisors to reuse across calls whose fits depend on the same inputs
        (see :func:`~hmlsim.advisors.evaluate_advisors`).

    Returns
    -------
    table : DataFrame
        :func:`aggregate_draws` of the run, with the context columns.
    extras : dict
        ``task_only_test_accuracy`` (when Task-only is among the variants),
        ``discretion_auc`` (the discretion model's validation AUC), ``n_candidates``.
    """
    with limited_threads(1):
        table, fit = evaluate_advisors(
            ds,
            expert,
            alpha=list(alphas),
            variants=list(variants),
            n_repetitions=int(expert_draws),
            loss_weights=loss_weights,
            advisor_params=dict(params),
            discretion_model=discretion_model,
            gate=gate,
            rng=int(seed),
            return_fit=True,
            fitted_advisors=fitted_advisors,
            **{k: v for k, v in (shared or {}).items() if k in SHARED_FITS},
        )
    if shared is not None:
        shared.setdefault("candidates", fit.candidates)
        shared.setdefault("outcome_model", fit.outcome_model)
    out = aggregate_draws(table)
    for i, (name, value) in enumerate(context.items()):
        out.insert(i, name, value)
    extras: dict[str, float] = {
        "discretion_auc": float(getattr(fit.discretion_model, "auc_", np.nan)),
        "n_candidates": float(len(fit.candidates.pos.rules) + len(fit.candidates.neg.rules)),
    }
    if "Task-only" in variants:
        task_only = fit.advisors[("Task-only", float(alphas[0]))]
        y_hat = np.asarray(task_only.predict(np.asarray(ds.test.X, dtype=float)))
        extras["task_only_test_accuracy"] = float(np.mean(y_hat == np.asarray(ds.test.y)))
    return out, extras


def run_seed(master: int, *key: Any) -> int:
    """The seed of one run, derived from the scenario's master seed and the run's key."""
    return derive_seed(int(master), *key)


# ----------------------------------------------------------------------------- summaries


def mean_se(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """``{"mean", "se", "n"}`` of the finite values (SE = sample SD / sqrt(n); 0 when n = 1)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": None, "se": None, "n": 0}
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0
    return {"mean": float(v.mean()), "se": se, "n": int(v.size)}


def across_runs(table: pd.DataFrame, by: Sequence[str], metric: str) -> pd.DataFrame:
    """Mean, SE and number of runs of ``metric`` per ``by`` (one value per run in each cell)."""
    grouped = table.groupby(list(by), sort=False, dropna=False)[metric]
    out = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    out["se"] = (out["sd"] / np.sqrt(out["n"].clip(lower=1))).fillna(0.0)
    return out.drop(columns="sd")


def nested(stats: pd.DataFrame, keys: Sequence[str]) -> dict:
    """Turn a mean/se table into nested dicts ``{k1: {k2: ... {"mean", "se", "n"}}}``."""
    result: dict = {}
    for _, row in stats.iterrows():
        node = result
        for k in keys[:-1]:
            node = node.setdefault(_key(row[k]), {})
        node[_key(row[keys[-1]])] = {
            "mean": finite_or_none(row["mean"]),
            "se": finite_or_none(row["se"]) if int(row["n"]) else None,
            "n": int(row["n"]),
        }
    return result


def finite_or_none(value: Any) -> float | None:
    """A float for JSON, None for NaN (no value: e.g. an acceptance rate without advice)."""
    value = float(value)
    return value if np.isfinite(value) else None


def _key(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


def human_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The expert-alone rows of a per-run table."""
    return table[table["variant"] == HUMAN]
