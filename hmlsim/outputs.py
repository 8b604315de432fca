"""Output files written atomically: under a temporary name, then renamed into place.

Every file hmlsim writes as a result (``summary.json``, ``config.json``, tables,
figures, manifests, reports) goes through :func:`atomic_path`: the content is
written to a hidden temporary file in the same folder and moved to its final
name with :func:`os.replace` only once it is complete. A write that fails
midway (a full disk, a killed process) leaves no file under the final name, and
the temporary file is removed when the failure is an exception.

Only the standard library is imported here, so any module may use it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: the name of a temporary file of :func:`atomic_path`: ``.<stem>.tmp-<pid><suffix>``
_TEMPORARY = re.compile(r"\.(?P<stem>.+)\.tmp-\d+(?P<suffix>\.[^.]*)?")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; renamed to ``path`` on success.

    The temporary file sits in the same folder (so the rename is atomic) and
    keeps the suffix (so writers that choose a format by suffix, like
    matplotlib, still do): ``out/phi.png`` is written as ``out/.phi.tmp-<pid>.png``.

    Parameters
    ----------
    path : str or Path
        The final name. Its folder is created if missing.

    Yields
    ------
    Path
        Where to write.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(error, OSError) and error.errno is not None:  # name the final file
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


def final_name(path: str | Path) -> Path:
    """The name :func:`atomic_path`'s temporary ``path`` is renamed to (others unchanged).

    Examples
    --------
    >>> final_name("out/.phi.tmp-123.png"), final_name("out/phi.png")
    (PosixPath('out/phi.png'), PosixPath('out/phi.png'))
    """
    path = Path(path)
    match = _TEMPORARY.fullmatch(path.name)
    if match is None:
        return path
    return path.with_name(match["stem"] + (match["suffix"] or ""))


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def save_figure(fig: Any, path: str | Path, **savefig: Any) -> Path:
    """``fig.savefig(path, **savefig)`` atomically; return ``path``.

    The format is chosen from ``path``'s suffix, as matplotlib does.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, **savefig)
    return path
