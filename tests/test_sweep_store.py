"""The result store: per-run atomic entries, failures recorded and retried, formats."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json

import numpy as np
import pandas as pd
import pytest

from hmlsim import cli
from hmlsim.errors import ConfigError
from hmlsim.experiments.collect import collect, collect_summaries
from hmlsim.experiments.store import ResultStore, annotate
from hmlsim.experiments.sweep import SweepSpec, execute_run, load_spec, plan_runs, run_sweep

TOY = "sweep_fixtures.toy"


def spec(**fixed) -> SweepSpec:
    return SweepSpec(
        TOY,
        axes={"r": [1.5, 2.5, 3.2], "start": [0.1, 0.5]},
        seeds=2,
        master_seed=5,
        quick=True,
        fixed=fixed,
    )


def test_every_run_lands_with_its_seed_and_axis_values(tmp_path):
    report = run_sweep(spec(), tmp_path, progress=False)
    assert (report.total, report.done, report.skipped, report.failed) == (12, 12, 0, [])
    assert report.exit_status == 0
    tasks = plan_runs(spec())
    store = ResultStore(tmp_path)
    assert store.done_keys() == {t.key for t in tasks}
    manifest = store.manifest()
    assert [r["key"] for r in manifest["runs"]] == [t.key for t in tasks]
    assert [r["seed"] for r in manifest["runs"]] == [t.seed for t in tasks]
    for task in tasks:
        path = store.read_table(task.key, "path")
        info = store.run_info(task.key)
        assert info["seed"] == task.seed == info["config"]["seed"]
        assert (path["seed"] == task.seed).all() and (path["run_key"] == task.key).all()
        assert (path["r"] == task.config.r).all() and (path["start"] == task.config.start).all()
        assert (path["replicate"] == task.replicate).all()
        # the stored values are the scenario's own result for that seed
        fresh = execute_run(task).tables["path"]
        np.testing.assert_array_equal(path["u"].to_numpy(), fresh["u"].to_numpy())


def test_failed_runs_are_recorded_and_do_not_stop_the_sweep(tmp_path):
    report = run_sweep(spec(fail_on=2.5), tmp_path, progress=False)
    assert report.done == 8 and len(report.failed) == 4
    assert report.exit_status == 1
    failures = ResultStore(tmp_path).failures()
    assert len(failures) == 4 and set(failures["r"]) == {2.5}
    assert failures["error"].str.contains("RuntimeError: failing on purpose for r=2.5").all()
    assert failures["traceback"].str.contains("Traceback").all()
    # a second start retries only the failed runs (and they fail again)
    again = run_sweep(spec(fail_on=2.5), tmp_path, progress=False)
    assert (again.skipped, again.done, len(again.failed)) == (8, 0, 4)


def test_failures_are_retried_on_the_next_start(tmp_path):
    flag = tmp_path / "flag"
    flag.write_text("fail")
    store_dir = tmp_path / "store"
    first = run_sweep(spec(fail_flag=str(flag)), store_dir, progress=False)
    assert first.done == 0 and len(first.failed) == 12
    flag.unlink()
    second = run_sweep(spec(fail_flag=str(flag)), store_dir, progress=False)
    assert (second.skipped, second.done, second.failed) == (0, 12, [])
    store = ResultStore(store_dir)
    assert store.failures().empty and not list(store.failures_dir.glob("*.json"))
    assert second.exit_status == 0


def test_a_finished_store_is_skipped_entirely(tmp_path):
    run_sweep(spec(), tmp_path, progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "runs").iterdir()}
    report = run_sweep(spec(), tmp_path, workers=2, progress=False)
    assert (report.skipped, report.done) == (12, 0) and report.complete
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "runs").iterdir()}
    assert before == after


def test_leftover_partial_writes_are_removed_and_rerun(tmp_path):
    run_sweep(spec(), tmp_path, progress=False)
    store = ResultStore(tmp_path)
    key = sorted(store.done_keys())[0]
    # simulate a kill between writing a run's files and renaming its folder
    (tmp_path / "runs" / key).rename(tmp_path / "runs" / f".tmp-{key}-999")
    report = run_sweep(spec(), tmp_path, progress=False)
    assert (report.skipped, report.done) == (11, 1)
    assert not list((tmp_path / "runs").glob(".tmp-*"))
    assert key in ResultStore(tmp_path).done_keys()


def test_csv_and_parquet_stores_hold_the_same_values(tmp_path):
    run_sweep(spec(), tmp_path / "pq", fmt="parquet", progress=False)
    run_sweep(spec(), tmp_path / "csv", fmt="csv", progress=False)
    assert list((tmp_path / "csv" / "runs").glob("*/path.csv"))
    assert not list((tmp_path / "csv" / "runs").glob("*/*.parquet"))
    a = collect(tmp_path / "pq", "final")
    b = collect(tmp_path / "csv", "final")
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-12)


def test_bad_format_names_the_field(tmp_path):
    with pytest.raises(ConfigError) as info:
        ResultStore(tmp_path, fmt="xlsx")
    assert info.value.field == "format"


def test_summaries_have_one_row_per_run(tmp_path):
    run_sweep(spec(), tmp_path, progress=False)
    summaries = collect_summaries(tmp_path)
    final = collect(tmp_path, "final")
    assert len(summaries) == 12
    merged = summaries.merge(final, on="run_key", suffixes=("", "_t"))
    np.testing.assert_allclose(merged["final"], merged["final_t"])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["spec"]["scenario"] == TOY and manifest["spec"]["seeds"] == 2


def test_annotate_keeps_existing_axis_columns():
    table = pd.DataFrame({"alpha": [0.1, 0.2], "v": [1.0, 2.0]})
    out = annotate(table, "k", 3, 42, {"alpha": 9.0, "offsets": [0.5], "pair": [1, 2]})
    assert list(out.columns[:3]) == ["run_key", "replicate", "seed"]
    assert out["alpha"].tolist() == [0.1, 0.2]
    assert out["offsets"].tolist() == [0.5, 0.5]
    assert out["pair"].tolist() == ["[1, 2]", "[1, 2]"]
    assert (out["seed"] == 42).all() and (out["replicate"] == 3).all()


def _tree(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_store_refuses_another_spec_and_changes_nothing(tmp_path):
    first = tmp_path / "a.toml"
    first.write_text(f'scenario = "{TOY}"\nquick = true\nmaster_seed = 5\n[axes]\nr = [1.5, 2.5]\n')
    second = tmp_path / "b.toml"
    second.write_text(f'scenario = "{TOY}"\nquick = true\nmaster_seed = 5\n[axes]\nr = [3.2]\n')
    store = tmp_path / "store"
    assert cli.main(["sweep", str(first), "--out", str(store), "--no-progress"]) == 0
    before = _tree(store)
    with pytest.raises(ConfigError) as error:
        run_sweep(load_spec(second), store, progress=False, source=second)
    assert error.value.field == "out"
    assert "axes.r is [1.5, 2.5] in the spec in" in str(error.value)
    assert str(first) in str(error.value) and str(second) in str(error.value)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = cli.main(["sweep", str(second), "--out", str(store), "--no-progress"])
    assert status == 2 and len(err.getvalue().strip().splitlines()) == 1
    assert "a store resumes its own spec only" in err.getvalue()
    assert _tree(store) == before  # the manifest and the runs are as they were
    # another master seed is another spec too; the same spec resumes
    with pytest.raises(ConfigError, match="master_seed is 5"):
        run_sweep(dataclasses.replace(load_spec(first), master_seed=6), store, progress=False)
    report = run_sweep(load_spec(first), store, progress=False, source=first)
    assert (report.skipped, report.done) == (2, 0)


def test_every_run_records_the_code_version_and_the_store_sums_them(tmp_path, monkeypatch):
    from hmlsim.experiments import markdown

    monkeypatch.setattr(markdown, "code_version", lambda where=None: "abc123")
    run_sweep(spec(), tmp_path, progress=False)
    store = ResultStore(tmp_path)
    infos = [store.run_info(key) for key in store.done_keys()]
    assert {i["code_version"] for i in infos} == {"abc123"}
    record = store.provenance()
    assert record["code_versions"] == ["abc123"] and record["runs"] == 12
    assert record["run_time_s"] == pytest.approx(sum(i["elapsed_s"] for i in infos), abs=0.1)
    assert record["wall_s"] >= 0 and record["first_started"] <= record["last_finished"]
    # a run resumed on other code shows up as a second version, not silently merged
    victim = sorted(store.done_keys())[0]
    import shutil

    shutil.rmtree(store.runs_dir / victim)
    monkeypatch.setattr(markdown, "code_version", lambda where=None: "def456")
    run_sweep(spec(), tmp_path, progress=False)
    assert ResultStore(tmp_path).provenance()["code_versions"] == ["abc123", "def456"]
