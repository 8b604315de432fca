"""Shared figure helpers: the wording of figures, and a checker of rendered figures.

- :mod:`hmlsim.plotting.check`: :func:`~hmlsim.plotting.check.check_figure` reports
  legends over data, overlapping texts, empty panels and legend entries that
  draw nothing; :func:`~hmlsim.plotting.check.capture_figures` checks every
  figure saved inside a ``with`` block.
"""
