"""The page's controls and status line: values on show, pending changes said, errors in words.

Mesa's ``SolaraViz`` draws the controls of ``model_params`` with its
``UserInputs`` component; :func:`use_labelled_controls` puts
:func:`ControlInputs` in its place, which draws the same inputs with

- every slider's value in its label (and on its thumb while it moves);
- a note on each control changed since the model on the page was built, and a
  line above them all saying that changes apply on *Reset*.

The model on the page records the parameters it was built with in
:data:`applied` (:meth:`hmlsim.visualization.app.VizModel.__init__`), which is how
a control knows it differs from the running model. :func:`Status` names the
browser tab and shows a model's error as a message in the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara
from mesa.visualization import solara_viz
from mesa.visualization.utils import update_counter

#: the browser tab's title
PAGE_TITLE = "hmlsim: human–ML collaboration"

#: parameters of the model on the page (set when a model is built, e.g. on Reset)
applied: solara.Reactive[dict[str, Any]] = solara.reactive({})

APPLIES_ON_RESET = "applies on Reset"


def shown(value: Any) -> str:
    """A control's value as text: ``0.15``, ``3``, ``heart``."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def pending(chosen: Mapping[str, Any], running: Mapping[str, Any]) -> list[str]:
    """Names of the controls whose value differs from the model on the page."""
    return [name for name, value in chosen.items() if name in running and running[name] != value]


@solara.component
def ControlInputs(
    user_params: dict[str, dict], on_change: Callable[[str, Any], None] | None = None
):
    """Mesa's ``UserInputs`` with values shown and changes marked as applying on Reset.

    Parameters
    ----------
    user_params : dict
        The user-adjustable entries of ``model_params`` (``type``, ``value``,
        ``label``, ``min``, ``max``, ``step``, ``values``).
    on_change : callable
        ``on_change(name, value)``, Mesa's handler that records the value for Reset.
    """
    start = {name: options.get("value") for name, options in user_params.items()}
    chosen, set_chosen = solara.use_state(start)
    # until a Reset in this session builds a model, the page runs the one built at
    # import from the controls' start values
    changed = pending(chosen, applied.value or start)

    def change(name: str, value: Any) -> None:
        set_chosen(lambda old: {**old, name: value})
        if on_change is not None:
            on_change(name, value)

    if changed:
        labels = ", ".join(user_params[name].get("label", name) for name in changed)
        solara.Warning(f"Changed: {labels}. This {APPLIES_ON_RESET}: press Reset.", dense=True)
    for name, options in user_params.items():
        label = options.get("label", name)
        value = chosen[name]
        note = f" ({APPLIES_ON_RESET})" if name in changed else ""
        kind = options.get("type")

        def on_value(new: Any, name: str = name) -> None:
            change(name, new)

        if kind in ("SliderInt", "SliderFloat"):
            slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
            slider(
                f"{label}: {shown(value)}{note}",
                value=value,
                on_value=on_value,
                min=options.get("min"),
                max=options.get("max"),
                step=options.get("step"),
            )
        elif kind == "Select":
            solara.Select(
                f"{label}{note}", value=value, values=options.get("values"), on_value=on_value
            )
        elif kind == "Checkbox":
            solara.Checkbox(label=f"{label}{note}", value=value, on_value=on_value)
        elif kind == "InputText":
            solara.InputText(label=f"{label}{note}", value=value, on_value=on_value)
        else:
            raise ValueError(f"{kind} is not a supported input type")


def use_labelled_controls() -> None:
    """Draw ``SolaraViz``'s controls with :func:`ControlInputs` (Mesa 3.3's ``UserInputs``)."""
    solara_viz.UserInputs = ControlInputs


@solara.component
def Status(model: Any):
    """Names the browser tab; shows the model's error (``model.error``) as a message."""
    update_counter.get()
    solara.Title(PAGE_TITLE)
    error = getattr(model, "error", "")
    if error:
        solara.Error(error)
    else:
        solara.Info("Controls on the left apply when you press Reset.", dense=True)
