"""The interactive page of :class:`~hmlsim.model.CollaborationModel` (Mesa, Solara).

Serve it with ``hmlsim viz`` (or ``solara run hmlsim/visualization/app.py``).
Controls apply on *Reset* (a changed control says so, and every slider shows its
value: :mod:`hmlsim.visualization.controls`); every *Step* plays one deployment
epoch and the views below refresh:

- utility of the model alone, the team and the experts alone over epochs;
- the cobweb of the run on the Φ it has traced so far, with the 45° line (or
  the tilted line of an imperfect learner) and the detected stable point;
- advising and acceptance rates by expert group;
- the network firm → advisors → experts, edges weighted by advice accepted;
- the advisors' current rules, each advisor named by its variant.

A model that cannot be built from the controls (a dataset whose file fails to
load) does not break the page: the default model runs and the error is shown
as a message at the top of the page.

Default sizes are small (a few experts, 200 cases per epoch, 100 annealing
iterations) so that one step takes well under two seconds.
"""

from __future__ import annotations

import logging
import math
import os

import networkx as nx
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from hmlsim.data.loaders import resolve_fico_path
from hmlsim.errors import ConfigError
from hmlsim.model import AdvisorAgent, CollaborationModel, ExpertAgent
from hmlsim.model.domains import CLASSIFICATION_ADVISORS
from hmlsim.model.domains.knapsack import KNAPSACK_ADVISORS
from hmlsim.model.stability import analyse_run
from hmlsim.visualization.controls import PAGE_TITLE, Status
from hmlsim.visualization.page import ModelPage, start_values

log = logging.getLogger(__name__)


class VizModel(CollaborationModel):
    """:class:`CollaborationModel` whose advisor falls back to the knapsack MLP.

    The page offers each domain its own advisors; a TeamRules variant given with
    the knapsack domain means the plain MLP recommender. :attr:`params` are the
    parameters the model was built with (the page compares its controls with them).
    """

    def __init__(self, domain: str = "classification", advisor: str = "TR", **kwargs) -> None:
        params = {"domain": domain, "advisor": advisor, **kwargs}
        #: why the controls' model could not be built ("" when it was)
        self.error = ""
        #: the parameters this model was built with (the defaults where those failed)
        self.params = params
        try:
            self._build(**params)
        except Exception as error:  # the page shows it; the default model runs instead
            log.exception("cannot build the model from %s", params)
            text = (
                str(error) if isinstance(error, ConfigError) else f"{type(error).__name__}: {error}"
            )
            params = {**defaults(), "rng": kwargs.get("rng")}
            # Mesa's Model.__init__ wraps ``step`` in an instance attribute: drop the
            # first attempt's wrapper, or the second would wrap it again
            self.__dict__.pop("step", None)
            self._build(**params)
            self.error = (
                f"The model could not start with these controls ({text}). The default "
                "model runs instead; change the controls and press Reset."
            )
            self.params = params

    def _build(self, domain: str = "classification", advisor: str = "TR", **kwargs) -> None:
        if domain == "knapsack":
            advisor = advisor if advisor in KNAPSACK_ADVISORS else "mlp"
            kwargs["audit_share"] = 0.0  # the knapsack solvers have no audit channel
        super().__init__(domain=domain, advisor=advisor, audit_delay=1, **kwargs)


def user_datasets() -> list[str]:
    """The dataset TOML files ``hmlsim viz --dataset`` passed to this page (checked there)."""
    from hmlsim.visualization.cli import DATASETS_ENV

    return [p for p in os.environ.get(DATASETS_ENV, "").split(os.pathsep) if p]


#: the controls the knapsack domain ignores (its instances are generated, its solvers
#: score picks): shown as a line saying so while the knapsack domain is chosen
CLASSIFICATION_ONLY = {"domain": ("classification",)}

model_params = {
    "domain": {
        "type": "Select",
        "value": "classification",
        "label": "Domain",
        "values": ["classification", "knapsack"],
    },
    "dataset": {
        "type": "Select",
        "value": "heart",
        "label": "Dataset (classification)",
        # FICO is offered only where its file is found (it is never shipped); dataset
        # TOML files given to `hmlsim viz --dataset` follow
        "values": ["heart", "hr", *(["fico"] if resolve_fico_path() else []), *user_datasets()],
        "used_by": CLASSIFICATION_ONLY,
    },
    "advisor": {
        "type": "Select",
        "value": "TR",
        "label": "Advisor",
        # each domain offers its own advisors
        "values_by": {
            "domain": {
                "classification": list(CLASSIFICATION_ADVISORS),
                "knapsack": list(KNAPSACK_ADVISORS),
            }
        },
    },
    "decision": {
        "type": "Select",
        "value": "difficulty",
        "label": "Expert decisions",
        "values": ["difficulty", "group"],
        "used_by": CLASSIFICATION_ONLY,
    },
    "confidence": {
        "type": "Select",
        "value": "accuracy",
        "label": "Expert confidence",
        "values": ["accuracy", "group"],
        "used_by": CLASSIFICATION_ONLY,
    },
    "alpha": {
        "type": "SliderFloat",
        "value": 0.1,
        "label": "α (reconciliation cost)",
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "used_by": CLASSIFICATION_ONLY,
    },
    "initial_quality": {
        "type": "SliderFloat",
        "value": 0.75,
        "label": "Initial model quality",
        "min": 0.5,
        "max": 1.0,
        "step": 0.05,
    },
    "learner_tilt": {
        "type": "SliderFloat",
        "value": 1.0,
        "label": "Learner λ",
        "min": 0.5,
        "max": 1.0,
        "step": 0.01,
    },
    "n_experts": {
        "type": "SliderInt",
        "value": 3,
        "label": "Experts",
        "min": 1,
        "max": 8,
        "step": 1,
    },
    "audit_share": {
        "type": "SliderFloat",
        "value": 0.0,
        "label": "Audit share ρ (truth revealed an epoch later)",
        "min": 0.0,
        "max": 0.5,
        "step": 0.02,
        "used_by": {**CLASSIFICATION_ONLY, "why": "its solvers have no audit channel"},
    },
    "retraining": {
        "type": "Select",
        "value": "window",
        "label": "Retraining (what the firm learns from)",
        # the knapsack MLP is refitted, never warm-started (hmlsim.model.retraining)
        "values_by": {
            "domain": {
                "classification": ["window", "cumulative", "warm-start", "lazy-3"],
                "knapsack": ["window", "cumulative", "lazy-3"],
            }
        },
    },
    "exploration": {
        "type": "SliderFloat",
        "value": 0.0,
        "label": "Exploration share",
        "min": 0.0,
        "max": 0.3,
        "step": 0.01,
    },
    "rng": {"type": "SliderInt", "value": 42, "label": "Seed", "min": 0, "max": 999, "step": 1},
    "cases_per_epoch": 200,
    "n_iter": 100,
    "n_eval": 200,
}


def defaults() -> dict:
    """The model's parameters as the page opens (every control at its start value)."""
    return start_values(model_params)


def number(value: float, spec: str = ".3f") -> str:
    """``value`` formatted, or "–" where it is not defined yet (NaN before the first epoch)."""
    return "–" if value is None or not math.isfinite(value) else format(value, spec)


def running_line(model: CollaborationModel) -> str:
    """The settings of the model on the page, read from the model itself."""
    domain = model.domain
    parts = [domain.name]
    if domain.name == "classification":
        parts += [
            f"dataset {domain.data.name}",
            f"{domain.decision} decisions",
            f"{domain.confidence} confidence",
            f"α = {domain.alpha:g}",
            f"audit share ρ = {model.audit.share:g}",
        ]
    parts += [
        f"retraining {model.firm.strategy.name}",
        f"initial quality {domain.initial_quality:g}",
        f"λ = {model.learner_tilt:g}",
        f"{len(model.experts)} experts",
        f"exploration {model.exploration:g}",
    ]
    return "Running: " + ", ".join(parts)


def advisor_label(advisor: AdvisorAgent) -> str:
    """An advisor named by its variant and the experts it serves: "TR (all experts)"."""
    whom = f"group {advisor.group}" if advisor.group else "all experts"
    return f"{advisor.variant or 'advisor'} ({whom})"


def legend_below(ax, ncols: int = 3) -> None:
    """The axes' legend under its x label (off the data); the figure laid out to fit it."""
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=ncols, fontsize=8, frameon=False
    )
    ax.figure.set_layout_engine("constrained")


#: size of every figure: wider than tall, so that each fits its cell of the page's grid
#: (about 1.55 times as wide as tall at a 1600-pixel-wide window)
FIGSIZE = (6.0, 3.8)

#: the utility curves: DataCollector column -> (label, colour)
UTILITIES = {
    "model_utility": ("model alone", "tab:blue"),
    "team_utility": ("team (final decisions)", "tab:orange"),
    "human_utility": ("experts alone", "tab:grey"),
}


def utility_axes(ax) -> None:
    """Label the utility plot: integer epochs, the legend below the axes."""
    ax.set_xlabel("epoch")
    ax.set_ylabel("utility (hidden truth)")
    ax.set_ylim(0, 1.02)
    ax.xaxis.get_major_locator().set_params(integer=True)
    legend_below(ax)


def rate_axes(ax) -> None:
    """Label the rates plot."""
    ax.set_xlabel("epoch")
    ax.set_ylabel("rate")
    ax.set_ylim(-0.02, 1.02)


def cobweb_figure(model: CollaborationModel) -> Figure:
    """The run's learning path as a cobweb on the Φ it traced, with the (tilted) line."""
    frame = model.datacollector.get_model_vars_dataframe()
    played = frame.iloc[1:]
    u = played["model_utility"].to_numpy(dtype=float)
    phi = played["team_utility"].to_numpy(dtype=float)
    fig = Figure(figsize=FIGSIZE)
    ax = fig.subplots()
    grid = np.linspace(0, 1, 2)
    tilt = model.learner_tilt
    ax.plot(grid, grid, color="grey", lw=1, label="45° line")
    if tilt < 1:
        ax.plot(
            grid,
            np.clip(grid / tilt, 0, 1),
            color="grey",
            ls="--",
            lw=1,
            label=f"u/λ (λ={tilt:.2f})",
        )
    if u.size:
        order = np.argsort(u)
        ax.plot(u[order], phi[order], "o-", color="tab:blue", ms=4, label="traced Φ")
        # cobweb: (u_t, Φ_t) → (u_{t+1}, Φ_t) → (u_{t+1}, Φ_{t+1})
        web_x = np.column_stack([u[:-1], u[1:]]).ravel()
        web_y = np.column_stack([phi[:-1], phi[:-1]]).ravel()
        web_x, web_y = np.r_[web_x, u[-1]], np.r_[web_y, phi[-1]]
        ax.plot(web_x, web_y, color="tab:orange", lw=1, alpha=0.8, label="learning path")
    report = analyse_run(u, phi, tilt=tilt, epsilon=model.stability.epsilon)
    markers = {"attracting": "o", "repelling": "x", "semi-stable": "D"}
    for fixed in [] if report is None else report.stable_points:
        ax.plot(
            [fixed.u],
            [fixed.phi],
            markers.get(fixed.kind, "s"),
            color="tab:purple",
            mfc="none",
            ms=11,
            mew=1.8,
            label=f"{fixed.kind} point of traced Φ ({fixed.u:.3f})",
        )
    point = model.stable_point
    if point is not None:
        ax.plot(
            [point.u],
            [point.phi],
            "*",
            color="tab:red",
            ms=14,
            label=f"stable point u={point.u:.3f}",
        )
    lo = float(np.nanmin(np.r_[u, phi, 0.9])) if u.size else 0.5
    ax.set_xlim(max(0.0, lo - 0.05), 1.0)
    ax.set_ylim(max(0.0, lo - 0.05), 1.0)
    ax.set_xlabel("model utility u")
    ax.set_ylabel("team utility Φ(u)")
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    return fig


def network_figure(model: CollaborationModel) -> Figure:
    """Firm → advisors → experts; expert edges weighted by advice accepted this epoch."""
    graph = nx.DiGraph()
    graph.add_node("firm", layer=0)
    advisors = list(model.agents_by_type[AdvisorAgent])
    experts = list(model.agents_by_type[ExpertAgent])
    for advisor in advisors:
        name = f"{advisor.variant or 'advisor'}\n{advisor.group or 'all'}"
        graph.add_node(name, layer=1)
        graph.add_edge("firm", name, weight=1.0)
        for expert in advisor.experts:
            node = f"expert {expert.unique_id}"
            graph.add_node(node, layer=2)
            graph.add_edge(name, node, weight=float(expert.n_accepted))
    fig = Figure(figsize=FIGSIZE)
    ax = fig.subplots()
    pos = nx.multipartite_layout(graph, subset_key="layer")
    weights = np.array([d["weight"] for _, _, d in graph.edges(data=True)], dtype=float)
    top = max(1.0, float(weights[1:].max()) if weights.size > 1 else 1.0)
    widths = [
        1.0 if u == "firm" else 0.5 + 6.0 * d["weight"] / top for u, _, d in graph.edges(data=True)
    ]
    colors = [
        "tab:grey" if n == "firm" else "tab:blue" if n.startswith("expert") else "tab:green"
        for n in graph.nodes
    ]
    nx.draw_networkx(
        graph,
        pos=pos,
        ax=ax,
        node_color=colors,
        width=widths,
        font_size=7,
        node_size=1400,
        arrows=True,
        alpha=0.9,
    )
    labels = {(u, v): int(d["weight"]) for u, v, d in graph.edges(data=True) if u != "firm"}
    nx.draw_networkx_edge_labels(graph, pos=pos, edge_labels=labels, ax=ax, font_size=7)
    ax.set_title(
        f"firm → advisors → experts: advice accepted in epoch {model.steps} "
        f"({len(experts)} experts)",
        fontsize=9,
    )
    ax.axis("off")
    fig.tight_layout()
    return fig


@solara.component
def Utility(model: CollaborationModel):
    """Utility of the model alone, the team and the experts alone over epochs."""
    update_counter.get()
    frame = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=FIGSIZE)
    ax = fig.subplots()
    for column, (label, colour) in UTILITIES.items():
        ax.plot(frame.index, frame[column], color=colour, marker="o", ms=3, label=label)
    utility_axes(ax)
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


@solara.component
def Cobweb(model: CollaborationModel):
    """Cobweb on the traced Φ (refreshes every step)."""
    update_counter.get()
    solara.FigureMatplotlib(cobweb_figure(model), format="png", bbox_inches="tight")


@solara.component
def Network(model: CollaborationModel):
    """Network view of firm, advisors and experts (refreshes every step)."""
    update_counter.get()
    solara.FigureMatplotlib(network_figure(model), format="png", bbox_inches="tight")


@solara.component
def Summary(model: CollaborationModel):
    """The page's status (an error, the tab's name) and the run's state this epoch."""
    update_counter.get()
    Status(model)
    point = model.stable_point
    line = model.line
    lines = [
        f"**Epoch {model.steps}** — model utility {number(model.model_utility)}, "
        f"team utility {number(model.team_utility)}; Φ(u) − u = {number(line.gap, '+.3f')} "
        f"[{number(line.ci_low, '+.3f')}, {number(line.ci_high, '+.3f')}] "
        f"({model.stability.end_state()})",
        ""
        if point is None
        else f"**Stable point** at epoch {point.epoch}: u = {point.u:.3f}, Φ(u) = {point.phi:.3f}",
        "Advisors: " + ", ".join(advisor_label(a) for a in model.agents_by_type[AdvisorAgent]),
        running_line(model),
    ]
    solara.Markdown("\n\n".join(lines))


@solara.component
def Rules(model: CollaborationModel):
    """The advisors' current rules, each advisor named by its variant."""
    update_counter.get()
    lines = []
    for advisor in model.agents_by_type[AdvisorAgent]:
        lines.append(f"#### Advisor {advisor_label(advisor)}, retrained {advisor.version}×")
        lines.append("```\n" + advisor.rules + "\n```")
    solara.Markdown("\n\n".join(lines))


def rate_measures(model: CollaborationModel) -> list[str]:
    """The per-group rate columns of the model's DataCollector."""
    return [
        c
        for c in model.datacollector.model_vars
        if c.startswith(("advising_rate[", "acceptance_rate["))
    ]


@solara.component
def Rates(model: CollaborationModel):
    """Advising and acceptance rates by expert group over epochs."""
    update_counter.get()
    frame = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=FIGSIZE)
    ax = fig.subplots()
    for column in rate_measures(model):
        style = "-" if column.startswith("advising") else "--"
        ax.plot(frame.index, frame[column], style, marker="o", ms=3, label=column)
    rate_axes(ax)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if rate_measures(model):
        legend_below(ax, ncols=2)
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


@solara.component
def Page():
    """The page: each browser session builds and steps its own :class:`VizModel`."""
    ModelPage(
        VizModel,
        components=[Summary, Utility, Cobweb, Rates, Network, Rules],
        model_params=model_params,
        name=PAGE_TITLE,
    )
