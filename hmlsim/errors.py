"""Errors that hmlsim raises for bad input.

Every check of user input (a configuration field, a data file, a parameter)
raises :class:`ConfigError`, which names the offending field and what is
accepted. The command-line interface turns it into a one-line message.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import Any, NoReturn


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


def _real(field: str, value: object) -> float:
    """``value`` as a float if it is a finite real number (not a bool, string or array)."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        shown = type(value).__name__ if value is not None else "None"
        raise ConfigError(field, f"must be a finite number, got {value!r} ({shown})")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ConfigError(field, f"must be a finite number, got {value!r}")
    return number


def check_number(
    field: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Return ``value`` as a float if it is a finite real number within the bounds.

    Parameters
    ----------
    field : str
        Named in the error.
    value : object
        A real number: bools, strings, ``None``, arrays, NaN and infinities are rejected.
    minimum, maximum : float, optional
        Inclusive bounds (``minimum`` exclusive when ``strict_minimum``).
    strict_minimum : bool, default False
        Require ``value > minimum`` instead of ``>=``.

    Raises
    ------
    ConfigError
        Naming ``field`` and what it accepts.

    Examples
    --------
    >>> check_number("beta", 0.5, minimum=0.0)
    0.5
    >>> check_number("beta", float("nan"))
    Traceback (most recent call last):
    ...
    hmlsim.errors.ConfigError: beta: must be a finite number, got nan
    """
    number = _real(field, value)
    if minimum is not None:
        if strict_minimum and not number > minimum:
            raise ConfigError(field, f"must be a finite number > {minimum:g}, got {value!r}")
        if not strict_minimum and not number >= minimum:
            raise ConfigError(field, f"must be a finite number >= {minimum:g}, got {value!r}")
    if maximum is not None and not number <= maximum:
        raise ConfigError(field, f"must be a finite number <= {maximum:g}, got {value!r}")
    return number


def check_probability(field: str, value: float) -> float:
    """Return ``value`` if it is a number in [0, 1], else raise :class:`ConfigError`."""
    number = _real(field, value)
    if not 0.0 <= number <= 1.0:
        raise ConfigError(field, f"must lie in [0, 1], got {value!r}")
    return number


def check_positive(field: str, value: float) -> float:
    """Return ``value`` if it is a finite number > 0, else raise :class:`ConfigError`."""
    return check_number(field, value, minimum=0.0, strict_minimum=True)


def check_alpha(field: str, value: object) -> float:
    """Return ``value`` if it is a cost α of a contradiction: a number in [0, 1].

    The papers' α is a share of a decision's loss (0: contradictions are free,
    1: a contradiction costs as much as a wrong decision); every α of hmlsim
    is checked here.
    """
    number = _real(field, value)
    if not 0.0 <= number <= 1.0:
        raise ConfigError(
            field,
            f"the cost α of a contradiction is a share of a decision's loss, in [0, 1]; "
            f"got {value!r}",
        )
    return number


def check_count(
    field: str, value: object, *, minimum: int = 1, maximum: int | None = None, why: str = ""
) -> int:
    """Return ``value`` if it is an integer within [``minimum``, ``maximum``].

    Parameters
    ----------
    field : str
        Named in the error.
    value : object
        An int (or an integral float); bools, strings and None are rejected.
    minimum, maximum : int, optional
        Inclusive bounds.
    why : str
        Appended to the error (``"longer than the run (epochs = 6)"``).

    Examples
    --------
    >>> check_count("patience", 3, maximum=10)
    3
    >>> check_count("n_eval", 0)
    Traceback (most recent call last):
    ...
    hmlsim.errors.ConfigError: n_eval: must be an integer >= 1, got 0
    """
    import numbers

    integral = isinstance(value, numbers.Integral) or (
        isinstance(value, float) and value.is_integer()
    )
    if isinstance(value, bool) or not integral:
        raise ConfigError(field, f"must be an integer >= {minimum}, got {value!r}")
    number = int(value)
    if number < minimum:
        raise ConfigError(field, f"must be an integer >= {minimum}, got {value!r}")
    if maximum is not None and number > maximum:
        reason = f" ({why})" if why else ""
        raise ConfigError(field, f"must be an integer <= {maximum:,}{reason}, got {value!r}")
    return number


#: the longest path hmlsim accepts (Linux's PATH_MAX) and the longest name in it
MAX_PATH, MAX_NAME = 4096, 255


def check_path(field: str, value: object, *, must_exist: bool = True) -> Path:
    """Return ``value`` as a Path if it can name a file: text, no NUL, not too long.

    With ``must_exist`` the path must lead (through any symlinks, without a
    loop) to a regular file: a folder, a FIFO or a device is refused, so
    reading it can neither fail half-way nor block.

    Raises
    ------
    ConfigError
        ``field``, saying what is wrong with the path.
    """
    import os

    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise ConfigError(field, f"expected a path, got {value!r}")
    text = os.fspath(value)
    if not text:
        raise ConfigError(field, "expected a path, got an empty one")
    shown = text if len(text) <= 80 else f"{text[:60]}... ({len(text):,} characters)"
    if "\0" in text:
        raise ConfigError(field, f"a path cannot hold a NUL character: {shown!r}")
    if len(text) > MAX_PATH or any(len(part) > MAX_NAME for part in text.split("/")):
        raise ConfigError(
            field, f"path too long (at most {MAX_PATH} characters, {MAX_NAME} per name): {shown}"
        )
    path = Path(text).expanduser()
    if not must_exist:
        return path
    try:
        real = path.resolve(strict=True)
        regular = real.is_file()
    except RuntimeError:  # a symlink loop (Python < 3.13)
        raise ConfigError(field, f"symlink loop: {shown}") from None
    except OSError as error:
        why = "no such file" if isinstance(error, FileNotFoundError) else error.strerror
        if getattr(error, "errno", None) == 40:  # ELOOP
            why = "symlink loop"
        raise ConfigError(field, f"{why}: {shown}") from None
    if not regular:
        raise ConfigError(field, f"not a regular file: {shown}")
    return path


def read_text_file(field: str, value: object) -> str:
    """The text of the UTF-8 file ``value`` (checked with :func:`check_path`).

    Raises
    ------
    ConfigError
        ``field``: not a readable regular file, or not UTF-8 text.
    """
    path = check_path(field, value)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(field, f"{path} is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise ConfigError(field, f"cannot read {path}: {error.strerror}") from None


def check_type(field: str, value: object, cls: type | tuple[type, ...], what: str) -> Any:
    """Return ``value`` if it is an instance of ``cls``, else raise :class:`ConfigError`.

    ``what`` says what is expected (``"a Dataset (hmlsim.data.load_dataset)"``).
    """
    if not isinstance(value, cls):
        raise ConfigError(field, f"expected {what}, got {type(value).__name__}")
    return value


def check_choice(field: str, value: str, accepted: list[str] | tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``accepted``, else raise :class:`ConfigError`."""
    try:
        known = value in accepted
    except TypeError:  # an unhashable value against a set-like ``accepted``
        known = False
    if not known:
        raise ConfigError(field, f"must be one of {', '.join(map(str, accepted))}; got {value!r}")
    return value


def check_writable_folder(field: str, folder: str | Path) -> Path:
    """Create ``folder`` (and its parents) and check that a file can be written there.

    Called before any computation, so an output folder that cannot be written
    fails at once rather than after the work is done.

    Raises
    ------
    ConfigError
        ``field``, naming the folder and why it cannot be written.
    """
    import tempfile  # here, not at the top: ``hmlsim --help`` imports this module

    folder = check_path(field, folder, must_exist=False)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".hmlsim-write-check-"):
            pass
    except OSError as error:
        why = error.strerror or str(error)
        raise ConfigError(field, f"cannot write into {folder}: {why}") from None
    return folder


def os_error_line(error: OSError) -> str:
    """One line for a system error that stopped a command (a full disk, a file it cannot read).

    Examples
    --------
    >>> import errno
    >>> os_error_line(OSError(errno.ENOSPC, "No space left on device", "out/runs.csv"))
    'out/runs.csv: No space left on device'
    """
    why = error.strerror or str(error) or type(error).__name__
    return f"{error.filename}: {why}" if error.filename else why


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, with a "did you mean".

    ``prog: error: message`` on stderr and exit status 2, like every other bad
    input; ``prog --help`` shows the usage. An unrecognised option names the
    closest known one. Sub-parsers made by ``add_subparsers`` are of this class too.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``message`` on one line and exit with status 2."""
        hint = ""
        if message.startswith("unrecognized arguments:"):
            words = [w for w in message.split(":", 1)[1].split() if w.startswith("--")]
            known = [o for o in self._option_string_actions if o.startswith("--")]
            close = (
                difflib.get_close_matches(words[0].split("=")[0], known, n=1, cutoff=0.75)
                if words
                else []
            )
            hint = f"; did you mean {close[0]}?" if close else f" (see {self.prog} --help)"
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")
