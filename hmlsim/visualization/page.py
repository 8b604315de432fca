"""The page's frame: one model per browser session, Mesa's controller, labelled controls.

Mesa's ``SolaraViz(model, ...)`` takes a model built once, at import, and every
browser session then steps that one object until it presses Reset (a new tab
opens at the step another tab reached, and a Step in one tab moves the other).
:func:`ModelPage` lays out the same page from Mesa's parts — its
``ModelController`` (Reset, play, Step), ``ShowSteps`` and ``ComponentsView`` —
around a model that each session builds for itself on its first render, and
draws the controls with :func:`~hmlsim.visualization.controls.ControlInputs`
(values on show, sliders as wide as the sidebar, the Play and Render intervals
included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.solara_viz import (
    ComponentsView,
    ModelController,
    ShowSteps,
    split_model_params,
)

from hmlsim.visualization.controls import ControlInputs, LabelledSlider

#: Mesa's playback controls: (label, unit, start, min, max, step)
PLAY_INTERVAL = ("Play interval", "ms", 100, 10, 500, 10)
RENDER_INTERVAL = ("Render interval", "steps", 1, 1, 100, 1)


def start_values(model_params: dict[str, Any]) -> dict[str, Any]:
    """Every model parameter at its start value (fixed ones as given)."""
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in model_params.items()}


@solara.component
def IntervalSlider(spec: tuple, value: solara.Reactive[int]):
    """One of Mesa's playback sliders, with its value in its label."""
    label, unit, _, low, high, step = spec
    LabelledSlider(
        f"{label} ({unit}): {value.value}",
        value=value.value,
        on_value=value.set,
        min=low,
        max=high,
        step=step,
        integer=True,
    )


@solara.component
def ModelPage(
    make_model: Callable[[dict[str, Any]], Any],
    components: list,
    model_params: dict[str, Any],
    name: str,
):
    """A Mesa model page whose model belongs to this browser session.

    Parameters
    ----------
    make_model : callable
        Builds a model from keyword parameters (the class itself, for Reset).
    components : list
        Solara components drawn with the model (Mesa's ``ComponentsView``).
    model_params : dict
        Controls and fixed parameters, in ``SolaraViz``'s format (plus the keys of
        :func:`~hmlsim.visualization.controls.ControlInputs`).
    name : str
        The page's title in its app bar.
    """
    user_params, _ = split_model_params(model_params)
    # built on this session's first render and kept across its renders: each tab has its own
    first = solara.use_memo(lambda: make_model(**start_values(model_params)), [])
    model = solara.use_reactive(first)
    parameters = solara.use_reactive(start_values(model_params))
    play_interval = solara.use_reactive(PLAY_INTERVAL[2])
    render_interval = solara.use_reactive(RENDER_INTERVAL[2])
    use_threads = solara.use_reactive(False)

    def on_change(key: str, value: Any) -> None:
        parameters.set({**parameters.value, key: value})

    with solara.AppBar():
        solara.AppBarTitle(name)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            IntervalSlider(PLAY_INTERVAL, play_interval)
            IntervalSlider(RENDER_INTERVAL, render_interval)
            ModelController(
                model,
                model_parameters=parameters,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=use_threads,
            )
        with solara.Card("Model Parameters"):
            ControlInputs(user_params, running=model.value.params, on_change=on_change)
        with solara.Card("Information"):
            ShowSteps(model.value)
    ComponentsView(list(components), model.value)
