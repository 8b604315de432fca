"""A sweep's result store: one folder, one atomically written entry per finished run.

Layout of a store folder::

    manifest.json          the spec and every planned run (key, replicate, seed, axis values)
    runs/<key>/            one folder per finished run, renamed into place in one step
        run.json           key, scenario, replicate, seed, axis values, full config, time,
                           the code version it ran with and when it finished (UTC)
        summary.json       the scenario's summary
        <table>.parquet    each result table (or <table>.csv), with the columns
                           run_key, replicate, seed and the axis values added
    failures/<key>.json    error text and traceback of a failed run (removed once it succeeds)

A run's folder is first written under ``runs/.tmp-<key>-<pid>`` and then moved
into place with :func:`os.replace`, so a run is either wholly in the store or
not at all, whenever the process is killed; leftovers of killed writes are
removed when the store is opened again. Only the process that drives the sweep
writes here (workers send their results back), so the folder need not be shared
with a cluster's workers.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hmlsim.errors import ConfigError, check_choice
from hmlsim.experiments.scenario import to_jsonable, write_json

log = logging.getLogger(__name__)

FORMATS = ("parquet", "csv")
ADDED_COLUMNS = ("run_key", "replicate", "seed")


def _task_record(task: Any) -> dict[str, Any]:
    """The fields naming a run in ``run.json`` and ``failures/<key>.json``."""
    return {
        "key": task.key,
        "scenario": task.scenario,
        "replicate": task.replicate,
        "seed": task.seed,
        "axes": task.axis_values,
        "config": task.config,
    }


def _scalar(value: Any) -> Any:
    """An axis value as one table cell: unwrap one-element lists, JSON for the rest."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return _scalar(value[0])
        return json.dumps(to_jsonable(value))
    if isinstance(value, Mapping):
        return json.dumps(to_jsonable(value), sort_keys=True)
    return value


def annotate(
    table: pd.DataFrame, key: str, replicate: int, seed: int, axis_values: Mapping[str, Any]
) -> pd.DataFrame:
    """Add ``run_key``, ``replicate``, ``seed`` and the axis values as columns.

    Axis columns already present in the scenario's table are left as they are.
    """
    table = table.copy()
    for name, value in axis_values.items():
        if name not in table.columns:
            table[name] = _scalar(value)
    table["run_key"] = key
    table["replicate"] = int(replicate)
    table["seed"] = int(seed)
    first = [*ADDED_COLUMNS, *[c for c in axis_values if c not in ADDED_COLUMNS]]
    return table[first + [c for c in table.columns if c not in first]]


def _first_difference(old: Any, new: Any, where: str = "") -> tuple[str, Any, Any] | None:
    """The first key path at which two JSON values differ, with both values."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in [*old, *(k for k in new if k not in old)]:
            found = _first_difference(
                old.get(key), new.get(key), f"{where}.{key}" if where else str(key)
            )
            if found is not None:
                return found
        return None
    return None if old == new else (where, old, new)


def check_same_spec(root: str | Path, spec: Mapping[str, Any], source: str | None = None) -> None:
    """Refuse to run ``spec`` into a store that was started with another spec.

    A store belongs to the spec it was started with: it resumes that spec only.
    Called before anything is written, so a refused sweep changes nothing.

    Parameters
    ----------
    root : path
        The store folder (may not exist yet: then any spec is accepted).
    spec : mapping
        The spec as :meth:`~hmlsim.experiments.sweep.SweepSpec.to_dict` gives it.
    source : str, optional
        The spec's file, named in the error.

    Raises
    ------
    ConfigError
        ``out``, naming the store's spec file and the first field that differs.
    """
    path = Path(root) / "manifest.json"
    if not path.is_file():
        return
    try:
        manifest = json.loads(path.read_text())
        stored, stored_source = manifest["spec"], manifest.get("spec_file")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError("out", f"{root} holds an unreadable manifest.json ({error})") from None
    found = _first_difference(stored, to_jsonable(dict(spec)))
    if found is None:
        return
    where, old, new = found
    theirs = f"the spec in {stored_source}" if stored_source else "the store's spec"
    ours = f"in {source}" if source else "in this spec"

    def shown(value: Any) -> str:
        text = json.dumps(value)
        return text if len(text) <= 80 else f"{text[:70]}... ({len(text):,} characters)"

    raise ConfigError(
        "out",
        f"{root} is the store of another sweep: {where} is {shown(old)} in {theirs}, "
        f"{shown(new)} {ours}; a store resumes its own spec only (give another --out)",
    )


class ResultStore:
    """A folder of finished runs, failures and the manifest of a sweep.

    Parameters
    ----------
    root : path
        The folder (created if missing).
    fmt : {"parquet", "csv"}
        Format of the tables written from now on (reading accepts both).
    """

    def __init__(self, root: str | Path, fmt: str = "parquet") -> None:
        self.root = Path(root)
        self.fmt = check_choice("format", fmt, FORMATS)
        self.runs_dir = self.root / "runs"
        self.failures_dir = self.root / "failures"
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError("out", f"{self.root} exists and is not a folder")
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.failures_dir.mkdir(parents=True, exist_ok=True)
        self._clean_leftovers()

    def _clean_leftovers(self) -> None:
        for path in [*self.runs_dir.glob(".tmp-*"), *self.failures_dir.glob("*.tmp")]:
            log.info("removing an unfinished write: %s", path)
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    # -- manifest -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        """``manifest.json`` of the store."""
        return self.root / "manifest.json"

    def write_manifest(
        self, spec: Mapping[str, Any], tasks: Iterable[Any], source: str | None = None
    ) -> None:
        """Record the spec, the file it came from and every planned run.

        Each run is recorded with its key, replicate, seed and axis values.
        """
        runs = [
            {"key": t.key, "replicate": t.replicate, "seed": t.seed, "axes": t.axis_values}
            for t in tasks
        ]
        write_json(
            self.manifest_path,
            {"spec": dict(spec), "spec_file": source, "format": self.fmt, "runs": runs},
        )

    def manifest(self) -> dict[str, Any]:
        """The manifest written by the last start of a sweep.

        Raises
        ------
        ConfigError
            ``store`` when the folder holds no manifest.
        """
        if not self.manifest_path.exists():
            raise ConfigError("store", f"{self.root} holds no manifest.json (not a sweep store)")
        return json.loads(self.manifest_path.read_text())

    # -- runs -----------------------------------------------------------------------------
    def done_keys(self) -> set[str]:
        """Keys of the runs whose results are in the store."""
        return {
            p.name
            for p in self.runs_dir.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / "run.json").exists()
        }

    def failed_keys(self) -> set[str]:
        """Keys of runs whose last attempt failed and that have not succeeded since."""
        return {p.stem for p in self.failures_dir.glob("*.json")} - self.done_keys()

    def write_run(self, task: Any, outcome: Any, code_version: str = "unknown") -> Path:
        """Write a finished run's tables and summary atomically; return its folder.

        ``code_version`` (the commit the sweep ran, see
        :func:`~hmlsim.experiments.markdown.code_version`) and the finishing time
        go into ``run.json``, so a report can name the code behind every run.
        """
        final = self.runs_dir / task.key
        tmp = self.runs_dir / f".tmp-{task.key}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            for name, table in outcome.tables.items():
                table = annotate(
                    pd.DataFrame(table), task.key, task.replicate, task.seed, task.axis_values
                )
                if self.fmt == "parquet":
                    table.to_parquet(tmp / f"{name}.parquet", index=False)
                else:
                    table.to_csv(tmp / f"{name}.csv", index=False)
            write_json(tmp / "summary.json", outcome.summary)
            write_json(
                tmp / "run.json",
                {
                    **_task_record(task),
                    "elapsed_s": round(float(outcome.elapsed_s), 6),
                    "format": self.fmt,
                    "code_version": code_version,
                    "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
            )
        except BaseException:  # a full disk, Ctrl-C: nothing of this run stays
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            os.replace(tmp, final)
        except OSError:  # already there (written by an earlier start): keep the first
            shutil.rmtree(tmp, ignore_errors=True)
        (self.failures_dir / f"{task.key}.json").unlink(missing_ok=True)
        return final

    def write_failure(self, task: Any, outcome: Any) -> Path:
        """Record a failed run's error text and traceback (retried on the next start)."""
        path = self.failures_dir / f"{task.key}.json"
        write_json(
            path,
            {
                **_task_record(task),
                "error": outcome.error,
                "traceback": outcome.traceback,
            },
        )
        return path

    def failures(self) -> pd.DataFrame:
        """One row per run that failed and has not succeeded since (key, axes, seed, error)."""
        rows = []
        for key in sorted(self.failed_keys()):
            record = json.loads((self.failures_dir / f"{key}.json").read_text())
            rows.append(
                {
                    "run_key": key,
                    "replicate": record["replicate"],
                    "seed": record["seed"],
                    **{k: _scalar(v) for k, v in record["axes"].items()},
                    "error": record["error"],
                    "traceback": record["traceback"],
                }
            )
        return pd.DataFrame(rows)

    def provenance(self) -> dict[str, Any]:
        """Where the finished runs came from: code versions, time span and run time.

        Returns
        -------
        dict
            ``code_versions`` (sorted; ``"unknown"`` for runs stored before
            versions were recorded, more than one when the store mixes code),
            ``runs``, ``first_started`` and ``last_finished`` (UTC, ISO; None when
            unrecorded), ``wall_s`` (their distance in seconds: the sweep's wall
            time when it ran in one start, longer when resumed after a pause) and
            ``run_time_s`` (the runs' own elapsed seconds, summed).
        """
        infos = [self.run_info(key) for key in sorted(self.done_keys())]
        starts, ends = [], []
        for info in infos:
            if info.get("finished_at"):
                end = datetime.fromisoformat(info["finished_at"])
                ends.append(end)
                starts.append(end.timestamp() - float(info.get("elapsed_s", 0.0)))
        first = datetime.fromtimestamp(min(starts), UTC) if starts else None
        last = max(ends) if ends else None
        return {
            "code_versions": sorted({str(i.get("code_version", "unknown")) for i in infos}),
            "runs": len(infos),
            "first_started": first.isoformat(timespec="seconds") if first else None,
            "last_finished": last.isoformat(timespec="seconds") if last else None,
            "wall_s": round((last - first).total_seconds(), 1) if first and last else None,
            "run_time_s": round(sum(float(i.get("elapsed_s", 0.0)) for i in infos), 1),
        }

    def run_info(self, key: str) -> dict[str, Any]:
        """The ``run.json`` of a finished run."""
        return json.loads((self.runs_dir / key / "run.json").read_text())

    def summary(self, key: str) -> dict[str, Any]:
        """The scenario summary of a finished run."""
        return json.loads((self.runs_dir / key / "summary.json").read_text())

    def table_names(self, key: str) -> list[str]:
        """Names of the tables stored for a finished run."""
        folder = self.runs_dir / key
        return sorted(p.stem for p in folder.iterdir() if p.suffix in (".parquet", ".csv"))

    def read_table(self, key: str, name: str) -> pd.DataFrame:
        """One table of one finished run.

        Raises
        ------
        ConfigError
            ``table`` when the run has no such table.
        """
        folder = self.runs_dir / key
        if (folder / f"{name}.parquet").exists():
            return pd.read_parquet(folder / f"{name}.parquet")
        if (folder / f"{name}.csv").exists():
            return pd.read_csv(folder / f"{name}.csv")
        raise ConfigError(
            "table",
            f"run {key} has no table {name!r}; accepted: {', '.join(self.table_names(key))}",
        )
