"""The page's controls and status line: values on show, pending changes said, errors in words.

:func:`ControlInputs` draws the user-adjustable entries of ``model_params`` (the
format of Mesa's ``SolaraViz``: ``type``, ``value``, ``label``, ``min``, ``max``,
``step``, ``values``) with

- every slider's value in a line of its own above a slider as wide as the
  sidebar (:func:`LabelledSlider`), so that it can be moved with a mouse;
- a note on each control changed since the model on the page was built, and a
  line above them all saying that changes apply on *Reset*;
- two keys of its own: ``values_by = {"domain": {"classification": [...], ...}}``
  offers the values that belong to the chosen domain (a chosen value that does
  not belong is replaced by the first that does), and ``used_by = {"domain":
  ("classification",), "why": "..."}`` replaces a control that the chosen domain
  ignores by a line saying so.

:func:`Status` names the browser tab and shows a model's error as a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara
from mesa.visualization.utils import update_counter

#: the browser tab's title
PAGE_TITLE = "hmlsim: human–ML collaboration"

APPLIES_ON_RESET = "applies on Reset"


def shown(value: Any) -> str:
    """A control's value as text: ``0.15``, ``3``, ``heart``."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def pending(chosen: Mapping[str, Any], running: Mapping[str, Any]) -> list[str]:
    """Names of the controls whose value differs from the model on the page."""
    return [name for name, value in chosen.items() if name in running and running[name] != value]


def offered(options: Mapping[str, Any], chosen: Mapping[str, Any]) -> list[Any] | None:
    """The values a select offers given the other controls' values (``values_by``)."""
    by = options.get("values_by")
    if not by:
        return options.get("values")
    ((control, table),) = by.items()
    return list(table[chosen[control]])


def used(options: Mapping[str, Any], chosen: Mapping[str, Any]) -> bool:
    """Whether the model uses a control given the other controls' values (``used_by``)."""
    by = {k: v for k, v in (options.get("used_by") or {}).items() if k != "why"}
    return all(chosen.get(control) in values for control, values in by.items())


def consistent(params: Mapping[str, dict], chosen: Mapping[str, Any]) -> dict[str, Any]:
    """``chosen`` with every select's value among those it offers (else its first offer)."""
    fixed = dict(chosen)
    for name, options in params.items():
        values = offered(options, fixed)
        if values is not None and fixed.get(name) not in values:
            fixed[name] = values[0]
    return fixed


@solara.component
def LabelledSlider(
    label: str,
    value: float,
    on_value: Callable[[Any], None],
    min: float,
    max: float,
    step: float,
    integer: bool = False,
):
    """A slider with ``label`` on a line above it, so that its track takes the full width.

    (A long label beside a Vuetify slider takes the row and leaves the track no
    width at all.) While the thumb moves it shows the value; ``on_value`` is called
    once the mouse lets go (or a click or key press sets a value): a server
    round trip on every pixel of a drag would pull the thumb back mid-drag.
    """
    number = int if integer else float
    with solara.Column(gap="0px", classes=["hmlsim-slider"]):
        solara.Text(label)
        widget = solara.v.Slider(
            v_model=value, min=min, max=max, step=step, thumb_label=True, hide_details=True
        )
        solara.v.use_event(widget, "change", lambda _widget, _event, data: on_value(number(data)))


@solara.component
def ControlInputs(
    user_params: dict[str, dict],
    running: Mapping[str, Any],
    on_change: Callable[[str, Any], None] | None = None,
):
    """The model's controls, each value on show and each change marked as applying on Reset.

    Parameters
    ----------
    user_params : dict
        The user-adjustable entries of ``model_params``.
    running : mapping
        The parameters of the model on the page (a change is pending until they match).
    on_change : callable
        ``on_change(name, value)``: records the value for Reset.
    """
    start = consistent(user_params, {n: o.get("value") for n, o in user_params.items()})
    chosen, set_chosen = solara.use_state(start)
    changed = pending(chosen, running)

    def change(name: str, value: Any) -> None:
        new = consistent(user_params, {**chosen, name: value})
        set_chosen(new)
        if on_change is not None:
            for key in sorted(k for k in new if new[k] != chosen.get(k) or k == name):
                on_change(key, new[key])

    # every element keyed, so that a note appearing above a slider while it is dragged
    # does not make a new slider (and end the drag)
    with solara.Column(gap="0px").key("pending"):
        if changed:
            labels = ", ".join(user_params[name].get("label", name) for name in changed)
            solara.Warning(f"Changed: {labels}. This {APPLIES_ON_RESET}: press Reset.", dense=True)
    unused = []
    for name, options in user_params.items():
        label = options.get("label", name)
        if not used(options, chosen):
            why = options.get("used_by", {}).get("why")
            unused.append(f"{label} ({why})" if why else label)
            continue
        value = chosen[name]
        note = f" ({APPLIES_ON_RESET})" if name in changed else ""
        kind = options.get("type")

        def on_value(new: Any, name: str = name) -> None:
            change(name, new)

        if kind in ("SliderInt", "SliderFloat"):
            LabelledSlider(
                f"{label}: {shown(value)}{note}",
                value=value,
                on_value=on_value,
                min=options.get("min"),
                max=options.get("max"),
                step=options.get("step"),
                integer=kind == "SliderInt",
            ).key(name)
        elif kind == "Select":
            solara.Select(
                f"{label}{note}", value=value, values=offered(options, chosen), on_value=on_value
            ).key(name)
        elif kind == "Checkbox":
            solara.Checkbox(label=f"{label}{note}", value=value, on_value=on_value).key(name)
        elif kind == "InputText":
            solara.InputText(label=f"{label}{note}", value=value, on_value=on_value).key(name)
        else:
            raise ValueError(f"{kind} is not a supported input type")
    if unused:
        domain = chosen.get("domain", "chosen")
        solara.Info(f"Not used in the {domain} domain: {'; '.join(unused)}.", dense=True).key(
            "unused"
        )


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
