"""A strict JSON reader for tests: NaN, Infinity and -Infinity are errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _refuse(constant: str) -> Any:
    raise ValueError(f"non-standard JSON constant {constant}")


def load_strict(path: str | Path) -> Any:
    """Parse ``path`` as standard JSON (RFC 8259): ``NaN`` or ``Infinity`` raise ValueError."""
    return json.loads(Path(path).read_text(), parse_constant=_refuse)
