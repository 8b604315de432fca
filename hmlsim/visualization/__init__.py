"""The interactive visualization server of hmlsim (Mesa SolaraViz, ``hmlsim viz``).

- :mod:`~hmlsim.visualization.app` — the page: ``model_params``, views, ``page``;
- :mod:`~hmlsim.visualization.cli` — the ``hmlsim viz`` sub-command;
- :mod:`~hmlsim.visualization.assets` — Solara's front-end files for offline use.

Nothing heavy is imported here: ``app`` imports Solara and builds a model.
"""
