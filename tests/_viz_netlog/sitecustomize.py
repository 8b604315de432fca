"""Records every host the visualization server resolves or connects to (browser test only).

``tests/test_viz_browser.py`` puts this folder first on the server's ``PYTHONPATH``
and names a log file in ``HMLSIM_TEST_NETLOG``; Python then imports this module at
start-up in the ``hmlsim viz`` process and in the Solara server it starts, and an
audit hook appends one line per ``socket.connect``, ``socket.getaddrinfo`` and
``socket.gethostbyname``: ``<pid> <event> <host>``. Without the variable it does
nothing.
"""

from __future__ import annotations

import os
import sys

_LOG = os.environ.get("HMLSIM_TEST_NETLOG")


def _host(event: str, args: tuple) -> str | None:
    if event == "socket.connect":
        address = args[1]
        return str(address[0]) if isinstance(address, tuple) else None  # AF_UNIX: a path
    if event in ("socket.getaddrinfo", "socket.gethostbyname"):
        host = args[0]
        return host.decode(errors="replace") if isinstance(host, bytes) else host
    return None


def _record(event: str, args: tuple) -> None:
    host = _host(event, args)
    if host is not None:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event} {host}\n")


if _LOG:
    sys.addaudithook(_record)
