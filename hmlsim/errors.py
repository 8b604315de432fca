"""Errors that hmlsim raises for bad input.

Every check of user input (a configuration field, a data file, a parameter)
raises :class:`ConfigError`, which names the offending field and what is
accepted. The command-line interface turns it into a one-line message.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """Bad input: names the field and what it accepts.

    Parameters
    ----------
    field : str
        The argument, option or configuration key that is wrong (``"--points"``,
        ``"epsilon"``, ``"target_column"``).
    message : str
        What is wrong and what is accepted.

    Examples
    --------
    >>> str(ConfigError("epsilon", "must be > 0, got -1"))
    'epsilon: must be > 0, got -1'
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_probability(field: str, value: float) -> float:
    """Return ``value`` if it lies in [0, 1], else raise :class:`ConfigError`."""
    if not 0.0 <= float(value) <= 1.0:
        raise ConfigError(field, f"must lie in [0, 1], got {value!r}")
    return float(value)


def check_positive(field: str, value: float) -> float:
    """Return ``value`` if it is > 0, else raise :class:`ConfigError`."""
    if not float(value) > 0.0:
        raise ConfigError(field, f"must be > 0, got {value!r}")
    return float(value)


def check_choice(field: str, value: str, accepted: list[str] | tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``accepted``, else raise :class:`ConfigError`."""
    if value not in accepted:
        raise ConfigError(field, f"must be one of {', '.join(map(str, accepted))}; got {value!r}")
    return value
