"""Scenario modules used only by the sweep tests (importable as ``sweep_fixtures.<name>``)."""
