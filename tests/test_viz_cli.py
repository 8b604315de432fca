"""``hmlsim viz``: refuses to start without the front-end files; the app module is sound."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hmlsim.cli import main
from hmlsim.visualization.cli import APP, solara_command


def test_refuses_to_start_without_assets(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path))
    assert main(["viz", "--port", "8799"]) == 2
    err = capsys.readouterr().err
    assert "hmlsim viz --setup" in err and str(tmp_path) in err


def test_bad_port_is_a_one_line_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "hmlsim.cli", "viz", "--port", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "hmlsim viz: error: --port: must lie in 1..65535, got 0"
    ]


def test_solara_command_serves_the_app_on_the_given_address():
    command = solara_command("127.0.0.1", 8123)
    assert command[:4] == [sys.executable, "-m", "solara", "run"]
    assert str(APP) in command and APP.is_file()
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8123"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_app_params_match_the_model_and_views_draw():
    import inspect

    from hmlsim.visualization import app

    accepted = inspect.signature(app.CollaborationModel.__init__).parameters
    assert set(app.model_params) <= set(accepted)
    model = app.VizModel(
        **{
            **{k: (v["value"] if isinstance(v, dict) else v) for k, v in app.model_params.items()},
            "n_iter": 30,
            "cases_per_epoch": 90,
        }
    )
    model.step()
    model.step()
    cobweb = app.cobweb_figure(model)
    assert len(cobweb.axes[0].lines) >= 3  # 45° line, traced Φ, learning path
    network = app.network_figure(model)
    assert network.axes[0].get_title().startswith("firm → advisors → experts")
    assert app.rate_measures(model) == ["advising_rate[difficulty]", "acceptance_rate[difficulty]"]


def test_a_bad_dataset_toml_is_refused_before_the_server_starts(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("hmlsim.visualization.assets.missing_assets", lambda: [])
    bad = tmp_path / "mine.toml"
    bad.write_text('[dataset]\nname = "mine"\n')
    assert main(["viz", "--dataset", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--dataset" in err and "mine.toml" in err
    assert main(["viz", "--dataset", "heart"]) == 2
    assert "dataset TOML file" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_page_offers_the_dataset_tomls_it_is_given_and_the_model_runs_on_one(monkeypatch):
    from hmlsim.data.example import example_dataset_toml
    from hmlsim.visualization import app, cli

    example = str(example_dataset_toml())
    monkeypatch.setenv(cli.DATASETS_ENV, example)
    assert app.user_datasets() == [example]
    model = app.VizModel(
        **{
            **{k: (v["value"] if isinstance(v, dict) else v) for k, v in app.model_params.items()},
            "dataset": example,
            "n_iter": 30,
            "cases_per_epoch": 90,
        }
    )
    assert model.error == "", model.error  # built on the user's data, not the fallback
    model.step()
    assert model.domain.data.name == "example_loans"


def test_the_model_finds_fico_where_the_page_does(tmp_path, monkeypatch):
    """One resolver: the model reads FICO from where ``resolve_fico_path`` found it."""
    import numpy as np
    import pandas as pd

    from hmlsim.data import loaders
    from hmlsim.model import CollaborationModel

    rng = np.random.default_rng(0)
    risk = rng.integers(40, 90, 600)
    fake = tmp_path / "heloc_dataset_v1.csv"  # FICO's columns, made-up rows
    pd.DataFrame(
        {
            "RiskPerformance": np.where(risk + rng.normal(0, 8, risk.size) < 65, "Bad", "Good"),
            "ExternalRiskEstimate": risk,
            "NumSatisfactoryTrades": rng.integers(0, 50, risk.size),
            "NumTotalTrades": rng.integers(0, 60, risk.size),
        }
    ).to_csv(fake, index=False)
    monkeypatch.delenv("HMLSIM_FICO_PATH", raising=False)
    monkeypatch.setattr(loaders, "DEFAULT_FICO_PATH", fake)
    assert loaders.resolve_fico_path() == fake  # the page offers FICO ...
    model = CollaborationModel(dataset="fico", n_iter=10, cases_per_epoch=50, n_eval=50)
    assert model.domain.data.path == fake  # ... and the model reads that file


def test_each_domain_offers_its_own_advisors_and_hides_what_it_ignores():
    from hmlsim.model.domains import CLASSIFICATION_ADVISORS
    from hmlsim.model.domains.knapsack import KNAPSACK_ADVISORS
    from hmlsim.visualization import app
    from hmlsim.visualization.controls import consistent, offered, used

    params = {k: v for k, v in app.model_params.items() if isinstance(v, dict)}
    chosen = app.defaults()
    assert offered(params["advisor"], chosen) == list(CLASSIFICATION_ADVISORS)
    assert "mlp" not in offered(params["advisor"], chosen)
    assert all(used(options, chosen) for options in params.values())
    # choosing knapsack swaps the advisor for one of its own and hides what it ignores
    knapsack = consistent(params, {**chosen, "domain": "knapsack"})
    assert offered(params["advisor"], knapsack) == list(KNAPSACK_ADVISORS)
    assert knapsack["advisor"] == KNAPSACK_ADVISORS[0]
    hidden = {name for name, options in params.items() if not used(options, knapsack)}
    assert hidden == {"dataset", "decision", "confidence", "alpha", "audit_share"}
    assert "audit channel" in params["audit_share"]["used_by"]["why"]
    back = consistent(params, {**knapsack, "advisor": "mlp-maxpick", "domain": "classification"})
    assert back["advisor"] == CLASSIFICATION_ADVISORS[0]
    assert consistent(params, chosen) == chosen  # the start values belong together


@pytest.mark.parametrize("strategy", ["window", "cumulative", "warm-start", "lazy-3"])
def test_every_retraining_strategy_the_page_offers_runs_and_is_named(strategy):
    from hmlsim.visualization import app
    from hmlsim.visualization.controls import consistent, offered

    params = {k: v for k, v in app.model_params.items() if isinstance(v, dict)}
    assert strategy in offered(params["retraining"], app.defaults())
    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in app.model_params.items()}
    model = app.VizModel(**{**values, "retraining": strategy, "n_iter": 30, "cases_per_epoch": 90})
    model.step()
    model.step()
    assert f"retraining {strategy}" in app.running_line(model)
    # the knapsack MLP has no warm start: switching domain leaves a strategy it has
    knapsack = consistent(params, {**app.defaults(), "retraining": strategy, "domain": "knapsack"})
    assert knapsack["retraining"] in ("window", "cumulative", "lazy-3")
    assert knapsack["retraining"] == (strategy if strategy != "warm-start" else "window")
